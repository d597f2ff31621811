#include "elexon/record.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "core/time.hpp"

using namespace gbpm;
using namespace gbpm::elexon;
using namespace std::chrono;

namespace {

core::TimePoint utc(std::string_view text) {
  const auto parsed = core::parse_utc(text);
  REQUIRE(parsed.ok());
  return *parsed;
}

}  // namespace

TEST_CASE("canonical_text writes each type one way", "[elexon][record]") {
  CHECK(canonical_text(Value{}) == "\\N");
  CHECK(canonical_text(Value{std::int64_t{-790}}) == "-790");
  CHECK(canonical_text(Value{160.0}) == "160");
  CHECK(canonical_text(Value{344.249492314814801830}) == "344.2494923148148");
  CHECK(canonical_text(Value{-0.0}) == "-0");
  CHECK(canonical_text(Value{std::string("T_DRAXX-1")}) == "T_DRAXX-1");
  CHECK(canonical_text(Value{true}) == "true");
  CHECK(canonical_text(Value{false}) == "false");
  CHECK(canonical_text(Value{utc("2026-05-06T02:55:00Z")}) == "2026-05-06T02:55:00Z");
  CHECK(canonical_text(Value{utc("2026-05-06T02:55:00.5Z")}) == "2026-05-06T02:55:00.5Z");
  CHECK(canonical_text(Value{utc("2026-05-06T02:55:00.000000123Z")}) == "2026-05-06T02:55:00.000000123Z");
  CHECK(canonical_text(Value{sys_days{2026y / 8 / 1}}) == "2026-08-01");
}

TEST_CASE("Value accessors return only the held alternative", "[elexon][record]") {
  const Value i{std::int64_t{15842}};
  CHECK(i.integer() == 15842);
  CHECK_FALSE(i.real().has_value());
  CHECK(i.number() == 15842.0);
  CHECK_FALSE(i.text().has_value());
  const Value d{50.017};
  CHECK(d.real() == 50.017);
  CHECK(d.number() == 50.017);
  CHECK_FALSE(d.integer().has_value());
  const Value null;
  CHECK(null.is_null());
  CHECK_FALSE(null.number().has_value());
  CHECK(Value{sys_days{2026y / 8 / 1}}.date() == sys_days{2026y / 8 / 1});
  CHECK_FALSE(Value{sys_days{2026y / 8 / 1}}.timestamp().has_value());
  CHECK(Value{utc("2026-08-01T00:00:00Z")}.timestamp() == utc("2026-08-01T00:00:00Z"));
  CHECK_FALSE(Value{utc("2026-08-01T00:00:00Z")}.date().has_value());
}

TEST_CASE("key_of joins the code and key columns, escaping separators", "[elexon][record]") {
  const DatasetSpec& mid = *find_dataset("MID");
  Record record{&mid, std::vector<Value>(mid.columns.size())};
  const auto set = [&](std::string_view column, Value v) { record.values[*mid.column_index(column)] = std::move(v); };
  set("settlement_date", Value{sys_days{2026y / 5 / 6}});
  set("settlement_period", Value{std::int64_t{9}});
  set("data_provider", Value{std::string("APXMIDP")});
  set("price", Value{105.43});
  CHECK(key_of(record) == "MID|2026-05-06|9|APXMIDP");
  CHECK(record.real("price") == 105.43);
  CHECK(record.text("data_provider") == "APXMIDP");
  CHECK(record.find("nope") == nullptr);
  CHECK_FALSE(record.integer("nope").has_value());
  CHECK_FALSE(record.real("volume").has_value());
  REQUIRE(record.find("volume") != nullptr);
  CHECK(record.find("volume")->is_null());

  // Values that contain the separator or the escape cannot forge another key.
  set("data_provider", Value{std::string("A|B\\C")});
  CHECK(key_of(record) == "MID|2026-05-06|9|A\\|B\\\\C");
  set("data_provider", Value{std::string("\\N")});
  const std::string text_n = key_of(record);
  set("data_provider", Value{});
  CHECK(key_of(record) != text_n);

  CHECK(key_of(Record{}).empty());
}
