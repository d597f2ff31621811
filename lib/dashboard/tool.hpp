#pragma once
// Running a dashboard builder (dashboard.hpp) as a command-line tool: the
// shared options, the warehouse and sheet from the configuration, the lock,
// the run record and the write (or --dry-run print).

#include <functional>

#include "cli/tool.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "market/fuels.hpp"
#include "sheet/grid.hpp"
#include "warehouse/market_queries.hpp"

namespace gbpm::dashboard {

// What a dashboard tool body does with a computed update: open the warehouse
// (read-only) and the sheet from the context's GBPM_WAREHOUSE / GBPM_SHEET
// (defaults sqlite:$GBPM_HOME/gbpm.db and dir:$GBPM_HOME/dashboard), build,
// then write — or, with --dry-run, print the text grid to stdout and write
// nothing. Fills the run stats.
using Builder = std::function<Result<sheet::Update>(warehouse::MarketQueries&, core::TimePoint now)>;
Status run_dashboard_tool(cli::Context& ctx, const Builder& build);

// A dashboard tool's builder, given the configured fuel classification
// (GBPM_FUEL_CLASSES).
using ClassifiedBuilder =
    std::function<Result<sheet::Update>(warehouse::MarketQueries&, core::TimePoint now, const market::Classification&)>;

// The whole main() of a dashboard tool: the common options (--warehouse,
// --sheet, --as-of, --dry-run), the instance lock per tool and sheet target,
// the run record, GBPM_FUEL_CLASSES (a bad value is a config error, 78), and
// run_dashboard_tool with `build`. `info.examples` gets the shared exit-code
// paragraph appended. Returns the process exit code.
int dashboard_main(int argc, const char* const* argv, cli::ToolInfo info, const ClassifiedBuilder& build);

}  // namespace gbpm::dashboard
