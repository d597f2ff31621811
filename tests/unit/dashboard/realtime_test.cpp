#include "dashboard_fixture.hpp"

using namespace gbpm::dashboard;
using namespace gbpm::dashboard::test;
using gbpm::testing::TempDir;

namespace {

constexpr std::string_view kTab = "Live_Raw_Gen";

gbpm::sheet::Update realtime(gbpm::warehouse::SqliteWarehouse& w, std::string_view as_of) {
  auto u = build_realtime(w.market(), utc(as_of), gbpm::market::Classification::defaults());
  INFO((u.ok() ? "" : u.error().message));
  REQUIRE(u.ok());
  return std::move(u).value();
}

std::string cell(const gbpm::sheet::Update& u, std::string_view c) {
  return text(u, kTab, c);
}

// Row `row` (A..P) as display texts joined by '|'.
std::string row_text(const gbpm::sheet::Update& u, int row) {
  std::string out;
  for (char c = 'A'; c <= 'P'; ++c) out += (c == 'A' ? "" : "|") + cell(u, fmt::format("{}{}", c, row));
  return out;
}

const std::string kBlankRow(15, '|');

void check_header(const gbpm::sheet::Update& u) {
  REQUIRE(u.blocks.size() == 1);
  CHECK(gbpm::sheet::to_a1(u.blocks[0].range) == "Live_Raw_Gen!A1:P53");
  CHECK(u.blocks[0].whole_tab);
  CHECK(row_text(u, 3) ==
        "SP|Start (UK)|🔥 Gas (CCGT) (MW)|🔥 Gas (OCGT) (MW)|⛏️ Coal (MW)|🛢️ Oil (MW)|⚛️ Nuclear (MW)|"
        "💨 Wind (MW)|💧 Hydro (MW)|🌱 Biomass (MW)|🔋 Pumped storage (MW)|⚡ Other (MW)|Net imports (MW)|"
        "Total generation (MW)|Renewables (%)|Source");
}

}  // namespace

TEST_CASE("realtime: a normal day, half-hour means per fuel", "[dashboard][realtime]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_normal_day(*w);
  const auto u = realtime(*w, kNormalAsOf);
  check_header(u);
  CHECK(cell(u, "A1") == "⚡ LIVE GENERATION — settlement day 2026-05-06 (48 periods)");
  CHECK(cell(u, "A2") ==
        "Mean MW per settlement period of the 5-minute FUELINST readings (FUELHH where none); interconnectors "
        "+ = import into GB. Updated 2026-05-06 11:08 BST");
  CHECK(row_text(u, 4) == "1|00:00 BST" + kBlankRow.substr(1));
  // SP21: the mean of the 09:00 and 09:05 readings (CCGT 10000/11000 → 10500), never their sum.
  CHECK(row_text(u, 24) == "21|10:00 BST|10,500|||||5,500|||||250|16,000|34.4|FUELINST");
  CHECK(number(u, kTab, "C24") == Approx(10500));
  CHECK(number(u, kTab, "O24") == Approx(34.375));
  // SP22 has no interconnector reading: net imports blank, not 0.
  CHECK(row_text(u, 25) == "22|10:30 BST|12,000|||||6,000||||||18,000|33.3|FUELINST");
  CHECK(is_blank(u, kTab, "M25"));
  CHECK(row_text(u, 26) == "23|11:00 BST|8,000|||||8,000|||||-300|16,000|50.0|FUELINST");
  // SP24 starts after --as-of: blank although the warehouse holds a reading.
  CHECK(row_text(u, 27) == "24|11:30 BST" + kBlankRow.substr(1));
  CHECK(row_text(u, 51) == "48|23:30 BST" + kBlankRow.substr(1));
  CHECK(row_text(u, 52) == kBlankRow);
  CHECK(is_blank(u, kTab, "A53"));
}

TEST_CASE("realtime: 2025-10-26, 50 rows, the repeated hour told apart by its zone", "[dashboard][realtime]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_mix(*w, "2025-10-26T00:00:00Z", "2025-10-26", 3, {{"CCGT", 5000}, {"WIND", 5000}});
  store_mix(*w, "2025-10-26T01:00:00Z", "2025-10-26", 5, {{"CCGT", 7000}, {"PS", -500}});
  store_mix(*w, "2025-10-26T01:05:00Z", "2025-10-26", 5, {{"CCGT", 7100}, {"PS", -300}});
  const auto u = realtime(*w, "2025-10-26T23:50:00Z");
  check_header(u);
  CHECK(cell(u, "A1") == "⚡ LIVE GENERATION — settlement day 2025-10-26 (50 periods)");
  CHECK(row_text(u, 4) == "1|00:00 BST" + kBlankRow.substr(1));
  CHECK(row_text(u, 6) == "3|01:00 BST|5,000|||||5,000||||||10,000|50.0|FUELINST");
  // PS is a transfer: its own column, not in total generation.
  CHECK(row_text(u, 8) == "5|01:00 GMT|7,050||||||||-400|||7,050|0.0|FUELINST");
  CHECK(row_text(u, 53) == "50|23:30 GMT" + kBlankRow.substr(1));
}

TEST_CASE("realtime: 2025-03-30, 46 rows, 01:00-02:00 local does not exist", "[dashboard][realtime]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_mix(*w, "2025-03-30T01:00:00Z", "2025-03-30", 3, {{"NUCLEAR", 4000}, {"NPSHYD", 400}});
  const auto u = realtime(*w, "2025-03-30T22:45:00Z");
  check_header(u);
  CHECK(cell(u, "A1") == "⚡ LIVE GENERATION — settlement day 2025-03-30 (46 periods)");
  CHECK(cell(u, "B4") == "00:00 GMT");
  CHECK(cell(u, "B5") == "00:30 GMT");
  CHECK(row_text(u, 6) == "3|02:00 BST|||||4,000||400|||||4,400|9.1|FUELINST");
  CHECK(row_text(u, 49) == "46|23:30 BST" + kBlankRow.substr(1));
  for (int r = 50; r <= 53; ++r) CHECK(row_text(u, r) == kBlankRow);
}

TEST_CASE("realtime: an empty warehouse gives a no-data note and blank rows", "[dashboard][realtime]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  const auto u = realtime(*w, "2025-03-30T12:00:00Z");
  check_header(u);
  CHECK(cell(u, "A2") ==
        "⚠️ No generation data in the warehouse for settlement day 2025-03-30 up to 2025-03-30 13:00 BST");
  CHECK(row_text(u, 4) == "1|00:00 GMT" + kBlankRow.substr(1));
  CHECK(row_text(u, 49) == "46|23:30 BST" + kBlankRow.substr(1));
  CHECK(row_text(u, 50) == kBlankRow);
}

TEST_CASE("realtime: FUELHH fills periods FUELINST does not cover, and says so", "[dashboard][realtime]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  // 2026-05-06 SP8 (02:30Z, 03:30 BST) only in FUELHH, the IRIS fixture's shape; SP21 in both (FUELINST wins).
  store(*w, records("FUELHH", R"([
    {"dataset":"FUELHH","publishTime":"2026-05-06T03:00:00Z","startTime":"2026-05-06T02:30:00Z",
     "settlementDate":"2026-05-06","settlementPeriod":8,"fuelType":"BIOMASS","generation":2821},
    {"dataset":"FUELHH","publishTime":"2026-05-06T03:00:00Z","startTime":"2026-05-06T02:30:00Z",
     "settlementDate":"2026-05-06","settlementPeriod":8,"fuelType":"CCGT","generation":3179},
    {"dataset":"FUELHH","publishTime":"2026-05-06T09:30:00Z","startTime":"2026-05-06T09:00:00Z",
     "settlementDate":"2026-05-06","settlementPeriod":21,"fuelType":"CCGT","generation":1}])"),
        "fuelhh");
  store_normal_day(*w);
  const auto u = realtime(*w, kNormalAsOf);
  CHECK(row_text(u, 11) == "8|03:30 BST|3,179|||||||2,821||||6,000|47.0|FUELHH");
  CHECK(row_text(u, 24) == "21|10:00 BST|10,500|||||5,500|||||250|16,000|34.4|FUELINST");
}
