#pragma once
// The iris-ingest tool body: everything tools/iris-ingest/main.cpp
// does after parsing flags, so main stays a thin shell.
//
//   source      GBPM_IRIS_SOURCE (--source): dir:PATH | servicebus:NAMESPACE/QUEUE
//   auth        servicebus: Entra ID client credentials (GBPM_IRIS_CLIENT_ID,
//               secret from GBPM_IRIS_CLIENT_SECRET_FILE or
//               $CREDENTIALS_DIRECTORY/iris-client-secret), or SAS when
//               GBPM_SERVICEBUS_SAS_KEY_NAME is set (key from
//               GBPM_SERVICEBUS_SAS_KEY_FILE or $CREDENTIALS_DIRECTORY/servicebus-sas-key)
//   warehouse   GBPM_WAREHOUSE (--warehouse), default sqlite:$GBPM_HOME/gbpm.db
//   status      $GBPM_HOME/runs/iris-ingest.status.json, rewritten atomically
//               at least every 10 s (healthd's heartbeat): counts, lock
//               renewals/losses, newest message time, last error
//   systemd     READY=1 once the source and warehouse are open, WATCHDOG=1 at
//               half of WATCHDOG_USEC, STATUS= with the counts, STOPPING=1
//   progress    on a terminal one updating line; otherwise a log line every 30 s

#include <atomic>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "cli/tool.hpp"
#include "core/result.hpp"
#include "ingest/dir_source.hpp"
#include "ingest/ingester.hpp"

namespace gbpm::ingest {

struct DirSourceSpec {
  std::filesystem::path path;
};
struct ServiceBusSourceSpec {
  std::string namespace_name;  // "elexon-insights-iris"
  std::string queue;           // "iris.<uuid>"
};
using SourceSpec = std::variant<DirSourceSpec, ServiceBusSourceSpec>;

// Parses `dir:PATH` or `servicebus:NAMESPACE/QUEUE`; ErrorKind::config
// quoting the text otherwise.
Result<SourceSpec> parse_source_spec(std::string_view text);

struct ToolOptions {
  RunMode mode = RunMode::continuous;
  KeepFiles keep = KeepFiles::remove;
};

// Runs iris-ingest with the context's configuration until `stop` is set or,
// with RunMode::once, the source is drained. Fills ctx.stats for the run record.
Status run_iris_ingest(cli::Context& ctx, const ToolOptions& options, const std::atomic<bool>& stop);

}  // namespace gbpm::ingest
