#include "dno/geo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/fs.hpp"
#include "dno/areas.hpp"
#include "json/json.hpp"

namespace gbpm::dno {

namespace {

Error config_error(std::string_view origin, std::string_view why) {
  return Error{ErrorKind::config, fmt::format("licence-area GeoJSON {}: {}", origin, why)};
}

// How close to a segment counts as on it, relative to the segment's length:
// a millionth of a unit (a micrometre in metres, ~0.1 m in degrees).
constexpr double kEdgeTolerance = 1e-6;

bool on_segment(Point a, Point b, Point p) {
  const double dx = b.x - a.x;
  const double dy = b.y - a.y;
  const double len = std::hypot(dx, dy);
  const double cross = dx * (p.y - a.y) - dy * (p.x - a.x);
  if (std::fabs(cross) > kEdgeTolerance * std::max(len, 1.0)) return false;
  const double tol = kEdgeTolerance;
  return p.x >= std::min(a.x, b.x) - tol && p.x <= std::max(a.x, b.x) + tol && p.y >= std::min(a.y, b.y) - tol &&
         p.y <= std::max(a.y, b.y) + tol;
}

BoundingBox box_of(const Ring& ring) {
  BoundingBox box{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                  std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest()};
  for (const auto& p : ring) {
    box.min_x = std::min(box.min_x, p.x);
    box.min_y = std::min(box.min_y, p.y);
    box.max_x = std::max(box.max_x, p.x);
    box.max_y = std::max(box.max_y, p.y);
  }
  return box;
}

void grow(BoundingBox& into, const BoundingBox& box, bool first) {
  if (first) {
    into = box;
    return;
  }
  into.min_x = std::min(into.min_x, box.min_x);
  into.min_y = std::min(into.min_y, box.min_y);
  into.max_x = std::max(into.max_x, box.max_x);
  into.max_y = std::max(into.max_y, box.max_y);
}

Result<Crs> crs_of(const json::View& root, std::string_view origin) {
  const json::View crs = root.field("crs");
  if (crs.is_missing() || crs.is_null()) return Crs::wgs84;
  auto name = crs.field("properties").field("name").as_string();
  if (!name) return config_error(origin, "the \"crs\" member has no properties.name");
  const std::string_view n = *name;
  const auto ends_with = [&](std::string_view suffix) {
    return n.size() >= suffix.size() && n.substr(n.size() - suffix.size()) == suffix;
  };
  if (ends_with(":27700") || ends_with("::27700")) return Crs::british_national_grid;
  if (ends_with(":4326") || ends_with("::4326") || ends_with(":CRS84")) return Crs::wgs84;
  return config_error(
      origin, fmt::format("coordinate system \"{}\" is not supported (use EPSG:27700 or EPSG:4326)", n.substr(0, 80)));
}

Result<Ring> parse_ring(const json::View& v, Crs crs, std::string_view origin) {
  auto positions = v.as_array();
  if (!positions) return config_error(origin, positions.error().message);
  if (positions->size() < 4)
    return config_error(origin, fmt::format("at {}: a ring needs at least 4 positions", v.path()));
  Ring ring;
  ring.reserve(positions->size());
  for (const json::View pos : *positions) {
    auto x = pos.index(0).as_double();
    auto y = pos.index(1).as_double();
    if (!x) return config_error(origin, x.error().message);
    if (!y) return config_error(origin, y.error().message);
    const bool fits = crs == Crs::wgs84 ? (std::fabs(*x) <= 180 && std::fabs(*y) <= 90)
                                        : (*x >= -1e6 && *x <= 1e6 && *y >= -1e6 && *y <= 2e6);
    if (!fits) {
      return config_error(origin, fmt::format("at {}: ({}, {}) is not a {} coordinate (is the \"crs\" member right?)",
                                              pos.path(), *x, *y, crs_name(crs)));
    }
    ring.push_back({*x, *y});
  }
  return ring;
}

Result<Polygon> parse_polygon(const json::View& v, Crs crs, std::string_view origin) {
  auto rings = v.as_array();
  if (!rings) return config_error(origin, rings.error().message);
  if (rings->empty()) return config_error(origin, fmt::format("at {}: a polygon without rings", v.path()));
  Polygon polygon;
  bool first = true;
  for (const json::View r : *rings) {
    auto ring = parse_ring(r, crs, origin);
    if (!ring) return ring.error();
    if (first) {
      polygon.box = box_of(*ring);
      polygon.outer = std::move(*ring);
      first = false;
    } else {
      polygon.holes.push_back(std::move(*ring));
    }
  }
  return polygon;
}

std::optional<int> id_of(const json::View& properties) {
  for (const char* key : {"ID", "id", "DNO_ID", "dno_id", "mpan_distributor_id"}) {
    const json::View v = properties.field(key);
    if (auto n = v.as_int(); n) return *n;
    if (auto s = v.as_string(); s) {
      int id = 0;
      const std::string text(*s);
      if (!text.empty() && text.size() <= 3 &&
          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        id = std::stoi(text);
        return id;
      }
    }
  }
  for (const char* key : {"Name", "name", "gsp_group", "GSP_Group"}) {
    if (auto s = properties.field(key).as_string(); s) {
      if (auto area = find_area_by_gsp_group(*s)) return area->id;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view crs_name(Crs crs) {
  return crs == Crs::wgs84 ? "EPSG:4326" : "EPSG:27700";
}

RingPosition locate_in_ring(const Ring& ring, Point p) {
  bool inside = false;
  const std::size_t n = ring.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const Point a = ring[j];
    const Point b = ring[i];
    if (on_segment(a, b, p)) return RingPosition::on_edge;
    // Crossing number: the edge straddles the horizontal through p and
    // crosses it to the right of p.
    if ((b.y > p.y) != (a.y > p.y)) {
      const double x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
      if (p.x < x) inside = !inside;
    }
  }
  return inside ? RingPosition::inside : RingPosition::outside;
}

bool polygon_contains(const Polygon& polygon, Point p) {
  if (!polygon.box.contains(p)) return false;
  const RingPosition outer = locate_in_ring(polygon.outer, p);
  if (outer == RingPosition::outside) return false;
  if (outer == RingPosition::on_edge) return true;
  return std::none_of(polygon.holes.begin(), polygon.holes.end(),
                      [&](const Ring& hole) { return locate_in_ring(hole, p) == RingPosition::inside; });
}

Result<AreaMap> AreaMap::parse(std::string_view text, std::string_view origin) {
  auto doc = json::parse(text, {.max_bytes = std::size_t{512} << 20, .max_depth = 64});
  if (!doc) return config_error(origin, doc.error().message);
  const json::View root = doc->root();
  if (auto type = root.field("type").as_string(); !type || *type != "FeatureCollection") {
    return config_error(origin, "not a GeoJSON FeatureCollection");
  }
  auto crs = crs_of(root, origin);
  if (!crs) return crs.error();
  AreaMap map;
  map.m_crs = *crs;
  auto features = root.field("features").as_array();
  if (!features) return config_error(origin, features.error().message);
  for (const json::View feature : *features) {
    const auto id = id_of(feature.field("properties"));
    if (!id || !find_area(*id)) {
      return config_error(origin,
                          fmt::format("at {}: no distributor id 10-23 in the properties (ID or Name)", feature.path()));
    }
    const json::View geometry = feature.field("geometry");
    auto type = geometry.field("type").as_string();
    if (!type) return config_error(origin, type.error().message);
    auto it = std::find_if(map.m_areas.begin(), map.m_areas.end(),
                           [&](const AreaShape& a) { return a.distributor_id == *id; });
    if (it == map.m_areas.end()) {
      map.m_areas.push_back({*id, {}, {}});
      it = map.m_areas.end() - 1;
    }
    const json::View coords = geometry.field("coordinates");
    if (*type == "Polygon") {
      auto polygon = parse_polygon(coords, map.m_crs, origin);
      if (!polygon) return polygon.error();
      it->polygons.push_back(std::move(*polygon));
    } else if (*type == "MultiPolygon") {
      auto parts = coords.as_array();
      if (!parts) return config_error(origin, parts.error().message);
      for (const json::View part : *parts) {
        auto polygon = parse_polygon(part, map.m_crs, origin);
        if (!polygon) return polygon.error();
        it->polygons.push_back(std::move(*polygon));
      }
    } else {
      return config_error(origin, fmt::format("at {}: geometry type \"{}\" (expected Polygon or MultiPolygon)",
                                              geometry.path(), type->substr(0, 40)));
    }
  }
  if (map.m_areas.empty()) return config_error(origin, "no licence areas in the file");
  for (auto& area : map.m_areas) {
    for (std::size_t i = 0; i < area.polygons.size(); ++i) grow(area.box, area.polygons[i].box, i == 0);
  }
  std::sort(map.m_areas.begin(), map.m_areas.end(),
            [](const AreaShape& a, const AreaShape& b) { return a.distributor_id < b.distributor_id; });
  return map;
}

Result<AreaMap> AreaMap::load(const std::filesystem::path& path) {
  auto text = core::read_file(path, std::size_t{512} << 20);
  if (!text) {
    return config_error(
        path.string(),
        text.error().message + " (download the NESO \"GB DNO License Areas\" GeoJSON and set GBPM_DNO_AREAS)");
  }
  return parse(*text, path.string());
}

std::optional<int> AreaMap::locate(Point p) const {
  for (const auto& area : m_areas) {
    if (!area.box.contains(p)) continue;
    for (const auto& polygon : area.polygons) {
      if (polygon_contains(polygon, p)) return area.distributor_id;
    }
  }
  return std::nullopt;
}

}  // namespace gbpm::dno
