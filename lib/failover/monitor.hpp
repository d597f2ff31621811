#pragma once
// The failover-monitor daemon: check the primary every interval,
// feed the StateMachine, and while ACTIVE run the crontab's jobs; persist the
// state after every check, report transitions to the log and an optional
// webhook, and on stop terminate every job it started.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "failover/jobs.hpp"
#include "failover/probe.hpp"
#include "failover/state_machine.hpp"
#include "failover/state_store.hpp"
#include "net/http.hpp"
#include "schedule/crontab.hpp"

namespace gbpm::core {
class SystemdNotifier;
}
namespace gbpm::cli {
struct Context;
}

namespace gbpm::failover {

struct MonitorOptions {
  ProbeOptions probe;                         // GBPM_FAILOVER_PRIMARY_URL, _TIMEOUT, _TCP_PORT
  std::chrono::milliseconds interval{10000};  // GBPM_FAILOVER_INTERVAL
  Policy policy;                              // GBPM_FAILOVER_FALL, _RISE, _HOLD_DOWN
  std::string crontab_path;                   // GBPM_FAILOVER_CRONTAB (default /etc/cron.d/gbpm)
  // GBPM_FAILOVER_WEBHOOK_URL, else the systemd credential
  // $CREDENTIALS_DIRECTORY/failover-webhook-url; empty: no webhook.
  std::string webhook_url;
  std::chrono::milliseconds webhook_timeout{3000};
  JobRunnerOptions jobs;  // GBPM_FAILOVER_JOB_TIMEOUT, _STOP_GRACE
  // Speed of the job scheduler's timeline relative to the clock (testing
  // knob GBPM_FAILOVER_TIME_SCALE: 60 makes a scheduled minute last one
  // second). Job timeouts and grace periods run on the same timeline.
  double time_scale = 1.0;
  std::chrono::milliseconds tick{250};  // how often jobs are reaped/started between checks
};

// Reads the GBPM_FAILOVER_* keys (see known_keys()). Missing
// GBPM_FAILOVER_PRIMARY_URL or a bad value is ErrorKind::config naming the key.
Result<MonitorOptions> options_from_config(const config::Config& config);

// Reads and parses the crontab file (ErrorKind::config naming file:line).
Result<schedule::Crontab> load_crontab(const std::string& path);

struct MonitorDeps {
  net::HttpTransport& probe_transport;
  net::HttpTransport* webhook_transport = nullptr;  // nullptr: transitions only logged
  core::Clock& clock;                               // probe times and sleeps
  log::Logger& log;
  std::filesystem::path home;  // where failover-state.json lives
  const std::atomic<bool>* stop = nullptr;
  core::SystemdNotifier* notifier = nullptr;
  TcpProbe tcp = {};
};

class Monitor {
 public:
  Monitor(MonitorOptions options, schedule::Crontab crontab, MonitorDeps deps);

  // Loads failover-state.json: a monitor restarted while ACTIVE resumes
  // ACTIVE (and says so in the log and the webhook) and starts its jobs.
  Status resume();
  // One health check: probe, update the state machine, act on a transition
  // (start or stop jobs, alert), persist the state.
  void check_once();
  // Runs jobs and watchdog pings until `deadline` on the clock or stop.
  void idle_until(core::TimePoint deadline);
  // resume(), then check every interval until stop; then shutdown(). Returns
  // ok on a requested stop.
  Status run();
  // Stops scheduling, SIGTERMs every running job's process group, waits
  // (escalating to SIGKILL) and persists the final state.
  void shutdown();

  [[nodiscard]] const StateMachine& machine() const { return m_machine; }
  [[nodiscard]] const JobRunner& jobs() const { return m_jobs; }
  // The job scheduler's timeline (the clock, sped up by time_scale).
  [[nodiscard]] core::TimePoint schedule_now() const;

 private:
  void on_transition(const Transition& t, const std::optional<ProbeResult>& probe);
  void alert(const std::string& text);
  void persist();
  [[nodiscard]] bool stopping() const { return m_deps.stop != nullptr && m_deps.stop->load(); }

  MonitorOptions m_options;
  MonitorDeps m_deps;
  HealthProbe m_probe;
  StateMachine m_machine;
  JobRunner m_jobs;
  std::optional<ProbeResult> m_last_probe;
  core::TimePoint m_origin;
};

// The tool bodies: the daemon (takes its own instance lock; SIGTERM via
// `stop`) and `failover-monitor status` (prints format_status to `out`).
Status run_failover_monitor(cli::Context& ctx, const std::atomic<bool>& stop);
Status print_failover_status(cli::Context& ctx, std::FILE* out);

}  // namespace gbpm::failover
