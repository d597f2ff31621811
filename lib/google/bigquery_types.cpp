#include "google/bigquery_types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "auth/google_jwt.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "net/http.hpp"

namespace gbpm::google {
namespace {

struct TypeName {
  std::string_view name;
  FieldType type;
};

constexpr std::array<TypeName, 20> kTypeNames{{
    {"INTEGER", FieldType::int64},         {"INT64", FieldType::int64},         {"NUMERIC", FieldType::numeric},
    {"BIGNUMERIC", FieldType::bignumeric}, {"FLOAT", FieldType::float64},       {"FLOAT64", FieldType::float64},
    {"BOOLEAN", FieldType::boolean},       {"BOOL", FieldType::boolean},        {"STRING", FieldType::string},
    {"BYTES", FieldType::bytes},           {"TIMESTAMP", FieldType::timestamp}, {"DATE", FieldType::date},
    {"DATETIME", FieldType::datetime},     {"TIME", FieldType::time},           {"JSON", FieldType::json},
    {"GEOGRAPHY", FieldType::geography},   {"RECORD", FieldType::record},       {"STRUCT", FieldType::record},
    {"BIGDECIMAL", FieldType::bignumeric}, {"DECIMAL", FieldType::numeric},
}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Error wrong_kind(const Value& v, std::string_view wanted) {
  return make_error(ErrorKind::data, fmt::format("expected {}, got {}", wanted, describe(v)));
}

// Standard base64 (BigQuery BYTES) through the base64url decoder.
Result<std::string> decode_base64(std::string_view text) {
  std::string url(text);
  std::replace(url.begin(), url.end(), '+', '-');
  std::replace(url.begin(), url.end(), '/', '_');
  return auth::base64url_decode(url);
}

Result<std::int64_t> parse_int64_text(std::string_view text) {
  std::int64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return make_error(ErrorKind::data, fmt::format("not an INT64: \"{}\"", text));
  }
  return v;
}

Result<double> parse_float_text(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  double v = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return make_error(ErrorKind::data, fmt::format("not a FLOAT64: \"{}\"", text));
  }
  return v;
}

Result<Value> decode_scalar(const json::View& v, const Field& field, TimestampEncoding encoding) {
  auto text = v.as_string();
  if (!text) return std::move(text).error();
  const std::string_view s = *text;
  const auto at = [&](const Error& e) { return v.error(e.message); };
  switch (field.type) {
    case FieldType::int64: {
      auto n = parse_int64_text(s);
      if (!n) return at(n.error());
      return Value::int64(*n);
    }
    case FieldType::float64: {
      auto d = parse_float_text(s);
      if (!d) return at(d.error());
      return Value::float64(*d);
    }
    case FieldType::boolean:
      if (s == "true") return Value::boolean(true);
      if (s == "false") return Value::boolean(false);
      return v.error(fmt::format("not a BOOL: \"{}\"", s));
    case FieldType::bytes: {
      auto raw = decode_base64(s);
      if (!raw) return v.error(fmt::format("BYTES is not base64: {}", raw.error().message));
      return Value::bytes(std::move(*raw));
    }
    case FieldType::timestamp: {
      const bool seconds =
          encoding == TimestampEncoding::float_seconds || s.find_first_of(".eE") != std::string_view::npos;
      auto micros = seconds ? parse_float_seconds_micros(s) : parse_int64_text(s);
      if (!micros) return at(micros.error());
      return Value::timestamp_micros(*micros);
    }
    case FieldType::record: return v.error("RECORD cell is a string");
    default: return Value::text(field.type, std::string(s));
  }
}

void write_fields(json::Writer& w, const Schema& fields) {
  w.begin_array();
  for (const Field& f : fields) {
    w.begin_object();
    w.key("name").string(f.name);
    w.key("type").string(field_type_name(f.type));
    w.key("mode").string(field_mode_name(f.mode));
    if (!f.description.empty()) w.key("description").string(f.description);
    if (f.type == FieldType::record) {
      w.key("fields");
      write_fields(w, f.fields);
    }
    w.end_object();
  }
  w.end_array();
}

}  // namespace

Result<FieldType> parse_field_type(std::string_view name) {
  const std::string u = upper(name);
  for (const auto& t : kTypeNames) {
    if (t.name == u) return t.type;
  }
  return make_error(ErrorKind::data, fmt::format("unknown BigQuery type \"{}\"", name));
}

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::int64: return "INTEGER";
    case FieldType::numeric: return "NUMERIC";
    case FieldType::bignumeric: return "BIGNUMERIC";
    case FieldType::float64: return "FLOAT";
    case FieldType::boolean: return "BOOLEAN";
    case FieldType::string: return "STRING";
    case FieldType::bytes: return "BYTES";
    case FieldType::timestamp: return "TIMESTAMP";
    case FieldType::date: return "DATE";
    case FieldType::datetime: return "DATETIME";
    case FieldType::time: return "TIME";
    case FieldType::json: return "JSON";
    case FieldType::geography: return "GEOGRAPHY";
    case FieldType::record: return "RECORD";
  }
  return "STRING";
}

std::string_view sql_type_name(FieldType type) {
  switch (type) {
    case FieldType::int64: return "INT64";
    case FieldType::float64: return "FLOAT64";
    case FieldType::boolean: return "BOOL";
    case FieldType::record: return "STRUCT";
    default: return field_type_name(type);
  }
}

Result<FieldMode> parse_field_mode(std::string_view name) {
  const std::string u = upper(name);
  if (u.empty() || u == "NULLABLE") return FieldMode::nullable;
  if (u == "REQUIRED") return FieldMode::required;
  if (u == "REPEATED") return FieldMode::repeated;
  return make_error(ErrorKind::data, fmt::format("unknown field mode \"{}\"", name));
}

std::string_view field_mode_name(FieldMode mode) {
  switch (mode) {
    case FieldMode::nullable: return "NULLABLE";
    case FieldMode::required: return "REQUIRED";
    case FieldMode::repeated: return "REPEATED";
  }
  return "NULLABLE";
}

Result<Schema> parse_schema(const json::View& schema) {
  Schema out;
  const json::View fields = schema.field("fields");
  if (fields.is_missing() || fields.is_null()) return out;
  auto elements = fields.as_array();
  if (!elements) return std::move(elements).error();
  for (const json::View f : *elements) {
    Field field;
    auto name = f.field("name").as_string();
    if (!name) return std::move(name).error();
    field.name = std::string(*name);
    auto type_name = f.field("type").as_string();
    if (!type_name) return std::move(type_name).error();
    auto type = parse_field_type(*type_name);
    if (!type) return f.field("type").error(type.error().message);
    field.type = *type;
    auto mode_name = f.field("mode").optional_string();
    if (!mode_name) return std::move(mode_name).error();
    auto mode = parse_field_mode(mode_name->value_or(""));
    if (!mode) return f.field("mode").error(mode.error().message);
    field.mode = *mode;
    auto description = f.field("description").optional_string();
    if (!description) return std::move(description).error();
    field.description = std::string(description->value_or(""));
    if (field.type == FieldType::record) {
      auto sub = parse_schema(f);
      if (!sub) return std::move(sub).error();
      field.fields = std::move(*sub);
    }
    out.push_back(std::move(field));
  }
  return out;
}

void write_schema(json::Writer& w, const Schema& schema) {
  w.begin_object().key("fields");
  write_fields(w, schema);
  w.end_object();
}

std::optional<std::size_t> field_index(const Schema& schema, std::string_view name) {
  for (std::size_t i = 0; i < schema.size(); ++i) {
    if (schema[i].name == name) return i;
  }
  return std::nullopt;
}

Value Value::null(FieldType type) {
  Value v;
  v.m_type = type;
  return v;
}
Value Value::int64(std::int64_t x) {
  Value v;
  v.m_kind = Kind::int64;
  v.m_type = FieldType::int64;
  v.m_data = x;
  return v;
}
Value Value::float64(double x) {
  Value v;
  v.m_kind = Kind::float64;
  v.m_type = FieldType::float64;
  v.m_data = x;
  return v;
}
Value Value::boolean(bool x) {
  Value v;
  v.m_kind = Kind::boolean;
  v.m_type = FieldType::boolean;
  v.m_data = x;
  return v;
}
Value Value::text(FieldType type, std::string x) {
  Value v;
  v.m_kind = Kind::text;
  v.m_type = type;
  v.m_data = std::move(x);
  return v;
}
Value Value::bytes(std::string raw) {
  Value v;
  v.m_kind = Kind::bytes;
  v.m_type = FieldType::bytes;
  v.m_data = std::move(raw);
  return v;
}
Value Value::timestamp_micros(std::int64_t micros) {
  Value v;
  v.m_kind = Kind::timestamp;
  v.m_type = FieldType::timestamp;
  v.m_data = micros;
  return v;
}
Value Value::array(FieldType element_type, std::vector<Value> elements) {
  Value v;
  v.m_kind = Kind::array;
  v.m_type = element_type;
  v.m_data = std::move(elements);
  return v;
}
Value Value::record(std::vector<Value> fields) {
  Value v;
  v.m_kind = Kind::record;
  v.m_type = FieldType::record;
  v.m_data = std::move(fields);
  return v;
}

Result<std::int64_t> Value::as_int64() const {
  if (m_kind != Kind::int64) return wrong_kind(*this, "INT64");
  return std::get<std::int64_t>(m_data);
}
Result<double> Value::as_double() const {
  if (m_kind == Kind::float64) return std::get<double>(m_data);
  if (m_kind == Kind::int64) return static_cast<double>(std::get<std::int64_t>(m_data));
  return wrong_kind(*this, "FLOAT64");
}
Result<bool> Value::as_bool() const {
  if (m_kind != Kind::boolean) return wrong_kind(*this, "BOOL");
  return std::get<bool>(m_data);
}
Result<std::string> Value::as_text() const {
  if (m_kind != Kind::text && m_kind != Kind::bytes) return wrong_kind(*this, "text");
  return std::get<std::string>(m_data);
}
Result<std::int64_t> Value::as_timestamp_micros() const {
  if (m_kind != Kind::timestamp) return wrong_kind(*this, "TIMESTAMP");
  return std::get<std::int64_t>(m_data);
}
Result<core::TimePoint> Value::as_time_point() const {
  auto micros = as_timestamp_micros();
  if (!micros) return std::move(micros).error();
  return core::TimePoint(std::chrono::duration_cast<core::TimePoint::duration>(std::chrono::microseconds(*micros)));
}
const std::vector<Value>& Value::children() const {
  static const std::vector<Value> kEmpty;
  if (const auto* c = std::get_if<std::vector<Value>>(&m_data)) return *c;
  return kEmpty;
}

bool operator==(const Value& a, const Value& b) {
  if (a.m_kind != b.m_kind || a.m_type != b.m_type) return false;
  if (a.m_kind == Value::Kind::float64) {
    const double x = std::get<double>(a.m_data);
    const double y = std::get<double>(b.m_data);
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return a.m_data == b.m_data;
}

std::string describe(const Value& value) {
  const std::string_view type = sql_type_name(value.type());
  switch (value.kind()) {
    case Value::Kind::null: return "NULL";
    case Value::Kind::int64: return fmt::format("INT64 {}", *value.as_int64());
    case Value::Kind::float64: return fmt::format("FLOAT64 {}", *value.as_double());
    case Value::Kind::boolean: return fmt::format("BOOL {}", *value.as_bool());
    case Value::Kind::text: return fmt::format("{} \"{}\"", type, *value.as_text());
    case Value::Kind::bytes: return fmt::format("BYTES ({} bytes)", value.as_text()->size());
    case Value::Kind::timestamp: return fmt::format("TIMESTAMP {}", *value.as_timestamp_micros());
    case Value::Kind::array:
    case Value::Kind::record: {
      std::string out = value.kind() == Value::Kind::array ? "[" : "{";
      for (std::size_t i = 0; i < value.children().size(); ++i) {
        if (i > 0) out += ", ";
        out += describe(value.children()[i]);
      }
      out += value.kind() == Value::Kind::array ? "]" : "}";
      return out;
    }
  }
  return "?";
}

Result<std::int64_t> parse_float_seconds_micros(std::string_view text) {
  const auto bad = [&] { return make_error(ErrorKind::data, fmt::format("not a TIMESTAMP in seconds: \"{}\"", text)); };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;
  int exponent = 0;  // value = digits * 10^exponent
  bool seen_digit = false;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (digits.empty() && c == '0') {
        if (seen_point) --exponent;
        continue;
      }
      digits += c;
      if (seen_point) --exponent;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return bad();
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return bad();
    ++i;
    int e = 0;
    const std::string_view rest = text.substr(i + (i < text.size() && text[i] == '+' ? 1 : 0));
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), e);
    if (ec != std::errc() || ptr != rest.data() + rest.size() || rest.empty()) return bad();
    if (e > 400 || e < -400) return bad();
    exponent += e;
  }
  if (digits.empty()) return std::int64_t{0};
  // micros = digits * 10^(exponent + 6), rounded half away from zero.
  int shift = exponent + 6;
  if (shift < 0) {
    const auto drop = static_cast<std::size_t>(-shift);
    if (drop > digits.size()) return std::int64_t{0};
    const bool round_up = digits[digits.size() - drop] >= '5';
    digits.resize(digits.size() - drop);
    if (digits.empty()) digits = "0";
    if (round_up) {
      // Add one to the decimal string.
      int k = static_cast<int>(digits.size()) - 1;
      while (k >= 0 && digits[static_cast<std::size_t>(k)] == '9') digits[static_cast<std::size_t>(k--)] = '0';
      if (k < 0) {
        digits.insert(digits.begin(), '1');
      } else {
        ++digits[static_cast<std::size_t>(k)];
      }
    }
    shift = 0;
  }
  if (digits.size() + static_cast<std::size_t>(shift) > 19) return bad();
  digits.append(static_cast<std::size_t>(shift), '0');
  std::uint64_t magnitude = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return bad();
  if (magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return bad();
  const auto m = static_cast<std::int64_t>(magnitude);
  return negative ? -m : m;
}

Result<Value> decode_cell(const json::View& v, const Field& field, TimestampEncoding encoding) {
  if (field.mode == FieldMode::repeated) {
    if (v.is_null()) return Value::array(field.type, {});
    auto elements = v.as_array();
    if (!elements) return std::move(elements).error();
    Field element = field;
    element.mode = FieldMode::nullable;
    std::vector<Value> out;
    out.reserve(elements->size());
    for (const json::View e : *elements) {
      auto decoded = decode_cell(e.field("v"), element, encoding);
      if (!decoded) return decoded;
      out.push_back(std::move(*decoded));
    }
    return Value::array(field.type, std::move(out));
  }
  if (v.is_null()) return Value::null(field.type);
  if (field.type == FieldType::record) {
    auto cells = v.field("f").as_array();
    if (!cells) return std::move(cells).error();
    if (cells->size() != field.fields.size()) {
      return v.error(
          fmt::format("RECORD {} has {} cells for {} fields", field.name, cells->size(), field.fields.size()));
    }
    std::vector<Value> out;
    std::size_t i = 0;
    for (const json::View cell : *cells) {
      auto decoded = decode_cell(cell.field("v"), field.fields[i++], encoding);
      if (!decoded) return decoded;
      out.push_back(std::move(*decoded));
    }
    return Value::record(std::move(out));
  }
  return decode_scalar(v, field, encoding);
}

Result<std::vector<Row>> decode_rows(const json::View& rows, const Schema& schema, TimestampEncoding encoding) {
  std::vector<Row> out;
  if (rows.is_missing() || rows.is_null()) return out;
  auto elements = rows.as_array();
  if (!elements) return std::move(elements).error();
  out.reserve(elements->size());
  for (const json::View row : *elements) {
    auto cells = row.field("f").as_array();
    if (!cells) return std::move(cells).error();
    if (cells->size() != schema.size()) {
      return row.error(fmt::format("row has {} cells for {} schema fields", cells->size(), schema.size()));
    }
    Row decoded;
    decoded.reserve(schema.size());
    std::size_t i = 0;
    for (const json::View cell : *cells) {
      auto value = decode_cell(cell.field("v"), schema[i++], encoding);
      if (!value) return std::move(value).error();
      decoded.push_back(std::move(*value));
    }
    out.push_back(std::move(decoded));
  }
  return out;
}

QueryParameter QueryParameter::int64(std::string name, std::int64_t v) {
  return QueryParameter{.name = std::move(name), .type = FieldType::int64, .value = std::to_string(v)};
}
QueryParameter QueryParameter::float64(std::string name, double v) {
  return QueryParameter{.name = std::move(name), .type = FieldType::float64, .value = fmt::format("{}", v)};
}
QueryParameter QueryParameter::boolean(std::string name, bool v) {
  return QueryParameter{.name = std::move(name), .type = FieldType::boolean, .value = v ? "true" : "false"};
}
QueryParameter QueryParameter::string(std::string name, std::string v) {
  return QueryParameter{.name = std::move(name), .type = FieldType::string, .value = std::move(v)};
}
QueryParameter QueryParameter::timestamp(std::string name, core::TimePoint v) {
  return QueryParameter{.name = std::move(name), .type = FieldType::timestamp, .value = format_timestamp_parameter(v)};
}
QueryParameter QueryParameter::date(std::string name, std::string yyyy_mm_dd) {
  return QueryParameter{.name = std::move(name), .type = FieldType::date, .value = std::move(yyyy_mm_dd)};
}
QueryParameter QueryParameter::null(std::string name, FieldType type) {
  return QueryParameter{.name = std::move(name), .type = type, .value = std::nullopt};
}
QueryParameter QueryParameter::string_array(std::string name, std::vector<std::string> values) {
  QueryParameter p{.name = std::move(name), .type = FieldType::string, .array_type = FieldType::string};
  for (auto& v : values) p.elements.emplace_back(std::move(v));
  return p;
}
QueryParameter QueryParameter::int64_array(std::string name, const std::vector<std::int64_t>& values) {
  QueryParameter p{.name = std::move(name), .type = FieldType::int64, .array_type = FieldType::int64};
  for (const auto v : values) p.elements.emplace_back(std::to_string(v));
  return p;
}

void write_query_parameter(json::Writer& w, const QueryParameter& p) {
  const auto write_value = [&w](const std::optional<std::string>& v) {
    w.begin_object().key("value");
    if (v) {
      w.string(*v);
    } else {
      w.null();
    }
    w.end_object();
  };
  w.begin_object().key("name").string(p.name);
  if (p.array_type) {
    w.key("parameterType").begin_object().key("type").string("ARRAY");
    w.key("arrayType").begin_object().key("type").string(sql_type_name(*p.array_type)).end_object();
    w.end_object();
    w.key("parameterValue").begin_object().key("arrayValues").begin_array();
    for (const auto& e : p.elements) write_value(e);
    w.end_array().end_object();
  } else {
    w.key("parameterType").begin_object().key("type").string(sql_type_name(p.type)).end_object();
    w.key("parameterValue");
    write_value(p.value);
  }
  w.end_object();
}

std::string format_timestamp_parameter(core::TimePoint t) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  auto secs = micros / 1000000;
  auto frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(std::chrono::seconds(secs)));
  const std::chrono::year_month_day ymd(days);
  const std::chrono::hh_mm_ss hms(std::chrono::seconds(secs) - days.time_since_epoch());
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00:00", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count(), frac);
}

bool ApiError::retryable() const {
  return is_retryable_error(http_status, reason);
}

ApiError parse_api_error(const net::Response& response) {
  ApiError e;
  e.http_status = response.status;
  auto doc = json::parse(response.body);
  if (doc && doc->root().field("error").is_object()) {
    const json::View err = doc->root().field("error");
    if (auto m = err.field("message").optional_string(); m && *m) e.message = std::string(**m);
    if (auto s = err.field("status").optional_string(); s && *s) e.status = std::string(**s);
    if (auto r = err.field("errors").index(0).field("reason").optional_string(); r && *r) e.reason = std::string(**r);
    if (e.message.empty()) {
      if (auto m = err.field("errors").index(0).field("message").optional_string(); m && *m) {
        e.message = std::string(**m);
      }
    }
    return e;
  }
  // A proxy's HTML, plain text or nothing: keep a one-line excerpt.
  for (const char c : std::string_view(response.body).substr(0, 200)) {
    const bool blank = static_cast<unsigned char>(c) <= 0x20;
    if (blank && (e.message.empty() || e.message.back() == ' ')) continue;
    e.message += blank ? ' ' : c;
  }
  while (!e.message.empty() && e.message.back() == ' ') e.message.pop_back();
  if (e.message.empty()) e.message = "(empty body)";
  return e;
}

bool is_retryable_error(long http_status, std::string_view reason) {
  if (reason == "backendError" || reason == "internalError" || reason == "rateLimitExceeded" ||
      reason == "badGateway") {
    return true;
  }
  if (reason == "quotaExceeded") return false;
  return http_status == 408 || http_status == 429 || http_status >= 500;
}

Error to_error(const ApiError& error, std::string_view what) {
  const ErrorKind kind = error.retryable() ? ErrorKind::temporary : ErrorKind::unavailable;
  std::string message = fmt::format("{}: HTTP {}", what, error.http_status);
  if (!error.reason.empty()) message += " " + error.reason;
  message += ": " + error.message;
  if (error.reason == "quotaExceeded") message += " (a quota, not a rate limit: retrying soon will not help)";
  if (error.http_status == 401) message += " (the access token was refused; check the credentials)";
  return make_error(kind, std::move(message));
}

}  // namespace gbpm::google
