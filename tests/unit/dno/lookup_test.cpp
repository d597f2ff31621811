#include "dno/lookup.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <map>

#include "sheet/sheet.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(GBPM_SOURCE_DIR) / "tests/fixtures/dno";

class FakePostcodes final : public dno::PostcodeSource {
 public:
  std::map<std::string, Result<dno::PostcodeLocation>> answers;
  int calls = 0;
  Result<dno::PostcodeLocation> locate(std::string_view postcode) override {
    ++calls;
    const auto it = answers.find(std::string(postcode));
    if (it == answers.end()) return make_error(ErrorKind::data, fmt::format("postcode {} not found", postcode));
    return it->second;
  }
};

class FakeTariffs final : public dno::TariffSource {
 public:
  Result<dno::RatesInEffect> rates(int id, dno::Voltage, const std::optional<std::string>&, sys_days) override {
    dno::RatesInEffect r;
    r.red = dno::UnitRate{id, dno::Voltage::lv, "", "Red", 10.5, sys_days(year(2026) / 4 / 1), std::nullopt};
    r.green = dno::UnitRate{id, dno::Voltage::lv, "", "Green", 0.25, sys_days(year(2026) / 4 / 1), std::nullopt};
    return r;
  }
  Result<std::vector<dno::TimeBand>> bands(int id) override {
    return std::vector<dno::TimeBand>{{id, "Red", "Weekday", "16:00", "19:00"},
                                      {id, "Green", "Weekend", "00:00", "24:00"}};
  }
  Result<bool> loaded() override { return true; }
};

dno::PostcodeLocation place(std::string pc, double e, double n, std::string country = "England") {
  return {std::move(pc), e, n, -1.9, 52.4, std::move(country)};
}

struct Setup {
  FakePostcodes postcodes;
  FakeTariffs tariffs;
  dno::AreaMap areas = dno::AreaMap::load(kFixtures / "areas_27700.geojson").value();
  dno::LookupDeps deps() { return {&postcodes, &areas, "", &tariffs}; }
  Setup() {
    postcodes.answers.emplace("B1 1AA", place("B1 1AA", 406640, 286900));
    postcodes.answers.emplace("M1 1AE", place("M1 1AE", 384425, 398137));
    postcodes.answers.emplace("TR21 0HE", place("TR21 0HE", 91000, 10600));
    postcodes.answers.emplace("BT1 1AA", place("BT1 1AA", 406640, 286900, "Northern Ireland"));
  }
};

dno::LookupRequest request() {
  dno::LookupRequest r;
  r.date = sys_days(year(2026) / 6 / 1);
  return r;
}

}  // namespace

TEST_CASE("a postcode is located by point-in-polygon", "[dno][lookup]") {
  Setup s;
  auto r = request();
  r.postcode = "b11aa";
  auto result = dno::run_lookup(r, s.deps());
  REQUIRE(result);
  CHECK(result->area.id == 14);  // Birmingham, not East Midlands
  CHECK(result->found_by == "postcode B1 1AA");
  CHECK(result->warnings.empty());
  r.postcode = "M1 1AE";
  CHECK(dno::run_lookup(r, s.deps())->area.id == 16);  // Manchester, not Yorkshire
}

TEST_CASE("unknown postcodes and points outside every area are errors without an MPAN", "[dno][lookup]") {
  Setup s;
  auto r = request();
  r.postcode = "ZZ9 9ZZ";
  auto unknown = dno::run_lookup(r, s.deps());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::data);
  CHECK_THAT(unknown.error().message, Catch::Contains("ZZ9 9ZZ"));
  r.postcode = "TR21 0HE";
  auto outside = dno::run_lookup(r, s.deps());
  REQUIRE_FALSE(outside);
  CHECK_THAT(outside.error().message, Catch::Contains("outside every GB licence area"));
  r.postcode = "BT1 1AA";  // Irish-grid coordinates that would fall in 14 on the GB grid
  auto ni = dno::run_lookup(r, s.deps());
  REQUIRE_FALSE(ni);
  CHECK_THAT(ni.error().message, Catch::Contains("Northern Ireland"));
  r.postcode = "not a postcode";
  auto shape = dno::run_lookup(r, s.deps());
  REQUIRE_FALSE(shape);
  CHECK(shape.error().kind == ErrorKind::usage);
  CHECK(s.postcodes.calls == 3);
}

TEST_CASE("the MPAN wins over a disagreeing postcode, with a warning", "[dno][lookup]") {
  Setup s;
  auto r = request();
  r.mpan = "1600000000000";
  r.postcode = "B1 1AA";
  auto result = dno::run_lookup(r, s.deps());
  REQUIRE(result);
  CHECK(result->area.id == 16);
  CHECK(result->found_by == "MPAN 1600000000000");
  REQUIRE(result->warnings.size() == 1);
  CHECK_THAT(result->warnings[0], Catch::Contains("postcode B1 1AA lies in 14 West Midlands"));
  // With an MPAN, a postcode that cannot be located only warns.
  r.postcode = "ZZ9 9ZZ";
  auto still = dno::run_lookup(r, s.deps());
  REQUIRE(still);
  CHECK(still->area.id == 16);
  CHECK_THAT(still->warnings.at(0), Catch::Contains("the MPAN decides"));
}

TEST_CASE("a bad MPAN is a usage error even with a good postcode", "[dno][lookup]") {
  Setup s;
  auto r = request();
  r.mpan = "1600000000001";
  r.postcode = "B1 1AA";
  auto result = dno::run_lookup(r, s.deps());
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::usage);
}

TEST_CASE("a postcode without the licence-area map is a config error saying what to set", "[dno][lookup]") {
  Setup s;
  auto deps = s.deps();
  deps.areas = nullptr;
  deps.areas_missing_reason = "set GBPM_DNO_AREAS";
  auto r = request();
  r.postcode = "B1 1AA";
  auto result = dno::run_lookup(r, deps);
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::config);
  CHECK_THAT(result.error().message, Catch::Contains("GBPM_DNO_AREAS"));
}

TEST_CASE("the BESS cells", "[dno][lookup][sheet]") {
  Setup s;
  auto r = request();
  r.distributor_id = 14;
  auto result = dno::run_lookup(r, s.deps());
  REQUIRE(result);
  const auto update = dno::bess_update(*result);
  REQUIRE(update.blocks.size() == 4);
  CHECK(sheet::to_a1(update.blocks[0].range) == "BESS!A4:H4");
  CHECK(sheet::to_a1(update.blocks[1].range) == "BESS!B6:H6");
  CHECK(sheet::to_a1(update.blocks[2].range) == "BESS!B10:D10");
  CHECK(sheet::to_a1(update.blocks[3].range) == "BESS!A13:C60");
  CHECK(sheet::display_text(update.blocks[0].cells[0][0]) ==
        "✅ 14 West Midlands (NGED-WM) from distributor id 14; LV default rates in effect on 2026-06-01");
  const auto& dno_row = update.blocks[1].cells[0];
  CHECK(sheet::display_text(dno_row[0]) == "14");
  CHECK(sheet::display_text(dno_row[1]) == "NGED-WM");
  CHECK(sheet::display_text(dno_row[3]) == "National Grid Electricity Distribution");
  CHECK(sheet::display_text(dno_row[4]) == "MIDE");
  CHECK(sheet::display_text(dno_row[5]) == "_E");
  const auto& rates = update.blocks[2].cells[0];
  CHECK(sheet::display_text(rates[0]) == "10.500");
  CHECK(rates[1].is_blank());  // no Amber rate: blank, never 0
  CHECK(sheet::display_text(rates[2]) == "0.250");
  REQUIRE(update.blocks[3].cells.size() == 2);
  CHECK(sheet::display_text(update.blocks[3].cells[1][2]) == "00:00-24:00");
}
