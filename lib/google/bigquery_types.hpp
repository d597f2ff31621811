#pragma once
// BigQuery REST v2 values on the wire: table
// schemas, the recursive typed Value a result cell decodes to, named query
// parameters, and the classification of BigQuery error bodies. Pure functions
// over JSON text, so every rule here is unit-testable without a server.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::json {
class View;
class Writer;
}  // namespace gbpm::json
namespace gbpm::net {
struct Response;
}

namespace gbpm::google {

// A column type. Result schemas use the legacy names (INTEGER, FLOAT,
// BOOLEAN, RECORD) and table schemas may use either spelling; both parse to
// the same FieldType.
enum class FieldType {
  int64,
  numeric,
  bignumeric,
  float64,
  boolean,
  string,
  bytes,
  timestamp,
  date,
  datetime,
  time,
  json,
  geography,
  record,
};

enum class FieldMode { nullable, required, repeated };

// "INTEGER" → int64, "INT64" → int64, "STRUCT" → record, ...; ErrorKind::data
// for a name BigQuery does not define.
Result<FieldType> parse_field_type(std::string_view name);
// The name written in table schemas: INTEGER, FLOAT, BOOLEAN, RECORD, STRING...
std::string_view field_type_name(FieldType type);
// The GoogleSQL name used for query parameters: INT64, FLOAT64, BOOL, STRUCT...
std::string_view sql_type_name(FieldType type);
Result<FieldMode> parse_field_mode(std::string_view name);
std::string_view field_mode_name(FieldMode mode);

// One column of a schema; `fields` holds the sub-columns of a RECORD.
struct Field {
  std::string name;
  FieldType type = FieldType::string;
  FieldMode mode = FieldMode::nullable;
  std::vector<Field> fields{};
  std::string description{};
};

using Schema = std::vector<Field>;

// Parses `{"fields":[...]}` (the schema object, not its parent). Missing
// "mode" means NULLABLE. Errors name the JSON path.
Result<Schema> parse_schema(const json::View& schema);
// Writes a schema object `{"fields":[...]}` at the writer's current position.
void write_schema(json::Writer& w, const Schema& schema);
// Index of the top-level field called `name`, if any.
std::optional<std::size_t> field_index(const Schema& schema, std::string_view name);

// A decoded cell. Kinds by column type:
//   int64                         INT64
//   float64                       FLOAT64 (NaN and ±Infinity kept)
//   boolean                       BOOL
//   text                          STRING, NUMERIC, BIGNUMERIC (exact decimal
//                                 text), DATE, DATETIME, TIME, JSON, GEOGRAPHY
//   bytes                         BYTES (base64 already decoded)
//   timestamp                     TIMESTAMP, microseconds since the epoch
//   array                         a REPEATED column's elements
//   record                        a RECORD's sub-values in schema order
// A NULL cell has kind null whatever its column type; type() still says the
// column type (for a REPEATED column, the element type).
class Value {
 public:
  enum class Kind { null, int64, float64, boolean, text, bytes, timestamp, array, record };

  Value() = default;
  static Value null(FieldType type);
  static Value int64(std::int64_t v);
  static Value float64(double v);
  static Value boolean(bool v);
  // For STRING and the other text-encoded types (see above).
  static Value text(FieldType type, std::string v);
  static Value bytes(std::string raw);
  static Value timestamp_micros(std::int64_t micros);
  static Value array(FieldType element_type, std::vector<Value> elements);
  static Value record(std::vector<Value> fields);

  [[nodiscard]] Kind kind() const { return m_kind; }
  [[nodiscard]] FieldType type() const { return m_type; }
  [[nodiscard]] bool is_null() const { return m_kind == Kind::null; }

  // Typed access; asking for the wrong kind (or a null) is ErrorKind::data.
  [[nodiscard]] Result<std::int64_t> as_int64() const;
  [[nodiscard]] Result<double> as_double() const;  // FLOAT64 or INT64
  [[nodiscard]] Result<bool> as_bool() const;
  [[nodiscard]] Result<std::string> as_text() const;  // text and bytes kinds
  [[nodiscard]] Result<std::int64_t> as_timestamp_micros() const;
  // The timestamp as a TimePoint (microsecond precision).
  [[nodiscard]] Result<core::TimePoint> as_time_point() const;
  // Elements of an array, sub-values of a record; empty for other kinds.
  [[nodiscard]] const std::vector<Value>& children() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  Kind m_kind = Kind::null;
  FieldType m_type = FieldType::string;
  std::variant<std::monostate, std::int64_t, double, bool, std::string, std::vector<Value>> m_data;
};

// "INT64 42", "TIMESTAMP 1714586400123456", "NULL", "[...]", for messages and
// test failure output.
std::string describe(const Value& value);

using Row = std::vector<Value>;

// How TIMESTAMP cells are encoded: int64 microseconds (what gbpm always asks
// for with formatOptions.useInt64Timestamp) or BigQuery's default float
// seconds, often in scientific notation ("1.7145864E9").
enum class TimestampEncoding { int64_micros, float_seconds };

// Decodes one cell's "v" value for `field` (REPEATED and RECORD recursively).
// A TIMESTAMP in float-seconds form is parsed decimally, so microseconds
// survive; one that contains '.', 'e' or 'E' is read as seconds whatever
// `encoding` says.
Result<Value> decode_cell(const json::View& v, const Field& field, TimestampEncoding encoding);
// Decodes a response's "rows" array (absent or null: no rows).
Result<std::vector<Row>> decode_rows(const json::View& rows, const Schema& schema, TimestampEncoding encoding);

// Seconds in decimal or scientific notation ("1.7145864E9", "-1.5e-3",
// "1714586400.123456") to microseconds, exactly, rounding beyond the sixth
// fractional digit half away from zero. ErrorKind::data on anything else or
// on overflow.
Result<std::int64_t> parse_float_seconds_micros(std::string_view text);

// A named query parameter (@name). Every scalar value travels as a string;
// nullopt is SQL NULL. An ARRAY parameter has `array_type` set and its
// elements in `elements` (value unused).
struct QueryParameter {
  std::string name;
  FieldType type = FieldType::string;
  std::optional<std::string> value{};
  std::optional<FieldType> array_type{};
  std::vector<std::optional<std::string>> elements{};

  static QueryParameter int64(std::string name, std::int64_t v);
  static QueryParameter float64(std::string name, double v);
  static QueryParameter boolean(std::string name, bool v);
  static QueryParameter string(std::string name, std::string v);
  // Sent as "2024-05-01 00:00:00.123456+00:00" (microsecond precision).
  static QueryParameter timestamp(std::string name, core::TimePoint v);
  // `yyyy_mm_dd` like "2024-05-01".
  static QueryParameter date(std::string name, std::string yyyy_mm_dd);
  static QueryParameter null(std::string name, FieldType type);
  static QueryParameter string_array(std::string name, std::vector<std::string> values);
  static QueryParameter int64_array(std::string name, const std::vector<std::int64_t>& values);
};

// Writes one element of "queryParameters" ({"name","parameterType",
// "parameterValue"}) at the writer's current position.
void write_query_parameter(json::Writer& w, const QueryParameter& p);

// "2024-05-01 00:00:00.123456+00:00": the TIMESTAMP parameter/literal form.
std::string format_timestamp_parameter(core::TimePoint t);

// A BigQuery error body, parsed as far as it goes: Google's envelope
// {"error":{"code","message","errors":[{"reason","message",...}],"status"}},
// or, for a proxy's HTML or an empty body, the HTTP status alone.
struct ApiError {
  long http_status = 0;
  std::string reason;   // first errors[].reason, or empty
  std::string message;  // error.message, or a body excerpt
  std::string status;   // canonical code name ("NOT_FOUND"), or empty
  [[nodiscard]] bool retryable() const;
};

ApiError parse_api_error(const net::Response& response);

// Whether a failed call is worth repeating (python-bigquery's rule set):
// reason backendError, internalError, rateLimitExceeded
// (a 403 that IS retryable) or badGateway; or, whatever the reason, 408, 429
// and 5xx. quotaExceeded, accessDenied, notFound, invalid, duplicate... are
// permanent.
bool is_retryable_error(long http_status, std::string_view reason);

// An Error for a failed call: "<what>: HTTP 404 notFound: Not found: Table
// p:d.t". ErrorKind::temporary when retryable, ErrorKind::unavailable for
// every permanent refusal (as net::error_kind_for_status does).
Error to_error(const ApiError& error, std::string_view what);

}  // namespace gbpm::google
