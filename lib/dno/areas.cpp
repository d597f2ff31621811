#include "dno/areas.hpp"

#include <array>

namespace gbpm::dno {

namespace {

constexpr std::string_view kUkpn = "UK Power Networks";
constexpr std::string_view kNged = "National Grid Electricity Distribution";
constexpr std::string_view kSpen = "SP Energy Networks";
constexpr std::string_view kNpg = "Northern Powergrid";
constexpr std::string_view kSsen = "Scottish and Southern Electricity Networks";

constexpr std::array<LicenceArea, 14> kAreas{{
    {10, "UKPN-EPN", "Eastern", kUkpn, "EELC", "_A", "Eastern"},
    {11, "NGED-EM", "East Midlands", kNged, "EMEB", "_B", "East Midlands"},
    {12, "UKPN-LPN", "London", kUkpn, "LOND", "_C", "London"},
    {13, "SP-Manweb", "Merseyside & N Wales", kSpen, "MANW", "_D", "Merseyside and North Wales"},
    {14, "NGED-WM", "West Midlands", kNged, "MIDE", "_E", "Midlands"},
    {15, "NPg-NE", "North East", kNpg, "NEEB", "_F", "Northern"},
    {16, "ENWL", "North West", "Electricity North West", "NORW", "_G", "North Western"},
    {17, "SSE-SHEPD", "North Scotland", kSsen, "HYDE", "_P", "North Scotland"},
    {18, "SP-Distribution", "South Scotland", kSpen, "SPOW", "_N", "South Scotland"},
    {19, "UKPN-SPN", "South Eastern", kUkpn, "SEEB", "_J", "South Eastern"},
    {20, "SSE-SEPD", "Southern", kSsen, "SOUT", "_H", "Southern"},
    {21, "NGED-SWales", "South Wales", kNged, "SWAE", "_K", "South Wales"},
    {22, "NGED-SW", "South Western", kNged, "SWEB", "_L", "South Western"},
    {23, "NPg-Y", "Yorkshire", kNpg, "YELG", "_M", "Yorkshire"},
}};

}  // namespace

std::span<const LicenceArea> licence_areas() {
  return kAreas;
}

std::optional<LicenceArea> find_area(int id) {
  if (id < kFirstDistributorId || id > kLastDistributorId) return std::nullopt;
  return kAreas[static_cast<std::size_t>(id - kFirstDistributorId)];
}

std::optional<LicenceArea> find_area_by_gsp_group(std::string_view group) {
  if (group.size() == 1) {
    for (const auto& a : kAreas) {
      if (a.gsp_group[1] == group[0]) return a;
    }
    return std::nullopt;
  }
  for (const auto& a : kAreas) {
    if (a.gsp_group == group) return a;
  }
  return std::nullopt;
}

}  // namespace gbpm::dno
