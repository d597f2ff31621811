#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "dashboard/dashboard.hpp"
#include "dashboard/formats.hpp"
#include "market/settlement.hpp"

namespace gbpm::dashboard {

namespace {

using sheet::Cell;

std::string age_text(std::chrono::seconds age) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(age).count();
  if (minutes < 120) return fmt::format("{} min", minutes);
  constexpr std::int64_t kMinutesPerDay = std::int64_t{24} * 60;
  if (minutes < 2 * kMinutesPerDay) return fmt::format("{} h", minutes / 60);
  return fmt::format("{} d", minutes / kMinutesPerDay);
}

// The latest market price of the settlement day containing `now`, at or before now.
struct Price {
  std::optional<double> value;
  int period = 0;
};

Result<Price> latest_price(warehouse::MarketQueries& queries, core::TimePoint now) {
  const auto sp = market::period_at(now);
  // Only the MID prices of the day: one small query, not the whole series.
  auto day = queries.day_series(sp.date, warehouse::SeriesPart::market_price, now);
  if (!day) return day.error();
  Price price;
  for (const auto& p : day->periods) {
    if (p.start_utc > now) break;
    if (p.market_price) {
      price.value = p.market_price;
      price.period = p.period;
    }
  }
  return price;
}

std::string direction(double mw) {
  if (std::abs(mw) < 1.0) return "Idle";
  return mw > 0 ? "Import" : "Export";
}

}  // namespace

const std::vector<std::string_view>& freshness_datasets() {
  static const std::vector<std::string_view> datasets = {"FUELINST", "FREQ", "MID", "INDO", "DISEBSP", "REMIT"};
  return datasets;
}

std::string freshness_text(std::string_view dataset, std::optional<std::chrono::seconds> age) {
  if (!age) return fmt::format("🔴 {} no data", dataset);
  const auto a = std::max(*age, std::chrono::seconds(0));
  const char* mark = a < std::chrono::minutes(10) ? "✅" : a <= std::chrono::minutes(60) ? "⚠️" : "🔴";
  return fmt::format("{} {} {}", mark, dataset, age_text(a));
}

Result<sheet::Update> build_layout(warehouse::MarketQueries& queries, core::TimePoint now,
                                   const market::Classification& classification) {
  auto mix_result = queries.latest_fuel_mix(now);
  if (!mix_result) return mix_result.error();
  const std::optional<market::FuelMix>& mix = *mix_result;
  auto fresh = queries.freshness(freshness_datasets(), now);
  if (!fresh) return fresh.error();
  auto price = latest_price(queries, now);
  if (!price) return price.error();

  std::vector<Row> rows(17);
  rows[0] = {Cell::text("GB DASHBOARD - Power", kBold)};
  rows[1] = {Cell::text("⏰ Last updated: " + market::format_uk_local(now))};
  if (mix) rows[1].push_back(Cell::text("Generation data: " + market::format_uk_local(mix->start_time)));

  rows[2] = {Cell::text("Data freshness:")};
  for (const auto& f : *fresh) {
    std::optional<std::chrono::seconds> age;
    if (f.newest_record) age = std::chrono::duration_cast<std::chrono::seconds>(now - *f.newest_record);
    rows[2].push_back(Cell::text(freshness_text(f.dataset, age)));
  }

  rows[3] = {Cell::text("📊 SYSTEM METRICS", kBold)};

  const std::map<std::string, double> values = mix ? mix->values() : std::map<std::string, double>{};
  const auto total = classification.total_generation(values);
  const auto net_import = market::Classification::net_import(values);
  const auto gw = [](std::optional<double> mw) { return mw ? std::optional<double>(*mw / 1000.0) : std::nullopt; };
  std::optional<double> supply;
  if (total && net_import) supply = *total + *net_import;
  rows[4] = {Cell::text("Total Generation (GW)"),
             Cell::maybe_number(gw(total), kGw),
             Cell::text("Supply (GW)"),
             Cell::maybe_number(gw(supply), kGw),
             Cell::text("Renewables (%)"),
             Cell::maybe_number(classification.renewable_percent(values), kPercent),
             Cell::text(price->value ? fmt::format("Market price (£/MWh, SP{})", price->period)
                                     : std::string("Market price (£/MWh)")),
             Cell::maybe_number(price->value, kPrice)};
  if (!mix) {
    rows[5] = {Cell::text(
        fmt::format("⚠️ No generation data in the warehouse at or before {}", market::format_uk_local(now)))};
  }

  rows[6] = {
      Cell::text("🔥 Fuel Breakdown", kBold),  Cell::text("GW", kBold), Cell::text("Share (%)", kBold), Cell::blank(),
      Cell::text("🌍 Interconnectors", kBold), Cell::text("MW", kBold), Cell::text("Flow", kBold)};

  // Fuels by output, descending; fuels without a reading last, in registry order.
  std::vector<const market::FuelInfo*> fuels;
  for (const auto& f : market::fuel_types()) fuels.push_back(&f);
  std::stable_sort(fuels.begin(), fuels.end(), [&](const auto* a, const auto* b) {
    const auto ma = values.find(std::string(a->code));
    const auto mb = values.find(std::string(b->code));
    if ((ma == values.end()) != (mb == values.end())) return mb == values.end();
    if (ma == values.end()) return false;
    return ma->second > mb->second;
  });
  const auto& ics = market::interconnectors();
  for (std::size_t i = 0; i < 10; ++i) {
    Row& row = rows[7 + i];
    row.resize(7);
    if (i < fuels.size()) {
      const auto* f = fuels[i];
      const auto it = values.find(std::string(f->code));
      const std::optional<double> mw = it == values.end() ? std::nullopt : std::optional<double>(it->second);
      std::optional<double> share;
      if (mw && total && *total > 0 && classification.is_generation(f->code)) share = *mw / *total * 100.0;
      row[0] = Cell::text(fmt::format("{} {}", f->emoji, f->name));
      row[1] = Cell::maybe_number(gw(mw), kGw);
      row[2] = Cell::maybe_number(share, kPercent);
    }
    if (i < ics.size()) {
      const auto& ic = ics[i];
      const auto it = values.find(std::string(ic.code));
      row[4] = Cell::text(fmt::format("{} {} ({})", ic.flag, ic.name, ic.country));
      if (it != values.end()) {
        row[5] = Cell::number(it->second, kMw);
        row[6] = Cell::text(direction(it->second));
      }
    }
  }

  sheet::Update update;
  update.blocks.push_back({sheet::Range{"Dashboard", 0, 0, 17, 8}, std::move(rows), false});
  update.blocks.push_back(
      {sheet::Range{"Dashboard", 29, 0, 1, 8},
       {{Cell::text("Asset", kBold), Cell::text("BM Unit", kBold), Cell::text("Fuel", kBold),
         Cell::text("Normal (MW)", kBold), Cell::text("Unavailable (MW)", kBold), Cell::text("% offline", kBold),
         Cell::text("Cause", kBold), Cell::text("Start (UK time)", kBold)}},
       false});
  return update;
}

}  // namespace gbpm::dashboard
