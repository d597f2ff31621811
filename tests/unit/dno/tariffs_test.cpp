#include "dno/tariffs.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "warehouse/sqlite_warehouse.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(GBPM_SOURCE_DIR) / "tests/fixtures/dno";

sys_days on(int y, unsigned m, unsigned d) {
  return sys_days(year(y) / month(m) / d);
}

std::unique_ptr<warehouse::SqliteWarehouse> loaded_warehouse(const testing::TempDir& dir) {
  std::vector<dno::TariffFile> files;
  for (const char* name : {"rates.csv", "bands.csv"}) {
    auto f = dno::parse_tariff_csv(testing::read_file(kFixtures / name), name);
    REQUIRE(f);
    files.push_back(std::move(*f));
  }
  auto wh = warehouse::SqliteWarehouse::open(dir / "gbpm.db", warehouse::OpenMode::read_write);
  REQUIRE(wh);
  auto stats = dno::store_tariffs(**wh, files);
  REQUIRE(stats);
  CHECK(stats->rates == 19);
  CHECK(stats->bands == 12);
  return std::move(*wh);
}

}  // namespace

TEST_CASE("the fixture CSVs parse", "[dno][tariffs]") {
  auto rates = dno::parse_tariff_csv(testing::read_file(kFixtures / "rates.csv"), "rates.csv");
  REQUIRE(rates);
  CHECK(rates->rates.size() == 19);
  CHECK(rates->bands.empty());
  CHECK(rates->rates[10].tariff == "A01");
  CHECK_FALSE(rates->rates[3].effective_to.has_value());
  auto bands = dno::parse_tariff_csv(testing::read_file(kFixtures / "bands.csv"), "bands.csv");
  REQUIRE(bands);
  CHECK(bands->bands.size() == 12);
}

TEST_CASE("bad CSV rows are rejected with FILE:LINE", "[dno][tariffs]") {
  const std::string header = "distributor_id,voltage,tariff,band,p_per_kwh,effective_from,effective_to\n";
  const auto error_of = [](const std::string& text) {
    auto f = dno::parse_tariff_csv(text, "r.csv");
    REQUIRE_FALSE(f);
    CHECK(f.error().kind == ErrorKind::data);
    return f.error().message;
  };
  CHECK(error_of(header + "14,LV,,Red,1.0,2026-04-01,\n9,LV,,Red,1,2026-04-01,\n") ==
        "r.csv:3: distributor_id \"9\" is not 10-23");
  CHECK_THAT(error_of(header + "14,MV,,Red,1,2026-04-01,\n"), Catch::StartsWith("r.csv:2: voltage \"MV\""));
  CHECK_THAT(error_of(header + "14,LV,,Purple,1,2026-04-01,\n"), Catch::StartsWith("r.csv:2: band"));
  CHECK_THAT(error_of(header + "14,LV,,Red,abc,2026-04-01,\n"), Catch::StartsWith("r.csv:2: p_per_kwh"));
  CHECK_THAT(error_of(header + "14,LV,,Red,-1,2026-04-01,\n"), Catch::StartsWith("r.csv:2: p_per_kwh"));
  CHECK_THAT(error_of(header + "14,LV,,Red,1,2026-13-01,\n"), Catch::StartsWith("r.csv:2: effective_from"));
  CHECK_THAT(error_of(header + "14,LV,,Red,1,2026-04-01,2026-03-01\n"), Catch::Contains("before effective_from"));
  CHECK_THAT(error_of(header + "14,LV,,Red,1,2026-04-01\n"), Catch::StartsWith("r.csv:2: 6 fields, expected 7"));
  CHECK_THAT(error_of(header + "14,LV,,Red,1,2026-04-01,\n14,lv,,red,2,2026-04-01,\n"),
             Catch::StartsWith("r.csv:3: the same"));
  CHECK_THAT(error_of(header + "14,LV,\"A01,Red,1,2026-04-01,\n"), Catch::StartsWith("r.csv:2: unterminated"));
  CHECK_THAT(error_of(header + "14,LV,x';DROP,Red,1,2026-04-01,\n"), Catch::StartsWith("r.csv:2: tariff"));
  CHECK_THAT(error_of("id,rate\n"), Catch::StartsWith("r.csv:1: unknown header"));
  CHECK(error_of("# only a comment\n") == "r.csv: empty (no header line)");
  const std::string bands = "distributor_id,band,day_type,start,end\n";
  CHECK_THAT(error_of(bands + "14,Red,Holiday,16:00,19:00\n"), Catch::StartsWith("r.csv:2: day_type"));
  CHECK_THAT(error_of(bands + "14,Red,Weekday,19:00,16:00\n"), Catch::StartsWith("r.csv:2: end is not after start"));
  CHECK_THAT(error_of(bands + "14,Red,Weekday,16:60,19:00\n"), Catch::StartsWith("r.csv:2: start"));
  CHECK_THAT(error_of(bands + "14,Red,Weekday,16:00,24:30\n"), Catch::StartsWith("r.csv:2: end"));
}

TEST_CASE("rates in effect on a date, a future row never used", "[dno][tariffs]") {
  testing::TempDir dir;
  auto wh = loaded_warehouse(dir);
  dno::SqlTariffSource source(*wh);
  REQUIRE(source.loaded().value());

  auto last_year = source.rates(14, dno::Voltage::lv, std::nullopt, on(2026, 3, 31));
  REQUIRE(last_year);
  CHECK(last_year->red->p_per_kwh == Approx(9.123));
  CHECK(last_year->green->p_per_kwh == Approx(0.111));

  auto this_year = source.rates(14, dno::Voltage::lv, std::nullopt, on(2026, 4, 1));
  REQUIRE(this_year);
  CHECK(this_year->red->p_per_kwh == Approx(10.456));
  CHECK(this_year->amber->p_per_kwh == Approx(1.567));

  // 2027-04-01's Red row lies after the date: the 2026 row is in effect,
  // however "close" the future row is.
  auto eve = source.rates(14, dno::Voltage::lv, std::nullopt, on(2027, 3, 31));
  REQUIRE(eve);
  CHECK(eve->red->p_per_kwh == Approx(10.456));
  auto after = source.rates(14, dno::Voltage::lv, std::nullopt, on(2027, 4, 1));
  REQUIRE(after);
  CHECK(after->red->p_per_kwh == Approx(99.999));
  CHECK(after->amber->p_per_kwh == Approx(1.567));  // open-ended 2026 Amber still in effect

  auto before = source.rates(14, dno::Voltage::lv, std::nullopt, on(2025, 3, 31));
  REQUIRE(before);
  CHECK_FALSE(before->any());

  auto hv = source.rates(14, dno::Voltage::hv, std::nullopt, on(2026, 6, 1));
  REQUIRE(hv);
  CHECK(hv->red->p_per_kwh == Approx(5.5));

  auto llfc = source.rates(14, dno::Voltage::lv, std::string("A01"), on(2026, 6, 1));
  REQUIRE(llfc);
  CHECK(llfc->red->p_per_kwh == Approx(11.0));
  CHECK(llfc->tariff_used == "A01");
  CHECK_FALSE(llfc->llfc_fell_back);
  auto unknown_llfc = source.rates(14, dno::Voltage::lv, std::string("Z99"), on(2026, 6, 1));
  REQUIRE(unknown_llfc);
  CHECK(unknown_llfc->llfc_fell_back);
  CHECK(unknown_llfc->red->p_per_kwh == Approx(10.456));

  // A value that would break interpolated SQL is just a tariff code with no rows.
  auto hostile = source.rates(14, dno::Voltage::lv, std::string("x' OR '1'='1"), on(2026, 6, 1));
  REQUIRE(hostile);
  CHECK(hostile->llfc_fell_back);
}

TEST_CASE("time bands come Red, Amber, Green and a reload replaces an area's bands", "[dno][tariffs]") {
  testing::TempDir dir;
  auto wh = loaded_warehouse(dir);
  dno::SqlTariffSource source(*wh);
  auto bands = source.bands(14);
  REQUIRE(bands);
  REQUIRE(bands->size() == 6);
  CHECK((*bands)[0].band == "Red");
  CHECK((*bands)[1].band == "Amber");
  CHECK((*bands)[1].start == "07:30");
  CHECK((*bands)[3].band == "Green");
  CHECK((*bands)[5].day_type == "Weekend");

  auto reload = dno::parse_tariff_csv("distributor_id,band,day_type,start,end\n14,Red,Weekday,17:00,19:00\n", "b.csv");
  REQUIRE(reload);
  REQUIRE(dno::store_tariffs(*wh, {*reload}));
  auto after = source.bands(14);
  REQUIRE(after);
  REQUIRE(after->size() == 1);
  CHECK((*after)[0].start == "17:00");
  CHECK(source.bands(16)->size() == 3);  // other areas untouched
}

TEST_CASE("an empty warehouse has no tariffs loaded", "[dno][tariffs]") {
  testing::TempDir dir;
  auto wh = warehouse::SqliteWarehouse::open(dir / "gbpm.db", warehouse::OpenMode::read_write);
  REQUIRE(wh);
  dno::SqlTariffSource source(**wh);
  auto loaded = source.loaded();
  REQUIRE(loaded);
  CHECK_FALSE(*loaded);
}
