#include <fmt/format.h>

#include "dashboard/dashboard.hpp"
#include "dashboard/formats.hpp"
#include "market/settlement.hpp"

namespace gbpm::dashboard {

namespace {

using sheet::Cell;

constexpr int kHeaderRows = 3;
constexpr int kColumns = 16;  // SP, start, 10 fuels, net imports, total, renewables %, source

// "01:30 BST": the time of day in UK local time with its zone (the zone
// tells the repeated October hour apart).
std::string uk_time_of_day(core::TimePoint t) {
  const std::string full = market::format_uk_local(t);  // "2025-10-26 01:30 GMT"
  return full.size() > 11 ? full.substr(11) : full;
}

std::string_view source_name(market::FuelSource s) {
  switch (s) {
    case market::FuelSource::fuelinst: return "FUELINST";
    case market::FuelSource::fuelhh: return "FUELHH";
    case market::FuelSource::none: break;
  }
  return "";
}

}  // namespace

Result<sheet::Update> build_realtime(warehouse::MarketQueries& queries, core::TimePoint now,
                                     const market::Classification& classification) {
  const auto today = market::period_at(now).date;
  // As known at `now`: readings published later do not count (--as-of in the past).
  auto series = queries.day_series(today, warehouse::SeriesPart::fuel, now);
  if (!series) return series.error();
  const market::DaySeries day = started_periods(std::move(series).value(), now);
  const auto& fuels = market::fuel_types();

  bool any = false;
  for (const auto& p : day.periods) any = any || p.fuel_source != market::FuelSource::none;

  std::vector<Row> rows;
  rows.push_back({Cell::text(
      fmt::format("⚡ LIVE GENERATION — settlement day {} ({} periods)", market::format_date(today), day.periods.size()),
      kBold)});
  if (any) {
    rows.push_back(
        {Cell::text(fmt::format("Mean MW per settlement period of the 5-minute FUELINST readings "
                                "(FUELHH where none); interconnectors + = import into GB. Updated {}",
                                market::format_uk_local(now)))});
  } else {
    rows.push_back({Cell::text(fmt::format("⚠️ No generation data in the warehouse for settlement day {} up to {}",
                                           market::format_date(today), market::format_uk_local(now)))});
  }
  Row header = {Cell::text("SP", kBold), Cell::text("Start (UK)", kBold)};
  for (const auto& f : fuels) header.push_back(Cell::text(fmt::format("{} {} (MW)", f.emoji, f.name), kBold));
  header.push_back(Cell::text("Net imports (MW)", kBold));
  header.push_back(Cell::text("Total generation (MW)", kBold));
  header.push_back(Cell::text("Renewables (%)", kBold));
  header.push_back(Cell::text("Source", kBold));
  rows.push_back(std::move(header));

  for (const auto& p : day.periods) {
    Row row = {Cell::number(p.period, kPeriod), Cell::text(uk_time_of_day(p.start_utc))};
    for (const auto& f : fuels) {
      const auto it = p.fuel_mw.find(std::string(f.code));
      row.push_back(it == p.fuel_mw.end() ? Cell::blank() : Cell::number(it->second, kMw));
    }
    row.push_back(Cell::maybe_number(p.net_import_mw, kMw));
    row.push_back(Cell::maybe_number(classification.total_generation(p.fuel_mw), kMw));
    row.push_back(Cell::maybe_number(classification.renewable_percent(p.fuel_mw), kPercent));
    const auto source = source_name(p.fuel_source);
    row.push_back(source.empty() ? Cell::blank() : Cell::text(std::string(source)));
    rows.push_back(std::move(row));
  }

  sheet::Update update;
  update.blocks.push_back(
      {sheet::Range{"Live_Raw_Gen", 0, 0, kHeaderRows + kMaxPeriods, kColumns}, std::move(rows), true});
  return update;
}

}  // namespace gbpm::dashboard
