#pragma once
// The questions the dashboard asks the warehouse (DESIGN §4). One interface;
// SqlMarketQueries implements it once with portable parameterized SQL over
// any backend's SqlRunner (sql.hpp). Every query bounds a time or date
// column. Settlement-period boundaries are computed in C++ with
// market/settlement (UTC ranges), never from local wall-clock time.

#include <chrono>
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "market/model.hpp"
#include "warehouse/sql.hpp"

namespace gbpm::warehouse {

// Look-back windows that keep every query bounded.
struct QueryLimits {
  // How far back from T to look for the latest complete FUELINST instant.
  std::chrono::minutes fuel_mix_lookback{120};
  // REMIT messages published this long before T are considered (long
  // planned outages are re-published on every revision).
  std::chrono::hours outage_lookback{24 * 400};
  // Freshness looks this far back (older data counts as "none").
  std::chrono::hours freshness_lookback{24 * 7};
};

class MarketQueries {
 public:
  virtual ~MarketQueries() = default;

  // The latest complete FUELINST instant at or before `at`: among the instants
  // (start_time) published at or before `at` within the look-back, the newest
  // one that has as many fuel types with a value as the fullest instant of the
  // window — so a half-delivered instant (some fuel rows still in flight) is
  // skipped. nullopt when there is no FUELINST data in the window.
  virtual Result<std::optional<market::FuelMix>> latest_fuel_mix(core::TimePoint at) = 0;

  // One settlement day, every period (46/48/50) present with blanks where
  // data is missing: per-fuel mean MW (the mean of the 5-minute FUELINST
  // readings whose start lies in the period — never their sum; FUELHH when
  // a period has no FUELINST readings), net import Σ INT*, INDO and ITSDO
  // demand, the MID APXMIDP price (a 0 price with 0 volume is "no trades",
  // blank), SSP/SBP (DISEBSP) and the mean FREQ sample.
  virtual Result<market::DaySeries> day_series(std::chrono::year_month_day date) = 0;

  // REMIT outages active at `at`: per mrid the highest revision published at
  // or before `at`; eventStatus Active; start <= at and (no end or end > at).
  // Interconnector import/export units of one cable (interconnector_cable)
  // are merged into one row (the larger unavailable MW), then rows below
  // `min_unavailable_mw` are dropped. Sorted by unavailable MW, descending.
  virtual Result<std::vector<market::Outage>> active_outages(core::TimePoint at, double min_unavailable_mw) = 0;

  // The latest INDGEN and INDDEM (published at or before `at`) per boundary
  // for the settlement period containing `at`.
  virtual Result<market::BoundarySnapshot> boundary_forecasts(core::TimePoint at) = 0;

  // Newest record time and newest receive time of each dataset in
  // `datasets` (registry codes), at or before `at` and within the freshness
  // look-back. Datasets without data in the window have blanks.
  virtual Result<std::vector<market::DatasetFreshness>> freshness(const std::vector<std::string_view>& datasets,
                                                                  core::TimePoint at) = 0;
};

// The series of the `days` settlement days ending with `last` (inclusive),
// oldest first — the input of market::summarize for 30-day statistics.
Result<std::vector<market::DaySeries>> day_series_range(MarketQueries& queries, std::chrono::year_month_day last,
                                                        int days);

// MarketQueries over a backend's SqlRunner.
class SqlMarketQueries final : public MarketQueries {
 public:
  explicit SqlMarketQueries(SqlRunner& runner, QueryLimits limits = {});

  Result<std::optional<market::FuelMix>> latest_fuel_mix(core::TimePoint at) override;
  Result<market::DaySeries> day_series(std::chrono::year_month_day date) override;
  Result<std::vector<market::Outage>> active_outages(core::TimePoint at, double min_unavailable_mw) override;
  Result<market::BoundarySnapshot> boundary_forecasts(core::TimePoint at) override;
  Result<std::vector<market::DatasetFreshness>> freshness(const std::vector<std::string_view>& datasets,
                                                          core::TimePoint at) override;

 private:
  SqlRunner& m_runner;
  QueryLimits m_limits;
};

}  // namespace gbpm::warehouse
