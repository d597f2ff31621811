#pragma once
// The Dashboard tab's content (DESIGN §4), computed from the warehouse at an
// instant. Pure functions of the queries and `now`, so golden tests pin every
// cell with a fixture warehouse and a fixed --as-of.

#include <string>
#include <vector>

#include "cli/tool.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "market/fuels.hpp"
#include "sheet/grid.hpp"
#include "warehouse/market_queries.hpp"

namespace gbpm::dashboard {

// The datasets whose age row 3 shows, in order.
const std::vector<std::string_view>& freshness_datasets();

// "✅ FUELINST 4 min" style text for an age; "🔴 FUELINST no data" when absent.
// ✅ below 10 min, ⚠️ 10–60 min, 🔴 above 60 min.
std::string freshness_text(std::string_view dataset, std::optional<std::chrono::seconds> age);

// layout-update: blocks Dashboard!A1:H17 and Dashboard!A30:H30. Missing data
// gives blank cells (never 0) and, with no generation data at all, a
// "no data" note in A6.
Result<sheet::Update> build_layout(warehouse::MarketQueries& queries, core::TimePoint now,
                                   const market::Classification& classification);

// Rows available to outages-update (31-70).
inline constexpr int kOutageRows = 40;
// Outages of at least this size are listed.
inline constexpr double kOutageThresholdMw = 100.0;

// outages-update: block Dashboard!A31:H70 from the active outages (already
// sorted by unavailable MW, descending). n ≤ 38: n rows, a blank row, the
// TOTAL row (26 → TOTAL on row 58). More: 37 rows, "… and N more", a blank
// row, TOTAL on row 70 (totals always over every outage). None: one
// "no active outages" row; the rest is cleared.
sheet::Update build_outages(const std::vector<market::Outage>& outages);

// What a dashboard tool body does with a computed update: open the warehouse
// (read-only) and the sheet from the context's GBPM_WAREHOUSE / GBPM_SHEET
// (defaults sqlite:$GBPM_HOME/gbpm.db and dir:$GBPM_HOME/dashboard), build,
// then write — or, with --dry-run, print the text grid to stdout and write
// nothing. Fills the run stats.
using Builder = std::function<Result<sheet::Update>(warehouse::MarketQueries&, core::TimePoint now)>;
Status run_dashboard_tool(cli::Context& ctx, const Builder& build);

}  // namespace gbpm::dashboard
