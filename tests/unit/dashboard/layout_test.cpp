#include "dashboard_fixture.hpp"

using namespace gbpm::dashboard;
using namespace gbpm::dashboard::test;
using gbpm::testing::TempDir;

namespace {

const std::map<std::string, int> kMix = {{"CCGT", 10000},   {"OCGT", 50},     {"COAL", 0},     {"OIL", 0},
                                         {"NUCLEAR", 4500}, {"WIND", 8000},   {"NPSHYD", 300}, {"BIOMASS", 2000},
                                         {"PS", -400},      {"OTHER", 150},   {"INTFR", 1500}, {"INTIFA2", -800},
                                         {"INTELEC", 0},    {"INTNED", 500},  {"INTNEM", 700}, {"INTNSL", 1200},
                                         {"INTVKL", 1000},  {"INTIRL", -250}, {"INTEW", -300}};

gbpm::sheet::Update layout(gbpm::warehouse::SqliteWarehouse& w, std::string_view as_of) {
  auto u = build_layout(w.market(), utc(as_of), gbpm::market::Classification::defaults());
  INFO((u.ok() ? "" : u.error().message));
  REQUIRE(u.ok());
  return std::move(u).value();
}

bool blank(const gbpm::sheet::Update& u, std::string_view cell) {
  const auto* c = find_cell(u, cell);
  return c != nullptr && c->is_blank();
}

}  // namespace

TEST_CASE("layout: a normal BST day, cell by cell", "[dashboard][layout]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  // 2026-05-06 is BST: 10:00Z is 11:00 local, SP23. An older instant must not be used.
  store_mix(*w, "2026-05-06T09:55:00Z", "2026-05-06", 22, {{"CCGT", 1}, {"WIND", 1}});
  store_mix(*w, "2026-05-06T10:00:00Z", "2026-05-06", 23, kMix);
  store_price(*w, "2026-05-06T09:30:00Z", "2026-05-06", 22, -5.25);  // negative: a number, not "pending"
  store_price(*w, "2026-05-06T10:30:00Z", "2026-05-06", 24, 99.0);   // after --as-of: ignored
  const auto u = layout(*w, "2026-05-06T10:08:00Z");

  REQUIRE(u.blocks.size() == 2);
  CHECK(gbpm::sheet::to_a1(u.blocks[0].range) == "Dashboard!A1:H17");
  CHECK(gbpm::sheet::to_a1(u.blocks[1].range) == "Dashboard!A30:H30");

  CHECK(text(u, "A1") == "GB DASHBOARD - Power");
  CHECK(text(u, "A2") == "⏰ Last updated: 2026-05-06 11:08 BST");
  CHECK(text(u, "B2") == "Generation data: 2026-05-06 11:00 BST");
  // Row 3: real ages at --as-of (FUELINST published 10:05Z, MID starts 09:30Z... newest is 10:30Z
  // but it is after --as-of, so 09:30Z counts).
  CHECK(text(u, "A3") == "Data freshness:");
  CHECK(text(u, "B3") == "✅ FUELINST 3 min");
  CHECK(text(u, "C3") == "🔴 FREQ no data");
  CHECK(text(u, "D3") == "⚠️ MID 38 min");
  CHECK(text(u, "E3") == "🔴 INDO no data");
  CHECK(text(u, "A4") == "📊 SYSTEM METRICS");

  // Row 5: generation excludes PS and interconnectors; supply adds the signed net import.
  CHECK(text(u, "A5") == "Total Generation (GW)");
  CHECK(number(u, "B5") == Approx(25.0));
  CHECK(text(u, "C5") == "Supply (GW)");
  CHECK(number(u, "D5") == Approx(28.55));
  CHECK(text(u, "D5") == "28.55");
  CHECK(number(u, "F5") == Approx(41.2));  // (8000 + 300 + 2000) / 25000
  CHECK(text(u, "G5") == "Market price (£/MWh, SP22)");
  CHECK(number(u, "H5") == Approx(-5.25));
  CHECK(text(u, "H5") == "-5.25");
  CHECK(blank(u, "A6"));

  CHECK(text(u, "A7") == "🔥 Fuel Breakdown");
  CHECK(text(u, "E7") == "🌍 Interconnectors");
  // Fuels by output, descending.
  const std::vector<std::string> fuel_labels = {"🔥 Gas (CCGT)", "💨 Wind",          "⚛️ Nuclear", "🌱 Biomass",
                                                "💧 Hydro",      "⚡ Other",         "🔥 Gas (OCGT)",   "⛏️ Coal",
                                                "🛢️ Oil",  "🔋 Pumped storage"};
  for (int i = 0; i < 10; ++i) CHECK(text(u, fmt::format("A{}", 8 + i)) == fuel_labels[static_cast<size_t>(i)]);
  CHECK(text(u, "B8") == "10.00");
  CHECK(number(u, "C8") == Approx(40.0));
  CHECK(number(u, "B15") == Approx(0.0));  // a real 0 MW reading stays 0
  CHECK(number(u, "B17") == Approx(-0.4));
  CHECK(blank(u, "C17"));  // PS is a transfer: no share of generation

  // Interconnectors: flag, name, signed MW, direction; a missing one is blank, never 0.
  CHECK(text(u, "E8") == "🇫🇷 IFA (France)");
  CHECK(number(u, "F8") == Approx(1500));
  CHECK(text(u, "G8") == "Import");
  CHECK(number(u, "F9") == Approx(-800));
  CHECK(text(u, "G9") == "Export");
  CHECK(text(u, "G10") == "Idle");
  CHECK(text(u, "E15") == "🇬🇧 Moyle (Northern Ireland, UK)");
  CHECK(number(u, "F15") == Approx(-250));
  CHECK(text(u, "G15") == "Export");
  CHECK(text(u, "E17") == "🇮🇪 Greenlink (Ireland)");
  CHECK(blank(u, "F17"));
  CHECK(blank(u, "G17"));

  CHECK(text(u, "A30") == "Asset");
  CHECK(text(u, "E30") == "Unavailable (MW)");
  CHECK(text(u, "H30") == "Start (UK time)");
}

TEST_CASE("layout: 2025-10-26, the day the clocks go back", "[dashboard][layout]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  // Local midnight is 2025-10-25T23:00Z, so 01:00Z (01:00 GMT, after the change) is SP5.
  store_mix(*w, "2025-10-26T01:10:00Z", "2025-10-26", 5, kMix);
  store_price(*w, "2025-10-26T01:00:00Z", "2025-10-26", 5, 80.5);
  {
    const auto u = layout(*w, "2025-10-26T01:20:00Z");
    CHECK(text(u, "A2") == "⏰ Last updated: 2025-10-26 01:20 GMT");
    CHECK(text(u, "B2") == "Generation data: 2025-10-26 01:10 GMT");
    CHECK(text(u, "B3") == "✅ FUELINST 5 min");
    CHECK(text(u, "G5") == "Market price (£/MWh, SP5)");
    CHECK(number(u, "H5") == Approx(80.5));
  }
  {
    // An hour earlier on the wall clock reads the same 01:20, but in BST; the data is not yet there.
    const auto u = layout(*w, "2025-10-26T00:20:00Z");
    CHECK(text(u, "A2") == "⏰ Last updated: 2025-10-26 01:20 BST");
    CHECK(text(u, "B3") == "🔴 FUELINST no data");
    CHECK(blank(u, "B5"));
    CHECK(blank(u, "H5"));
    CHECK(text(u, "G5") == "Market price (£/MWh)");
  }
  {
    // 90 minutes after the data: red, with the real age.
    const auto u = layout(*w, "2025-10-26T02:45:00Z");
    CHECK(text(u, "B3") == "🔴 FUELINST 90 min");
  }
}

TEST_CASE("layout: an empty warehouse gives blanks and a clear no-data note, never 0", "[dashboard][layout]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  const auto u = layout(*w, "2025-03-30T12:00:00Z");
  CHECK(text(u, "A2") == "⏰ Last updated: 2025-03-30 13:00 BST");
  CHECK(blank(u, "B2"));
  for (const char* c : {"B3", "C3", "D3", "E3", "F3", "G3"}) CHECK(text(u, c).find("🔴") == 0);
  CHECK(text(u, "G3") == "🔴 REMIT no data");
  for (const char* c : {"B5", "D5", "F5", "H5"}) CHECK(blank(u, c));
  CHECK(text(u, "A6") == "⚠️ No generation data in the warehouse at or before 2025-03-30 13:00 BST");
  for (int r = 8; r <= 17; ++r) {
    CHECK_FALSE(text(u, fmt::format("A{}", r)).empty());
    CHECK(blank(u, fmt::format("B{}", r)));
    CHECK(blank(u, fmt::format("F{}", r)));
  }
}

TEST_CASE("freshness thresholds: <10 min green, 10-60 amber, >60 red", "[dashboard][layout]") {
  using std::chrono::minutes;
  using std::chrono::seconds;
  CHECK(freshness_text("FREQ", seconds(599)) == "✅ FREQ 9 min");
  CHECK(freshness_text("FREQ", minutes(10)) == "⚠️ FREQ 10 min");
  CHECK(freshness_text("FREQ", minutes(60)) == "⚠️ FREQ 60 min");
  CHECK(freshness_text("FREQ", minutes(61)) == "🔴 FREQ 61 min");
  CHECK(freshness_text("FREQ", minutes(180)) == "🔴 FREQ 3 h");
  CHECK(freshness_text("FREQ", std::nullopt) == "🔴 FREQ no data");
}

TEST_CASE("layout: 2025-03-30, the day the clocks go forward (46 periods)", "[dashboard][layout]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  // Local midnight is 00:00Z (GMT); at 01:00Z the clocks jump to 02:00 BST, so 01:05Z is 02:05 BST in SP3.
  store_mix(*w, "2025-03-30T00:50:00Z", "2025-03-30", 2, {{"CCGT", 1}, {"WIND", 1}});
  store_mix(*w, "2025-03-30T01:05:00Z", "2025-03-30", 3, kMix);
  store_price(*w, "2025-03-30T00:30:00Z", "2025-03-30", 2, 61.0);
  store_price(*w, "2025-03-30T01:00:00Z", "2025-03-30", 3, 62.5);
  {
    const auto u = layout(*w, "2025-03-30T01:10:00Z");
    CHECK(text(u, "A2") == "⏰ Last updated: 2025-03-30 02:10 BST");
    CHECK(text(u, "B2") == "Generation data: 2025-03-30 02:05 BST");
    CHECK(text(u, "B3") == "✅ FUELINST 0 min");
    CHECK(text(u, "G5") == "Market price (£/MWh, SP3)");
    CHECK(number(u, "H5") == Approx(62.5));
    CHECK(number(u, "B5") == Approx(25.0));
  }
  {
    // A minute before the change: still GMT, SP2, the earlier instant (published 00:55Z).
    const auto u = layout(*w, "2025-03-30T00:59:00Z");
    CHECK(text(u, "A2") == "⏰ Last updated: 2025-03-30 00:59 GMT");
    CHECK(text(u, "B2") == "Generation data: 2025-03-30 00:50 GMT");
    CHECK(text(u, "G5") == "Market price (£/MWh, SP2)");
    CHECK(number(u, "H5") == Approx(61.0));
    CHECK(number(u, "B5") == Approx(0.002));
  }
}
