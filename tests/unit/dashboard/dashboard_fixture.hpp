#pragma once
// A fixture warehouse for the dashboard golden tests: synthetic records with
// known values, stored through the warehouse's own store() API.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "dashboard/dashboard.hpp"
#include "sheet/grid.hpp"
#include "unit/warehouse/warehouse_fixtures.hpp"

namespace gbpm::dashboard::test {

using warehouse::test::records;
using warehouse::test::utc;

inline void store(warehouse::SqliteWarehouse& w, std::vector<elexon::Record> recs, const std::string& id) {
  warehouse::Batch b;
  b.groups.push_back(warehouse::test::group(std::move(recs), id, utc("2026-01-01T00:00:00Z")));
  auto s = w.store(b);
  INFO((s.ok() ? "" : s.error().message));
  REQUIRE(s.ok());
}

// One FUELINST instant: every fuel in `mw` starting at `start`, published 5 minutes later.
inline void store_mix(warehouse::SqliteWarehouse& w, std::string_view start, std::string_view date, int sp,
                      const std::map<std::string, int>& mw) {
  const auto t = utc(start);
  std::string json = "[";
  for (const auto& [fuel, value] : mw) {
    if (json.size() > 1) json += ",";
    json += warehouse::test::fuelinst_row(core::format_utc(t), core::format_utc(t + std::chrono::minutes(5)), date, sp,
                                          fuel, std::to_string(value));
  }
  store(w, records("FUELINST", json + "]"), fmt::format("fuelinst-{}", start));
}

inline void store_price(warehouse::SqliteWarehouse& w, std::string_view start, std::string_view date, int sp,
                        double price) {
  store(
      w,
      records("MID", fmt::format(R"([{{"dataset":"MID","startTime":"{}","dataProvider":"APXMIDP","settlementDate":"{}",
          "settlementPeriod":{},"price":{},"volume":100.0}}])",
                                 start, date, sp, price)),
      fmt::format("mid-{}", start));
}

inline std::string remit_row(std::string_view mrid, std::string_view asset, std::string_view fuel, double normal,
                             double unavailable, std::string_view start, std::string_view cause,
                             std::string_view publish = "2025-01-01T00:00:00Z") {
  return fmt::format(
      R"({{"dataset":"REMIT","mrid":"{}","revisionNumber":1,"publishTime":"{}","createdTime":"{}",
      "assetId":"{}","affectedUnit":"{}","fuelType":"{}","normalCapacity":{},"availableCapacity":{},"unavailableCapacity":{},
      "eventStatus":"Active","eventStartTime":"{}","eventEndTime":null,"cause":"{}"}})",
      mrid, publish, publish, asset, asset, fuel, normal, normal - unavailable, unavailable, start, cause);
}

// The cell at A1 position `cell` ("B5") of tab Dashboard in `update`: its
// display text, or "<absent>" when no block covers it.
inline const sheet::Cell* find_cell(const sheet::Update& update, std::string_view cell) {
  auto r = sheet::parse_a1(fmt::format("Dashboard!{}", cell));
  REQUIRE(r.ok());
  for (const auto& b : update.blocks) {
    const auto& g = b.range;
    if (g.tab != "Dashboard" || r->row < g.row || r->row >= g.row + g.rows || r->col < g.col ||
        r->col >= g.col + g.cols) {
      continue;
    }
    static const sheet::Cell blank;
    const auto i = static_cast<std::size_t>(r->row - g.row);
    const auto j = static_cast<std::size_t>(r->col - g.col);
    if (i >= b.cells.size() || j >= b.cells[i].size()) return &blank;
    return &b.cells[i][j];
  }
  return nullptr;
}

inline std::string text(const sheet::Update& update, std::string_view cell) {
  const auto* c = find_cell(update, cell);
  return c == nullptr ? "<absent>" : sheet::display_text(*c);
}

inline std::optional<double> number(const sheet::Update& update, std::string_view cell) {
  const auto* c = find_cell(update, cell);
  if (c == nullptr) return std::nullopt;
  if (const auto* d = std::get_if<double>(&c->value)) return *d;
  return std::nullopt;
}

}  // namespace gbpm::dashboard::test
