#include "failover/monitor.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <system_error>

#include "cli/tool.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/paths.hpp"
#include "core/redact.hpp"
#include "core/service.hpp"
#include "core/time.hpp"
#include "json/writer.hpp"
#include "net/curl_transport.hpp"

namespace gbpm::failover {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view k_default_crontab = "/etc/cron.d/gbpm";
constexpr std::string_view k_webhook_credential = "failover-webhook-url";
constexpr std::size_t kMaxProbeBytes = std::size_t{1} << 20;

Result<milliseconds> duration_or(const config::Config& config, std::string_view key, milliseconds fallback,
                                 milliseconds min) {
  if (!config.has(key)) return fallback;
  auto d = config.get_duration(key);
  if (!d) return std::move(d).error();
  if (*d < min) {
    return make_error(ErrorKind::config, fmt::format("{} must be at least {} ms", key, min.count()));
  }
  return *d;
}

Result<long long> int_or(const config::Config& config, std::string_view key, long long fallback, long long min,
                         long long max) {
  if (!config.has(key)) return fallback;
  return config.get_int(key, min, max);
}

// The webhook URL's scheme and host only: Slack-style URLs carry their
// secret in the path.
std::string webhook_label(std::string_view url) {
  return core::redact_secret_url(url);
}

}  // namespace

Result<MonitorOptions> options_from_config(const config::Config& config) {
  MonitorOptions o;
  auto url = config.get_string("GBPM_FAILOVER_PRIMARY_URL");
  if (!url) {
    return make_error(ErrorKind::config,
                      "GBPM_FAILOVER_PRIMARY_URL is not set: the primary's health URL, e.g. "
                      "http://primary.example:8080/health");
  }
  if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
    return make_error(ErrorKind::config, "GBPM_FAILOVER_PRIMARY_URL must be an http:// or https:// URL");
  }
  o.probe.url = *url;
  auto interval = duration_or(config, "GBPM_FAILOVER_INTERVAL", milliseconds{10000}, milliseconds{10});
  auto timeout = duration_or(config, "GBPM_FAILOVER_TIMEOUT", milliseconds{5000}, milliseconds{1});
  auto hold = duration_or(config, "GBPM_FAILOVER_HOLD_DOWN", milliseconds{300000}, milliseconds{0});
  auto job_timeout = duration_or(config, "GBPM_FAILOVER_JOB_TIMEOUT", milliseconds{15 * 60 * 1000}, milliseconds{1});
  auto grace = duration_or(config, "GBPM_FAILOVER_STOP_GRACE", milliseconds{60000}, milliseconds{0});
  auto fall = int_or(config, "GBPM_FAILOVER_FALL", 3, 1, 1000);
  auto rise = int_or(config, "GBPM_FAILOVER_RISE", 5, 1, 1000);
  auto port = int_or(config, "GBPM_FAILOVER_TCP_PORT", 22, 0, 65535);
  auto scale = int_or(config, "GBPM_FAILOVER_TIME_SCALE", 1, 1, 3600);
  for (const Error* e :
       {interval.ok() ? nullptr : &interval.error(), timeout.ok() ? nullptr : &timeout.error(),
        hold.ok() ? nullptr : &hold.error(), job_timeout.ok() ? nullptr : &job_timeout.error(),
        grace.ok() ? nullptr : &grace.error(), fall.ok() ? nullptr : &fall.error(), rise.ok() ? nullptr : &rise.error(),
        port.ok() ? nullptr : &port.error(), scale.ok() ? nullptr : &scale.error()}) {
    if (e != nullptr) return *e;
  }
  o.interval = *interval;
  o.probe.timeout = std::min(*timeout, *interval);
  o.probe.tcp_port = static_cast<int>(*port);
  o.probe.tcp_timeout = std::min(milliseconds{2000}, o.probe.timeout);
  o.policy.fall = static_cast<int>(*fall);
  o.policy.rise = static_cast<int>(*rise);
  o.policy.hold_down = std::chrono::duration_cast<std::chrono::seconds>(*hold);
  o.jobs.timeout = *job_timeout;
  o.jobs.stop_grace = *grace;
  o.time_scale = static_cast<double>(*scale);
  o.crontab_path = config.get_string_or("GBPM_FAILOVER_CRONTAB", k_default_crontab);
  o.webhook_url = config.get_string_or("GBPM_FAILOVER_WEBHOOK_URL", "");
  if (o.webhook_url.empty()) {
    // Preferred: the URL as a systemd credential, so the secret in its path
    // stays out of the environment and --print-config.
    const std::string dir = config.get_string_or("CREDENTIALS_DIRECTORY", "");
    std::error_code ec;
    if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / k_webhook_credential, ec)) {
      auto text = core::read_file(std::filesystem::path(dir) / k_webhook_credential, 4096);
      if (!text) return text.error().with_context("failover webhook credential");
      std::string value = *text;
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) value.pop_back();
      o.webhook_url = std::move(value);
    }
  }
  if (!o.webhook_url.empty() && !core::is_https_or_loopback(o.webhook_url)) {
    return make_error(ErrorKind::config,
                      fmt::format("the failover webhook URL {} must be an https:// URL without user:password@: its "
                                  "path is a secret (plain http:// only to a loopback address)",
                                  webhook_label(o.webhook_url)));
  }
  return o;
}

Result<schedule::Crontab> load_crontab(const std::string& path) {
  const auto refuse = [&](const std::string& why) {
    return make_error(ErrorKind::config, fmt::format("refusing the crontab {} (GBPM_FAILOVER_CRONTAB): {}", path, why));
  };
  core::UniqueFd fd(core::retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC); }));
  if (!fd.valid()) {
    return make_error(
        ErrorKind::config,
        fmt::format("cannot read the crontab (GBPM_FAILOVER_CRONTAB): cannot open {}: {}", path, std::strerror(errno)));
  }
  // Its lines become commands and environment of jobs: like cron, accept it
  // only from root or our own user, and only when nobody else may change it.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return refuse(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return refuse("not a regular file");
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return refuse(
        fmt::format("owned by uid {}; only root or this service's user (uid {}) may own it", st.st_uid, ::geteuid()));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return refuse(fmt::format("writable by group or others (mode {:04o}); chmod go-w it", st.st_mode & 07777));
  }
  auto text = core::read_file(fd.get(), path, 1 << 20);
  if (!text) {
    return make_error(ErrorKind::config,
                      fmt::format("cannot read the crontab (GBPM_FAILOVER_CRONTAB): {}", text.error().message));
  }
  return schedule::parse_crontab(*text, path);
}

Monitor::Monitor(MonitorOptions options, schedule::Crontab crontab, MonitorDeps deps)
    : m_options(std::move(options)),
      m_deps(std::move(deps)),
      m_probe(m_deps.probe_transport, m_deps.clock, m_options.probe, m_deps.tcp),
      m_machine(m_options.policy, MachineState{Role::standby, m_deps.clock.now(), {}}),
      m_jobs(
          std::move(crontab.jobs),
          [&] {
            JobRunnerOptions j = m_options.jobs;
            for (const auto& e : crontab.env) j.env.emplace_back(e.name, e.value);
            return j;
          }(),
          m_deps.log),
      m_origin(m_deps.clock.now()) {}

core::TimePoint Monitor::schedule_now() const {
  const auto now = m_deps.clock.now();
  if (m_options.time_scale == 1.0) return now;
  const auto elapsed = std::chrono::duration<double, std::nano>(now - m_origin) * m_options.time_scale;
  return m_origin + std::chrono::duration_cast<core::TimePoint::duration>(elapsed);
}

Status Monitor::resume() {
  auto loaded = load_state(m_deps.home);
  if (!loaded) {
    m_deps.log.error("ignoring unreadable failover state; starting as STANDBY", {{"error", loaded.error().message}});
    return {};
  }
  if (!loaded->has_value()) {
    m_deps.log.info("no failover state yet; starting as STANDBY");
    return {};
  }
  const PersistedState& s = **loaded;
  m_machine = StateMachine(m_options.policy, s.machine);
  m_last_probe = s.last_probe;
  if (s.machine.role == Role::active) {
    const std::string text = fmt::format(
        "failover-monitor restarted while ACTIVE (since {}): staying ACTIVE and running the jobs until the primary "
        "is healthy again",
        core::format_utc(s.machine.since));
    m_deps.log.warn(text, {{"since", core::format_utc(s.machine.since)}});
    alert(text);
    m_jobs.start(schedule_now());
  } else {
    m_deps.log.info("resuming as STANDBY", {{"since", core::format_utc(s.machine.since)}});
  }
  persist();
  return {};
}

void Monitor::alert(const std::string& text) {
  if (m_deps.webhook_transport == nullptr || m_options.webhook_url.empty()) return;
  json::Writer w;
  w.begin_object().key("text").string(text).end_object();
  auto body = w.finish();
  if (!body) return;
  net::Request request;
  request.method = "POST";
  request.url = m_options.webhook_url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = *body;
  request.timeout = m_options.webhook_timeout;
  request.retry = net::RetryMode::never;
  const auto response = m_deps.webhook_transport->send(request);
  const std::string where = webhook_label(m_options.webhook_url);
  if (!response) {
    // A transport error quotes the URL it failed on: keep its path out.
    m_deps.log.warn(
        "webhook failed",
        {{"webhook", where}, {"error", core::scrub_secret_url(response.error().message, m_options.webhook_url)}});
  } else if (!response->success()) {
    m_deps.log.warn("webhook refused the alert", {{"webhook", where}, {"status", response->status}});
  } else {
    m_deps.log.debug("webhook delivered", {{"webhook", where}, {"status", response->status}});
  }
}

void Monitor::on_transition(const Transition& t, const std::optional<ProbeResult>& probe) {
  const std::string last = probe ? fmt::format("{} [{}]", probe->detail, failure_class_name(probe->failure)) : "";
  std::string text;
  if (t.to == Role::active) {
    text = fmt::format(
        "gbpm failover: primary {} is DOWN ({}; last check: {}). This secondary is now ACTIVE and "
        "runs the dashboard jobs.",
        core::redact_url(m_options.probe.url), t.reason, last);
    m_deps.log.warn("takeover: STANDBY -> ACTIVE", {{"reason", t.reason}, {"last_check", last}});
    m_jobs.start(schedule_now());
  } else {
    text = fmt::format("gbpm failover: primary {} is healthy again ({}). This secondary is back to STANDBY.",
                       core::redact_url(m_options.probe.url), t.reason);
    m_deps.log.warn("failback: ACTIVE -> STANDBY", {{"reason", t.reason}});
    m_jobs.stop(schedule_now());
  }
  alert(text);
}

void Monitor::check_once() {
  ProbeResult r = m_probe.check();
  if (r.healthy) {
    m_deps.log.debug("primary healthy", {{"latency_ms", r.latency.count()}});
  } else {
    m_deps.log.warn("primary check failed", {{"detail", r.detail},
                                             {"class", failure_class_name(r.failure)},
                                             {"consecutive", m_machine.state().counters.consecutive_failures + 1}});
  }
  m_last_probe = r;
  if (const auto t = m_machine.observe(r.healthy, r.at)) on_transition(*t, m_last_probe);
  persist();
}

void Monitor::persist() {
  PersistedState s;
  s.machine = m_machine.state();
  s.last_probe = m_last_probe;
  s.jobs = m_jobs.stats();
  s.updated_at = m_deps.clock.now();
  s.pid = static_cast<long>(::getpid());
  if (auto st = save_state(m_deps.home, s); !st) {
    m_deps.log.error("cannot persist the failover state", {{"error", st.error().message}});
  }
}

void Monitor::idle_until(core::TimePoint deadline) {
  while (!stopping()) {
    m_jobs.tick(schedule_now());
    if (m_deps.notifier != nullptr) {
      m_deps.notifier->ping_if_due(
          m_deps.clock.now(),
          fmt::format("{}, {} job(s) running", role_name(m_machine.state().role), m_jobs.running_count()));
    }
    const auto now = m_deps.clock.now();
    if (now >= deadline) break;
    m_deps.clock.sleep_for(
        std::min(m_options.tick, std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds{1}));
  }
}

Status Monitor::run() {
  if (auto st = resume(); !st) return st;
  if (m_deps.notifier != nullptr) {
    m_deps.notifier->notify(fmt::format("READY=1\nSTATUS={}", role_name(m_machine.state().role)));
  }
  auto next_check = m_deps.clock.now();
  while (!stopping()) {
    check_once();
    next_check += m_options.interval;
    const auto now = m_deps.clock.now();
    if (next_check < now) next_check = now;  // a slow probe: no burst of catch-up checks
    idle_until(next_check);
  }
  shutdown();
  return {};
}

void Monitor::shutdown() {
  if (m_deps.notifier != nullptr) m_deps.notifier->notify("STOPPING=1");
  const std::size_t running = m_jobs.running_count();
  m_deps.log.info("stopping: terminating running jobs", {{"running", running}});
  m_jobs.terminate(schedule_now());
  m_jobs.wait_all(m_deps.clock, m_options.jobs.kill_after);
  persist();
}

Status run_failover_monitor(cli::Context& ctx, const std::atomic<bool>& stop) {
  auto options = options_from_config(ctx.config);
  if (!options) return std::move(options).error();
  auto crontab = load_crontab(options->crontab_path);
  if (!crontab) return std::move(crontab).error();
  const char* me = ::getenv("USER");
  for (const auto& job : crontab->jobs) {
    if (me != nullptr && job.user != me) {
      ctx.log.warn("crontab job names another user; it runs as this service's user",
                   {{"job", job.name()}, {"line", job.line}, {"user", job.user}});
    }
  }
  auto lock = core::InstanceLock::acquire(core::locks_dir(ctx.home), "failover-monitor");
  if (!lock) return std::move(lock).error();

  const std::string ca_file = ctx.config.get_string_or("GBPM_CA_FILE", "");
  // A health answer is a few hundred bytes: read at most 1 MiB of one, so a
  // hostile or broken endpoint cannot make the monitor buffer more.
  auto probe_transport = net::CurlTransport::create(
      {.ca_file = ca_file, .connect_timeout = options->probe.timeout, .max_response_bytes = kMaxProbeBytes});
  if (!probe_transport) return std::move(probe_transport).error();
  std::unique_ptr<net::CurlTransport> webhook_transport;
  if (!options->webhook_url.empty()) {
    auto t = net::CurlTransport::create({.ca_file = ca_file, .connect_timeout = options->webhook_timeout});
    if (!t) return std::move(t).error();
    webhook_transport = std::move(*t);
  }
  auto notifier = core::SystemdNotifier::from_environment();
  ctx.log.info("failover-monitor starting",
               {{"primary", net::redact_url(options->probe.url)},
                {"interval_ms", options->interval.count()},
                {"fall", options->policy.fall},
                {"rise", options->policy.rise},
                {"hold_down_s", options->policy.hold_down.count()},
                {"crontab", options->crontab_path},
                {"jobs", crontab->jobs.size()},
                {"webhook", options->webhook_url.empty() ? std::string("none") : webhook_label(options->webhook_url)}});
  if (options->time_scale != 1.0) {
    ctx.log.warn("GBPM_FAILOVER_TIME_SCALE is set: job schedules run faster than real time (testing only)",
                 {{"scale", options->time_scale}});
  }
  Monitor monitor(std::move(*options), std::move(*crontab),
                  MonitorDeps{.probe_transport = **probe_transport,
                              .webhook_transport = webhook_transport.get(),
                              .clock = ctx.clock,
                              .log = ctx.log,
                              .home = ctx.home,
                              .stop = &stop,
                              .notifier = &notifier});
  return monitor.run();
}

Status print_failover_status(cli::Context& ctx, std::FILE* out) {
  auto state = load_state(ctx.home);
  if (!state) return std::move(state).error();
  if (!state->has_value()) {
    std::fprintf(out, "state: unknown (no %s yet: failover-monitor has not run with this GBPM_HOME)\n",
                 state_path(ctx.home).c_str());
    return {};
  }
  const std::string text = format_status(**state, ctx.clock.now());
  std::fwrite(text.data(), 1, text.size(), out);
  return {};
}

}  // namespace gbpm::failover
