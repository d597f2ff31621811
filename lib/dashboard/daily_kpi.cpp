#include <fmt/format.h>

#include "core/time.hpp"
#include "dashboard/dashboard.hpp"
#include "dashboard/formats.hpp"
#include "market/settlement.hpp"

namespace gbpm::dashboard {

namespace {

using sheet::Cell;
using sheet::CellFormat;

constexpr int kStatisticDays = 30;
constexpr std::string_view kChartTab = "Daily_Chart_Data";

// One row of the MARKET SUMMARY.
struct Metric {
  std::string_view label;
  market::Stat market::SeriesStatistics::*stat;
  const CellFormat* format;
  std::string_view unit;
};

const std::vector<Metric>& metrics() {
  using S = market::SeriesStatistics;
  static const std::vector<Metric> rows = {
      {"System sell price (SSP)", &S::system_sell_price, &kPrice, "£/MWh"},
      {"System buy price (SBP)", &S::system_buy_price, &kPrice, "£/MWh"},
      {"Market index price (APX MID)", &S::market_price, &kPrice, "£/MWh"},
      {"Demand (INDO)", &S::demand, &kMw, "MW"},
      {"Generation", &S::generation, &kMw, "MW"},
      {"Net interconnector import", &S::net_import, &kMw, "MW (+ = import)"},
      {"Frequency", &S::frequency, &kHz, "Hz"},
      {"Renewables share", &S::renewable_percent, &kPercent, "% of generation"},
  };
  return rows;
}

bool any_value(const market::SeriesStatistics& s) {
  for (const auto& m : metrics()) {
    if ((s.*(m.stat)).count > 0) return true;
  }
  return false;
}

std::vector<Row> chart_rows(const market::DaySeries& day, const market::Classification& classification) {
  std::vector<Row> rows;
  rows.push_back({Cell::text("Date", kBold), Cell::text("SP", kBold), Cell::text("Start (UTC)", kBold),
                  Cell::text("SSP (£/MWh)", kBold), Cell::text("SBP (£/MWh)", kBold),
                  Cell::text("Market index price (£/MWh)", kBold), Cell::text("Demand (MW)", kBold),
                  Cell::text("Generation (MW)", kBold), Cell::text("Net IC import (MW)", kBold),
                  Cell::text("Frequency (Hz)", kBold)});
  const std::string date = market::format_date(day.date);
  for (const auto& p : day.periods) {
    rows.push_back({Cell::text(date), Cell::number(p.period, kPeriod), Cell::text(core::format_utc(p.start_utc)),
                    Cell::maybe_number(p.system_sell_price, kPrice), Cell::maybe_number(p.system_buy_price, kPrice),
                    Cell::maybe_number(p.market_price, kPrice), Cell::maybe_number(p.demand_mw, kMw),
                    Cell::maybe_number(classification.total_generation(p.fuel_mw), kMw),
                    Cell::maybe_number(p.net_import_mw, kMw), Cell::maybe_number(p.frequency_hz, kHz)});
  }
  return rows;
}

}  // namespace

market::DaySeries started_periods(market::DaySeries day, core::TimePoint now) {
  for (auto& p : day.periods) {
    if (p.start_utc <= now) continue;
    market::PeriodValues blank;
    blank.period = p.period;
    blank.start_utc = p.start_utc;
    p = std::move(blank);
  }
  return day;
}

Result<sheet::Update> build_daily_kpi(warehouse::MarketQueries& queries, core::TimePoint now,
                                      const market::Classification& classification) {
  const auto today = market::period_at(now).date;
  const std::chrono::year_month_day first{std::chrono::sys_days{today} - std::chrono::days{kStatisticDays - 1}};
  // The whole window in one query per dataset (today last), as known at `now`.
  auto range = queries.series_range(first, today, warehouse::SeriesPart::all, now);
  if (!range) return range.error();
  std::vector<market::DaySeries> window = std::move(range).value();
  window.back() = started_periods(std::move(window.back()), now);
  const market::DaySeries& day = window.back();

  const auto today_stats = market::summarize({day}, classification);
  const auto window_stats = market::summarize(window, classification);

  std::vector<Row> rows(12);
  rows[0] = {Cell::text("📈 MARKET SUMMARY", kBold),
             Cell::text(fmt::format("Today: {} ({} periods)", market::format_date(today), day.periods.size())),
             Cell::blank(), Cell::blank(),
             Cell::text(fmt::format("30 days: {} to {}", market::format_date(first), market::format_date(today)))};
  rows[1] = {Cell::text("Metric", kBold),     Cell::text("Today avg", kBold),  Cell::text("Today min", kBold),
             Cell::text("Today max", kBold),  Cell::text("30-day avg", kBold), Cell::text("30-day min", kBold),
             Cell::text("30-day max", kBold), Cell::text("Unit", kBold)};
  for (std::size_t i = 0; i < metrics().size(); ++i) {
    const Metric& m = metrics()[i];
    const market::Stat& t = today_stats.*(m.stat);
    const market::Stat& w = window_stats.*(m.stat);
    rows[2 + i] = {Cell::text(std::string(m.label)),     Cell::maybe_number(t.avg, *m.format),
                   Cell::maybe_number(t.min, *m.format), Cell::maybe_number(t.max, *m.format),
                   Cell::maybe_number(w.avg, *m.format), Cell::maybe_number(w.min, *m.format),
                   Cell::maybe_number(w.max, *m.format), Cell::text(std::string(m.unit))};
  }
  if (!any_value(today_stats)) {
    rows[10] = {Cell::text(fmt::format("⚠️ No market data in the warehouse for settlement day {} up to {}",
                                       market::format_date(today), market::format_uk_local(now)))};
  }
  rows[11] = {Cell::text(fmt::format("📉 Per-period data for the charts: tab {} ({} rows for {})", kChartTab,
                                     day.periods.size(), market::format_date(today)))};

  sheet::Update update;
  update.blocks.push_back({sheet::Range{"Dashboard", 17, 0, 12, 8}, std::move(rows), false});
  update.blocks.push_back(
      {sheet::Range{std::string(kChartTab), 0, 0, 1 + kMaxPeriods, 10}, chart_rows(day, classification), true});
  return update;
}

}  // namespace gbpm::dashboard
