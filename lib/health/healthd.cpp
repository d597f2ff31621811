#include "health/healthd.hpp"

#include <fmt/format.h>

#include <thread>

#include "core/service.hpp"
#include "health/checks.hpp"
#include "health/collect.hpp"

namespace gbpm::health {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kSlice = std::chrono::milliseconds{250};
// The HTTP loop goes round every 250 ms; silent for this long means wedged.
constexpr auto kServerStall = std::chrono::seconds{5};

std::string server_metrics(const ServerStats& s) {
  std::string out;
  const auto add = [&](std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, v);
  };
  add("gbpm_healthd_connections_accepted_total", "counter", "Connections accepted.", s.accepted);
  add("gbpm_healthd_requests_total", "counter", "Request heads answered.", s.requests);
  add("gbpm_healthd_connections_timed_out_total", "counter",
      "Connections closed for a slow request head, idle keep-alive or a slow reader.", s.timed_out);
  add("gbpm_healthd_connections_evicted_total", "counter", "Connections closed to make room at the limit.", s.evicted);
  add("gbpm_healthd_requests_rejected_total", "counter", "Requests answered 400, 404, 405 or 431.", s.rejected);
  add("gbpm_healthd_connections_open", "gauge", "Connections open now.", s.open);
  return out;
}

std::string failing_checks(const Report& report) {
  std::string out;
  for (const auto& c : report.checks) {
    if (c.status == CheckStatus::pass) continue;
    out += fmt::format("{}{}={}", out.empty() ? "" : ",", c.name, to_string(c.status));
  }
  return out;
}

}  // namespace

Result<ServerLimits> server_limits_from_config(const config::Config& config) {
  ServerLimits limits;
  if (config.has("GBPM_HEALTH_MAX_CONNECTIONS")) {
    auto v = config.get_int("GBPM_HEALTH_MAX_CONNECTIONS", 16, 60000);
    if (!v) return std::move(v).error();
    limits.max_connections = static_cast<std::size_t>(*v);
  }
  for (auto [key, out] :
       {std::pair<std::string_view, std::chrono::milliseconds*>{"GBPM_HEALTH_HEADER_TIMEOUT", &limits.header_timeout},
        {"GBPM_HEALTH_IDLE_TIMEOUT", &limits.idle_timeout}}) {
    if (!config.has(key)) continue;
    auto d = config.get_duration(key);
    if (!d) return std::move(d).error();
    if (d->count() < 100 || *d > std::chrono::minutes{10}) {
      return make_error(ErrorKind::config, fmt::format("{} must lie between 100ms and 10m", key));
    }
    *out = *d;
  }
  return limits;
}

Status run_healthd(cli::Context& ctx, const std::atomic<bool>& stop) {
  auto address = parse_listen_address(ctx.config.get_string_or("GBPM_HEALTH_LISTEN", "127.0.0.1:8080"));
  if (!address) return address.error();
  auto thresholds = thresholds_from_config(ctx.config);
  if (!thresholds) return thresholds.error();
  auto limits = server_limits_from_config(ctx.config);
  if (!limits) return limits.error();
  std::chrono::milliseconds interval{15000};
  if (ctx.config.has("GBPM_HEALTH_INTERVAL")) {
    auto d = ctx.config.get_duration("GBPM_HEALTH_INTERVAL");
    if (!d) return d.error();
    if (d->count() < 100) return make_error(ErrorKind::config, "GBPM_HEALTH_INTERVAL must be at least 100ms");
    interval = *d;
  }
  const Sources sources{
      .home = ctx.home,
      .crontab = ctx.config.get_string_or("GBPM_HEALTH_CRONTAB", "/etc/cron.d/gbpm"),
      .warehouse = ctx.config.get_string_or("GBPM_WAREHOUSE", "sqlite:" + (ctx.home / "gbpm.db").string()),
  };

  auto server = Server::listen(*address, *limits);
  if (!server) return server.error();
  core::SystemdNotifier notifier = core::SystemdNotifier::from_environment();
  std::thread http([&] { (*server)->run(); });

  std::optional<Overall> last_overall;
  std::string status_line = "starting";
  auto next_check = SteadyClock::now();
  while (!stop.load()) {
    if (SteadyClock::now() >= next_check) {
      const auto started = SteadyClock::now();
      const Observations obs = collect(sources, *thresholds, ctx.clock.now());
      Report report = evaluate(obs, *thresholds);
      report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
      (*server)->publish(Content{http_status(report.overall), render_health_json(report),
                                 render_metrics(report, obs) + server_metrics((*server)->stats())});
      status_line = fmt::format("{}; {}", to_string(report.overall), failing_checks(report));
      if (!last_overall) {
        notifier.notify("READY=1\nSTATUS=" + status_line);
        ctx.log.info("ready", {{"listen", fmt::format("[{}]:{}", address->host, (*server)->port())},
                               {"status", to_string(report.overall)}});
      }
      if (last_overall != report.overall) {
        const log::Fields fields = {{"status", to_string(report.overall)}, {"failing", failing_checks(report)}};
        if (report.overall == Overall::healthy) {
          ctx.log.info("health changed", fields);
        } else {
          ctx.log.warn("health changed", fields);
        }
        last_overall = report.overall;
      }
      next_check = started + interval;
      if (next_check < SteadyClock::now()) next_check = SteadyClock::now() + interval;
    }
    // Feed the watchdog only while the HTTP loop is alive too.
    if (SteadyClock::now() - (*server)->last_loop() < kServerStall) {
      notifier.ping_if_due(ctx.clock.now(), status_line);
    }
    std::this_thread::sleep_for(kSlice);
  }
  notifier.notify("STOPPING=1");
  (*server)->stop();
  http.join();
  ctx.log.info("stopped");
  return {};
}

}  // namespace gbpm::health
