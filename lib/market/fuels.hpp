#pragma once
// The fuel registry: FUELINST/FUELHH fuel-type codes with display names and
// emoji, the GB interconnectors with their counterparty country and flag
// (flows signed, + = import into GB), and the configurable classification
// (fossil / renewable / low-carbon; PS and INT* are transfers, not generation;
// OTHER is its own row).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gbpm::market {

// A generation (or storage) fuel type as FUELINST reports it.
struct FuelInfo {
  std::string_view code;   // "CCGT"
  std::string_view name;   // "Gas (CCGT)"
  std::string_view emoji;  // "🔥"
};

// One GB interconnector. Flows are signed MW, positive = import into GB.
struct InterconnectorInfo {
  std::string_view code;          // FUELINST fuel type: "INTIRL"
  std::string_view name;          // link name: "Moyle"
  std::string_view country;       // counterparty: "Northern Ireland, UK"
  std::string_view flag;          // "🇬🇧" (Moyle connects GB to Northern Ireland, part of the UK)
  std::string_view outturn_name;  // `interconnectorName` of /generation/outturn/interconnectors
  int capacity_mw = 0;            // approximate, for display only
};

// The ten non-interconnector fuel types, in the dashboard's fixed order:
// CCGT, OCGT, COAL, OIL, NUCLEAR, WIND, NPSHYD, BIOMASS, PS, OTHER.
const std::vector<FuelInfo>& fuel_types();
// The ten interconnectors, in a fixed order (France first).
const std::vector<InterconnectorInfo>& interconnectors();

// The entry for a fuel code (exact, "CCGT"), or nullptr.
const FuelInfo* find_fuel(std::string_view code);
// The entry for an INT* code ("INTFR"), or nullptr. An unknown INT* code is
// still an interconnector (is_interconnector_code) — new links appear.
const InterconnectorInfo* find_interconnector(std::string_view code);
// The entry whose outturn name matches `name`, ignoring case and whitespace
// ("Denmark (Viking link)" == "Denmark(Viking Link)"), or nullptr.
const InterconnectorInfo* find_interconnector_by_outturn_name(std::string_view name);
// True for FUELINST interconnector codes: "INT" followed by at least one letter.
bool is_interconnector_code(std::string_view code);

// The cable an interconnector BM unit belongs to, so a link's import (I_IEG-…)
// and export (I_IED-…) units can be counted once: "I_IED-FRAN1" and
// "I_IEG-FRAN1" both give "I_IE*-FRAN1". nullopt when `unit` is not an
// interconnector import/export unit (pattern I_I<letter><D|G>-<name>).
std::optional<std::string> interconnector_cable(std::string_view unit);

// Which dashboard groups a fuel code belongs to. Configurable:
// some dashboards count biomass as renewable, some not; OTHER may be fossil.
//
// Default: fossil = CCGT, OCGT, COAL, OIL; renewable = WIND, NPSHYD, BIOMASS;
// low_carbon = renewable + NUCLEAR; transfer = PS and every INT* code.
// Generation = every code that is not a transfer (so OTHER counts as
// generation but is in neither fossil nor renewable unless configured).
class Classification {
 public:
  // The default groups above.
  static Classification defaults();

  // The default with the groups named in `setting` replaced. Format:
  //   group=CODE,CODE;group=CODE,...
  // groups: fossil, renewable, low_carbon, transfer. A low_carbon list may
  // name `renewable` to include the renewable group; any list may use the
  // pattern INT* for every interconnector. Whitespace around items is
  // ignored; an empty setting means the default. Errors (ErrorKind::config)
  // name the bad group or code ("unknown fuel code \"CGT\" in renewable").
  static Result<Classification> parse(std::string_view setting);

  [[nodiscard]] bool is_fossil(std::string_view code) const;
  [[nodiscard]] bool is_renewable(std::string_view code) const;
  [[nodiscard]] bool is_low_carbon(std::string_view code) const;
  [[nodiscard]] bool is_transfer(std::string_view code) const;
  // Not a transfer: counts toward total generation.
  [[nodiscard]] bool is_generation(std::string_view code) const { return !is_transfer(code); }

  // Sum of the generation fuels in `mw_by_fuel` (MW), or nullopt when none
  // of them is present (missing data stays blank, never 0).
  [[nodiscard]] std::optional<double> total_generation(const std::map<std::string, double>& mw_by_fuel) const;
  // Renewable generation as a percentage of total generation, or nullopt
  // when total generation is missing or not positive.
  [[nodiscard]] std::optional<double> renewable_percent(const std::map<std::string, double>& mw_by_fuel) const;
  // Sum of the interconnector flows (net import, MW, + = import), or nullopt
  // when there is none.
  [[nodiscard]] static std::optional<double> net_import(const std::map<std::string, double>& mw_by_fuel);

  // The setting string that parse() reads back into this classification.
  [[nodiscard]] std::string to_string() const;

 private:
  struct Group {
    std::vector<std::string> codes;
    bool all_interconnectors = false;
    bool include_renewable = false;  // low_carbon only
  };
  [[nodiscard]] static bool contains(const Group& group, std::string_view code);

  Group m_fossil;
  Group m_renewable;
  Group m_low_carbon;
  Group m_transfer;
};

}  // namespace gbpm::market
