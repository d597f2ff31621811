#include "warehouse/market_queries.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>

#include "warehouse/warehouse.hpp"

namespace gbpm::warehouse {
namespace {

using namespace std::chrono;
using core::TimePoint;

const elexon::DatasetSpec& spec_of(std::string_view code) {
  const auto* spec = elexon::find_dataset(code);
  if (spec == nullptr) std::abort();  // the registry lost a dataset the market queries need: a build error
  return *spec;
}

SqlParam param(std::string name, TimePoint t) {
  return SqlParam{std::move(name), SqlValue{t}};
}
SqlParam param(std::string name, sys_days d) {
  return SqlParam{std::move(name), SqlValue{d}};
}
SqlParam param(std::string name, std::int64_t i) {
  return SqlParam{std::move(name), SqlValue{i}};
}

// Rows of the latest version per key of `code` restricted by `bound`, with
// `columns` (then received_at). Empty when the dataset has no table yet.
Result<std::vector<SqlRow>> latest_rows(SqlRunner& runner, std::string_view code,
                                        const std::vector<std::string_view>& columns, std::string_view bound,
                                        const std::vector<SqlParam>& params, std::string_view outer = {}) {
  const auto sql = latest_rows_sql(runner, spec_of(code), columns, bound);
  if (!sql) return std::vector<SqlRow>{};
  if (outer.empty()) return runner.query(*sql, params);
  return runner.query(fmt::format("SELECT * FROM ({}) x {}", *sql, outer), params);
}

// Index (0-based) of the settlement period of `day` holding `period`, or -1.
int period_index(const SqlValue& period, std::size_t periods) {
  const auto p = period.as_integer();
  if (!p || *p < 1 || static_cast<std::size_t>(*p) > periods) return -1;
  return static_cast<int>(*p - 1);
}

// Boundary sort key: N first, then B1..B17 numerically, then anything else.
std::pair<int, std::string> boundary_order(const std::string& b) {
  if (b == "N") return {0, b};
  if (b.size() > 1 && b[0] == 'B' && std::all_of(b.begin() + 1, b.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {1 + std::atoi(b.c_str() + 1), b};
  }
  return {1000, b};
}

// The column that says how new a row is, for freshness.
std::string_view record_time_column(const elexon::DatasetSpec& spec) {
  for (const std::string_view name :
       {"publish_time", "measurement_time", "created_date_time", "created_time", "start_time", "time_from"}) {
    const auto* c = spec.column(name);
    if (c != nullptr && c->type == elexon::ColumnType::timestamp) return name;
  }
  return {};
}

}  // namespace

Result<std::vector<market::DaySeries>> day_series_range(MarketQueries& queries, year_month_day last, int days) {
  std::vector<market::DaySeries> out;
  for (int i = days - 1; i >= 0; --i) {
    auto day = queries.day_series(year_month_day{sys_days{last} - std::chrono::days{i}});
    if (!day) return std::move(day).error();
    out.push_back(std::move(day).value());
  }
  return out;
}

SqlMarketQueries::SqlMarketQueries(SqlRunner& runner, QueryLimits limits) : m_runner(runner), m_limits(limits) {}

Result<std::optional<market::FuelMix>> SqlMarketQueries::latest_fuel_mix(TimePoint at) {
  auto rows =
      latest_rows(m_runner, "FUELINST", {"start_time", "publish_time", "fuel_type", "generation"},
                  "start_time >= @from AND start_time <= @at AND publish_time <= @at",
                  {param("from", at - m_limits.fuel_mix_lookback), param("at", at)}, "ORDER BY start_time, fuel_type");
  if (!rows) return std::move(rows).error();
  // Instants in time order, with their readings.
  std::vector<market::FuelMix> instants;
  for (const auto& row : *rows) {
    const auto start = row[0].as_time();
    const auto published = row[1].as_time();
    if (!start || !published) continue;
    if (instants.empty() || instants.back().start_time != *start) {
      instants.push_back(market::FuelMix{*start, *published, {}});
    }
    auto& mix = instants.back();
    mix.publish_time = std::max(mix.publish_time, *published);
    mix.readings.push_back(market::FuelReading{row[2].as_text().value_or(""), row[3].as_number()});
  }
  if (instants.empty()) return std::optional<market::FuelMix>{};
  const auto present = [](const market::FuelMix& m) {
    return std::count_if(m.readings.begin(), m.readings.end(), [](const auto& r) { return r.mw.has_value(); });
  };
  std::ptrdiff_t fullest = 0;
  for (const auto& m : instants) fullest = std::max(fullest, present(m));
  for (auto it = instants.rbegin(); it != instants.rend(); ++it) {
    if (present(*it) == fullest) return std::optional<market::FuelMix>{std::move(*it)};
  }
  return std::optional<market::FuelMix>{};
}

Result<market::DaySeries> SqlMarketQueries::day_series(year_month_day date) {
  const int count = market::periods_in_day(date);
  if (count == 0 || !market::is_supported_date(date)) {
    return make_error(ErrorKind::usage, fmt::format("not a supported settlement date: {}", market::format_date(date)));
  }
  const auto n = static_cast<std::size_t>(count);
  const TimePoint day_start = market::day_start_utc(date);
  const TimePoint day_end = market::day_end_utc(date);
  market::DaySeries series{date, {}};
  for (std::size_t i = 0; i < n; ++i) {
    market::PeriodValues p;
    p.period = static_cast<int>(i) + 1;
    p.start_utc = day_start + market::kPeriodLength * static_cast<int>(i);
    series.periods.push_back(std::move(p));
  }
  const std::vector<SqlParam> range = {param("from", day_start), param("to", day_end)};
  const std::vector<SqlParam> day = {param("date", sys_days{date})};

  // FUELINST: mean of the 5-minute readings per period and fuel (never the sum).
  {
    auto rows = latest_rows(m_runner, "FUELINST", {"start_time", "fuel_type", "generation"},
                            "start_time >= @from AND start_time < @to", range);
    if (!rows) return std::move(rows).error();
    std::vector<std::map<std::string, std::pair<double, int>>> sums(n);
    for (const auto& row : *rows) {
      const auto start = row[0].as_time();
      const auto mw = row[2].as_number();
      if (!start || !mw || *start < day_start || *start >= day_end) continue;
      const auto index = static_cast<std::size_t>((*start - day_start) / market::kPeriodLength);
      auto& acc = sums[index][row[1].as_text().value_or("")];
      acc.first += *mw;
      acc.second += 1;
    }
    for (std::size_t i = 0; i < n; ++i) {
      for (const auto& [fuel, acc] : sums[i]) series.periods[i].fuel_mw[fuel] = acc.first / acc.second;
      if (!sums[i].empty()) series.periods[i].fuel_source = market::FuelSource::fuelinst;
    }
  }
  // FUELHH for periods FUELINST does not cover.
  {
    auto rows = latest_rows(m_runner, "FUELHH", {"settlement_period", "fuel_type", "generation"},
                            "settlement_date = @date", day);
    if (!rows) return std::move(rows).error();
    for (const auto& row : *rows) {
      const int i = period_index(row[0], n);
      const auto mw = row[2].as_number();
      if (i < 0 || !mw) continue;
      auto& p = series.periods[static_cast<std::size_t>(i)];
      if (p.fuel_source == market::FuelSource::fuelinst) continue;
      p.fuel_source = market::FuelSource::fuelhh;
      p.fuel_mw[row[1].as_text().value_or("")] = *mw;
    }
  }
  for (auto& p : series.periods) p.net_import_mw = market::Classification::net_import(p.fuel_mw);

  // Per-period datasets keyed by settlement date and period.
  const auto per_period = [&](std::string_view code, std::vector<std::string_view> columns, std::string_view bound,
                              auto&& apply) -> Status {
    columns.insert(columns.begin(), "settlement_period");
    auto rows = latest_rows(m_runner, code, columns, bound, day);
    if (!rows) return std::move(rows).error();
    for (const auto& row : *rows) {
      const int i = period_index(row[0], n);
      if (i >= 0) apply(series.periods[static_cast<std::size_t>(i)], row);
    }
    return {};
  };
  if (auto ok = per_period("INDO", {"demand"}, "settlement_date = @date",
                           [](market::PeriodValues& p, const SqlRow& r) { p.demand_mw = r[1].as_number(); });
      !ok) {
    return std::move(ok).error();
  }
  if (auto ok =
          per_period("ITSDO", {"demand"}, "settlement_date = @date",
                     [](market::PeriodValues& p, const SqlRow& r) { p.transmission_demand_mw = r[1].as_number(); });
      !ok) {
    return std::move(ok).error();
  }
  if (auto ok = per_period("MID", {"price", "volume"}, "settlement_date = @date AND data_provider = 'APXMIDP'",
                           [](market::PeriodValues& p, const SqlRow& r) {
                             const auto price = r[1].as_number();
                             const auto volume = r[2].as_number();
                             // 0 £/MWh on 0 MWh means "no trades", not a price.
                             if (price && !(*price == 0.0 && volume && *volume == 0.0)) p.market_price = price;
                           });
      !ok) {
    return std::move(ok).error();
  }
  if (auto ok = per_period("DISEBSP", {"system_sell_price", "system_buy_price"}, "settlement_date = @date",
                           [](market::PeriodValues& p, const SqlRow& r) {
                             p.system_sell_price = r[1].as_number();
                             p.system_buy_price = r[2].as_number();
                           });
      !ok) {
    return std::move(ok).error();
  }

  // FREQ: mean of the samples in each period (UTC range from the settlement module).
  {
    auto rows = latest_rows(m_runner, "FREQ", {"measurement_time", "frequency"},
                            "measurement_time >= @from AND measurement_time < @to", range);
    if (!rows) return std::move(rows).error();
    std::vector<std::pair<double, std::size_t>> sums(n);
    for (const auto& row : *rows) {
      const auto t = row[0].as_time();
      const auto hz = row[1].as_number();
      if (!t || !hz || *t < day_start || *t >= day_end) continue;
      auto& acc = sums[static_cast<std::size_t>((*t - day_start) / market::kPeriodLength)];
      acc.first += *hz;
      acc.second += 1;
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (sums[i].second == 0) continue;
      series.periods[i].frequency_hz = sums[i].first / static_cast<double>(sums[i].second);
      series.periods[i].frequency_samples = sums[i].second;
    }
  }
  return series;
}

Result<std::vector<market::Outage>> SqlMarketQueries::active_outages(TimePoint at, double min_unavailable_mw) {
  auto rows = latest_rows(
      m_runner, "REMIT",
      {"mrid", "revision_number", "asset_id", "affected_unit", "fuel_type", "event_type", "unavailability_type",
       "cause", "normal_capacity", "available_capacity", "unavailable_capacity", "event_start_time", "event_end_time",
       "publish_time", "event_status"},
      "publish_time >= @from AND publish_time <= @at", {param("from", at - m_limits.outage_lookback), param("at", at)},
      "WHERE event_status = 'Active' AND event_start_time <= @at AND (event_end_time IS NULL OR event_end_time > @at)");
  if (!rows) return std::move(rows).error();
  std::vector<market::Outage> outages;
  for (const auto& r : *rows) {
    market::Outage o;
    o.mrid = r[0].as_text().value_or("");
    o.revision_number = r[1].as_integer().value_or(0);
    o.affected_unit = r[3].as_text().value_or("");
    o.asset_id = r[2].as_text().value_or(o.affected_unit);
    o.fuel_type = r[4].as_text().value_or("");
    o.event_type = r[5].as_text().value_or("");
    o.unavailability_type = r[6].as_text().value_or("");
    o.cause = r[7].as_text().value_or("");
    o.normal_mw = r[8].as_number();
    o.available_mw = r[9].as_number();
    auto unavailable = r[10].as_number();
    if (!unavailable && o.normal_mw && o.available_mw) unavailable = *o.normal_mw - *o.available_mw;
    if (!unavailable) continue;  // unknown size: cannot meet any threshold
    o.unavailable_mw = *unavailable;
    const auto start = r[11].as_time();
    const auto published = r[13].as_time();
    if (!start || !published) continue;
    o.event_start = *start;
    o.event_end = r[12].as_time();
    o.publish_time = *published;
    o.cable = market::interconnector_cable(o.asset_id);
    if (!o.cable) o.cable = market::interconnector_cable(o.affected_unit);
    o.merged_units = {o.asset_id};
    outages.push_back(std::move(o));
  }
  // Merge an interconnector's import and export units: one row per cable.
  std::vector<market::Outage> merged;
  for (auto& o : outages) {
    if (o.cable) {
      const auto it =
          std::find_if(merged.begin(), merged.end(), [&](const market::Outage& m) { return m.cable == o.cable; });
      if (it != merged.end()) {
        std::vector<std::string> units = it->merged_units;
        units.insert(units.end(), o.merged_units.begin(), o.merged_units.end());
        if (o.unavailable_mw > it->unavailable_mw || (o.unavailable_mw == it->unavailable_mw && o.mrid < it->mrid)) {
          *it = std::move(o);
        }
        std::sort(units.begin(), units.end());
        units.erase(std::unique(units.begin(), units.end()), units.end());
        it->merged_units = std::move(units);
        continue;
      }
    }
    merged.push_back(std::move(o));
  }
  std::erase_if(merged, [&](const market::Outage& o) { return o.unavailable_mw < min_unavailable_mw; });
  std::sort(merged.begin(), merged.end(), [](const market::Outage& a, const market::Outage& b) {
    if (a.unavailable_mw != b.unavailable_mw) return a.unavailable_mw > b.unavailable_mw;
    return a.mrid < b.mrid;
  });
  return merged;
}

Result<market::BoundarySnapshot> SqlMarketQueries::boundary_forecasts(TimePoint at) {
  market::BoundarySnapshot snapshot{market::period_at(at), {}};
  const std::vector<SqlParam> params = {param("date", sys_days{snapshot.period.date}),
                                        param("sp", static_cast<std::int64_t>(snapshot.period.period)),
                                        param("at", at)};
  const std::string_view bound = "settlement_date = @date AND settlement_period = @sp AND publish_time <= @at";
  std::map<std::string, market::BoundaryForecast> by_boundary;
  for (const bool generation : {true, false}) {
    auto rows = latest_rows(m_runner, generation ? "INDGEN" : "INDDEM",
                            {"boundary", generation ? "generation" : "demand", "publish_time"}, bound, params);
    if (!rows) return std::move(rows).error();
    for (const auto& r : *rows) {
      const std::string name = r[0].as_text().value_or("");
      auto& b = by_boundary[name];
      b.boundary = name;
      (generation ? b.generation_mw : b.demand_mw) = r[1].as_number();
      (generation ? b.generation_published : b.demand_published) = r[2].as_time();
    }
  }
  for (auto& [name, b] : by_boundary) snapshot.boundaries.push_back(std::move(b));
  std::sort(snapshot.boundaries.begin(), snapshot.boundaries.end(),
            [](const auto& a, const auto& b) { return boundary_order(a.boundary) < boundary_order(b.boundary); });
  return snapshot;
}

Result<std::vector<market::DatasetFreshness>> SqlMarketQueries::freshness(const std::vector<std::string_view>& datasets,
                                                                          TimePoint at) {
  std::vector<market::DatasetFreshness> out;
  const TimePoint since = at - m_limits.freshness_lookback;
  // Partition dates are settlement (London) dates: widen by a day each side.
  const std::vector<SqlParam> params = {param("since", since), param("at", at),
                                        param("since_date", floor<days>(since) - days{1}),
                                        param("at_date", floor<days>(at) + days{1})};
  for (const auto code : datasets) {
    market::DatasetFreshness f{std::string(code), std::nullopt, std::nullopt};
    const auto* spec = elexon::find_dataset(code);
    if (spec == nullptr) {
      return make_error(ErrorKind::internal, fmt::format("freshness: {} is not in the dataset registry", code));
    }
    const std::string_view time_column = record_time_column(*spec);
    const auto* partition = spec->column(spec->partition_column);
    std::string bound;
    if (partition != nullptr && partition->type == elexon::ColumnType::date) {
      bound = fmt::format("{0} >= @since_date AND {0} <= @at_date", partition->name);
    } else if (partition != nullptr) {
      bound = fmt::format("{0} >= @since AND {0} <= @at", partition->name);
    }
    if (!time_column.empty()) bound += fmt::format(" AND {} <= @at", time_column);
    std::vector<std::string> branches;
    for (const Source source : {Source::iris, Source::api}) {
      if (const auto table = m_runner.table_ref(*spec, source)) {
        branches.push_back(fmt::format("SELECT {} AS t, received_at AS r FROM {} WHERE {}",
                                       time_column.empty() ? "NULL" : time_column, *table, bound));
      }
    }
    if (!branches.empty()) {
      auto rows =
          m_runner.query(fmt::format("SELECT MAX(t), MAX(r) FROM ({}) u", fmt::join(branches, " UNION ALL ")), params);
      if (!rows) return std::move(rows).error();
      if (!rows->empty()) {
        f.newest_record = rows->front()[0].as_time();
        f.newest_received = rows->front()[1].as_time();
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace gbpm::warehouse
