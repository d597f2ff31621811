// failover-monitor: runs on the secondary; takes over the dashboard jobs while
// the primary is unhealthy. A thin shell over lib/failover.

#include "cli/tool.hpp"
#include "core/service.hpp"
#include "failover/monitor.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool(
      {.name = "failover-monitor",
       .summary = "Watch the primary's /health; after repeated failures run the crontab's jobs here until it recovers",
       .examples = "Examples:\n"
                   "  GBPM_FAILOVER_PRIMARY_URL=http://primary:8080/health failover-monitor\n"
                   "      run the monitor (as the systemd unit does); jobs come from /etc/cron.d/gbpm\n"
                   "  failover-monitor status\n"
                   "      print the persisted state, counters and the last check of the primary\n"
                   "Fails over after GBPM_FAILOVER_FALL (3) failed checks (connection error, timeout, non-200, or a\n"
                   "body whose status is not healthy), fails back after GBPM_FAILOVER_RISE (5) healthy checks and\n"
                   "GBPM_FAILOVER_HOLD_DOWN (300s) active. SIGTERM terminates running jobs and exits 0.\n",
       // The daemon takes its own lock, so `status` works while it runs.
       .instances = gbpm::cli::Instances::many});
  tool.add_setting("--primary-url", "GBPM_FAILOVER_PRIMARY_URL", "The primary's health URL (…/health)");
  tool.add_setting("--crontab", "GBPM_FAILOVER_CRONTAB",
                   "Crontab whose jobs run while active (default /etc/cron.d/gbpm)");
  CLI::App* status = tool.app().add_subcommand("status", "Print the persisted state, counters and last probe result");

  const auto& stop = gbpm::core::install_stop_signals();
  return tool.run(argc, argv, [&](gbpm::cli::Context& ctx) {
    if (status->parsed()) return gbpm::failover::print_failover_status(ctx, stdout);
    return gbpm::failover::run_failover_monitor(ctx, stop);
  });
}
