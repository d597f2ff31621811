#pragma once
// The 14 GB electricity distribution licence areas, keyed by the MPAN
// distributor id (10-23): built-in reference data, so a lookup never depends
// on a table someone has to load first.

#include <optional>
#include <span>
#include <string_view>

namespace gbpm::dno {

struct LicenceArea {
  int id = 0;                       // MPAN distributor id, 10..23
  std::string_view key;             // "UKPN-EPN"
  std::string_view area;            // licence area: "Eastern"
  std::string_view operator_name;   // "UK Power Networks"
  std::string_view participant_id;  // market participant id: "EELC"
  std::string_view gsp_group;       // "_A"
  std::string_view gsp_group_name;  // "Eastern"
};

inline constexpr int kFirstDistributorId = 10;
inline constexpr int kLastDistributorId = 23;

// All 14 areas, in id order.
std::span<const LicenceArea> licence_areas();

// The area of distributor id `id`, or nullopt outside 10..23.
std::optional<LicenceArea> find_area(int id);

// The area whose GSP group is `group` ("_A" or "A"), or nullopt.
std::optional<LicenceArea> find_area_by_gsp_group(std::string_view group);

}  // namespace gbpm::dno
