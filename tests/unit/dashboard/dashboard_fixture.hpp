#pragma once
// A fixture warehouse for the dashboard golden tests: synthetic records with
// known values, stored through the warehouse's own store() API.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "dashboard/dashboard.hpp"
#include "market/settlement.hpp"
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

// MID for one period (APXMIDP), with its traded volume (0 £/MWh on 0 MWh is "no trades").
inline void store_mid(warehouse::SqliteWarehouse& w, std::string_view date, int sp, double price, double volume) {
  const auto start = market::period_start_utc(*market::parse_date(date), sp);
  REQUIRE(start.ok());
  store(w,
        records("MID", fmt::format(R"([{{"dataset":"MID","startTime":"{}","dataProvider":"APXMIDP",
            "settlementDate":"{}","settlementPeriod":{},"price":{},"volume":{}}}])",
                                   core::format_utc(*start), date, sp, price, volume)),
        fmt::format("mid-{}-{}", date, sp));
}

// DISEBSP (system sell/buy price) for one period, shaped like the IRIS fixture.
inline void store_system_prices(warehouse::SqliteWarehouse& w, std::string_view date, int sp, double ssp, double sbp) {
  const auto start = market::period_start_utc(*market::parse_date(date), sp);
  REQUIRE(start.ok());
  store(w,
        records("DISEBSP", fmt::format(R"([{{"dataset":"DISEBSP","settlementDate":"{}","settlementPeriod":{},
            "startTime":"{}","createdDateTime":"{}","systemSellPrice":{},"systemBuyPrice":{},
            "bsadDefaulted":false,"priceDerivationCode":"P","reserveScarcityPrice":0.0,"netImbalanceVolume":344.2}}])",
                                       date, sp, core::format_utc(*start),
                                       core::format_utc(*start + std::chrono::minutes(45)), ssp, sbp)),
        fmt::format("disebsp-{}-{}", date, sp));
}

// INDO (initial national demand outturn) for one period.
inline void store_demand(warehouse::SqliteWarehouse& w, std::string_view date, int sp, double mw) {
  const auto start = market::period_start_utc(*market::parse_date(date), sp);
  REQUIRE(start.ok());
  store(w,
        records("INDO", fmt::format(R"([{{"dataset":"INDO","publishTime":"{}","startTime":"{}",
            "settlementDate":"{}","settlementPeriod":{},"demand":{}}}])",
                                    core::format_utc(*start + std::chrono::minutes(30)), core::format_utc(*start), date,
                                    sp, mw)),
        fmt::format("indo-{}-{}", date, sp));
}

// FREQ samples: (measurement time, Hz).
inline void store_frequency(warehouse::SqliteWarehouse& w, const std::vector<std::pair<std::string, double>>& samples) {
  std::string json = "[";
  for (const auto& [t, hz] : samples) {
    if (json.size() > 1) json += ",";
    json += fmt::format(R"({{"dataset":"FREQ","measurementTime":"{}","frequency":{}}})", t, hz);
  }
  store(w, records("FREQ", json + "]"), fmt::format("freq-{}", samples.front().first));
}

// One INDGEN/INDDEM publish for one period: boundary → (generation, demand);
// a missing side is given as std::nullopt and not stored.
struct ZoneForecast {
  std::string boundary;
  std::optional<double> generation;
  std::optional<double> demand;  // negative, as Elexon publishes it
};
inline void store_zones(warehouse::SqliteWarehouse& w, std::string_view publish, std::string_view date, int sp,
                        const std::vector<ZoneForecast>& zones) {
  const auto start = market::period_start_utc(*market::parse_date(date), sp);
  REQUIRE(start.ok());
  std::string gen = "[";
  std::string dem = "[";
  for (const auto& z : zones) {
    const auto common = fmt::format(
        R"("publishTime":"{}","startTime":"{}","settlementDate":"{}","settlementPeriod":{},"boundary":"{}")", publish,
        core::format_utc(*start), date, sp, z.boundary);
    if (z.generation) {
      gen += fmt::format(R"({}{{"dataset":"INDGEN","generation":{},{}}})", gen.size() > 1 ? "," : "", *z.generation,
                         common);
    }
    if (z.demand) {
      dem += fmt::format(R"({}{{"dataset":"INDDEM","demand":{},{}}})", dem.size() > 1 ? "," : "", *z.demand, common);
    }
  }
  if (gen.size() > 1) store(w, records("INDGEN", gen + "]"), fmt::format("indgen-{}-{}-{}", publish, date, sp));
  if (dem.size() > 1) store(w, records("INDDEM", dem + "]"), fmt::format("inddem-{}-{}-{}", publish, date, sp));
}

// A normal (48-period, BST) settlement day, 2026-05-06, shared by the
// daily-kpi and realtime golden tests; read it at kNormalAsOf (SP23, 11:08 BST).
// SP21 has two FUELINST instants (means, never sums), SP22 a MID with no
// trades (blank), SP24 data "from the future" (after --as-of: blank), and
// SSP values on 2026-05-01 (inside the 30 days) and 2026-04-06 (outside).
inline constexpr std::string_view kNormalAsOf = "2026-05-06T10:08:00Z";
inline void store_normal_day(warehouse::SqliteWarehouse& w) {
  store_mix(w, "2026-05-06T09:00:00Z", "2026-05-06", 21, {{"CCGT", 10000}, {"WIND", 5000}, {"INTFR", 1000}});
  store_mix(w, "2026-05-06T09:05:00Z", "2026-05-06", 21, {{"CCGT", 11000}, {"WIND", 6000}, {"INTFR", -500}});
  store_mix(w, "2026-05-06T09:30:00Z", "2026-05-06", 22, {{"CCGT", 12000}, {"WIND", 6000}});
  store_mix(w, "2026-05-06T10:00:00Z", "2026-05-06", 23, {{"CCGT", 8000}, {"WIND", 8000}, {"INTIRL", -300}});
  store_mix(w, "2026-05-06T10:30:00Z", "2026-05-06", 24, {{"CCGT", 99999}});
  store_system_prices(w, "2026-05-06", 20, 60, 65);
  store_system_prices(w, "2026-05-06", 21, 80, 85);
  store_system_prices(w, "2026-05-06", 24, 500, 500);
  store_system_prices(w, "2026-05-01", 10, 200, 210);
  store_system_prices(w, "2026-04-06", 10, 1000, 1000);
  store_mid(w, "2026-05-06", 21, 70, 100);
  store_mid(w, "2026-05-06", 22, 0, 0);
  store_demand(w, "2026-05-06", 21, 25000);
  store_demand(w, "2026-05-06", 22, 27000);
  store_frequency(w, {{"2026-05-06T09:10:00Z", 49.9}, {"2026-05-06T09:10:15Z", 50.1}, {"2026-05-06T09:40:00Z", 50.05}});
}

// The cell at A1 position `cell` ("B5") of tab `tab` in `update`, or nullptr
// when no block covers it (a covered cell the block leaves out is blank).
inline const sheet::Cell* find_cell(const sheet::Update& update, std::string_view tab, std::string_view cell) {
  auto r = sheet::parse_a1(fmt::format("{}!{}", tab, cell));
  REQUIRE(r.ok());
  for (const auto& b : update.blocks) {
    const auto& g = b.range;
    if (g.tab != tab || r->row < g.row || r->row >= g.row + g.rows || r->col < g.col || r->col >= g.col + g.cols) {
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

// The cell at `cell` of tab Dashboard.
inline const sheet::Cell* find_cell(const sheet::Update& update, std::string_view cell) {
  return find_cell(update, "Dashboard", cell);
}

// The display text of a cell ("" for blank), or "<absent>" when no block covers it.
inline std::string text(const sheet::Update& update, std::string_view tab, std::string_view cell) {
  const auto* c = find_cell(update, tab, cell);
  return c == nullptr ? "<absent>" : sheet::display_text(*c);
}
inline std::string text(const sheet::Update& update, std::string_view cell) {
  return text(update, "Dashboard", cell);
}

// The number in a cell, or nullopt when it is blank, text or not covered.
inline std::optional<double> number(const sheet::Update& update, std::string_view tab, std::string_view cell) {
  const auto* c = find_cell(update, tab, cell);
  if (c == nullptr) return std::nullopt;
  if (const auto* d = std::get_if<double>(&c->value)) return *d;
  return std::nullopt;
}
inline std::optional<double> number(const sheet::Update& update, std::string_view cell) {
  return number(update, "Dashboard", cell);
}

// True when the cell is covered by a block and blank (missing data is blank, never 0).
inline bool is_blank(const sheet::Update& update, std::string_view tab, std::string_view cell) {
  const auto* c = find_cell(update, tab, cell);
  return c != nullptr && c->is_blank();
}

// The block of `update` on `tab` (the test fails when there is none).
inline const sheet::Block& block_of(const sheet::Update& update, std::string_view tab) {
  for (const auto& b : update.blocks) {
    if (b.range.tab == tab) return b;
  }
  FAIL("no block on tab " << tab);
  return update.blocks.front();
}

}  // namespace gbpm::dashboard::test
