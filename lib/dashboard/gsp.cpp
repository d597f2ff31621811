#include <fmt/format.h>

#include <algorithm>

#include "dashboard/dashboard.hpp"
#include "dashboard/formats.hpp"
#include "market/settlement.hpp"

namespace gbpm::dashboard {

namespace {

using sheet::Cell;

constexpr int kHeaderRows = 3;
constexpr int kColumns = 7;

std::string zone_description(const std::string& boundary) {
  if (boundary == "N") return "National (all GB)";
  return "Transmission boundary zone";
}

std::string status(double net_mw) {
  if (net_mw > kBalancedBandMw) return "🟢 Exporting";
  if (net_mw < -kBalancedBandMw) return "🔴 Importing";
  return "⚪ Balanced";
}

std::optional<core::TimePoint> newest(const market::BoundaryForecast& b) {
  if (b.generation_published && b.demand_published) return std::max(*b.generation_published, *b.demand_published);
  return b.generation_published ? b.generation_published : b.demand_published;
}

Row zone_row(const market::BoundaryForecast& b) {
  std::optional<double> demand;  // shown as consumption (INDDEM is negative)
  if (b.demand_mw) demand = -*b.demand_mw;
  std::optional<double> net;
  if (b.generation_mw && b.demand_mw) net = *b.generation_mw + *b.demand_mw;
  const auto published = newest(b);
  return {Cell::text(b.boundary),
          Cell::text(zone_description(b.boundary)),
          Cell::maybe_number(b.generation_mw, kMw),
          Cell::maybe_number(demand, kMw),
          Cell::maybe_number(net, kMw),
          net ? Cell::text(status(*net)) : Cell::blank(),
          published ? Cell::text(market::format_uk_local(*published)) : Cell::blank()};
}

}  // namespace

Result<sheet::Update> build_gsp(warehouse::MarketQueries& queries, core::TimePoint now) {
  auto snapshot = queries.boundary_forecasts(now);
  if (!snapshot) return snapshot.error();
  const auto& sp = snapshot->period;
  auto sp_start = market::period_start_utc(sp.date, sp.period);
  if (!sp_start) return sp_start.error();

  std::optional<core::TimePoint> latest;
  for (const auto& b : snapshot->boundaries) {
    if (const auto t = newest(b)) latest = latest ? std::max(*latest, *t) : *t;
  }

  std::vector<Row> rows;
  rows.push_back(
      {Cell::text("🗺️ BOUNDARY ZONES — indicated generation and demand forecast (INDGEN/INDDEM); "
                  "N = national, B1–B17 = transmission boundary zones, not GSPs",
                  kBold)});
  if (latest) {
    rows.push_back({Cell::text(fmt::format("Settlement period {} SP{} (starts {}); latest forecast published {}",
                                           market::format_date(sp.date), sp.period, market::format_uk_local(*sp_start),
                                           market::format_uk_local(*latest)))});
  } else {
    rows.push_back(
        {Cell::text(fmt::format("⚠️ No INDGEN/INDDEM forecast in the warehouse for {} SP{} published by {}",
                                market::format_date(sp.date), sp.period, market::format_uk_local(now)))});
  }
  rows.push_back({Cell::text("Zone", kBold), Cell::text("Description", kBold), Cell::text("Generation (MW)", kBold),
                  Cell::text("Demand (MW)", kBold), Cell::text("Net (MW)", kBold), Cell::text("Status", kBold),
                  Cell::text("Published (UK)", kBold)});
  const auto& zones = snapshot->boundaries;
  const auto n = static_cast<int>(zones.size());
  const int shown = n > kZoneRows ? kZoneRows - 1 : n;
  for (int i = 0; i < shown; ++i) rows.push_back(zone_row(zones[static_cast<std::size_t>(i)]));
  if (shown < n) rows.push_back({Cell::text(fmt::format("… and {} more", n - shown))});

  sheet::Update update;
  update.blocks.push_back({sheet::Range{"GSP", 0, 0, kHeaderRows + kZoneRows, kColumns}, std::move(rows), true});
  return update;
}

}  // namespace gbpm::dashboard
