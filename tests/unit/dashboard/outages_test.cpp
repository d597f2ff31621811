#include "dashboard_fixture.hpp"

using namespace gbpm::dashboard;
using namespace gbpm::dashboard::test;
using gbpm::testing::TempDir;

namespace {

std::vector<gbpm::market::Outage> synthetic(int n) {
  std::vector<gbpm::market::Outage> out;
  for (int i = 0; i < n; ++i) {
    gbpm::market::Outage o;
    o.mrid = fmt::format("M{}", i);
    o.asset_id = fmt::format("T_UNIT-{}", i);
    o.affected_unit = o.asset_id;
    o.fuel_type = "Fossil Gas";
    o.normal_mw = 1000;
    o.unavailable_mw = 1000 - 10 * i;
    o.cause = "Planned";
    o.event_start = utc("2026-01-10T09:00:00Z");
    out.push_back(o);
  }
  return out;
}

double total_of(const std::vector<gbpm::market::Outage>& v) {
  double t = 0;
  for (const auto& o : v) t += o.unavailable_mw;
  return t;
}

}  // namespace

TEST_CASE("outages: 26 outages put the TOTAL on row 58", "[dashboard][outages]") {
  const auto outages = synthetic(26);
  const auto u = build_outages(outages);
  REQUIRE(u.blocks.size() == 1);
  CHECK(gbpm::sheet::to_a1(u.blocks[0].range) == "Dashboard!A31:H70");
  CHECK(text(u, "A31") == "🔥 T_UNIT-0");
  CHECK(text(u, "A56") == "🔥 T_UNIT-25");
  CHECK(text(u, "A57").empty());
  CHECK(text(u, "A58") == "TOTAL UNAVAILABLE CAPACITY");
  CHECK(text(u, "C58") == "26 outages");
  CHECK(number(u, "E58") == Approx(total_of(outages)));
  CHECK(text(u, "E58") == "22,750");
  // Everything below is blank, so stale rows of an earlier, longer list are cleared.
  for (int r = 59; r <= 70; ++r) CHECK(text(u, fmt::format("A{}", r)).empty());
}

TEST_CASE("outages: more than fits gives '… and N more' with a complete total", "[dashboard][outages]") {
  SECTION("38 outages still fit") {
    const auto u = build_outages(synthetic(38));
    CHECK(text(u, "A68") == "🔥 T_UNIT-37");
    CHECK(text(u, "A70") == "TOTAL UNAVAILABLE CAPACITY");
  }
  SECTION("39 and more overflow") {
    const auto outages = synthetic(45);
    const auto u = build_outages(outages);
    CHECK(text(u, "A67") == "🔥 T_UNIT-36");
    CHECK(text(u, "A68") == "… and 8 more");
    double rest = 0;
    for (std::size_t i = 37; i < outages.size(); ++i) rest += outages[i].unavailable_mw;
    CHECK(number(u, "E68") == Approx(rest));
    CHECK(text(u, "A69").empty());
    CHECK(text(u, "A70") == "TOTAL UNAVAILABLE CAPACITY");
    CHECK(text(u, "C70") == "45 outages");
    CHECK(number(u, "E70") == Approx(total_of(outages)));
  }
}

TEST_CASE("outages: none gives a clear row and clears the range", "[dashboard][outages]") {
  const auto u = build_outages({});
  CHECK(text(u, "A31") == "✅ No active outages of 100 MW or more");
  for (int r = 32; r <= 70; ++r) {
    for (char c = 'A'; c <= 'H'; ++c) CHECK(text(u, fmt::format("{}{}", c, r)).empty());
  }
}

TEST_CASE("outages from the warehouse: threshold, order, literal cause, UK time with zone", "[dashboard][outages]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store(*w,
        records("REMIT",
                "[" +
                    remit_row("A", "T_HEYM-1", "Nuclear", 600, 600, "2025-10-26T00:30:00Z",
                              "=HYPERLINK(\\\"http://x\\\")") +
                    "," + remit_row("B", "T_WIND-1", "Wind Offshore", 400, 150, "2025-10-26T01:30:00Z", "Cable fault") +
                    "," + remit_row("C", "T_SMALL-1", "Biomass", 200, 99, "2025-10-25T01:30:00Z", "Small") + "]"),
        "remit");
  auto active = w->market().active_outages(utc("2025-10-26T12:00:00Z"), kOutageThresholdMw);
  REQUIRE(active.ok());
  const auto u = build_outages(*active);
  CHECK(text(u, "A31") == "⚛️ T_HEYM-1");
  CHECK(text(u, "B31") == "T_HEYM-1");
  CHECK(text(u, "C31") == "Nuclear");
  CHECK(number(u, "D31") == Approx(600));
  CHECK(number(u, "E31") == Approx(600));
  CHECK(number(u, "F31") == Approx(100.0));
  // The cause is literal text: a cell value, not a formula.
  const auto* cause = find_cell(u, "G31");
  REQUIRE(cause != nullptr);
  CHECK(std::get<std::string>(cause->value) == "=HYPERLINK(\"http://x\")");
  CHECK(text(u, "H31") == "2025-10-26 01:30 BST");
  CHECK(text(u, "A32") == "💨 T_WIND-1");  // mixed-case REMIT fuel text still matches
  CHECK(number(u, "F32") == Approx(37.5));
  CHECK(text(u, "H32") == "2025-10-26 01:30 GMT");
  // The 99 MW outage is below the threshold: two rows, blank, TOTAL.
  CHECK(text(u, "A33").empty());
  CHECK(text(u, "A34") == "TOTAL UNAVAILABLE CAPACITY");
  CHECK(number(u, "E34") == Approx(750));
  CHECK(text(u, "C34") == "2 outages");
}

TEST_CASE("outages on 2025-03-30: active at the instant, start times in GMT then BST", "[dashboard][outages]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  std::string ended = remit_row("D", "T_ENDED-1", "Fossil Gas", 800, 800, "2025-03-29T12:00:00Z", "Ended");
  ended.replace(ended.find("\"eventEndTime\":null"), std::string("\"eventEndTime\":null").size(),
                "\"eventEndTime\":\"2025-03-30T01:00:00Z\"");
  store(
      *w,
      records("REMIT", "[" + remit_row("A", "T_BEFORE-1", "Fossil Gas", 500, 300, "2025-03-30T00:30:00Z", "Trip") +
                           "," + remit_row("B", "T_AFTER-1", "Nuclear", 1200, 1200, "2025-03-30T01:00:00Z", "Refuel") +
                           "," + remit_row("C", "T_LATER-1", "Nuclear", 1200, 1200, "2025-03-30T02:00:00Z", "Later") +
                           "," + ended + "]"),
      "remit");
  auto active = w->market().active_outages(utc("2025-03-30T01:10:00Z"), kOutageThresholdMw);
  REQUIRE(active.ok());
  const auto u = build_outages(*active);
  // The outage that ended at 01:00Z and the one starting at 02:00Z are not active at 01:10Z.
  CHECK(text(u, "A31") == "⚛️ T_AFTER-1");
  CHECK(text(u, "H31") == "2025-03-30 02:00 BST");
  CHECK(text(u, "A32") == "🔥 T_BEFORE-1");
  CHECK(text(u, "H32") == "2025-03-30 00:30 GMT");
  CHECK(number(u, "F32") == Approx(60.0));
  CHECK(text(u, "A33").empty());
  CHECK(text(u, "A34") == "TOTAL UNAVAILABLE CAPACITY");
  CHECK(text(u, "C34") == "2 outages");
  CHECK(number(u, "E34") == Approx(1500));
}

TEST_CASE("outages on 2025-10-26 from an empty warehouse: the no-outages row", "[dashboard][outages]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  auto active = w->market().active_outages(utc("2025-10-26T01:30:00Z"), kOutageThresholdMw);
  REQUIRE(active.ok());
  const auto u = build_outages(*active);
  CHECK(text(u, "A31") == "✅ No active outages of 100 MW or more");
  CHECK(text(u, "A58").empty());
  CHECK(text(u, "E58").empty());
}
