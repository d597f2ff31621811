#include "dashboard_fixture.hpp"

using namespace gbpm::dashboard;
using namespace gbpm::dashboard::test;
using gbpm::testing::TempDir;

namespace {

constexpr std::string_view kTab = "GSP";
const std::string kTitle =
    "🗺️ BOUNDARY ZONES — indicated generation and demand forecast (INDGEN/INDDEM); N = national, B1–B17 = "
    "transmission boundary zones, not GSPs";

gbpm::sheet::Update gsp(gbpm::warehouse::SqliteWarehouse& w, std::string_view as_of) {
  auto u = build_gsp(w.market(), utc(as_of));
  INFO((u.ok() ? "" : u.error().message));
  REQUIRE(u.ok());
  return std::move(u).value();
}

std::string row_text(const gbpm::sheet::Update& u, int row) {
  std::string out;
  for (char c = 'A'; c <= 'G'; ++c) out += (c == 'A' ? "" : "|") + text(u, kTab, fmt::format("{}{}", c, row));
  return out;
}

void check_header(const gbpm::sheet::Update& u) {
  REQUIRE(u.blocks.size() == 1);
  CHECK(gbpm::sheet::to_a1(u.blocks[0].range) == "GSP!A1:G27");
  CHECK(u.blocks[0].whole_tab);
  CHECK(text(u, kTab, "A1") == kTitle);
  CHECK(row_text(u, 3) == "Zone|Description|Generation (MW)|Demand (MW)|Net (MW)|Status|Published (UK)");
}

}  // namespace

TEST_CASE("gsp: a normal day, latest publish per zone for the current period", "[dashboard][gsp]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  // 2026-05-06 SP9 starts 03:00Z (04:00 BST). An older publish, the latest one, and one after --as-of.
  store_zones(*w, "2026-05-06T02:17:00Z", "2026-05-06", 9,
              {{"N", 1, -1}, {"B1", 9999, -9999}, {"B2", 1, -1}, {"B7", 1, -1}, {"B10", 1, std::nullopt}});
  store_zones(
      *w, "2026-05-06T02:47:00Z", "2026-05-06", 9,
      {{"N", 30000, -28000}, {"B1", 272, -46}, {"B10", 800, std::nullopt}, {"B2", 100, -150}, {"B7", 500, -2500}});
  store_zones(*w, "2026-05-06T03:17:00Z", "2026-05-06", 9, {{"B1", -5, -5}});
  store_zones(*w, "2026-05-06T02:47:00Z", "2026-05-06", 10, {{"B3", 5, -5}});  // another period
  const auto u = gsp(*w, "2026-05-06T03:10:00Z");
  check_header(u);
  CHECK(text(u, kTab, "A2") ==
        "Settlement period 2026-05-06 SP9 (starts 2026-05-06 04:00 BST); latest forecast published 2026-05-06 "
        "03:47 BST");
  // N first, then B-zones numerically (B10 after B7); demand shown as consumption; net = generation - demand.
  CHECK(row_text(u, 4) == "N|National (all GB)|30,000|28,000|2,000|🟢 Exporting|2026-05-06 03:47 BST");
  CHECK(row_text(u, 5) == "B1|Transmission boundary zone|272|46|226|🟢 Exporting|2026-05-06 03:47 BST");
  CHECK(row_text(u, 6) == "B2|Transmission boundary zone|100|150|-50|⚪ Balanced|2026-05-06 03:47 BST");
  CHECK(row_text(u, 7) == "B7|Transmission boundary zone|500|2,500|-2,000|🔴 Importing|2026-05-06 03:47 BST");
  // Demand missing: demand, net and status blank — never 0.
  CHECK(row_text(u, 8) == "B10|Transmission boundary zone|800||||2026-05-06 03:47 BST");
  CHECK(is_blank(u, kTab, "D8"));
  CHECK(number(u, kTab, "E4") == Approx(2000));
  CHECK(row_text(u, 9) == "||||||");
  CHECK(is_blank(u, kTab, "A27"));
}

TEST_CASE("gsp: the exporting/importing band is +-100 MW", "[dashboard][gsp]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_zones(*w, "2026-05-06T02:47:00Z", "2026-05-06", 9,
              {{"B1", 200, -100}, {"B2", 201, -100}, {"B3", 100, -200}, {"B4", 99, -200}});
  const auto u = gsp(*w, "2026-05-06T03:10:00Z");
  CHECK(text(u, kTab, "F4") == "⚪ Balanced");
  CHECK(text(u, kTab, "F5") == "🟢 Exporting");
  CHECK(text(u, kTab, "F6") == "⚪ Balanced");
  CHECK(text(u, kTab, "F7") == "🔴 Importing");
}

TEST_CASE("gsp: 2025-10-26, the current period in the repeated hour", "[dashboard][gsp]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_zones(*w, "2025-10-25T23:30:00Z", "2025-10-26", 3, {{"N", 20000, -21000}});
  store_zones(*w, "2025-10-26T00:30:00Z", "2025-10-26", 5, {{"N", 22000, -20000}});
  {
    const auto u = gsp(*w, "2025-10-26T00:20:00Z");  // 01:20 BST: SP3
    check_header(u);
    CHECK(text(u, kTab, "A2") ==
          "Settlement period 2025-10-26 SP3 (starts 2025-10-26 01:00 BST); latest forecast published 2025-10-26 "
          "00:30 BST");
    CHECK(row_text(u, 4) == "N|National (all GB)|20,000|21,000|-1,000|🔴 Importing|2025-10-26 00:30 BST");
  }
  {
    const auto u = gsp(*w, "2025-10-26T01:20:00Z");  // 01:20 GMT: SP5
    CHECK(text(u, kTab, "A2") ==
          "Settlement period 2025-10-26 SP5 (starts 2025-10-26 01:00 GMT); latest forecast published 2025-10-26 "
          "01:30 BST");
    CHECK(row_text(u, 4) == "N|National (all GB)|22,000|20,000|2,000|🟢 Exporting|2025-10-26 01:30 BST");
  }
}

TEST_CASE("gsp: 2025-03-30, SP3 starts at 02:00 BST", "[dashboard][gsp]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_zones(*w, "2025-03-30T00:30:00Z", "2025-03-30", 3, {{"N", 25000, -24950}});
  const auto u = gsp(*w, "2025-03-30T01:10:00Z");
  check_header(u);
  CHECK(text(u, kTab, "A2") ==
        "Settlement period 2025-03-30 SP3 (starts 2025-03-30 02:00 BST); latest forecast published 2025-03-30 "
        "00:30 GMT");
  CHECK(row_text(u, 4) == "N|National (all GB)|25,000|24,950|50|⚪ Balanced|2025-03-30 00:30 GMT");
}

TEST_CASE("gsp: an empty warehouse gives a no-data note and an empty table", "[dashboard][gsp]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  const auto u = gsp(*w, "2025-03-30T12:00:00Z");
  check_header(u);
  CHECK(text(u, kTab, "A2") ==
        "⚠️ No INDGEN/INDDEM forecast in the warehouse for 2025-03-30 SP25 published by 2025-03-30 13:00 BST");
  for (int r = 4; r <= 27; ++r) CHECK(row_text(u, r) == "||||||");
}
