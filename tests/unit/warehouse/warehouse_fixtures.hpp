#pragma once
// Helpers shared by the warehouse tests: fixture messages decoded through the
// registry, synthetic records with known values, and full table dumps.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "elexon/decode.hpp"
#include "support/temp_dir.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace gbpm::warehouse::test {

inline core::TimePoint utc(std::string_view text) {
  const auto t = core::parse_utc(text);
  REQUIRE(t.ok());
  return *t;
}

inline std::filesystem::path fixtures() {
  const char* dir = std::getenv("GBPM_FIXTURES");
  INFO("GBPM_FIXTURES must point at tests/fixtures (ctest sets it)");
  REQUIRE(dir != nullptr);
  return std::filesystem::path(dir) / "elexon";
}

// Decodes one IRIS fixture body (iris/<name>.json) through the registry.
inline std::vector<elexon::Record> fixture_records(std::string_view name) {
  const std::string body = gbpm::testing::read_file(fixtures() / "iris" / (std::string(name) + ".json"));
  REQUIRE_FALSE(body.empty());
  auto decoded = elexon::decode_message(body, "", name);
  INFO(name << ": " << (decoded.ok() ? "" : decoded.error().message));
  REQUIRE(decoded.ok());
  REQUIRE(decoded->known());
  return decoded->records;
}

// Decodes the rows of an Insights API fixture (api/<file>) as dataset `code`.
inline std::vector<elexon::Record> api_records(std::string_view code, std::string_view file) {
  const std::string body = gbpm::testing::read_file(fixtures() / "api" / std::string(file));
  REQUIRE_FALSE(body.empty());
  auto doc = json::parse(body);
  REQUIRE(doc.ok());
  auto rows = elexon::rows_of_envelope(doc->root());
  REQUIRE(rows.ok());
  auto decoded = elexon::decode_rows(*elexon::find_dataset(code), *rows);
  INFO((decoded.ok() ? "" : decoded.error().message));
  REQUIRE(decoded.ok());
  return std::move(decoded).value();
}

// Decodes `json` (an array of record objects) as dataset `code`.
inline std::vector<elexon::Record> records(std::string_view code, const std::string& json) {
  auto decoded = elexon::decode_message(json, code, "");
  INFO(code << ": " << (decoded.ok() ? "" : decoded.error().message) << "\n" << json);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->known());
  return decoded->records;
}

// One FUELINST row object.
inline std::string fuelinst_row(std::string_view start, std::string_view publish, std::string_view date, int sp,
                                std::string_view fuel, std::string_view generation) {
  return fmt::format(
      R"({{"dataset":"FUELINST","publishTime":"{}","startTime":"{}","settlementDate":"{}","settlementPeriod":{},"fuelType":"{}","generation":{}}})",
      publish, start, date, sp, fuel, generation);
}

inline RecordGroup group(std::vector<elexon::Record> recs, std::string id, core::TimePoint received,
                         Source source = Source::iris) {
  return RecordGroup{source, std::move(id), received, std::move(recs)};
}

inline std::unique_ptr<SqliteWarehouse> open_rw(const std::filesystem::path& path) {
  auto w = SqliteWarehouse::open(path, OpenMode::read_write);
  INFO((w.ok() ? "" : w.error().message));
  REQUIRE(w.ok());
  return std::move(w).value();
}

inline std::string cell_text(const SqlValue& v) {
  if (v.is_null()) return "NULL";
  if (const auto i = v.as_integer()) return std::to_string(*i);
  if (const auto d = v.as_number()) return fmt::format("{}", *d);
  return "'" + v.as_text().value_or("?") + "'";
}

// Every row of every table, sorted, as text: equal dumps = identical tables.
inline std::string dump(SqliteWarehouse& w) {
  auto tables = w.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", {});
  REQUIRE(tables.ok());
  std::string out;
  for (const auto& t : *tables) {
    const std::string name = *t[0].as_text();
    auto rows = w.query(fmt::format("SELECT * FROM \"{}\" ORDER BY 1, 2, 3", name), {});
    REQUIRE(rows.ok());
    std::vector<std::string> lines;
    for (const auto& row : *rows) {
      std::string line;
      for (const auto& c : row) line += cell_text(c) + "|";
      lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    out += "== " + name + "\n";
    for (const auto& l : lines) out += l + "\n";
  }
  return out;
}

inline std::size_t count_rows(SqliteWarehouse& w, std::string_view table) {
  auto rows = w.query(fmt::format("SELECT count(*) FROM {}", table), {});
  REQUIRE(rows.ok());
  return static_cast<std::size_t>(*rows->at(0).at(0).as_integer());
}

}  // namespace gbpm::warehouse::test
