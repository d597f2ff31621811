#include "dno/geo.hpp"

#include <catch2/catch.hpp>

using namespace gbpm;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(GBPM_SOURCE_DIR) / "tests/fixtures/dno";

dno::Ring square(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

}  // namespace

TEST_CASE("point in ring: inside, outside, on an edge and on a vertex", "[dno][geo]") {
  const auto ring = square(0, 0, 10, 10);
  CHECK(dno::locate_in_ring(ring, {5, 5}) == dno::RingPosition::inside);
  CHECK(dno::locate_in_ring(ring, {15, 5}) == dno::RingPosition::outside);
  CHECK(dno::locate_in_ring(ring, {-0.001, 5}) == dno::RingPosition::outside);
  CHECK(dno::locate_in_ring(ring, {0, 5}) == dno::RingPosition::on_edge);
  CHECK(dno::locate_in_ring(ring, {10, 10}) == dno::RingPosition::on_edge);
  CHECK(dno::locate_in_ring(ring, {3.3, 10}) == dno::RingPosition::on_edge);
  // A concave ring: the notch is outside.
  const dno::Ring u{{0, 0}, {9, 0}, {9, 9}, {6, 9}, {6, 3}, {3, 3}, {3, 9}, {0, 9}, {0, 0}};
  CHECK(dno::locate_in_ring(u, {4.5, 6}) == dno::RingPosition::outside);
  CHECK(dno::locate_in_ring(u, {1, 6}) == dno::RingPosition::inside);
  // A ray through a vertex counts once.
  const dno::Ring diamond{{5, 0}, {10, 5}, {5, 10}, {0, 5}, {5, 0}};
  CHECK(dno::locate_in_ring(diamond, {2, 5}) == dno::RingPosition::inside);
  CHECK(dno::locate_in_ring(diamond, {-2, 5}) == dno::RingPosition::outside);
}

TEST_CASE("polygon with a hole: the hole is outside, its edge inside", "[dno][geo]") {
  dno::Polygon p{square(0, 0, 10, 10), {square(3, 3, 6, 6)}, {0, 0, 10, 10}};
  CHECK(dno::polygon_contains(p, {1, 1}));
  CHECK_FALSE(dno::polygon_contains(p, {4, 4}));
  CHECK(dno::polygon_contains(p, {3, 4}));
  CHECK(dno::polygon_contains(p, {10, 4}));
  CHECK_FALSE(dno::polygon_contains(p, {11, 4}));
}

TEST_CASE("the licence-area map in British National Grid", "[dno][geo]") {
  auto map = dno::AreaMap::load(kFixtures / "areas_27700.geojson");
  REQUIRE(map);
  CHECK(map->crs() == dno::Crs::british_national_grid);
  REQUIRE(map->areas().size() == 4);
  CHECK(map->locate({406640, 286900}) == 14);  // Birmingham: in 11's hole, so 14
  CHECK(map->locate({360000, 240000}) == 11);
  CHECK(map->locate({384425, 398137}) == 16);  // Manchester
  CHECK(map->locate({529090, 179645}) == 12);  // London, first polygon
  CHECK(map->locate({605000, 105000}) == 12);  // London's island (second polygon)
  CHECK_FALSE(map->locate({91000, 10600}));    // Isles of Scilly: outside every area
  CHECK_FALSE(map->locate({580000, 105000}));  // between London's polygons
  // On the shared edge of 11's hole and 14: both contain it, the lowest id wins.
  CHECK(map->locate({380000, 280000}) == 11);
  // On 16's outer edge only.
  CHECK(map->locate({330000, 400000}) == 16);
}

TEST_CASE("the licence-area map in WGS84 gives the same areas", "[dno][geo]") {
  auto map = dno::AreaMap::load(kFixtures / "areas_4326.geojson");
  REQUIRE(map);
  CHECK(map->crs() == dno::Crs::wgs84);
  CHECK(map->locate({-1.9026, 52.4796}) == 14);
  CHECK(map->locate({-2.2360, 53.4808}) == 16);
  CHECK(map->locate({-0.141588, 51.501009}) == 12);
  CHECK(map->locate({1.05, 50.55}) == 12);
  CHECK(map->locate({-1.0, 52.1}) == 11);
  CHECK_FALSE(map->locate({-6.31, 49.914}));
}

TEST_CASE("unusable GeoJSON is a config error naming the file", "[dno][geo]") {
  const auto error_of = [](std::string_view text) {
    auto map = dno::AreaMap::parse(text, "areas.geojson");
    REQUIRE_FALSE(map);
    CHECK(map.error().kind == ErrorKind::config);
    CHECK_THAT(map.error().message, Catch::Contains("areas.geojson"));
    return map.error().message;
  };
  CHECK_THAT(error_of("[]"), Catch::Contains("FeatureCollection"));
  CHECK_THAT(error_of(R"({"type":"FeatureCollection","features":[]})"), Catch::Contains("no licence areas"));
  CHECK_THAT(
      error_of(R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]})"),
      Catch::Contains("not supported"));
  CHECK_THAT(error_of(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ID":9},
    "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]})"),
             Catch::Contains("no distributor id"));
  CHECK_THAT(error_of(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ID":10},
    "geometry":{"type":"Point","coordinates":[0,0]}}]})"),
             Catch::Contains("Point"));
  // Grid coordinates in a file that claims (by default) to be WGS84.
  CHECK_THAT(error_of(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ID":10},
    "geometry":{"type":"Polygon","coordinates":[[[500000,100000],[510000,100000],[510000,110000],[500000,100000]]]}}]})"),
             Catch::Contains("EPSG:4326"));
  auto missing = dno::AreaMap::load("/nonexistent/areas.geojson");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::config);
  CHECK_THAT(missing.error().message, Catch::Contains("GBPM_DNO_AREAS"));
}
