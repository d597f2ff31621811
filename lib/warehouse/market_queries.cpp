#include "warehouse/market_queries.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <map>

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

// Rows of the latest version per key of `code` (the rule of latest_rows_sql)
// restricted by `bound`, with `columns`, optionally wrapped: `outer` is a
// format string with {} for the deduplicating SQL. Empty when the dataset
// has no rows.
//
// Instead of ROW_NUMBER() over the UNION of both tables — SQLite
// materialises and sorts every row for that (~2.5 µs a row; 24 ms for one
// day of FUELINST) — a row is kept when no row of the range with the same
// key beats it under the version rule (correlated NOT EXISTS, a key lookup
// each; both SQLite and BigQuery run it). A cross-table tie (same version
// and received_at) keeps the IRIS row. On SQLite a table cannot hold two rows
// of a key, so only the other table is checked, and a table without rows in
// the range (usually the API one) is left out after a one-row probe. For the
// greatest, last_arrival and immutable rules (the version column is
// required); vintages keep several versions per key and use the window.
Result<std::vector<SqlRow>> deduped_rows(SqlRunner& runner, std::string_view code,
                                         const std::vector<std::string_view>& columns, std::string_view bound,
                                         const std::vector<SqlParam>& params, std::string_view outer = {}) {
  const auto& spec = spec_of(code);
  const auto run = [&](const std::string& sql) {
    if (outer.empty()) return runner.query(sql, params);
    return runner.query(fmt::format(fmt::runtime(outer), sql), params);
  };
  if (spec.version.kind == elexon::VersionKind::vintages) {
    const auto sql = latest_rows_sql(runner, spec, columns, bound);
    if (!sql) return std::vector<SqlRow>{};
    return run(*sql);
  }
  const bool local = runner.unique_keys_per_table();
  std::vector<std::pair<Source, std::string>> tables;
  for (const Source source : {Source::iris, Source::api}) {
    auto table = runner.table_ref(spec, source);
    if (!table) continue;
    if (local) {
      auto probe = runner.query(fmt::format("SELECT 1 FROM {} WHERE {} LIMIT 1", *table, bound), params);
      if (!probe) return std::move(probe).error();
      if (probe->empty()) continue;
    }
    tables.emplace_back(source, std::move(*table));
  }
  if (tables.empty()) return std::vector<SqlRow>{};

  std::vector<std::string> same_key;
  for (const auto key : spec.key) same_key.push_back(fmt::format("s.{0} = r.{0}", key));
  // "s beats r": strictly, or also on a tie.
  const auto beats = [&](bool on_tie) {
    const std::string_view later = on_tie ? ">=" : ">";
    switch (spec.version.kind) {
      case elexon::VersionKind::greatest:
        return fmt::format("(s.{0} > r.{0} OR (s.{0} = r.{0} AND s.received_at {1} r.received_at))",
                           spec.version.column, later);
      case elexon::VersionKind::last_arrival: return fmt::format("s.received_at {} r.received_at", later);
      case elexon::VersionKind::immutable:
      case elexon::VersionKind::vintages: break;  // vintages: handled above
    }
    return fmt::format("s.received_at {} r.received_at", on_tie ? "<=" : "<");  // the first arrival stays
  };
  // The bound inside the subquery names s's columns (the innermost scope).
  const auto not_beaten_in = [&](const std::string& table, bool on_tie) {
    return fmt::format(" AND NOT EXISTS (SELECT 1 FROM {} s WHERE {} AND ({}) AND {})", table,
                       fmt::join(same_key, " AND "), bound, beats(on_tie));
  };
  std::vector<std::string> branches;
  for (const auto& [source, table] : tables) {
    std::string sql = fmt::format("SELECT {} FROM {} r WHERE ({})", fmt::join(columns, ", "), table, bound);
    if (!local) sql += not_beaten_in(table, false);
    for (const auto& [other_source, other] : tables) {
      if (other_source != source) sql += not_beaten_in(other, source == Source::api);
    }
    branches.push_back(std::move(sql));
  }
  return run(fmt::format("{}", fmt::join(branches, " UNION ALL ")));
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

Result<market::DaySeries> MarketQueries::day_series(year_month_day date, SeriesPart parts,
                                                    std::optional<TimePoint> known_at) {
  auto days = series_range(date, date, parts, known_at);
  if (!days) return std::move(days).error();
  return std::move(days->front());
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

namespace {

// One series_range call: the empty days of the window, where a row lands in
// them, and one fill step per part (each one query, or two for the fuel mix).
class SeriesWindow {
 public:
  // The days from `first` to `last` with every settlement period present and
  // blank; ErrorKind::usage for a bad or too long range.
  static Result<SeriesWindow> make(SqlRunner& runner, year_month_day first, year_month_day last,
                                   std::optional<TimePoint> known_at) {
    const sys_days first_day{first};
    const sys_days last_day{last};
    if (!first.ok() || !last.ok() || last_day < first_day || (last_day - first_day).count() >= kMaxSeriesDays) {
      return make_error(ErrorKind::usage,
                        fmt::format("not a settlement day range of 1 to {} days: {} to {}", kMaxSeriesDays,
                                    market::format_date(first), market::format_date(last)));
    }
    SeriesWindow w(runner, first_day, last_day, known_at);
    for (sys_days d = first_day; d <= last_day; d += std::chrono::days{1}) {
      const year_month_day date{d};
      const int count = market::periods_in_day(date);
      if (count == 0 || !market::is_supported_date(date)) {
        return make_error(ErrorKind::usage,
                          fmt::format("not a supported settlement date: {}", market::format_date(date)));
      }
      market::DaySeries series{date, {}};
      const TimePoint day_start = market::day_start_utc(date);
      for (int i = 0; i < count; ++i) {
        market::PeriodValues p;
        p.period = i + 1;
        p.start_utc = day_start + market::kPeriodLength * i;
        series.periods.push_back(std::move(p));
      }
      w.m_starts.push_back(day_start);
      w.m_days.push_back(std::move(series));
    }
    w.m_starts.push_back(market::day_end_utc(last));
    w.m_dates = {param("first", first_day), param("last", last_day)};
    if (known_at) w.m_dates.push_back(param("at", *known_at));
    return w;
  }

  // FUELINST: the mean of the 5-minute readings per period and fuel (never
  // the sum), computed by the warehouse so only one row per period and fuel
  // comes back; FUELHH for the periods FUELINST does not cover.
  Status fill_fuel() {
    auto rows = deduped_rows(m_runner, "FUELINST", {"settlement_date", "settlement_period", "fuel_type", "generation"},
                             known(kByDate, "publish_time"), m_dates,
                             "SELECT settlement_date, settlement_period, fuel_type, AVG(generation), "
                             "COUNT(generation) FROM ({}) d GROUP BY settlement_date, settlement_period, fuel_type");
    if (!rows) return std::move(rows).error();
    for (const auto& row : *rows) {
      auto* p = period_of(row[0], row[1]);
      const auto mean = row[3].as_number();
      const auto count = row[4].as_integer();
      if (p == nullptr || !mean || !count || *count == 0) continue;
      p->fuel_mw[row[2].as_text().value_or("")] = *mean;
      p->fuel_source = market::FuelSource::fuelinst;
    }
    auto hh = deduped_rows(m_runner, "FUELHH", {"settlement_date", "settlement_period", "fuel_type", "generation"},
                           known(kByDate, "publish_time"), m_dates);
    if (!hh) return std::move(hh).error();
    for (const auto& row : *hh) {
      auto* p = period_of(row[0], row[1]);
      const auto mw = row[3].as_number();
      if (p == nullptr || !mw || p->fuel_source == market::FuelSource::fuelinst) continue;
      p->fuel_source = market::FuelSource::fuelhh;
      p->fuel_mw[row[2].as_text().value_or("")] = *mw;
    }
    for (auto& day : m_days) {
      for (auto& p : day.periods) p.net_import_mw = market::Classification::net_import(p.fuel_mw);
    }
    return {};
  }

  Status fill_demand() {
    if (auto ok = per_period("INDO", {"demand"}, known(kByDate, "publish_time"),
                             [](market::PeriodValues& p, const SqlRow& r) { p.demand_mw = r[2].as_number(); });
        !ok) {
      return ok;
    }
    return per_period("ITSDO", {"demand"}, known(kByDate, "publish_time"),
                      [](market::PeriodValues& p, const SqlRow& r) { p.transmission_demand_mw = r[2].as_number(); });
  }

  Status fill_market_price() {
    const std::string bound = fmt::format("{} AND data_provider = 'APXMIDP'", kByDate);
    return per_period("MID", {"price", "volume"}, bound, [](market::PeriodValues& p, const SqlRow& r) {
      const auto price = r[2].as_number();
      const auto volume = r[3].as_number();
      // 0 £/MWh on 0 MWh means "no trades", not a price.
      if (price && !(*price == 0.0 && volume && *volume == 0.0)) p.market_price = price;
    });
  }

  Status fill_system_prices() {
    return per_period("DISEBSP", {"system_sell_price", "system_buy_price"}, kByDate,
                      [](market::PeriodValues& p, const SqlRow& r) {
                        p.system_sell_price = r[2].as_number();
                        p.system_buy_price = r[3].as_number();
                      });
  }

  // FREQ: mean of the samples in each period (UTC range from the settlement
  // module), summed in time order so the mean does not depend on the plan.
  Status fill_frequency() {
    std::vector<SqlParam> range = {param("from", m_starts.front()), param("to", m_starts.back())};
    if (m_known_at) range.push_back(param("at", *m_known_at));
    auto rows = deduped_rows(m_runner, "FREQ", {"measurement_time", "frequency"},
                             known("measurement_time >= @from AND measurement_time < @to", "measurement_time"), range,
                             "SELECT * FROM ({}) d ORDER BY measurement_time");
    if (!rows) return std::move(rows).error();
    std::map<market::PeriodValues*, std::pair<double, std::size_t>> sums;
    for (const auto& row : *rows) {
      const auto t = row[0].as_time();
      const auto hz = row[1].as_number();
      if (!t || !hz) continue;
      if (auto* p = period_at(*t)) {
        auto& acc = sums[p];
        acc.first += *hz;
        acc.second += 1;
      }
    }
    for (const auto& [p, acc] : sums) {
      p->frequency_hz = acc.first / static_cast<double>(acc.second);
      p->frequency_samples = acc.second;
    }
    return {};
  }

  std::vector<market::DaySeries> take_days() { return std::move(m_days); }

 private:
  static constexpr std::string_view kByDate = "settlement_date >= @first AND settlement_date <= @last";

  SeriesWindow(SqlRunner& runner, sys_days first, sys_days last, std::optional<TimePoint> known_at)
      : m_runner(runner), m_first(first), m_last(last), m_known_at(known_at) {}

  // `bound`, and with known_at only what `column` says was published by then.
  [[nodiscard]] std::string known(std::string_view bound, std::string_view column) const {
    return m_known_at ? fmt::format("{} AND {} <= @at", bound, column) : std::string(bound);
  }

  // The period a settlement-date-keyed row belongs to, or nullptr.
  market::PeriodValues* period_of(const SqlValue& date, const SqlValue& period) {
    const auto d = date.as_date();
    if (!d || *d < m_first || *d > m_last) return nullptr;
    auto& day = m_days[static_cast<std::size_t>((*d - m_first).count())];
    const int i = period_index(period, day.periods.size());
    return i < 0 ? nullptr : &day.periods[static_cast<std::size_t>(i)];
  }

  // The period whose 30 elapsed minutes contain `t`, or nullptr.
  market::PeriodValues* period_at(TimePoint t) {
    if (t < m_starts.front() || t >= m_starts.back()) return nullptr;
    const auto next = std::upper_bound(m_starts.begin(), m_starts.end(), t);
    const auto index = static_cast<std::size_t>(next - m_starts.begin() - 1);
    auto& day = m_days[index];
    const auto i = static_cast<std::size_t>((t - m_starts[index]) / market::kPeriodLength);
    return i < day.periods.size() ? &day.periods[i] : nullptr;
  }

  // A dataset keyed by settlement date and period: `apply` each row's
  // `columns` (after the two key columns) to its period.
  template <typename Apply>
  Status per_period(std::string_view code, std::vector<std::string_view> columns, std::string_view bound,
                    Apply&& apply) {
    columns.insert(columns.begin(), {"settlement_date", "settlement_period"});
    // Parameters the SQL does not name are skipped by both runners.
    auto rows = deduped_rows(m_runner, code, columns, bound, m_dates);
    if (!rows) return std::move(rows).error();
    for (const auto& row : *rows) {
      if (auto* p = period_of(row[0], row[1])) apply(*p, row);
    }
    return {};
  }

  SqlRunner& m_runner;
  sys_days m_first;
  sys_days m_last;
  std::optional<TimePoint> m_known_at;
  std::vector<market::DaySeries> m_days;
  std::vector<TimePoint> m_starts;  // day i covers [m_starts[i], m_starts[i + 1])
  std::vector<SqlParam> m_dates;
};

}  // namespace

Result<std::vector<market::DaySeries>> SqlMarketQueries::series_range(year_month_day first, year_month_day last,
                                                                      SeriesPart parts,
                                                                      std::optional<TimePoint> known_at) {
  auto window = SeriesWindow::make(m_runner, first, last, known_at);
  if (!window) return std::move(window).error();
  const std::pair<SeriesPart, Status (SeriesWindow::*)()> steps[] = {
      {SeriesPart::fuel, &SeriesWindow::fill_fuel},
      {SeriesPart::demand, &SeriesWindow::fill_demand},
      {SeriesPart::market_price, &SeriesWindow::fill_market_price},
      {SeriesPart::system_prices, &SeriesWindow::fill_system_prices},
      {SeriesPart::frequency, &SeriesWindow::fill_frequency},
  };
  for (const auto& [part, fill] : steps) {
    if (!has_part(parts, part)) continue;
    if (auto ok = ((*window).*fill)(); !ok) return std::move(ok).error();
  }
  return window->take_days();
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
    // The BM Unit column shows the affected BM unit(s), not the asset again.
    o.merged_units = {o.affected_unit.empty() ? o.asset_id : o.affected_unit};
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
