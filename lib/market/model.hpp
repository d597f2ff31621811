#pragma once
// The market model: what the warehouse's market queries return and the
// dashboard tools render. Every value that may be missing is a std::optional
// (or an absent map entry): missing data is blank, never 0 MW or 50 Hz.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "market/fuels.hpp"
#include "market/settlement.hpp"

namespace gbpm::market {

// One fuel type's reading at a FUELINST instant (MW; INT* and PS signed,
// + = import into GB). `mw` is nullopt when Elexon sent a null.
struct FuelReading {
  std::string fuel_type;
  std::optional<double> mw;
};

// The generation mix at one complete FUELINST instant.
struct FuelMix {
  core::TimePoint start_time;         // start of the 5-minute interval
  core::TimePoint publish_time;       // latest publish time among its rows
  std::vector<FuelReading> readings;  // every fuel type of the instant, INT* included, sorted by code

  // The reading for `code`, or nullopt (absent or null).
  [[nodiscard]] std::optional<double> mw(std::string_view code) const;
  // Readings with a value, as a map for Classification's helpers.
  [[nodiscard]] std::map<std::string, double> values() const;
};

// Where a period's per-fuel means came from.
enum class FuelSource {
  none,      // no generation data for the period
  fuelinst,  // mean of the 5-minute FUELINST readings in the period
  fuelhh,    // FUELHH (already a 30-minute mean), used when FUELINST has none
};

// One settlement period of a day's series.
struct PeriodValues {
  int period = 0;             // 1..periods_in_day
  core::TimePoint start_utc;  // computed with market/settlement (never from wall time)
  FuelSource fuel_source = FuelSource::none;
  std::map<std::string, double> fuel_mw;         // mean MW per fuel type; absent when no reading
  std::optional<double> net_import_mw;           // Σ INT* of fuel_mw
  std::optional<double> demand_mw;               // INDO
  std::optional<double> transmission_demand_mw;  // ITSDO
  std::optional<double> market_price;            // MID APXMIDP, GBP/MWh
  std::optional<double> system_sell_price;       // DISEBSP SSP, GBP/MWh
  std::optional<double> system_buy_price;        // DISEBSP SBP, GBP/MWh
  std::optional<double> frequency_hz;            // mean of the FREQ samples in the period
  std::size_t frequency_samples = 0;
};

// All periods of one settlement day (46, 48 or 50 entries, in order).
struct DaySeries {
  std::chrono::year_month_day date;
  std::vector<PeriodValues> periods;
};

// avg/min/max over the values present (missing values are skipped, never 0).
struct Stat {
  std::optional<double> avg;
  std::optional<double> min;
  std::optional<double> max;
  std::size_t count = 0;

  // Adds one value.
  void add(double v);
  // Adds a value when present.
  void add(const std::optional<double>& v) {
    if (v) add(*v);
  }

 private:
  double m_sum = 0.0;
};

// The daily-kpi metrics over one or more days of series.
struct SeriesStatistics {
  Stat system_sell_price;
  Stat system_buy_price;
  Stat market_price;
  Stat demand;      // INDO
  Stat generation;  // total generation (classification)
  Stat net_import;
  Stat frequency;
  Stat renewable_percent;  // classification
};

// Statistics of the per-period values of `days` (avg/min/max of per-SP values).
SeriesStatistics summarize(const std::vector<DaySeries>& days, const Classification& classification);

// One active REMIT outage (its latest revision).
struct Outage {
  std::string mrid;
  std::int64_t revision_number = 0;
  std::string asset_id;  // assetId, or affectedUnit when absent
  std::string affected_unit;
  std::string fuel_type;  // REMIT text ("Fossil Gas"), not a FUELINST code
  std::string event_type;
  std::string unavailability_type;
  std::string cause;
  std::optional<double> normal_mw;
  std::optional<double> available_mw;
  double unavailable_mw = 0.0;
  core::TimePoint event_start;
  std::optional<core::TimePoint> event_end;
  core::TimePoint publish_time;
  // For an interconnector, the cable key (interconnector_cable) and every unit
  // merged into this one row (import and export units count once).
  std::optional<std::string> cable;
  std::vector<std::string> merged_units;
};

// Latest INDGEN/INDDEM for one boundary (N or B1..B17) for one period.
struct BoundaryForecast {
  std::string boundary;
  std::optional<double> generation_mw;  // INDGEN, positive
  std::optional<double> demand_mw;      // INDDEM, negative (Elexon's sign)
  std::optional<core::TimePoint> generation_published;
  std::optional<core::TimePoint> demand_published;
};

// The boundary forecasts for the settlement period containing an instant.
struct BoundarySnapshot {
  SettlementPeriod period;
  std::vector<BoundaryForecast> boundaries;  // sorted: N first, then B1..B17 numerically
};

// How fresh one dataset is.
struct DatasetFreshness {
  std::string dataset;
  std::optional<core::TimePoint> newest_record;    // newest event/publish time of its rows
  std::optional<core::TimePoint> newest_received;  // newest received_at (lineage)
};

}  // namespace gbpm::market
