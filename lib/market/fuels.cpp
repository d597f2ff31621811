#include "market/fuels.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

namespace gbpm::market {
namespace {

std::string normalise_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t next = text.find(sep, pos);
    out.push_back(text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

}  // namespace

const std::vector<FuelInfo>& fuel_types() {
  static const std::vector<FuelInfo> fuels = {
      {"CCGT", "Gas (CCGT)", "🔥"}, {"OCGT", "Gas (OCGT)", "🔥"},      {"COAL", "Coal", "⛏️"},
      {"OIL", "Oil", "🛢️"},   {"NUCLEAR", "Nuclear", "⚛️"}, {"WIND", "Wind", "💨"},
      {"NPSHYD", "Hydro", "💧"},    {"BIOMASS", "Biomass", "🌱"},      {"PS", "Pumped storage", "🔋"},
      {"OTHER", "Other", "⚡"},
  };
  return fuels;
}

const std::vector<InterconnectorInfo>& interconnectors() {
  static const std::vector<InterconnectorInfo> links = {
      {"INTFR", "IFA", "France", "🇫🇷", "France(IFA)", 2000},
      {"INTIFA2", "IFA2", "France", "🇫🇷", "IFA2 (INTIFA2)", 1000},
      {"INTELEC", "ElecLink", "France", "🇫🇷", "Eleclink (INTELEC)", 1000},
      {"INTNED", "BritNed", "Netherlands", "🇳🇱", "Netherlands(BritNed)", 1000},
      {"INTNEM", "Nemo", "Belgium", "🇧🇪", "Belgium (Nemolink)", 1000},
      {"INTNSL", "NSL", "Norway", "🇳🇴", "North Sea Link (INTNSL)", 1400},
      {"INTVKL", "Viking", "Denmark", "🇩🇰", "Denmark (Viking link)", 1400},
      {"INTIRL", "Moyle", "Northern Ireland, UK", "🇬🇧", "Northern Ireland(Moyle)", 500},
      {"INTEW", "East-West", "Ireland", "🇮🇪", "Ireland(East-West)", 500},
      {"INTGRNL", "Greenlink", "Ireland", "🇮🇪", "Ireland (Greenlink)", 500},
  };
  return links;
}

const FuelInfo* find_fuel(std::string_view code) {
  const auto& fuels = fuel_types();
  const auto it = std::find_if(fuels.begin(), fuels.end(), [&](const FuelInfo& f) { return f.code == code; });
  return it == fuels.end() ? nullptr : &*it;
}

const InterconnectorInfo* find_interconnector(std::string_view code) {
  const auto& links = interconnectors();
  const auto it = std::find_if(links.begin(), links.end(), [&](const InterconnectorInfo& i) { return i.code == code; });
  return it == links.end() ? nullptr : &*it;
}

const InterconnectorInfo* find_interconnector_by_outturn_name(std::string_view name) {
  const std::string wanted = normalise_name(name);
  for (const auto& link : interconnectors()) {
    if (normalise_name(link.outturn_name) == wanted) return &link;
  }
  return nullptr;
}

bool is_interconnector_code(std::string_view code) {
  return code.size() > 3 && code.substr(0, 3) == "INT" && std::isupper(static_cast<unsigned char>(code[3])) != 0;
}

std::optional<std::string> interconnector_cable(std::string_view unit) {
  // I _ I <letter> <D|G> - <name>
  if (unit.size() < 7 || unit.substr(0, 3) != "I_I" || unit[5] != '-') return std::nullopt;
  if (std::isalpha(static_cast<unsigned char>(unit[3])) == 0) return std::nullopt;
  if (unit[4] != 'D' && unit[4] != 'G') return std::nullopt;
  std::string cable(unit);
  cable[4] = '*';
  return cable;
}

Classification Classification::defaults() {
  Classification c;
  c.m_fossil.codes = {"CCGT", "OCGT", "COAL", "OIL"};
  c.m_renewable.codes = {"WIND", "NPSHYD", "BIOMASS"};
  c.m_low_carbon.codes = {"NUCLEAR"};
  c.m_low_carbon.include_renewable = true;
  c.m_transfer.codes = {"PS"};
  c.m_transfer.all_interconnectors = true;
  return c;
}

Result<Classification> Classification::parse(std::string_view setting) {
  Classification c = defaults();
  setting = trim(setting);
  if (setting.empty()) return c;
  for (std::string_view part : split(setting, ';')) {
    part = trim(part);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return make_error(ErrorKind::config,
                        fmt::format("fuel classification: expected group=CODE,CODE, got \"{}\"", part));
    }
    const std::string_view name = trim(part.substr(0, eq));
    Group* group = nullptr;
    if (name == "fossil")
      group = &c.m_fossil;
    else if (name == "renewable")
      group = &c.m_renewable;
    else if (name == "low_carbon")
      group = &c.m_low_carbon;
    else if (name == "transfer")
      group = &c.m_transfer;
    else {
      return make_error(ErrorKind::config,
                        fmt::format("fuel classification: unknown group \"{}\" (fossil, renewable, low_carbon, "
                                    "transfer)",
                                    name));
    }
    *group = Group{};
    for (std::string_view item : split(part.substr(eq + 1), ',')) {
      item = trim(item);
      if (item.empty()) continue;
      if (item == "INT*") {
        group->all_interconnectors = true;
      } else if (item == "renewable" && group == &c.m_low_carbon) {
        group->include_renewable = true;
      } else if (find_fuel(item) != nullptr || find_interconnector(item) != nullptr) {
        group->codes.emplace_back(item);
      } else {
        return make_error(ErrorKind::config,
                          fmt::format("fuel classification: unknown fuel code \"{}\" in {}", item, name));
      }
    }
  }
  return c;
}

bool Classification::contains(const Group& group, std::string_view code) {
  if (group.all_interconnectors && is_interconnector_code(code)) return true;
  return std::find(group.codes.begin(), group.codes.end(), code) != group.codes.end();
}

bool Classification::is_fossil(std::string_view code) const {
  return contains(m_fossil, code);
}
bool Classification::is_renewable(std::string_view code) const {
  return contains(m_renewable, code);
}
bool Classification::is_low_carbon(std::string_view code) const {
  return contains(m_low_carbon, code) || (m_low_carbon.include_renewable && is_renewable(code));
}
bool Classification::is_transfer(std::string_view code) const {
  return contains(m_transfer, code);
}

std::optional<double> Classification::total_generation(const std::map<std::string, double>& mw_by_fuel) const {
  std::optional<double> total;
  for (const auto& [code, mw] : mw_by_fuel) {
    if (is_generation(code)) total = total.value_or(0.0) + mw;
  }
  return total;
}

std::optional<double> Classification::renewable_percent(const std::map<std::string, double>& mw_by_fuel) const {
  const auto total = total_generation(mw_by_fuel);
  if (!total || *total <= 0.0) return std::nullopt;
  double renewable = 0.0;
  for (const auto& [code, mw] : mw_by_fuel) {
    if (is_generation(code) && is_renewable(code)) renewable += mw;
  }
  return 100.0 * renewable / *total;
}

std::optional<double> Classification::net_import(const std::map<std::string, double>& mw_by_fuel) {
  std::optional<double> total;
  for (const auto& [code, mw] : mw_by_fuel) {
    if (is_interconnector_code(code)) total = total.value_or(0.0) + mw;
  }
  return total;
}

std::string Classification::to_string() const {
  const auto list = [](const Group& g, bool low_carbon) {
    std::vector<std::string> items;
    if (low_carbon && g.include_renewable) items.emplace_back("renewable");
    for (const auto& code : g.codes) items.push_back(code);
    if (g.all_interconnectors) items.emplace_back("INT*");
    return fmt::format("{}", fmt::join(items, ","));
  };
  return fmt::format("fossil={};renewable={};low_carbon={};transfer={}", list(m_fossil, false),
                     list(m_renewable, false), list(m_low_carbon, true), list(m_transfer, false));
}

}  // namespace gbpm::market
