#pragma once
// Licence-area boundaries: the NESO "GB DNO License Areas" GeoJSON (one
// Feature per licence area, Polygon or MultiPolygon) and point-in-polygon.
//
// Coordinate systems: the file is either British National Grid (EPSG:27700,
// eastings/northings in metres; named by the GeoJSON "crs" member, as NESO's
// download is) or WGS84 longitude/latitude (EPSG:4326 / CRS84, also what a
// file without "crs" means). No conversion between them is done: Postcodes.io
// returns both eastings/northings and longitude/latitude for a postcode, and
// the lookup uses the pair that matches the file.
//
// Which area a feature is: its "ID" property (also "id", "DNO_ID", "dno_id",
// "mpan_distributor_id"; a number or numeric text, 10-23), else its GSP group
// in "Name" / "gsp_group" ("_A".."_P").
//
// Containment is closed: a point on a boundary edge (outer ring or hole) is
// inside; a point inside a hole is outside. A point in (or on the shared
// edge of) several areas goes to the lowest distributor id.

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gbpm::dno {

enum class Crs { british_national_grid, wgs84 };

// "EPSG:27700" / "EPSG:4326".
std::string_view crs_name(Crs crs);

struct Point {
  double x = 0;  // easting, or longitude
  double y = 0;  // northing, or latitude
};

struct BoundingBox {
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
  [[nodiscard]] bool contains(Point p) const { return p.x >= min_x && p.x <= max_x && p.y >= min_y && p.y <= max_y; }
};

using Ring = std::vector<Point>;

struct Polygon {
  Ring outer;
  std::vector<Ring> holes;
  BoundingBox box;
};

// Where a point lies relative to one ring.
enum class RingPosition { outside, inside, on_edge };
RingPosition locate_in_ring(const Ring& ring, Point p);

// Closed containment: on the outer edge or a hole's edge counts as inside.
bool polygon_contains(const Polygon& polygon, Point p);

struct AreaShape {
  int distributor_id = 0;
  std::vector<Polygon> polygons;
  BoundingBox box;
};

class AreaMap {
 public:
  // Parses GeoJSON text (a FeatureCollection). ErrorKind::config naming
  // `origin` for anything unusable: not GeoJSON, an unknown CRS, a feature
  // with no usable id, geometry other than (Multi)Polygon, rings with fewer
  // than 4 positions, coordinates that do not fit the CRS.
  static Result<AreaMap> parse(std::string_view text, std::string_view origin);
  // Reads and parses the file (at most 512 MiB). ErrorKind::config when it
  // cannot be read, naming the path.
  static Result<AreaMap> load(const std::filesystem::path& path);

  [[nodiscard]] Crs crs() const { return m_crs; }
  [[nodiscard]] const std::vector<AreaShape>& areas() const { return m_areas; }

  // The distributor id of the area containing `p` (in this map's CRS), or
  // nullopt when no area does.
  [[nodiscard]] std::optional<int> locate(Point p) const;

 private:
  Crs m_crs = Crs::wgs84;
  std::vector<AreaShape> m_areas;  // sorted by distributor id
};

}  // namespace gbpm::dno
