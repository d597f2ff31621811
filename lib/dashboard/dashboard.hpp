#pragma once
// The dashboard's content, computed from the warehouse at an instant; each
// tool replaces only the ranges it owns (ARCHITECTURE.md, "Dashboard").
// Pure functions of the queries and `now`, so golden tests pin every
// cell with a fixture warehouse and a fixed --as-of. No command line here:
// dashboard/tool.hpp runs these builders as tools.

#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// ---------------------------------------------------------------------------
// daily-kpi, realtime-dashboard, gsp-update.

// The most settlement periods a day can have (the October clock change).
inline constexpr int kMaxPeriods = 50;

// `day` as it was known at `now`: periods that start after `now` are reset to
// blank (period number and start kept), so a run with --as-of in the middle
// of a day never shows later periods.
market::DaySeries started_periods(market::DaySeries day, core::TimePoint now);

// daily-kpi: Dashboard!A18:H29 and the whole tab Daily_Chart_Data (A1:J51).
//  - Row 18 "📈 MARKET SUMMARY" with the settlement day and the 30-day span;
//    row 19 the column headers (Metric, Today avg/min/max, 30-day
//    avg/min/max, Unit); rows 20-27 SSP, SBP, market index price (MID
//    APXMIDP), demand (INDO), generation, net IC import, frequency,
//    renewables share. "Today" is the settlement day containing `now`, over
//    its periods started by `now`; "30-day" is the 30 settlement days ending
//    today (inclusive). Statistics are of per-period values; missing values
//    are skipped, and a metric without any value is blank (never 0).
//  - Row 28 a "no market data" note when today has no value at all.
//  - Row 29 a pointer to the chart data tab.
//  - Daily_Chart_Data: header row, then one row per settlement period of
//    today (46/48/50): date, SP, start (UTC), SSP, SBP, market index price,
//    demand, generation, net IC import, frequency; blanks where data is
//    missing or the period has not started. The block covers 50 periods and
//    the tab is cut to it, so a 46-period day after a 50-period day leaves
//    no stale rows.
Result<sheet::Update> build_daily_kpi(warehouse::MarketQueries& queries, core::TimePoint now,
                                      const market::Classification& classification);

// realtime-dashboard: the whole tab Live_Raw_Gen (A1:P53). Row 1 a title
// with the settlement day, row 2 what the numbers are (or a "no generation
// data" note), row 3 the column headers, then one row per settlement period
// of today: SP, start (UK local time with zone), the mean MW of each of the
// ten fuel types (half-hour means of the 5-minute readings, never sums),
// net imports (Σ INT*, + = import), total generation, renewables %, and the
// source (FUELINST/FUELHH). Periods without data, or not yet started, are
// blank.
Result<sheet::Update> build_realtime(warehouse::MarketQueries& queries, core::TimePoint now,
                                     const market::Classification& classification);

// A boundary zone whose |net| is at most this is "balanced".
inline constexpr double kBalancedBandMw = 100.0;
// Zone rows available on the GSP tab (N and B1..B17 need 18).
inline constexpr int kZoneRows = 24;

// gsp-update: the whole tab GSP (A1:G27). Honestly labelled: these are
// Elexon's boundary zones (N = national, B1..B17), with the day-ahead
// indicated generation (INDGEN) and demand (INDDEM) of the latest publish
// at or before `now` for the settlement period containing `now` — a
// forecast, not GSP metering. Per zone: generation MW, demand MW (shown as
// a positive consumption; INDDEM's sign flipped), net = generation - demand,
// and Exporting (net > +100 MW) / Importing (net < -100 MW) / Balanced.
// No forecast: a "no data" note in A2 and an empty table.
Result<sheet::Update> build_gsp(warehouse::MarketQueries& queries, core::TimePoint now);

}  // namespace gbpm::dashboard
