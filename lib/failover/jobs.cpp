#include "failover/jobs.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "core/time.hpp"

extern char** environ;  // NOLINT: POSIX

namespace gbpm::failover {
namespace {

constexpr std::string_view k_default_path = "/usr/local/bin:/usr/bin:/bin";

}  // namespace

bool is_job_variable(std::string_view name) {
  // Locale, identity, paths and what the gbpm tools read; nothing that
  // changes how a program is loaded (LD_PRELOAD, LD_LIBRARY_PATH, ...), and
  // none of systemd's NOTIFY_SOCKET/WATCHDOG_*/LISTEN_*, with which a job
  // could ping the monitor's watchdog or claim its sockets.
  static constexpr std::array<std::string_view, 24> kNames = {"PATH",
                                                              "HOME",
                                                              "USER",
                                                              "LOGNAME",
                                                              "SHELL",
                                                              "LANG",
                                                              "LANGUAGE",
                                                              "TZ",
                                                              "TMPDIR",
                                                              "XDG_STATE_HOME",
                                                              "XDG_RUNTIME_DIR",
                                                              "CREDENTIALS_DIRECTORY",
                                                              "GOOGLE_APPLICATION_CREDENTIALS",
                                                              "CLOUDSDK_CONFIG",
                                                              "GCE_METADATA_HOST",
                                                              "SSL_CERT_FILE",
                                                              "SSL_CERT_DIR",
                                                              "http_proxy",
                                                              "https_proxy",
                                                              "no_proxy",
                                                              "HTTP_PROXY",
                                                              "HTTPS_PROXY",
                                                              "NO_PROXY",
                                                              "MAILTO"};
  if (name.substr(0, 5) == "GBPM_" || name.substr(0, 3) == "LC_") return true;
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

namespace {

std::string resolve_program(const std::string& program, const std::string& search_path) {
  if (program.find('/') != std::string::npos) return program;
  std::string_view rest = search_path;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = fmt::format("{}/{}", dir, program);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return "stopped";
}

int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

long long millis(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Frees posix_spawn attribute/action objects on every path.
struct SpawnGuard {
  posix_spawnattr_t attr{};
  posix_spawn_file_actions_t actions{};
  bool attr_ok = false;
  bool actions_ok = false;
  int log_fd = -1;
  SpawnGuard() = default;
  SpawnGuard(const SpawnGuard&) = delete;
  SpawnGuard& operator=(const SpawnGuard&) = delete;
  ~SpawnGuard() {
    if (attr_ok) posix_spawnattr_destroy(&attr);
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
    if (log_fd >= 0) ::close(log_fd);
  }
};

}  // namespace

Result<pid_t> spawn_in_group(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                             const std::string& search_path, const std::string& log_file) {
  if (argv.empty()) return make_error(ErrorKind::internal, "spawn: empty argument vector");
  const std::string program = resolve_program(argv.front(), search_path);
  if (program.empty()) {
    return make_error(ErrorKind::config, fmt::format("\"{}\" not found in PATH {}", argv.front(), search_path));
  }
  SpawnGuard g;
  if (!log_file.empty()) {
    g.log_fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (g.log_fd < 0) {
      return make_error(ErrorKind::output, fmt::format("cannot open log file {}: {}", log_file, std::strerror(errno)));
    }
  }
  if (posix_spawnattr_init(&g.attr) != 0) return make_error(ErrorKind::internal, "posix_spawnattr_init failed");
  g.attr_ok = true;
  if (posix_spawn_file_actions_init(&g.actions) != 0) {
    return make_error(ErrorKind::internal, "posix_spawn_file_actions_init failed");
  }
  g.actions_ok = true;
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigfillset(&defaults);
  posix_spawnattr_setsigmask(&g.attr, &empty);
  posix_spawnattr_setsigdefault(&g.attr, &defaults);
  posix_spawnattr_setpgroup(&g.attr, 0);
  posix_spawnattr_setflags(&g.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_addopen(&g.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (g.log_fd >= 0) {
    posix_spawn_file_actions_adddup2(&g.actions, g.log_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&g.actions, g.log_fd, STDERR_FILENO);
  }

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));  // NOLINT: POSIX API
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));  // NOLINT: POSIX API
  cenv.push_back(nullptr);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &g.actions, &g.attr, cargv.data(), cenv.data());
  if (rc != 0) {
    return make_error(ErrorKind::unavailable, fmt::format("cannot start {}: {}", program, std::strerror(rc)));
  }
  return pid;
}

JobRunner::JobRunner(std::vector<schedule::CrontabJob> jobs, JobRunnerOptions options, log::Logger& log)
    : m_options(std::move(options)), m_log(log) {
  for (auto& spec : jobs) {
    Job job{std::move(spec), {}, -1, {}, std::nullopt, false, {}};
    job.stats.name = job.spec.name();
    job.stats.schedule = job.spec.schedule_text;
    m_jobs.push_back(std::move(job));
  }
  std::vector<std::pair<std::string, std::string>> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos || !is_job_variable(entry.substr(0, eq))) continue;
    vars.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  // A crontab assignment replaces the inherited variable of that name.
  for (const auto& assignment : m_options.env) {
    if (!is_job_variable(assignment.first)) {
      m_log.warn("crontab variable not passed to jobs: not an allowed name", {{"name", assignment.first}});
      continue;
    }
    std::erase_if(vars, [&assignment](const auto& v) { return v.first == assignment.first; });
    vars.push_back(assignment);
  }
  m_path = std::string(k_default_path);
  m_env.reserve(vars.size());
  for (const auto& [name, value] : vars) {
    if (name == "PATH") m_path = value;
    m_env.push_back(fmt::format("{}={}", name, value));
  }
}

JobRunner::~JobRunner() {
  for (auto& job : m_jobs) {
    if (job.pid <= 0) continue;
    ::kill(-job.pid, SIGKILL);
    int status = 0;
    ::waitpid(job.pid, &status, 0);
  }
}

void JobRunner::start(core::TimePoint now) {
  if (m_scheduling) return;
  m_scheduling = true;
  m_stop_deadline.reset();
  for (auto& job : m_jobs) job.next_fire = job.spec.schedule.next_after(now);
  m_log.info("job scheduling started", {{"jobs", m_jobs.size()}});
}

void JobRunner::stop(core::TimePoint now) {
  if (!m_scheduling && m_stop_deadline) return;
  m_scheduling = false;
  m_stop_deadline = now + m_options.stop_grace;
  m_log.info("job scheduling stopped; running jobs may finish",
             {{"running", running_count()}, {"grace_ms", m_options.stop_grace.count()}});
}

void JobRunner::terminate(core::TimePoint now) {
  m_scheduling = false;
  m_stop_deadline = now;
  for (auto& job : m_jobs) {
    if (job.pid > 0 && !job.term_sent) signal_group(job, SIGTERM, "shutdown", now);
  }
}

std::size_t JobRunner::running_count() const {
  return static_cast<std::size_t>(std::count_if(m_jobs.begin(), m_jobs.end(), [](const Job& j) { return j.pid > 0; }));
}

std::vector<JobStats> JobRunner::stats() const {
  std::vector<JobStats> out;
  for (const auto& job : m_jobs) {
    out.push_back(job.stats);
    out.back().running = job.pid > 0;
  }
  return out;
}

std::optional<core::TimePoint> JobRunner::next_fire() const {
  if (!m_scheduling || m_jobs.empty()) return std::nullopt;
  core::TimePoint best = core::TimePoint::max();
  for (const auto& job : m_jobs) best = std::min(best, job.next_fire);
  return best;
}

void JobRunner::signal_group(Job& job, int sig, std::string_view why, core::TimePoint now) {
  if (job.pid <= 0) return;
  m_log.warn(
      sig == SIGKILL ? "killing job" : "terminating job",
      {{"job", job.stats.name}, {"pid", job.pid}, {"reason", why}, {"running_ms", millis(now - job.started_at)}});
  ::kill(-job.pid, sig);
  if (sig == SIGKILL) {
    job.killed = true;
  } else {
    job.term_sent = now;
  }
}

void JobRunner::reap(Job& job) {
  if (job.pid <= 0) return;
  // Look without reaping first: while the leader is an unreaped zombie its
  // process group id cannot be reused, so killing the group is safe.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(job.pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
    return;
  }
  ::kill(-job.pid, SIGKILL);  // anything the job left behind in its group
  int status = 0;
  if (::waitpid(job.pid, &status, 0) != job.pid) return;
  const int code = status_code(status);
  job.stats.last_exit = code;
  if (code != 0) ++job.stats.failed;
  const bool timed_out = job.term_sent.has_value() || job.killed;
  if (code == 0) {
    m_log.info("job finished", {{"job", job.stats.name}, {"pid", job.pid}, {"result", describe_status(status)}});
  } else {
    m_log.warn(timed_out ? "job stopped" : "job failed",
               {{"job", job.stats.name}, {"pid", job.pid}, {"result", describe_status(status)}});
  }
  job.pid = -1;
  job.term_sent.reset();
  job.killed = false;
}

void JobRunner::launch(Job& job, core::TimePoint now) {
  const std::string log_file = job.spec.log_file.value_or("");
  auto pid = spawn_in_group(job.spec.argv, m_env, m_path, log_file);
  if (!pid) {
    ++job.stats.failed;
    job.stats.last_exit = 127;
    m_log.error("job could not start",
                {{"job", job.stats.name}, {"line", job.spec.line}, {"error", pid.error().message}});
    return;
  }
  job.pid = *pid;
  job.started_at = now;
  ++job.stats.started;
  m_log.info("job started", {{"job", job.stats.name},
                             {"pid", job.pid},
                             {"scheduled", core::format_utc(job.next_fire)},
                             {"log", log_file.empty() ? std::string("-") : log_file}});
}

void JobRunner::tick(core::TimePoint now) {
  for (auto& job : m_jobs) {
    reap(job);
    if (job.pid <= 0) continue;
    if (!job.term_sent && !job.killed && now - job.started_at >= m_options.timeout) {
      ++job.stats.timed_out;
      signal_group(job, SIGTERM, fmt::format("timeout after {} ms", m_options.timeout.count()), now);
    } else if (!job.term_sent && !job.killed && m_stop_deadline && now >= *m_stop_deadline) {
      signal_group(job, SIGTERM, "standby grace period over", now);
    } else if (job.term_sent && !job.killed && now - *job.term_sent >= m_options.kill_after) {
      signal_group(job, SIGKILL, "did not exit after SIGTERM", now);
    }
  }
  if (!m_scheduling) return;
  for (auto& job : m_jobs) {
    if (job.next_fire > now) continue;
    const core::TimePoint due = job.next_fire;
    // Fire times missed entirely (the loop was blocked past more than one)
    // are not made up: the job runs once for the latest of them.
    if (job.pid > 0) {
      ++job.stats.skipped_overlap;
      m_log.warn("job skipped: previous run still going", {{"job", job.stats.name},
                                                           {"scheduled", core::format_utc(due)},
                                                           {"running_since", core::format_utc(job.started_at)}});
    } else {
      launch(job, now);
    }
    job.next_fire = job.spec.schedule.next_after(now);
  }
}

void JobRunner::wait_all(core::Clock& clock, std::chrono::milliseconds limit) {
  const auto start = clock.now();
  while (running_count() > 0) {
    const auto now = clock.now();
    for (auto& job : m_jobs) {
      reap(job);
      if (job.pid > 0 && !job.killed && (now - start >= m_options.kill_after || now - start >= limit)) {
        signal_group(job, SIGKILL, "did not exit after SIGTERM", now);
      }
    }
    if (running_count() == 0) break;
    if (now - start >= limit + std::chrono::seconds{1}) break;
    clock.sleep_for(std::chrono::milliseconds{50});
  }
}

}  // namespace gbpm::failover
