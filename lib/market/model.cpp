#include "market/model.hpp"

#include <algorithm>

namespace gbpm::market {

std::optional<double> FuelMix::mw(std::string_view code) const {
  for (const auto& r : readings) {
    if (r.fuel_type == code) return r.mw;
  }
  return std::nullopt;
}

std::map<std::string, double> FuelMix::values() const {
  std::map<std::string, double> out;
  for (const auto& r : readings) {
    if (r.mw) out[r.fuel_type] = *r.mw;
  }
  return out;
}

void Stat::add(double v) {
  m_sum += v;
  ++count;
  min = min ? std::min(*min, v) : v;
  max = max ? std::max(*max, v) : v;
  avg = m_sum / static_cast<double>(count);
}

SeriesStatistics summarize(const std::vector<DaySeries>& days, const Classification& classification) {
  SeriesStatistics s;
  for (const auto& day : days) {
    for (const auto& p : day.periods) {
      s.system_sell_price.add(p.system_sell_price);
      s.system_buy_price.add(p.system_buy_price);
      s.market_price.add(p.market_price);
      s.demand.add(p.demand_mw);
      s.generation.add(classification.total_generation(p.fuel_mw));
      s.net_import.add(p.net_import_mw);
      s.frequency.add(p.frequency_hz);
      s.renewable_percent.add(classification.renewable_percent(p.fuel_mw));
    }
  }
  return s;
}

}  // namespace gbpm::market
