#pragma once
// The healthd tool body: everything tools/healthd/main.cpp does
// after parsing flags.
//
//   listen      GBPM_HEALTH_LISTEN (--listen), default 127.0.0.1:8080
//   interval    GBPM_HEALTH_INTERVAL (--interval), default 15s: how often the
//               checks run; requests are answered from the last result
//   crontab     GBPM_HEALTH_CRONTAB, default /etc/cron.d/gbpm
//   warehouse   GBPM_WAREHOUSE (--warehouse), default sqlite:$GBPM_HOME/gbpm.db,
//               opened read-only once per cycle
//   thresholds  GBPM_HEALTH_* (checks.hpp, thresholds_from_config)
//   limits      GBPM_HEALTH_MAX_CONNECTIONS, GBPM_HEALTH_HEADER_TIMEOUT,
//               GBPM_HEALTH_IDLE_TIMEOUT (server.hpp)
//   systemd     READY=1 after the first check is published, WATCHDOG=1 at half
//               of WATCHDOG_USEC while both the check loop and the HTTP loop
//               go round, STATUS= the overall state, STOPPING=1 on SIGTERM

#include <atomic>

#include "cli/tool.hpp"
#include "core/result.hpp"
#include "health/server.hpp"

namespace gbpm::health {

// Server limits from GBPM_HEALTH_MAX_CONNECTIONS / _HEADER_TIMEOUT /
// _IDLE_TIMEOUT (defaults: ServerLimits).
Result<ServerLimits> server_limits_from_config(const config::Config& config);

// Serves until `stop` is set, then returns ok (exit 0). Errors: config
// (bad address or thresholds, port in use).
Status run_healthd(cli::Context& ctx, const std::atomic<bool>& stop);

}  // namespace gbpm::health
