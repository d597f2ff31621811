#include "dno/mpan.hpp"

#include <catch2/catch.hpp>

#include "dno/areas.hpp"

using namespace gbpm;

TEST_CASE("MPAN check digit", "[dno][mpan]") {
  CHECK(dno::mpan_check_digit("140000000000") == 1);
  CHECK(dno::mpan_check_digit("991234567890") == 6);
  CHECK(dno::mpan_check_digit("111234567890") == 8);
  CHECK_FALSE(dno::mpan_check_digit("14000000000").has_value());
  CHECK_FALSE(dno::mpan_check_digit("14000000000x").has_value());
}

TEST_CASE("a valid 13-digit core gives its distributor id", "[dno][mpan]") {
  auto m = dno::parse_mpan("1400000000001");
  REQUIRE(m);
  CHECK(m->distributor_id == 14);
  CHECK(m->core == "1400000000001");
  CHECK_FALSE(m->llfc.has_value());
  auto spaced = dno::parse_mpan(" 11 1234 5678 908 ");
  REQUIRE(spaced);
  CHECK(spaced->distributor_id == 11);
}

TEST_CASE("a full 21-character MPAN gives the core and the top line's LLFC", "[dno][mpan]") {
  auto m = dno::parse_mpan("S 05 801 A01 14 0000 0000 001");
  REQUIRE(m);
  CHECK(m->distributor_id == 14);
  CHECK(m->core == "1400000000001");
  CHECK(m->llfc == "A01");
  CHECK(m->profile_class == "05");
  auto plain = dno::parse_mpan("058011001400000000001");
  REQUIRE(plain);
  CHECK(plain->llfc == "100");
}

TEST_CASE("bad MPANs are usage errors that say why", "[dno][mpan]") {
  const auto error_of = [](std::string_view text) {
    auto m = dno::parse_mpan(text);
    REQUIRE_FALSE(m);
    CHECK(m.error().kind == ErrorKind::usage);
    return m.error().message;
  };
  CHECK_THAT(error_of("1400000000002"), Catch::Contains("check digit is 2, expected 1"));
  CHECK_THAT(error_of("9912345678906"), Catch::Contains("distributor id 99 is not a GB licence area"));
  CHECK_THAT(error_of("140000000000"), Catch::Contains("got 12 characters"));
  CHECK_THAT(error_of("14000000000a1"), Catch::Contains("13 decimal digits"));
  CHECK_THAT(error_of("05801A011400000000002"), Catch::Contains("check digit"));
  CHECK_THAT(error_of("0X801A011400000000001"), Catch::Contains("top line"));
}

TEST_CASE("the 14 licence areas are built in", "[dno][areas]") {
  REQUIRE(dno::licence_areas().size() == 14);
  for (int id = 10; id <= 23; ++id) {
    auto a = dno::find_area(id);
    REQUIRE(a);
    CHECK(a->id == id);
  }
  CHECK_FALSE(dno::find_area(9));
  CHECK_FALSE(dno::find_area(24));
  CHECK(dno::find_area(14)->key == "NGED-WM");
  CHECK(dno::find_area(17)->gsp_group == "_P");
  CHECK(dno::find_area(23)->area == "Yorkshire");
  CHECK(dno::find_area_by_gsp_group("_E")->id == 14);
  CHECK(dno::find_area_by_gsp_group("N")->id == 18);
}
