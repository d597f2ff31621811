#pragma once
// The questions the dashboard asks the warehouse. One interface;
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

// Which parts of a DaySeries a query fills; the rest stays blank. A tool
// that shows only the fuel mix (or one price) asks only for that, so it does
// not pay for the other datasets.
enum class SeriesPart : unsigned {
  fuel = 1U << 0,           // fuel_mw, fuel_source, net_import_mw (FUELINST, FUELHH)
  demand = 1U << 1,         // demand_mw, transmission_demand_mw (INDO, ITSDO)
  market_price = 1U << 2,   // market_price (MID APXMIDP)
  system_prices = 1U << 3,  // system_sell_price, system_buy_price (DISEBSP)
  frequency = 1U << 4,      // frequency_hz, frequency_samples (FREQ)
  all = (1U << 5) - 1,
};
constexpr SeriesPart operator|(SeriesPart a, SeriesPart b) {
  return static_cast<SeriesPart>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
// Whether `set` includes `part`.
constexpr bool has_part(SeriesPart set, SeriesPart part) {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(part)) != 0;
}

// The most settlement days one series_range call covers (keeps every query
// bounded; the dashboard asks for 30).
inline constexpr int kMaxSeriesDays = 400;

class MarketQueries {
 public:
  virtual ~MarketQueries() = default;

  // The latest complete FUELINST instant at or before `at`: among the instants
  // (start_time) published at or before `at` within the look-back, the newest
  // one that has as many fuel types with a value as the fullest instant of the
  // window — so a half-delivered instant (some fuel rows still in flight) is
  // skipped. nullopt when there is no FUELINST data in the window.
  virtual Result<std::optional<market::FuelMix>> latest_fuel_mix(core::TimePoint at) = 0;

  // The settlement days `first`..`last` (inclusive, oldest first, at most
  // kMaxSeriesDays), every period (46/48/50) present with blanks where data
  // is missing, filled with the requested `parts`: per-fuel mean MW (the
  // mean of the 5-minute FUELINST readings of the period — never their sum;
  // FUELHH when a period has no FUELINST readings), net import Σ INT*, INDO
  // and ITSDO demand, the MID APXMIDP price (a 0 price with 0 volume is "no
  // trades", blank), SSP/SBP (DISEBSP) and the mean FREQ sample. One query
  // per dataset for the whole range, bounded on its partition column, so a
  // 30-day window costs one pass over 30 days of rows, not 30 round trips.
  // With `known_at`, the series as it was known then: only readings
  // published at or before it count (FUELINST/FUELHH/INDO/ITSDO publish
  // time, FREQ measurement time); a revision published later does not
  // count either (SQLite keeps only a key's latest version, so there the
  // reading is then blank). MID and DISEBSP have no publication time and are not
  // bounded; callers blank periods that had not started (started_periods).
  // ErrorKind::usage for an unsupported date or an empty/too long range.
  virtual Result<std::vector<market::DaySeries>> series_range(std::chrono::year_month_day first,
                                                              std::chrono::year_month_day last, SeriesPart parts,
                                                              std::optional<core::TimePoint> known_at) = 0;

  // One settlement day: series_range(date, date, parts, known_at).
  Result<market::DaySeries> day_series(std::chrono::year_month_day date, SeriesPart parts = SeriesPart::all,
                                       std::optional<core::TimePoint> known_at = std::nullopt);

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

// MarketQueries over a backend's SqlRunner.
class SqlMarketQueries final : public MarketQueries {
 public:
  explicit SqlMarketQueries(SqlRunner& runner, QueryLimits limits = {});

  Result<std::optional<market::FuelMix>> latest_fuel_mix(core::TimePoint at) override;
  Result<std::vector<market::DaySeries>> series_range(std::chrono::year_month_day first,
                                                      std::chrono::year_month_day last, SeriesPart parts,
                                                      std::optional<core::TimePoint> known_at) override;
  Result<std::vector<market::Outage>> active_outages(core::TimePoint at, double min_unavailable_mw) override;
  Result<market::BoundarySnapshot> boundary_forecasts(core::TimePoint at) override;
  Result<std::vector<market::DatasetFreshness>> freshness(const std::vector<std::string_view>& datasets,
                                                          core::TimePoint at) override;

 private:
  SqlRunner& m_runner;
  QueryLimits m_limits;
};

}  // namespace gbpm::warehouse
