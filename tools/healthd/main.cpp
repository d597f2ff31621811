// healthd: the health signal that means "the dashboard is fresh".
// Replaces health_check_server.py. A thin shell over lib/health (healthd.hpp).

#include "cli/tool.hpp"
#include "core/service.hpp"
#include "health/healthd.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool(
      {.name = "healthd",
       .summary = "Serve /health, /livez and /metrics from checks of run records, iris-ingest, data and host",
       .examples = "Examples:\n"
                   "  healthd                                    127.0.0.1:8080, crontab /etc/cron.d/gbpm\n"
                   "  healthd --listen 0.0.0.0:8080              reachable by the secondary's failover-monitor\n"
                   "  healthd --crontab crontab/gbpm.crontab --interval 5s\n"
                   "  curl -s localhost:8080/health | jq .       200 only when healthy, otherwise 503\n"
                   "  curl -s localhost:8080/metrics             Prometheus text\n"
                   "Checks (GBPM_HEALTH_* thresholds, see --print-config): each crontab tool's last success vs its\n"
                   "schedule (run:<tool>), iris-ingest heartbeat and newest message (ingest:*), newest record per\n"
                   "key dataset (data:<CODE>), disk free on $GBPM_HOME, MemAvailable. SIGTERM stops it (exit 0).\n"
                   "Exit codes: 0 stopped by SIGTERM/SIGINT, 78 bad settings or the address cannot be bound.\n",
       .lock_target_keys = {"GBPM_HEALTH_LISTEN"}});
  tool.add_warehouse_option();
  tool.add_setting("--listen", "GBPM_HEALTH_LISTEN", "HOST:PORT to serve on (default 127.0.0.1:8080; [::]:8080)");
  tool.add_setting("--interval", "GBPM_HEALTH_INTERVAL", "How often the checks run (default 15s)");
  tool.add_setting("--crontab", "GBPM_HEALTH_CRONTAB", "The schedule the tools run on (default /etc/cron.d/gbpm)");
  const auto& stop = gbpm::core::install_stop_signals();
  return tool.run(argc, argv, [&](gbpm::cli::Context& ctx) { return gbpm::health::run_healthd(ctx, stop); });
}
