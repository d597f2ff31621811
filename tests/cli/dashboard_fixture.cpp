// dashboard-fixture: test-only; builds a small fixture warehouse (synthetic,
// known values, shaped like the IRIS fixtures) at the given SQLite path
// through the warehouse's store() API, for the black-box tests of the
// dashboard tools. The data is on 2025-10-26 (the 50-period day), read at
// --as-of 2025-10-26T01:20:00Z (01:20 GMT, SP5):
//   FUELINST  instants 00:00Z (SP3, 01:00 BST), 01:00Z and 01:10Z (SP5)
//   REMIT     26 active outages (TOTAL on row 58)
//   DISEBSP   SP3, SP5, and 2025-10-25 SP20 (inside the 30 days)
//   MID       SP5; INDO SP5; FREQ two samples in SP5
//   INDGEN/INDDEM  SP5 for N, B1, B6 (published 00:47Z)
// With --empty the warehouse is created with no data at all.
//   dashboard-fixture PATH [--empty]

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <tuple>

#include "core/time.hpp"
#include "elexon/decode.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace {

int fail(const gbpm::Error& e) {
  std::fprintf(stderr, "dashboard-fixture: %s\n", e.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const bool empty = argc == 3 && std::string_view(argv[2]) == "--empty";
  if (argc != 2 && !empty) {
    std::fprintf(stderr, "usage: dashboard-fixture PATH [--empty]\n");
    return 64;
  }
  auto w = gbpm::warehouse::SqliteWarehouse::open(argv[1], gbpm::warehouse::OpenMode::read_write);
  if (!w) return fail(w.error());
  if (empty) return 0;
  // 2025-10-26 01:10Z (01:10 GMT, after the clocks went back), SP5.
  std::string fuel = "[";
  const std::pair<const char*, int> mix[] = {{"CCGT", 9000},    {"WIND", 12000}, {"NUCLEAR", 4000},
                                             {"BIOMASS", 1500}, {"INTFR", 1000}, {"INTIRL", -300}};
  for (const auto& [code, mw] : mix) {
    if (fuel.size() > 1) fuel += ",";
    fuel += fmt::format(
        R"({{"dataset":"FUELINST","publishTime":"2025-10-26T01:15:00Z","startTime":"2025-10-26T01:10:00Z","settlementDate":"2025-10-26","settlementPeriod":5,"fuelType":"{}","generation":{}}})",
        code, mw);
  }
  // Earlier instants: SP5 at 01:00Z (so SP5's half-hour means differ from the 01:10Z instant) and SP3 at
  // 00:00Z (01:00 BST, the first of the two local 01:00s).
  const std::pair<const char*, int> mix_0100[] = {{"CCGT", 8000},    {"WIND", 11000}, {"NUCLEAR", 4000},
                                                  {"BIOMASS", 1500}, {"INTFR", 800},  {"INTIRL", -300}};
  for (const auto& [code, mw] : mix_0100) {
    fuel += fmt::format(
        R"(,{{"dataset":"FUELINST","publishTime":"2025-10-26T01:05:00Z","startTime":"2025-10-26T01:00:00Z","settlementDate":"2025-10-26","settlementPeriod":5,"fuelType":"{}","generation":{}}})",
        code, mw);
  }
  for (const auto& [code, mw] : {std::pair<const char*, int>{"CCGT", 7000}, {"WIND", 10000}}) {
    fuel += fmt::format(
        R"(,{{"dataset":"FUELINST","publishTime":"2025-10-26T00:05:00Z","startTime":"2025-10-26T00:00:00Z","settlementDate":"2025-10-26","settlementPeriod":3,"fuelType":"{}","generation":{}}})",
        code, mw);
  }
  fuel += "]";
  std::string prices = "[";
  for (const auto& [date, sp, start, ssp, sbp] :
       {std::tuple<const char*, int, const char*, int, int>{"2025-10-26", 3, "2025-10-26T00:00:00Z", 90, 90},
        {"2025-10-26", 5, "2025-10-26T01:00:00Z", 100, 110},
        {"2025-10-25", 20, "2025-10-25T08:30:00Z", 50, 50}}) {
    if (prices.size() > 1) prices += ",";
    prices += fmt::format(
        R"({{"dataset":"DISEBSP","settlementDate":"{}","settlementPeriod":{},"startTime":"{}","createdDateTime":"2025-10-26T01:16:00Z",
        "systemSellPrice":{},"systemBuyPrice":{},"bsadDefaulted":false,"priceDerivationCode":"P","reserveScarcityPrice":0.0}})",
        date, sp, start, ssp, sbp);
  }
  prices += "]";
  const std::string mid =
      R"([{"dataset":"MID","startTime":"2025-10-26T01:00:00Z","dataProvider":"APXMIDP","settlementDate":"2025-10-26","settlementPeriod":5,"price":85.25,"volume":500.0},
          {"dataset":"MID","startTime":"2025-10-26T01:00:00Z","dataProvider":"N2EXMIDP","settlementDate":"2025-10-26","settlementPeriod":5,"price":0.0,"volume":0.0}])";
  const std::string indo =
      R"([{"dataset":"INDO","publishTime":"2025-10-26T01:15:00Z","startTime":"2025-10-26T01:00:00Z","settlementDate":"2025-10-26","settlementPeriod":5,"demand":24000}])";
  const std::string freq =
      R"([{"dataset":"FREQ","measurementTime":"2025-10-26T01:05:00Z","frequency":49.95},{"dataset":"FREQ","measurementTime":"2025-10-26T01:05:15Z","frequency":50.05}])";
  std::string indgen = "[";
  std::string inddem = "[";
  for (const auto& [zone, gen, dem] :
       {std::tuple<const char*, int, int>{"N", 26000, -25000}, {"B1", 300, -50}, {"B6", 1200, -3000}}) {
    const auto common = fmt::format(
        R"("publishTime":"2025-10-26T00:47:00Z","startTime":"2025-10-26T01:00:00Z","settlementDate":"2025-10-26","settlementPeriod":5,"boundary":"{}")",
        zone);
    indgen += fmt::format(R"({}{{"dataset":"INDGEN","generation":{},{}}})", indgen.size() > 1 ? "," : "", gen, common);
    inddem += fmt::format(R"({}{{"dataset":"INDDEM","demand":{},{}}})", inddem.size() > 1 ? "," : "", dem, common);
  }
  indgen += "]";
  inddem += "]";
  std::string remit = "[";
  for (int i = 0; i < 26; ++i) {
    if (remit.size() > 1) remit += ",";
    remit += fmt::format(
        R"({{"dataset":"REMIT","mrid":"M{0}","revisionNumber":1,"publishTime":"2025-10-20T00:00:00Z","createdTime":"2025-10-20T00:00:00Z",
        "assetId":"T_UNIT-{0}","affectedUnit":"T_UNIT-{0}","fuelType":"Fossil Gas","normalCapacity":1000,"availableCapacity":{1},
        "unavailableCapacity":{2},"eventStatus":"Active","eventStartTime":"2025-10-25T00:00:00Z","eventEndTime":null,"cause":"=1+1, \"quoted\""}})",
        i, 500 + i, 500 - i);
  }
  remit += "]";
  gbpm::warehouse::Batch batch;
  for (const auto& [code, body] : {std::pair<const char*, std::string>{"FUELINST", fuel},
                                   {"REMIT", remit},
                                   {"DISEBSP", prices},
                                   {"MID", mid},
                                   {"INDO", indo},
                                   {"FREQ", freq},
                                   {"INDGEN", indgen},
                                   {"INDDEM", inddem}}) {
    auto decoded = gbpm::elexon::decode_message(body, code, "");
    if (!decoded) return fail(decoded.error());
    batch.groups.push_back(
        {gbpm::warehouse::Source::iris, code, *gbpm::core::parse_utc("2025-10-26T01:16:00Z"), decoded->records});
  }
  auto stored = (*w)->store(batch);
  if (!stored) return fail(stored.error());
  return 0;
}
