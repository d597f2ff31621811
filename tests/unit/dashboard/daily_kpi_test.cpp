#include "dashboard_fixture.hpp"

using namespace gbpm::dashboard;
using namespace gbpm::dashboard::test;
using gbpm::testing::TempDir;

namespace {

constexpr std::string_view kChart = "Daily_Chart_Data";

gbpm::sheet::Update daily(gbpm::warehouse::SqliteWarehouse& w, std::string_view as_of) {
  auto u = build_daily_kpi(w.market(), utc(as_of), gbpm::market::Classification::defaults());
  INFO((u.ok() ? "" : u.error().message));
  REQUIRE(u.ok());
  return std::move(u).value();
}

std::string chart(const gbpm::sheet::Update& u, std::string_view cell) {
  return text(u, kChart, cell);
}

// Row `row` of the chart tab as display texts joined by '|'.
std::string chart_row(const gbpm::sheet::Update& u, int row) {
  std::string out;
  for (char c = 'A'; c <= 'J'; ++c) out += (c == 'A' ? "" : "|") + chart(u, fmt::format("{}{}", c, row));
  return out;
}

void check_labels(const gbpm::sheet::Update& u) {
  CHECK(text(u, "A18") == "📈 MARKET SUMMARY");
  const std::vector<std::string> headers = {"Metric",     "Today avg",  "Today min",  "Today max",
                                            "30-day avg", "30-day min", "30-day max", "Unit"};
  for (int c = 0; c < 8; ++c)
    CHECK(text(u, fmt::format("{}19", static_cast<char>('A' + c))) == headers[static_cast<size_t>(c)]);
  const std::vector<std::pair<std::string, std::string>> metrics = {{"System sell price (SSP)", "£/MWh"},
                                                                    {"System buy price (SBP)", "£/MWh"},
                                                                    {"Market index price (APX MID)", "£/MWh"},
                                                                    {"Demand (INDO)", "MW"},
                                                                    {"Generation", "MW"},
                                                                    {"Net interconnector import", "MW (+ = import)"},
                                                                    {"Frequency", "Hz"},
                                                                    {"Renewables share", "% of generation"}};
  for (int i = 0; i < 8; ++i) {
    CHECK(text(u, fmt::format("A{}", 20 + i)) == metrics[static_cast<size_t>(i)].first);
    CHECK(text(u, fmt::format("H{}", 20 + i)) == metrics[static_cast<size_t>(i)].second);
  }
  CHECK(chart_row(u, 1) ==
        "Date|SP|Start (UTC)|SSP (£/MWh)|SBP (£/MWh)|Market index price (£/MWh)|Demand (MW)|Generation (MW)|"
        "Net IC import (MW)|Frequency (Hz)");
}

}  // namespace

TEST_CASE("daily-kpi: a normal day, cell by cell", "[dashboard][daily]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_normal_day(*w);
  const auto u = daily(*w, kNormalAsOf);

  REQUIRE(u.blocks.size() == 2);
  CHECK(gbpm::sheet::to_a1(u.blocks[0].range) == "Dashboard!A18:H29");
  CHECK_FALSE(u.blocks[0].whole_tab);
  // The chart tab's owned range covers the longest day (50 periods) and the tab is cut to it.
  CHECK(gbpm::sheet::to_a1(u.blocks[1].range) == "Daily_Chart_Data!A1:J51");
  CHECK(u.blocks[1].whole_tab);

  check_labels(u);
  CHECK(text(u, "B18") == "Today: 2026-05-06 (48 periods)");
  CHECK(text(u, "E18") == "30 days: 2026-04-07 to 2026-05-06");

  // SSP: today SP20 60, SP21 80 (SP24's 500 is after --as-of); 30 days add 200 on 05-01, not 1000 on 04-06.
  CHECK(number(u, "B20") == Approx(70));
  CHECK(number(u, "C20") == Approx(60));
  CHECK(number(u, "D20") == Approx(80));
  CHECK(number(u, "E20") == Approx(340.0 / 3));
  CHECK(text(u, "E20") == "113.33");
  CHECK(number(u, "F20") == Approx(60));
  CHECK(number(u, "G20") == Approx(200));
  CHECK(number(u, "B21") == Approx(75));
  CHECK(number(u, "G21") == Approx(210));
  // MID: SP22's 0 £/MWh on 0 MWh is "no trades", skipped, not averaged in as 0.
  CHECK(text(u, "B22") == "70.00");
  CHECK(text(u, "C22") == "70.00");
  CHECK(text(u, "D22") == "70.00");
  CHECK(text(u, "B23") == "26,000");
  CHECK(text(u, "C23") == "25,000");
  CHECK(text(u, "D23") == "27,000");
  // Generation per SP is the sum over fuels of the half-hour MEAN: SP21 = 10500 + 5500 = 16000 (a sum of the
  // two readings would be 32000); SP22 18000; SP23 16000. SP24's 99999 is after --as-of.
  CHECK(number(u, "B24") == Approx(50000.0 / 3));
  CHECK(text(u, "B24") == "16,667");
  CHECK(number(u, "C24") == Approx(16000));
  CHECK(number(u, "D24") == Approx(18000));
  // Net import, signed (+ = import): SP21 mean of +1000 and -500 = +250; SP23 -300.
  CHECK(number(u, "B25") == Approx(-25));
  CHECK(number(u, "C25") == Approx(-300));
  CHECK(number(u, "D25") == Approx(250));
  CHECK(text(u, "B26") == "50.025");
  CHECK(text(u, "C26") == "50.000");
  CHECK(text(u, "D26") == "50.050");
  CHECK(number(u, "B27") == Approx((34.375 + 100.0 / 3 + 50.0) / 3));
  CHECK(text(u, "C27") == "33.3");
  CHECK(text(u, "D27") == "50.0");
  // No note; the chart pointer.
  CHECK(text(u, "A28").empty());
  CHECK(text(u, "A29") == "📉 Per-period data for the charts: tab Daily_Chart_Data (48 rows for 2026-05-06)");

  // Daily_Chart_Data: one row per SP; SP1 starts at local midnight (23:00 UTC the day before).
  CHECK(chart_row(u, 2) == "2026-05-06|1|2026-05-05T23:00:00Z|||||||");
  CHECK(chart_row(u, 21) == "2026-05-06|20|2026-05-06T08:30:00Z|60.00|65.00|||||");
  CHECK(chart_row(u, 22) == "2026-05-06|21|2026-05-06T09:00:00Z|80.00|85.00|70.00|25,000|16,000|250|50.000");
  CHECK(chart_row(u, 23) == "2026-05-06|22|2026-05-06T09:30:00Z||||27,000|18,000||50.050");
  CHECK(chart_row(u, 24) == "2026-05-06|23|2026-05-06T10:00:00Z|||||16,000|-300|");
  // SP24 has started after --as-of: blank although the warehouse has values.
  CHECK(chart_row(u, 25) == "2026-05-06|24|2026-05-06T10:30:00Z|||||||");
  CHECK(chart_row(u, 49) == "2026-05-06|48|2026-05-06T22:30:00Z|||||||");
  // Rows 50-51 (SP49/50 of a long day) are owned and blank.
  CHECK(chart_row(u, 50) == "|||||||||");
  CHECK(is_blank(u, kChart, "A51"));
  // Missing values are blank cells, never 0.
  CHECK(is_blank(u, kChart, "D2"));
  CHECK(is_blank(u, kChart, "J24"));
}

TEST_CASE("daily-kpi: 2025-10-26 has 50 periods, SP3 and SP5 both start at 01:00 local", "[dashboard][daily]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_mix(*w, "2025-10-26T00:00:00Z", "2025-10-26", 3, {{"CCGT", 5000}});  // 01:00 BST
  store_mix(*w, "2025-10-26T01:00:00Z", "2025-10-26", 5, {{"CCGT", 7000}});  // 01:00 GMT
  store_system_prices(*w, "2025-10-26", 5, 95.5, 95.5);
  store_system_prices(*w, "2025-10-26", 50, 120, 130);
  const auto u = daily(*w, "2025-10-26T23:50:00Z");
  check_labels(u);
  CHECK(text(u, "B18") == "Today: 2025-10-26 (50 periods)");
  CHECK(text(u, "E18") == "30 days: 2025-09-27 to 2025-10-26");
  CHECK(number(u, "B20") == Approx(107.75));
  CHECK(number(u, "C20") == Approx(95.5));
  CHECK(number(u, "D20") == Approx(120));
  CHECK(number(u, "D21") == Approx(130));
  CHECK(number(u, "B24") == Approx(6000));
  CHECK(text(u, "A29") == "📉 Per-period data for the charts: tab Daily_Chart_Data (50 rows for 2025-10-26)");
  CHECK(chart_row(u, 2) == "2025-10-26|1|2025-10-25T23:00:00Z|||||||");
  CHECK(chart_row(u, 4) == "2025-10-26|3|2025-10-26T00:00:00Z|||||5,000||");
  CHECK(chart_row(u, 6) == "2025-10-26|5|2025-10-26T01:00:00Z|95.50|95.50|||7,000||");
  CHECK(chart_row(u, 51) == "2025-10-26|50|2025-10-26T23:30:00Z|120.00|130.00|||||");
}

TEST_CASE("daily-kpi: 2025-03-30 has 46 periods and leaves no stale rows after a 50-period day", "[dashboard][daily]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  store_system_prices(*w, "2025-03-30", 2, 50, 50);
  store_system_prices(*w, "2025-03-30", 46, 77, 78);
  store_system_prices(*w, "2025-10-26", 50, 120, 130);
  const auto u = daily(*w, "2025-03-30T22:45:00Z");
  check_labels(u);
  CHECK(text(u, "B18") == "Today: 2025-03-30 (46 periods)");
  CHECK(number(u, "B20") == Approx(63.5));
  CHECK(text(u, "A29") == "📉 Per-period data for the charts: tab Daily_Chart_Data (46 rows for 2025-03-30)");
  CHECK(chart_row(u, 2) == "2025-03-30|1|2025-03-30T00:00:00Z|||||||");
  CHECK(chart_row(u, 3) == "2025-03-30|2|2025-03-30T00:30:00Z|50.00|50.00|||||");
  // SP3 starts at 01:00 UTC = 02:00 BST: the local hour 01:00-02:00 does not exist.
  CHECK(chart_row(u, 4) == "2025-03-30|3|2025-03-30T01:00:00Z|||||||");
  CHECK(chart_row(u, 47) == "2025-03-30|46|2025-03-30T22:30:00Z|77.00|78.00|||||");
  for (int r = 48; r <= 51; ++r) CHECK(chart_row(u, r) == "|||||||||");

  // Written after the 50-period day into the same tab, nothing of the longer day survives.
  const auto long_day = daily(*w, "2025-10-26T23:50:00Z");
  gbpm::sheet::TabValues tab;
  gbpm::sheet::apply_block(tab, block_of(long_day, kChart));
  REQUIRE(tab.size() == 51);
  gbpm::sheet::apply_block(tab, block_of(u, kChart));
  CHECK(tab.size() == 47);
  CHECK(std::get<std::string>(tab.back()[0]) == "2025-03-30");
}

TEST_CASE("daily-kpi: an empty warehouse gives labelled blanks and a no-data note", "[dashboard][daily]") {
  TempDir dir;
  auto w = gbpm::warehouse::test::open_rw(dir / "gbpm.db");
  const auto u = daily(*w, "2025-03-30T12:00:00Z");
  check_labels(u);
  CHECK(text(u, "B18") == "Today: 2025-03-30 (46 periods)");
  for (int r = 20; r <= 27; ++r) {
    for (char c = 'B'; c <= 'G'; ++c) CHECK(is_blank(u, "Dashboard", fmt::format("{}{}", c, r)));
  }
  CHECK(text(u, "A28") ==
        "⚠️ No market data in the warehouse for settlement day 2025-03-30 up to 2025-03-30 13:00 BST");
  CHECK(text(u, "A29") == "📉 Per-period data for the charts: tab Daily_Chart_Data (46 rows for 2025-03-30)");
  CHECK(chart_row(u, 2) == "2025-03-30|1|2025-03-30T00:00:00Z|||||||");
  CHECK(chart_row(u, 47) == "2025-03-30|46|2025-03-30T22:30:00Z|||||||");
  CHECK(chart_row(u, 48) == "|||||||||");
}
