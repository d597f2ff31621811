#pragma once
// Typed records: one decoded row of a dataset, its values in the order of the
// dataset's columns (dataset.hpp), plus the natural-key string the warehouse
// and tests deduplicate on.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "elexon/dataset.hpp"

namespace gbpm::elexon {

// One column value. The alternative follows the column's ColumnType:
// monostate = null (blank), int64 = integer, double = real, string = text or
// json, bool = boolean, TimePoint = timestamp (UTC), sys_days = date.
struct Value {
  using Storage =
      std::variant<std::monostate, std::int64_t, double, std::string, bool, core::TimePoint, std::chrono::sys_days>;
  Storage data;

  [[nodiscard]] bool is_null() const { return std::holds_alternative<std::monostate>(data); }
  // The value when it holds that alternative, else nullopt (also when null).
  [[nodiscard]] std::optional<std::int64_t> integer() const;
  [[nodiscard]] std::optional<double> real() const;
  // A real, or an integer converted to double.
  [[nodiscard]] std::optional<double> number() const;
  // Text or json columns; the view points into this Value.
  [[nodiscard]] std::optional<std::string_view> text() const;
  [[nodiscard]] std::optional<bool> boolean() const;
  [[nodiscard]] std::optional<core::TimePoint> timestamp() const;
  [[nodiscard]] std::optional<std::chrono::sys_days> date() const;

  friend bool operator==(const Value&, const Value&) = default;
};

// One decoded row. `values[i]` belongs to `spec->columns[i]`.
struct Record {
  const DatasetSpec* spec = nullptr;
  std::vector<Value> values;

  // The value of column `name`, or nullptr when the dataset has no such column.
  [[nodiscard]] const Value* find(std::string_view name) const;
  // Typed shortcuts: nullopt when the column is null, of another type, or
  // does not exist (use find() to tell those apart).
  [[nodiscard]] std::optional<std::int64_t> integer(std::string_view name) const;
  [[nodiscard]] std::optional<double> real(std::string_view name) const;
  [[nodiscard]] std::optional<double> number(std::string_view name) const;
  [[nodiscard]] std::optional<std::string_view> text(std::string_view name) const;
  [[nodiscard]] std::optional<bool> boolean(std::string_view name) const;
  [[nodiscard]] std::optional<core::TimePoint> timestamp(std::string_view name) const;
  [[nodiscard]] std::optional<std::chrono::sys_days> date(std::string_view name) const;

  friend bool operator==(const Record&, const Record&) = default;
};

// Canonical text of a value, identical for equal values and used in keys:
// null `\N`; integers in decimal; reals as the shortest text that reads back
// as the same double ("160", "344.2494923148148", "-0"); text and json as is;
// booleans `true`/`false`; timestamps "2026-05-06T02:55:00Z", with a fraction
// only when there is one ("...:00.5Z"); dates "2026-05-06".
std::string canonical_text(const Value& value);

// The natural key of `record` as one string: the dataset code, then each key
// column's canonical_text, joined by '|'. Backslashes and '|' inside values
// are escaped as `\\` and `\|`, so distinct keys give distinct strings:
//   "FUELINST|2024-02-12T17:45:00Z|CCGT"
//   "REMIT|48X000000000063X-NGET-RMT-00031063|2"
// Empty when the record has no spec.
std::string key_of(const Record& record);

}  // namespace gbpm::elexon
