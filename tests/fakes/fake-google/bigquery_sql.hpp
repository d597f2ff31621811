#pragma once
// The fake BigQuery's SQL: translates the GoogleSQL subset gbpm uses into
// SQLite and registers the BigQuery functions it needs. The list of what is
// supported is at the top of bigquery_sql.cpp.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "google/bigquery_types.hpp"

struct sqlite3;

namespace gbpm::fakes::google {

struct TableRef {
  std::string project;
  std::string dataset;
  std::string table;
  // The SQLite table holding the rows: "project.dataset.table".
  [[nodiscard]] std::string sqlite_name() const { return project + "." + dataset + "." + table; }
  friend bool operator==(const TableRef&, const TableRef&) = default;
};

// What the outermost SELECT list says about one output column, used when
// SQLite cannot say where a value came from (aggregates, functions).
struct ColumnHint {
  std::optional<gbpm::google::FieldType> type;  // known from the expression
  std::string column;                           // a column name whose type it has (MAX(ts) → "ts")
};

struct TranslatedQuery {
  std::string sql;  // SQLite text; @name parameters kept as they are
  std::vector<TableRef> tables;
  std::vector<ColumnHint> hints;  // one per select item, or empty when not known (SELECT *)
  bool is_dml = false;            // INSERT / UPDATE / DELETE
};

// Translates GoogleSQL to SQLite. `exists` says whether a table exists.
// Errors: ErrorKind::unavailable "Not found: Table p:d.t" for a missing table
// (HTTP 404 notFound), ErrorKind::data for SQL outside the subset (400
// invalidQuery).
Result<TranslatedQuery> translate_query(std::string_view sql, std::string_view default_project,
                                        const std::function<bool(const TableRef&)>& exists);

// Registers CURRENT_TIMESTAMP and the TIMESTAMP/DATE/SAFE_DIVIDE/... functions
// on `db`. `clock` must outlive the connection.
void register_bigquery_functions(sqlite3* db, const core::Clock& clock);

// Microseconds since the epoch from BigQuery's TIMESTAMP text forms
// ("2024-05-01T12:00:00.123456Z", "2024-05-01 12:00:00+00:00",
// "2024-05-01 12:00:00 UTC", "2024-05-01").
Result<std::int64_t> parse_timestamp_text(std::string_view text);
// "2024-05-01 12:00:00.123456 UTC"-style text is not needed; this gives the
// ISO form "2024-05-01T12:00:00.123456Z" for FORMAT and messages.
std::string format_timestamp_micros(std::int64_t micros);
// TIMESTAMP as BigQuery's default float-seconds text: "1.7145864E9".
std::string float_seconds_text(std::int64_t micros);
// FLOAT64 as BigQuery writes it ("1.5", "2.0", "NaN", "Infinity", "1.0E-7").
std::string float_text(double value);

}  // namespace gbpm::fakes::google
