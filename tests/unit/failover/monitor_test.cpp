#include "failover/monitor.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>

#include "json/json.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/temp_dir.hpp"

using gbpm::core::FakeClock;
using gbpm::core::TimePoint;
using gbpm::failover::Monitor;
using gbpm::failover::MonitorDeps;
using gbpm::failover::MonitorOptions;
using gbpm::failover::Role;
using gbpm::testing::TempDir;
using namespace std::chrono;

namespace {

const TimePoint t0 = sys_days{2026y / 11 / 28} + 10h;
const char* k_healthy = R"({"status":"healthy"})";

// A logger writing into memory, so tests can read what was logged.
struct CapturedLog {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* file = ::open_memstream(&buffer, &size);
  gbpm::log::Logger logger{gbpm::log::Logger::Options{.tool = "failover-monitor", .sink = file}};
  CapturedLog() = default;
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  ~CapturedLog() {
    std::fclose(file);
    std::free(buffer);  // NOLINT: open_memstream's buffer
  }
  std::string text() {
    std::fflush(file);
    return std::string(buffer, size);
  }
};

MonitorOptions options(int fall = 3) {
  MonitorOptions o;
  o.probe.url = "http://primary.test:8080/health";
  o.probe.tcp_port = 0;
  o.interval = 10s;
  o.policy = {.fall = fall, .rise = 5, .hold_down = 300s};
  o.webhook_url = "https://hooks.example/services/T000/B000/SECRETPART";
  return o;
}

gbpm::schedule::Crontab no_jobs() {
  return {};
}

}  // namespace

TEST_CASE("primary dies: ACTIVE after exactly fall checks, alerted once, state persisted", "[failover][monitor]") {
  TempDir home;
  FakeClock clock(t0);
  gbpm::net::FakeTransport primary;
  gbpm::net::FakeTransport webhook;
  CapturedLog log;
  Monitor m(options(3), no_jobs(),
            MonitorDeps{.probe_transport = primary,
                        .webhook_transport = &webhook,
                        .clock = clock,
                        .log = log.logger,
                        .home = home.path()});
  REQUIRE(m.resume().ok());
  primary.push(200, k_healthy);
  primary.push(gbpm::make_error(gbpm::ErrorKind::temporary, "connection refused"));
  primary.push(503, R"({"status":"unhealthy"})");
  primary.push(gbpm::make_error(gbpm::ErrorKind::temporary, "timeout after 5000 ms"));
  webhook.push(200, "ok");
  m.check_once();
  m.check_once();
  m.check_once();
  CHECK(m.machine().state().role == Role::standby);
  CHECK(webhook.requests().empty());
  m.check_once();
  CHECK(m.machine().state().role == Role::active);
  CHECK(m.jobs().scheduling());

  REQUIRE(webhook.requests().size() == 1);
  const auto posts = webhook.requests();
  const auto& post = posts[0];
  CHECK(post.method == "POST");
  CHECK(post.header("Content-Type") == std::optional<std::string>("application/json"));
  auto body = gbpm::json::parse(post.body);
  REQUIRE(body.ok());
  CHECK_THAT(std::string(*body->root().field("text").as_string()), Catch::Contains("ACTIVE"));
  // The webhook URL's secret path never reaches the log.
  CHECK_THAT(log.text(), Catch::Contains("takeover") && !Catch::Contains("SECRETPART"));

  auto saved = gbpm::failover::load_state(home.path());
  REQUIRE(saved.ok());
  REQUIRE(saved->has_value());
  CHECK((*saved)->machine.role == Role::active);
  CHECK((*saved)->machine.counters.takeovers == 1);
  CHECK((*saved)->machine.counters.probes == 4);
  REQUIRE((*saved)->last_probe.has_value());
  CHECK_THAT((*saved)->last_probe->detail, Catch::Contains("timeout"));
}

TEST_CASE("a restart while ACTIVE stays ACTIVE and says so", "[failover][monitor]") {
  TempDir home;
  FakeClock clock(t0);
  gbpm::net::FakeTransport primary;
  {
    CapturedLog log;
    Monitor first(options(1), no_jobs(),
                  MonitorDeps{.probe_transport = primary, .clock = clock, .log = log.logger, .home = home.path()});
    REQUIRE(first.resume().ok());
    primary.push(503, "{}");
    first.check_once();
    REQUIRE(first.machine().state().role == Role::active);
  }
  clock.advance(60s);
  CapturedLog log;
  gbpm::net::FakeTransport webhook;
  webhook.push(200, "ok");
  Monitor second(options(1), no_jobs(),
                 MonitorDeps{.probe_transport = primary,
                             .webhook_transport = &webhook,
                             .clock = clock,
                             .log = log.logger,
                             .home = home.path()});
  REQUIRE(second.resume().ok());
  CHECK(second.machine().state().role == Role::active);
  CHECK(second.machine().state().since == t0);  // the hold-down keeps counting from the takeover
  CHECK(second.machine().state().counters.takeovers == 1);
  CHECK(second.jobs().scheduling());
  CHECK_THAT(log.text(), Catch::Contains("restarted while ACTIVE"));
  CHECK(webhook.requests().size() == 1);

  SECTION("and fails back only after rise successes and the hold-down") {
    for (int i = 0; i < 5; ++i) {
      primary.push(200, k_healthy);
      second.check_once();
      clock.advance(10s);
    }
    CHECK(second.machine().state().role == Role::active);  // 60..100 s active: hold-down not over
    clock.set(t0 + 301s);
    primary.push(200, k_healthy);
    second.check_once();
    CHECK(second.machine().state().role == Role::standby);
    CHECK_FALSE(second.jobs().scheduling());
  }
}

TEST_CASE("a corrupt state file is reported and the monitor starts as STANDBY", "[failover][monitor]") {
  TempDir home;
  gbpm::testing::write_file(home / "failover-state.json", "{\"role\":\"sideways\"}");
  FakeClock clock(t0);
  gbpm::net::FakeTransport primary;
  CapturedLog log;
  Monitor m(options(), no_jobs(),
            MonitorDeps{.probe_transport = primary, .clock = clock, .log = log.logger, .home = home.path()});
  REQUIRE(m.resume().ok());
  CHECK(m.machine().state().role == Role::standby);
  CHECK_THAT(log.text(), Catch::Contains("unreadable failover state"));
}

TEST_CASE("a failing webhook is logged and does not stop the takeover", "[failover][monitor]") {
  TempDir home;
  FakeClock clock(t0);
  gbpm::net::FakeTransport primary;
  gbpm::net::FakeTransport webhook;
  CapturedLog log;
  Monitor m(options(1), no_jobs(),
            MonitorDeps{.probe_transport = primary,
                        .webhook_transport = &webhook,
                        .clock = clock,
                        .log = log.logger,
                        .home = home.path()});
  REQUIRE(m.resume().ok());
  primary.push(503, "{}");
  // A transport error quotes the URL it failed on, path included (the
  // review's proof: the secret path reached the log's error field).
  webhook.push(
      gbpm::make_error(gbpm::ErrorKind::temporary,
                       "POST https://hooks.example/services/T000/B000/SECRETPART: Couldn't connect to server"));
  m.check_once();
  CHECK(m.machine().state().role == Role::active);
  REQUIRE(webhook.requests().size() == 1);
  CHECK(webhook.requests()[0].timeout <= 5s);
  CHECK(webhook.requests()[0].retry == gbpm::net::RetryMode::never);
  CHECK_THAT(log.text(), Catch::Contains("webhook failed") &&
                             Catch::Contains("https://hooks.example/[REDACTED]: Couldn't connect to server") &&
                             !Catch::Contains("SECRETPART") && !Catch::Contains("T000"));
}

TEST_CASE("run() checks every interval and returns when asked to stop", "[failover][monitor]") {
  TempDir home;
  FakeClock clock(t0);
  gbpm::net::FakeTransport primary;
  std::atomic<bool> stop{false};
  std::vector<TimePoint> seen;
  primary.set_handler([&](const gbpm::net::Request&) -> gbpm::Result<gbpm::net::Response> {
    seen.push_back(clock.now());
    if (seen.size() == 6) stop = true;
    return gbpm::make_error(gbpm::ErrorKind::temporary, "connection refused");
  });
  CapturedLog log;
  Monitor m(
      options(3), no_jobs(),
      MonitorDeps{.probe_transport = primary, .clock = clock, .log = log.logger, .home = home.path(), .stop = &stop});
  REQUIRE(m.run().ok());
  REQUIRE(seen.size() == 6);
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] - seen[i - 1] == 10s);
  CHECK(m.machine().state().role == Role::active);
  CHECK(m.machine().state().counters.takeovers == 1);
}

TEST_CASE("options_from_config reads GBPM_FAILOVER_* and rejects bad values", "[failover][monitor]") {
  gbpm::config::Config config;
  CHECK_FALSE(gbpm::failover::options_from_config(config).ok());
  config.set_flag("GBPM_FAILOVER_PRIMARY_URL", "http://primary:8080/health", "--primary-url");
  auto o = gbpm::failover::options_from_config(config);
  REQUIRE(o.ok());
  CHECK(o->interval == 10s);
  CHECK(o->probe.timeout == 5s);
  CHECK(o->policy.fall == 3);
  CHECK(o->policy.rise == 5);
  CHECK(o->policy.hold_down == 300s);
  CHECK(o->crontab_path == "/etc/cron.d/gbpm");
  config.set_flag("GBPM_FAILOVER_FALL", "0", "--x");
  CHECK_FALSE(gbpm::failover::options_from_config(config).ok());
  config.set_flag("GBPM_FAILOVER_FALL", "2", "--x");
  config.set_flag("GBPM_FAILOVER_INTERVAL", "2s", "--x");
  o = gbpm::failover::options_from_config(config);
  REQUIRE(o.ok());
  CHECK(o->policy.fall == 2);
  CHECK(o->probe.timeout == 2s);  // never longer than the interval
  config.set_flag("GBPM_FAILOVER_PRIMARY_URL", "primary:8080", "--x");
  CHECK_FALSE(gbpm::failover::options_from_config(config).ok());
}

TEST_CASE("state JSON round-trips and status output names state, counters and last probe", "[failover][monitor]") {
  gbpm::failover::PersistedState s;
  s.machine.role = Role::active;
  s.machine.since = t0;
  s.machine.counters = {.consecutive_failures = 4,
                        .consecutive_successes = 0,
                        .probes = 9,
                        .failures = 4,
                        .takeovers = 1,
                        .failbacks = 0};
  s.last_probe = gbpm::failover::ProbeResult{.healthy = false,
                                             .at = t0 + 30s,
                                             .latency = 12ms,
                                             .http_status = 503,
                                             .detail = "HTTP 503, status degraded",
                                             .failure = gbpm::failover::FailureClass::service_degraded};
  s.jobs.push_back({.name = "layout-update",
                    .schedule = "1-59/10 * * * *",
                    .started = 3,
                    .skipped_overlap = 1,
                    .failed = 0,
                    .timed_out = 0,
                    .last_exit = 0,
                    .running = false});
  s.updated_at = t0 + 30s;
  s.pid = 42;
  auto back = gbpm::failover::state_from_json(gbpm::failover::state_to_json(s));
  REQUIRE(back.ok());
  CHECK(back->machine.role == Role::active);
  CHECK(back->machine.since == t0);
  CHECK(back->machine.counters.probes == 9);
  CHECK(back->last_probe->http_status == 503);
  CHECK(back->last_probe->failure == gbpm::failover::FailureClass::service_degraded);
  CHECK(back->jobs.size() == 1);
  CHECK(back->jobs[0].skipped_overlap == 1);
  const std::string text = gbpm::failover::format_status(*back, t0 + 60s);
  CHECK_THAT(text, Catch::Contains("state: ACTIVE since 2026-11-28T10:00:00Z (60s)"));
  CHECK_THAT(text, Catch::Contains("takeovers: 1"));
  CHECK_THAT(text, Catch::Contains("HTTP 503, status degraded [service_degraded]"));
  CHECK_THAT(text, Catch::Contains("job layout-update"));
}

TEST_CASE("the webhook URL may come from a systemd credential instead of the environment", "[failover][monitor]") {
  TempDir creds;
  gbpm::testing::write_file(creds / "failover-webhook-url", "https://hooks.example/services/T0/B0/SECRET\n");
  gbpm::config::Config config;
  config.set_flag("GBPM_FAILOVER_PRIMARY_URL", "http://primary:8080/health", "--primary-url");
  auto o = gbpm::failover::options_from_config(config);
  REQUIRE(o.ok());
  CHECK(o->webhook_url.empty());
  config.load_environment({{"CREDENTIALS_DIRECTORY", creds.path().string()}});
  o = gbpm::failover::options_from_config(config);
  REQUIRE(o.ok());
  CHECK(o->webhook_url == "https://hooks.example/services/T0/B0/SECRET");
  config.set_flag("GBPM_FAILOVER_WEBHOOK_URL", "https://other.example/hook", "--x");
  CHECK(gbpm::failover::options_from_config(config)->webhook_url == "https://other.example/hook");
}
