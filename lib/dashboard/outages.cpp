#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "dashboard/dashboard.hpp"
#include "dashboard/formats.hpp"
#include "market/settlement.hpp"

namespace gbpm::dashboard {

namespace {

using sheet::Cell;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// An emoji for REMIT's free-text fuel ("Fossil Gas", "Wind Offshore",
// "Hydro Pumped Storage"), matched case-insensitively.
std::string_view outage_emoji(const market::Outage& o) {
  if (o.cable) return "🔌";
  const std::string f = lower(o.fuel_type);
  const auto has = [&](std::string_view k) { return f.find(k) != std::string::npos; };
  if (has("nuclear")) return "⚛️";
  if (has("pumped")) return "🔋";
  if (has("gas") || has("ccgt") || has("ocgt")) return "🔥";
  if (has("wind")) return "💨";
  if (has("hydro")) return "💧";
  if (has("biomass")) return "🌱";
  if (has("coal")) return "⛏️";
  if (has("oil")) return "🛢️";
  if (has("solar")) return "☀️";
  return "⚡";
}

std::vector<Cell> outage_row(const market::Outage& o) {
  std::string units = o.affected_unit;
  if (!o.merged_units.empty()) {
    units.clear();
    for (const auto& u : o.merged_units) units += (units.empty() ? "" : " + ") + u;
  }
  std::optional<double> pct;
  if (o.normal_mw && *o.normal_mw > 0) pct = o.unavailable_mw / *o.normal_mw * 100.0;
  return {Cell::text(fmt::format("{} {}", outage_emoji(o), o.asset_id)),
          Cell::text(units),
          Cell::text(o.fuel_type.empty() ? (o.cable ? "Interconnector" : "Unknown") : o.fuel_type),
          Cell::maybe_number(o.normal_mw, kMw),
          Cell::number(o.unavailable_mw, kMw),
          Cell::maybe_number(pct, kPercent),
          Cell::text(o.cause),
          Cell::text(market::format_uk_local(o.event_start))};
}

}  // namespace

sheet::Update build_outages(const std::vector<market::Outage>& outages) {
  std::vector<std::vector<Cell>> rows;
  const int n = static_cast<int>(outages.size());
  double total = 0;
  for (const auto& o : outages) total += o.unavailable_mw;
  if (n == 0) {
    rows.push_back({Cell::text(fmt::format("✅ No active outages of {:.0f} MW or more", kOutageThresholdMw))});
  } else {
    // Room for n rows + blank + TOTAL; otherwise keep a row for "… and N more".
    const bool overflow = n + 2 > kOutageRows;
    const int shown = overflow ? kOutageRows - 3 : n;
    for (int i = 0; i < shown; ++i) rows.push_back(outage_row(outages[static_cast<std::size_t>(i)]));
    if (overflow) {
      double rest = 0;
      for (int i = shown; i < n; ++i) rest += outages[static_cast<std::size_t>(i)].unavailable_mw;
      rows.push_back({Cell::text(fmt::format("… and {} more", n - shown)), Cell::blank(), Cell::blank(), Cell::blank(),
                      Cell::number(rest, kMw)});
    }
    rows.emplace_back();
    rows.push_back({Cell::text("TOTAL UNAVAILABLE CAPACITY", kBold), Cell::blank(),
                    Cell::text(fmt::format("{} outage{}", n, n == 1 ? "" : "s"), kBold), Cell::blank(),
                    Cell::number(total, kBoldMw)});
  }
  sheet::Update update;
  update.blocks.push_back({sheet::Range{"Dashboard", 30, 0, kOutageRows, 8}, std::move(rows), false});
  return update;
}

}  // namespace gbpm::dashboard
