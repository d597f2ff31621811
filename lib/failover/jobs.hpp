#pragma once
// Runs crontab jobs while this host is ACTIVE: each job on its schedule (UTC),
// started with posix_spawn from its argument vector (never a shell), in its
// own process group so a timeout or shutdown kills everything it started,
// never overlapping itself, its output appended to its log file.
//
// The runner reads no clock: every call passes "now" on the scheduler's
// timeline, so tests drive schedules with a fake clock while the processes are
// real. All durations below are measured on that timeline.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "schedule/crontab.hpp"

namespace gbpm::failover {

struct JobRunnerOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes{15}};     // per run; then SIGTERM to its process group
  std::chrono::milliseconds kill_after{std::chrono::seconds{10}};  // SIGTERM → SIGKILL
  std::chrono::milliseconds stop_grace{std::chrono::seconds{60}};  // after stop(): time for running jobs to finish
  // Environment of every job: the allowed names (is_job_variable) of the
  // monitor's own, overlaid with these NAME=value assignments (the crontab's
  // env lines) when their names are allowed too; others are logged and dropped.
  std::vector<std::pair<std::string, std::string>> env;
};

// Per-job counters, for logs and the status file.
struct JobStats {
  std::string name;
  std::string schedule;
  std::uint64_t started = 0;
  std::uint64_t skipped_overlap = 0;  // fire times skipped because the previous run was still going
  std::uint64_t failed = 0;           // non-zero exit, killed, or could not start
  std::uint64_t timed_out = 0;
  std::optional<int> last_exit;  // exit code, or 128+signal
  bool running = false;
};

class JobRunner {
 public:
  JobRunner(std::vector<schedule::CrontabJob> jobs, JobRunnerOptions options, log::Logger& log);
  ~JobRunner();  // kills (SIGKILL) and reaps any process group still running
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Begins scheduling: each job next fires at its first fire time strictly
  // after `now`. Calling it while scheduling does nothing.
  void start(core::TimePoint now);
  // Stops scheduling; running jobs get `stop_grace` to finish, then SIGTERM,
  // then SIGKILL (driven by tick()).
  void stop(core::TimePoint now);
  // Stops scheduling and sends SIGTERM to every running job's process group at
  // once (shutdown); tick() escalates to SIGKILL after kill_after.
  void terminate(core::TimePoint now);

  // Reaps finished jobs, enforces timeouts and the stop grace, and starts
  // jobs whose fire time has come (a job still running at its fire time is
  // skipped and logged). Call it often (every few hundred ms).
  void tick(core::TimePoint now);

  [[nodiscard]] bool scheduling() const { return m_scheduling; }
  [[nodiscard]] std::size_t running_count() const;
  [[nodiscard]] std::vector<JobStats> stats() const;
  // The earliest upcoming fire time while scheduling.
  [[nodiscard]] std::optional<core::TimePoint> next_fire() const;

  // Blocks (polling every 50 ms, sleeping on `clock`) until no job runs or
  // `limit` passed on `clock`, escalating to SIGKILL after kill_after; used
  // on exit. Time is the caller's clock, so a test's fake clock decides when
  // a stubborn job is killed.
  void wait_all(core::Clock& clock, std::chrono::milliseconds limit);

 private:
  struct Job {
    schedule::CrontabJob spec;
    core::TimePoint next_fire{};
    pid_t pid = -1;  // also the process group id
    core::TimePoint started_at{};
    std::optional<core::TimePoint> term_sent;
    bool killed = false;
    JobStats stats;
  };
  void launch(Job& job, core::TimePoint now);
  void reap(Job& job);
  void signal_group(Job& job, int sig, std::string_view why, core::TimePoint now);

  std::vector<Job> m_jobs;
  JobRunnerOptions m_options;
  log::Logger& m_log;
  std::vector<std::string> m_env;  // final NAME=value strings for execve
  std::string m_path;              // PATH used to find argv[0] without a slash
  bool m_scheduling = false;
  std::optional<core::TimePoint> m_stop_deadline;  // when graceful stop turns into SIGTERM
};

// True for the environment names a job may receive: PATH, HOME, USER,
// LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ, TMPDIR, MAILTO, GBPM_*, the
// credential and state paths the tools read, CA and proxy settings.
bool is_job_variable(std::string_view name);

// posix_spawn `argv` (argv[0] absolute or found in `search_path`) in a new
// process group with default signal handling and an empty signal mask,
// stdin from /dev/null, stdout and stderr appended to `log_file` (created
// 0640 if missing) or inherited when empty. Returns the pid (= pgid).
Result<pid_t> spawn_in_group(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                             const std::string& search_path, const std::string& log_file);

}  // namespace gbpm::failover
