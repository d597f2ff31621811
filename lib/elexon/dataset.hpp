#pragma once
// The dataset registry: for every Elexon dataset gbpm stores, its typed
// columns (SQL name, source JSON field, type, unit, whether it may be blank),
// its natural key and its version rule (tabled in ARCHITECTURE.md,
// "Storage"). It is data, not code: the decoder (decode.hpp) reads records with
// it, and the warehouse derives its tables (`bmrs_<code>_iris`,
// `bmrs_<code>`), upserts and "latest" views from it.
//
// Conventions every spec follows (checked by the unit tests):
//   - column names are snake_case and unique; json fields are unique;
//   - every key column and the version column exist, and key columns are
//     required (a row without them cannot be deduplicated);
//   - the `dataset` field of a record is not a column: each dataset has its own
//     table, so it would be constant (decode_message checks it instead).

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace gbpm::elexon {

// The type a column holds, and so the type of its Value (record.hpp).
enum class ColumnType {
  text,       // std::string (valid UTF-8)
  integer,    // std::int64_t; JSON integers and integral doubles (2249.0)
  real,       // double; long decimals round to the nearest double
  timestamp,  // core::TimePoint, UTC; "...Z", offsets, fractions, naive = UTC; years 1900..2199
  date,       // std::chrono::sys_days; exactly "YYYY-MM-DD" (a settlement date)
  boolean,    // bool
  json,       // std::string holding the nested value as compact JSON text
};

// Whether a column may be blank. A required column must be present and not
// null in every record (after the fallback field is tried); an optional one
// is null (blank) when the field is absent or null.
enum class Requirement { required, optional };

// Extra validation applied to a decoded value.
enum class ValueCheck {
  none,
  settlement_period,  // an integer 1..50 (a day has 46, 48 or 50 periods)
};

// One typed column of a dataset.
struct ColumnSpec {
  std::string_view name;        // SQL column name, snake_case: "settlement_period"
  std::string_view json_field;  // source field: "settlementPeriod"
  ColumnType type = ColumnType::text;
  Requirement requirement = Requirement::optional;
  std::string_view unit;            // "MW", "MWh", "Hz", "GBP", "GBP/MWh"; empty when none
  std::string_view fallback_field;  // read when json_field is absent or null ("nationalGridBmUnit"); empty: none
  ValueCheck check = ValueCheck::none;
};

// How duplicates of one natural key are resolved.
enum class VersionKind {
  // Rows never change: a second row with the same key is a replay and is
  // ignored (FREQ samples; MELS/MILS raw submissions, which are resolved
  // later per time slice by notification sequence and time, not by overwriting).
  immutable,
  // One row per key; the row with the greatest `column` wins, and on a tie
  // the later arrival (FUELINST: publish_time).
  greatest,
  // One row per key; the most recently received row replaces the stored one
  // (restated values such as MID, BOD, PN, DISBSAD).
  last_arrival,
  // `column` is part of the key, so every vintage is kept; the "latest" view
  // is the greatest `column` per key-without-`column` (forecasts by
  // publish_time, REMIT by revision_number).
  vintages,
};

// A dataset's version rule. `column` is empty for immutable and last_arrival.
struct VersionRule {
  VersionKind kind = VersionKind::immutable;
  std::string_view column;
};

// Where a dataset can come from.
enum class Feed {
  iris_and_api,  // IRIS messages and Insights API rows share this schema
  api_only,      // an Insights API response shape with no IRIS feed
};

// Everything gbpm knows about one dataset.
struct DatasetSpec {
  std::string_view code;  // the IRIS subject / API dataset code: "FUELINST"
  std::string_view description;
  Feed feed = Feed::iris_and_api;
  std::vector<ColumnSpec> columns;     // in storage order; Record::values follows it
  std::vector<std::string_view> key;   // natural key: column names, in key order
  VersionRule version;                 // how duplicates of a key are resolved
  std::string_view partition_column;   // time partitioning: a date or timestamp column
  std::vector<std::size_t> key_index;  // `key` as indices into `columns` (filled by the registry)

  // The column called `name`, or nullptr.
  [[nodiscard]] const ColumnSpec* column(std::string_view name) const;
  // Index of the column called `name` in `columns`, or nullopt.
  [[nodiscard]] std::optional<std::size_t> column_index(std::string_view name) const;
};

// The spec for dataset `code` (exact, case-sensitive: "FUELINST"), or nullptr
// when gbpm has no typed schema for it (the caller keeps such data raw).
const DatasetSpec* find_dataset(std::string_view code);

// Every dataset in the registry, in a fixed order. The references stay valid
// for the life of the program.
const std::vector<DatasetSpec>& all_datasets();

// Stable lower-case names for documentation, logs and schema generation:
// "text", "integer", ... / "immutable", "greatest", ...
std::string_view to_string(ColumnType type);
std::string_view to_string(VersionKind kind);

}  // namespace gbpm::elexon
