#pragma once
// The seam between the portable market queries and a warehouse backend.
// Queries are standard SQL (window functions, UNION ALL, named parameters
// written @name — both SQLite and BigQuery accept that spelling) over
// tables the backend names; the backend runs them and returns typed cells.
// Every query the market layer writes bounds a time (or date) column with
// parameters, so BigQuery's partition pruning applies.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "elexon/dataset.hpp"

namespace gbpm::warehouse {

enum class Source;

// A parameter or result cell. Timestamps and dates may come back as text
// (SQLite stores them as fixed-width ISO-8601) — use the as_* helpers.
struct SqlValue {
  std::variant<std::monostate, std::int64_t, double, std::string, core::TimePoint, std::chrono::sys_days> data;

  [[nodiscard]] bool is_null() const { return std::holds_alternative<std::monostate>(data); }
  // A number (integer or real), or nullopt.
  [[nodiscard]] std::optional<double> as_number() const;
  [[nodiscard]] std::optional<std::int64_t> as_integer() const;
  // Text, or nullopt (null or not text).
  [[nodiscard]] std::optional<std::string> as_text() const;
  // A TimePoint, or stored timestamp text ("2026-05-06T02:55:00.000Z"); nullopt when null or unparseable.
  [[nodiscard]] std::optional<core::TimePoint> as_time() const;
  // A date, or "YYYY-MM-DD" text.
  [[nodiscard]] std::optional<std::chrono::sys_days> as_date() const;
};

using SqlRow = std::vector<SqlValue>;

// A named parameter: `name` without the '@'.
struct SqlParam {
  std::string name;
  SqlValue value;
};

// Runs read-only SQL for the market queries.
class SqlRunner {
 public:
  virtual ~SqlRunner() = default;
  // The FROM-clause reference of the table holding `spec` records from
  // `source` (quoted/qualified as the backend needs), or nullopt when that
  // table does not exist yet (nothing stored: the query treats it as empty).
  virtual std::optional<std::string> table_ref(const elexon::DatasetSpec& spec, Source source) = 0;
  // Runs `sql` with `params` and returns every row. Errors: temporary (busy),
  // output/unavailable (backend failure), internal (bad SQL: a bug).
  virtual Result<std::vector<SqlRow>> query(std::string_view sql, const std::vector<SqlParam>& params) = 0;
  // Whether each dataset table holds at most one row per natural key and a
  // probe query is a cheap local lookup (SQLite: the key is the table's
  // PRIMARY KEY). Query builders then skip within-table de-duplication and
  // probe before joining. False for BigQuery: a table may hold re-shipped
  // copies of a key, and every query is a billed round trip.
  [[nodiscard]] virtual bool unique_keys_per_table() const { return false; }
};

// The stored text of a timestamp: "2026-05-06T02:55:00.000Z" (fixed width,
// millisecond precision, so text order is time order).
std::string format_timestamp(core::TimePoint t);
// Parses exactly that form; nullopt otherwise.
std::optional<core::TimePoint> parse_timestamp(std::string_view text);
// "YYYY-MM-DD".
std::string format_date(std::chrono::sys_days day);
std::optional<std::chrono::sys_days> parse_date(std::string_view text);

// SQL selecting the latest row per key of `spec` from both of its tables
// (IRIS and API), each branch restricted by `bound` (a boolean SQL expression
// over the dataset's columns using named parameters — it must bound a time or
// date column). The result has the columns `columns` (dataset column names)
// plus received_at.
//   greatest(v):   newest v per key, ties → latest received_at
//   last_arrival:  latest received_at per key
//   immutable:     any one row per key
//   vintages(v):   newest v per key-without-v (REMIT: latest revision per mrid)
// Returns nullopt when neither table exists.
std::optional<std::string> latest_rows_sql(SqlRunner& runner, const elexon::DatasetSpec& spec,
                                           const std::vector<std::string_view>& columns, std::string_view bound);

}  // namespace gbpm::warehouse
