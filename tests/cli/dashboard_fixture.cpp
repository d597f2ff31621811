// dashboard-fixture: test-only; builds a small fixture warehouse (synthetic,
// known values) at the given SQLite path through the warehouse's store() API,
// for the black-box tests of the dashboard tools.
//   dashboard-fixture PATH

#include <fmt/format.h>

#include <cstdio>
#include <string>

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
  if (argc != 2) {
    std::fprintf(stderr, "usage: dashboard-fixture PATH\n");
    return 64;
  }
  auto w = gbpm::warehouse::SqliteWarehouse::open(argv[1], gbpm::warehouse::OpenMode::read_write);
  if (!w) return fail(w.error());
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
  fuel += "]";
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
  for (const auto& [code, body] : {std::pair<const char*, std::string>{"FUELINST", fuel}, {"REMIT", remit}}) {
    auto decoded = gbpm::elexon::decode_message(body, code, "");
    if (!decoded) return fail(decoded.error());
    batch.groups.push_back(
        {gbpm::warehouse::Source::iris, code, *gbpm::core::parse_utc("2025-10-26T01:16:00Z"), decoded->records});
  }
  auto stored = (*w)->store(batch);
  if (!stored) return fail(stored.error());
  return 0;
}
