#include "fakes/fake-google/bigquery_service.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "fakes/fake-google/bigquery_sql.hpp"
#include "fakes/fake-google/token_service.hpp"
#include "google/bigquery_types.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::fakes::google {
namespace {

using gbpm::google::Field;
using gbpm::google::FieldMode;
using gbpm::google::FieldType;
using gbpm::google::Schema;

constexpr std::string_view kJson = "application/json; charset=UTF-8";

// A failed API call: HTTP status, BigQuery reason and message.
struct ApiFailure {
  int code = 400;
  std::string reason = "invalid";
  std::string message;
};

ApiFailure not_found(std::string message) {
  return ApiFailure{404, "notFound", std::move(message)};
}
ApiFailure invalid(std::string message) {
  return ApiFailure{400, "invalid", std::move(message)};
}

std::string status_name(int code) {
  switch (code) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 409: return "ALREADY_EXISTS";
    case 429: return "RESOURCE_EXHAUSTED";
    case 503: return "UNAVAILABLE";
    default: return code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

void reply(httplib::Response& res, const ApiFailure& f) {
  res.status = f.code;
  res.set_content(google_error_body(f.code, f.reason, f.message), std::string(kJson));
}

void reply(httplib::Response& res, json::Writer& w) {
  auto text = w.finish();
  if (!text) {
    reply(res, ApiFailure{500, "internalError", "fake BigQuery could not encode its reply: " + text.error().message});
    return;
  }
  res.status = 200;
  res.set_content(*text, std::string(kJson));
}

std::int64_t micros_now(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock.now().time_since_epoch()).count();
}

std::string ms_text(std::int64_t micros) {
  return std::to_string(micros / 1000);
}

// One value read back from SQLite.
struct Cell {
  int type = SQLITE_NULL;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
};

Cell read_cell(sqlite3_stmt* stmt, int col) {
  Cell c;
  c.type = sqlite3_column_type(stmt, col);
  switch (c.type) {
    case SQLITE_INTEGER: c.i = sqlite3_column_int64(stmt, col); break;
    case SQLITE_FLOAT: c.d = sqlite3_column_double(stmt, col); break;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      c.s.assign(reinterpret_cast<const char*>(sqlite3_column_blob(stmt, col)),
                 static_cast<std::size_t>(sqlite3_column_bytes(stmt, col)));
      c.type = SQLITE_TEXT;
      break;
    default: break;
  }
  return c;
}

// A canonical scalar (text form) on the wire, converting TIMESTAMP micros to
// float seconds unless int64 timestamps were asked for.
std::string wire_timestamp(std::int64_t micros, bool int64_ts) {
  return int64_ts ? std::to_string(micros) : float_seconds_text(micros);
}

void write_nested(json::Writer& w, const json::View& v, const Field& f, bool int64_ts);

void write_nested_scalar(json::Writer& w, const json::View& v, const Field& f, bool int64_ts) {
  if (v.is_missing() || v.is_null()) {
    w.null();
    return;
  }
  const std::string text(v.as_string().value_or(""));
  if (f.type == FieldType::timestamp) {
    std::int64_t micros = 0;
    std::from_chars(text.data(), text.data() + text.size(), micros);
    w.string(wire_timestamp(micros, int64_ts));
    return;
  }
  w.string(text);
}

// A stored RECORD/REPEATED value (canonical JSON) as f/v cells.
void write_nested(json::Writer& w, const json::View& v, const Field& f, bool int64_ts) {
  if (f.mode == FieldMode::repeated) {
    Field element = f;
    element.mode = FieldMode::nullable;
    w.begin_array();
    for (const json::View e : v.elements()) {
      w.begin_object().key("v");
      write_nested(w, e, element, int64_ts);
      w.end_object();
    }
    w.end_array();
    return;
  }
  if (f.type == FieldType::record) {
    if (v.is_missing() || v.is_null()) {
      w.null();
      return;
    }
    w.begin_object().key("f").begin_array();
    for (const Field& sub : f.fields) {
      w.begin_object().key("v");
      write_nested(w, v.field(sub.name), sub, int64_ts);
      w.end_object();
    }
    w.end_array().end_object();
    return;
  }
  write_nested_scalar(w, v, f, int64_ts);
}

// One result/table cell {"v": ...} as BigQuery encodes it.
void write_cell(json::Writer& w, const Field& f, const Cell& c, bool int64_ts) {
  w.begin_object().key("v");
  if (c.type == SQLITE_NULL) {
    if (f.mode == FieldMode::repeated) {
      w.begin_array().end_array();
    } else {
      w.null();
    }
    w.end_object();
    return;
  }
  if (f.mode == FieldMode::repeated || f.type == FieldType::record) {
    auto doc = json::parse(c.s);
    if (doc) {
      write_nested(w, doc->root(), f, int64_ts);
    } else {
      w.null();
    }
    w.end_object();
    return;
  }
  switch (f.type) {
    case FieldType::int64:
      w.string(c.type == SQLITE_INTEGER ? std::to_string(c.i)
               : c.type == SQLITE_FLOAT ? std::to_string(static_cast<std::int64_t>(c.d))
                                        : c.s);
      break;
    case FieldType::float64:
      w.string(c.type == SQLITE_FLOAT     ? float_text(c.d)
               : c.type == SQLITE_INTEGER ? float_text(static_cast<double>(c.i))
                                          : c.s);
      break;
    case FieldType::boolean:
      if (c.type == SQLITE_TEXT) {
        w.string(c.s);
      } else {
        w.string((c.type == SQLITE_INTEGER ? c.i != 0 : c.d != 0) ? "true" : "false");
      }
      break;
    case FieldType::timestamp: {
      std::int64_t micros = c.i;
      if (c.type == SQLITE_FLOAT) micros = static_cast<std::int64_t>(c.d);
      if (c.type == SQLITE_TEXT) micros = parse_timestamp_text(c.s).value_or(0);
      w.string(wire_timestamp(micros, int64_ts));
      break;
    }
    default: w.string(c.type == SQLITE_INTEGER ? std::to_string(c.i) : c.type == SQLITE_FLOAT ? float_text(c.d) : c.s);
  }
  w.end_object();
}

void write_rows(json::Writer& w, const Schema& schema, const std::vector<std::vector<Cell>>& rows, std::size_t from,
                std::size_t count, bool int64_ts) {
  w.key("rows").begin_array();
  for (std::size_t r = from; r < from + count && r < rows.size(); ++r) {
    w.begin_object().key("f").begin_array();
    for (std::size_t c = 0; c < schema.size(); ++c) write_cell(w, schema[c], rows[r][c], int64_ts);
    w.end_array().end_object();
  }
  w.end_array();
}

// ---- input rows (insertAll, load) ----------------------------------------

// A JSON input value as BigQuery's canonical text (scalars) for storage inside
// RECORD/REPEATED JSON; TIMESTAMP as micros.
Result<std::string> canonical_scalar(const json::View& v, const Field& f) {
  const auto bad = [&](std::string_view what) {
    return make_error(ErrorKind::data, fmt::format("Cannot convert value to {}.", what));
  };
  switch (f.type) {
    case FieldType::int64: {
      if (v.is_integer()) return std::to_string(*v.as_int64());
      if (v.is_string()) {
        const std::string_view s = *v.as_string();
        std::int64_t n = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return std::to_string(n);
      }
      return bad("integer");
    }
    case FieldType::float64: {
      if (v.is_number()) return float_text(*v.as_double());
      if (v.is_string()) {
        const std::string s(*v.as_string());
        if (s == "NaN" || s == "Infinity" || s == "-Infinity") return s;
        double d = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return float_text(d);
      }
      return bad("floating point");
    }
    case FieldType::boolean: {
      if (v.is_bool()) return std::string(*v.as_bool() ? "true" : "false");
      if (v.is_string()) {
        std::string s(*v.as_string());
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (s == "true" || s == "1") return std::string("true");
        if (s == "false" || s == "0") return std::string("false");
      }
      return bad("boolean");
    }
    case FieldType::timestamp: {
      if (v.is_number()) return std::to_string(static_cast<std::int64_t>(std::llround(*v.as_double() * 1e6)));
      if (v.is_string()) {
        auto micros = parse_timestamp_text(*v.as_string());
        if (micros) return std::to_string(*micros);
      }
      return bad("timestamp");
    }
    case FieldType::date: {
      if (v.is_string()) {
        const std::string_view s = *v.as_string();
        if (s.size() == 10 && parse_timestamp_text(s)) return std::string(s);
      }
      return bad("date");
    }
    default:
      if (v.is_string()) return std::string(*v.as_string());
      if (v.is_number() && (f.type == FieldType::numeric || f.type == FieldType::bignumeric)) {
        return v.is_integer() ? std::to_string(*v.as_int64()) : float_text(*v.as_double());
      }
      return bad(gbpm::google::sql_type_name(f.type));
  }
}

// A RECORD / REPEATED input value as canonical JSON; errors name the field.
Status canonical_nested(json::Writer& w, const json::View& v, const Field& f, const std::string& where,
                        bool ignore_unknown) {
  if (v.is_missing() || v.is_null()) {
    if (f.mode == FieldMode::required)
      return make_error(ErrorKind::data, fmt::format("Missing required field: {}.", where));
    if (f.mode == FieldMode::repeated) {
      w.begin_array().end_array();
    } else {
      w.null();
    }
    return {};
  }
  if (f.mode == FieldMode::repeated) {
    if (!v.is_array())
      return make_error(
          ErrorKind::data,
          fmt::format("{}: Array specified for non-repeated field, or a non-array for a repeated field.", where));
    Field element = f;
    element.mode = FieldMode::nullable;
    w.begin_array();
    for (const json::View e : v.elements()) {
      if (auto s = canonical_nested(w, e, element, where, ignore_unknown); !s) return s;
    }
    w.end_array();
    return {};
  }
  if (f.type == FieldType::record) {
    if (!v.is_object()) return make_error(ErrorKind::data, fmt::format("{}: expected a JSON object.", where));
    for (const auto& [key, value] : v.members()) {
      const bool known = std::any_of(f.fields.begin(), f.fields.end(), [&](const Field& s) { return s.name == key; });
      if (!known && !ignore_unknown)
        return make_error(ErrorKind::data, fmt::format("no such field: {}.{}.", where, key));
    }
    w.begin_object();
    for (const Field& sub : f.fields) {
      w.key(sub.name);
      if (auto s = canonical_nested(w, v.field(sub.name), sub, where + "." + sub.name, ignore_unknown); !s) return s;
    }
    w.end_object();
    return {};
  }
  auto text = canonical_scalar(v, f);
  if (!text) return make_error(ErrorKind::data, fmt::format("{}: {}", where, text.error().message));
  w.string(*text);
  return {};
}

// A value ready to bind into the table's SQLite column.
struct Stored {
  int type = SQLITE_NULL;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
};

struct RowError {
  std::string location;
  std::string message;
};

// Validates one input row object against the schema; on success fills `out`
// (one Stored per schema field).
std::optional<RowError> convert_row(const json::View& row, const Schema& schema, bool ignore_unknown,
                                    std::vector<Stored>& out) {
  if (!row.is_object()) return RowError{"", "Row is not a JSON object."};
  if (!ignore_unknown) {
    for (const auto& [key, value] : row.members()) {
      if (!gbpm::google::field_index(schema, key)) {
        return RowError{std::string(key), fmt::format("no such field: {}.", key)};
      }
    }
  }
  out.clear();
  for (const Field& f : schema) {
    const json::View v = row.field(f.name);
    Stored s;
    if (f.mode == FieldMode::repeated || f.type == FieldType::record) {
      if (!v.is_missing() && !v.is_null()) {
        json::Writer w;
        if (auto st = canonical_nested(w, v, f, f.name, ignore_unknown); !st)
          return RowError{f.name, st.error().message};
        auto text = w.finish();
        if (!text) return RowError{f.name, text.error().message};
        s.type = SQLITE_TEXT;
        s.s = std::move(*text);
      } else if (f.mode == FieldMode::required) {
        return RowError{f.name, fmt::format("Missing required field: {}.", f.name)};
      }
      out.push_back(std::move(s));
      continue;
    }
    if (v.is_missing() || v.is_null()) {
      if (f.mode == FieldMode::required) return RowError{f.name, fmt::format("Missing required field: {}.", f.name)};
      out.push_back(std::move(s));
      continue;
    }
    auto text = canonical_scalar(v, f);
    if (!text) return RowError{f.name, fmt::format("{}: {}", f.name, text.error().message)};
    switch (f.type) {
      case FieldType::int64:
      case FieldType::timestamp:
        s.type = SQLITE_INTEGER;
        std::from_chars(text->data(), text->data() + text->size(), s.i);
        break;
      case FieldType::boolean:
        s.type = SQLITE_INTEGER;
        s.i = *text == "true" ? 1 : 0;
        break;
      case FieldType::float64:
        s.type = SQLITE_FLOAT;
        s.d = *text == "NaN"         ? std::nan("")
              : *text == "Infinity"  ? HUGE_VAL
              : *text == "-Infinity" ? -HUGE_VAL
                                     : std::stod(*text);
        break;
      default: s.type = SQLITE_TEXT; s.s = std::move(*text);
    }
    out.push_back(std::move(s));
  }
  return std::nullopt;
}

std::string column_decl(const Field& f) {
  if (f.mode == FieldMode::repeated || f.type == FieldType::record) return "TEXT";
  switch (f.type) {
    case FieldType::int64:
    case FieldType::boolean:
    case FieldType::timestamp: return "INTEGER";
    case FieldType::float64: return "REAL";
    default: return "TEXT";
  }
}

std::string quote_ident(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

// Splits a multipart/related body into its parts' contents.
std::vector<std::string> multipart_parts(const std::string& body, const std::string& boundary) {
  std::vector<std::string> parts;
  const std::string delim = "--" + boundary;
  std::size_t pos = body.find(delim);
  while (pos != std::string::npos) {
    pos += delim.size();
    if (body.compare(pos, 2, "--") == 0) break;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    const std::size_t next = body.find(delim, pos);
    if (headers_end == std::string::npos || next == std::string::npos || headers_end > next) break;
    std::size_t end = next;
    if (end >= 2 && body.compare(end - 2, 2, "\r\n") == 0) end -= 2;
    parts.push_back(body.substr(headers_end + 4, end - headers_end - 4));
    pos = next;
  }
  return parts;
}

std::filesystem::path default_discovery_file() {
  for (const char* p : {"/usr/lib/google-cloud-sdk/platform/bq/discovery_next/bigquery.json",
                        "/usr/lib/google-cloud-sdk/platform/gsutil/third_party/apitools/samples/bigquery_sample/"
                        "bigquery_v2.json"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return {};
}

}  // namespace

std::string google_error_body(int code, std::string_view reason, std::string_view message) {
  json::Writer w;
  w.begin_object().key("error").begin_object();
  w.key("code").int64(code).key("message").string(message);
  w.key("errors").begin_array().begin_object();
  w.key("message").string(message).key("domain").string("global").key("reason").string(reason);
  w.end_object().end_array();
  w.key("status").string(status_name(code));
  w.end_object().end_object();
  return w.finish().value_or("{}");
}

ErrorFault rate_limit_exceeded_fault(int count, std::string path_prefix) {
  return ErrorFault{.status = 403,
                    .reason = "rateLimitExceeded",
                    .message =
                        "Exceeded rate limits: too many api requests per user per method for this user_method. "
                        "For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas",
                    .count = count,
                    .path_prefix = std::move(path_prefix)};
}

ErrorFault backend_error_fault(int count, std::string path_prefix) {
  return ErrorFault{.count = count, .path_prefix = std::move(path_prefix)};
}

struct BigQueryService::Impl {
  BigQueryServiceOptions options;
  TokenService& tokens;
  core::SystemClock system_clock;
  const core::Clock* clock = nullptr;
  mutable std::mutex mutex;
  sqlite3* db = nullptr;
  std::string discovery;  // loaded lazily

  struct Job {
    std::string project, id, location, type;
    std::string configuration;  // JSON text as submitted
    int pending = 0;
    std::optional<ApiFailure> failure;
    Schema schema;
    std::vector<std::vector<Cell>> rows;
    std::int64_t bytes = 0;
    std::optional<std::int64_t> dml_rows;
    std::string statement_type = "SELECT";
    std::int64_t output_rows = 0, input_bytes = 0;
    std::int64_t created = 0, ended = 0;
  };
  std::map<std::string, Job> jobs;                 // "project:jobId"
  std::map<std::string, std::int64_t> insert_ids;  // "p.d.t\x1fid" → micros seen
  std::vector<std::size_t> fail_insert_rows;
  std::vector<ErrorFault> error_faults;
  int loads = 0;
  int job_counter = 0;
  std::vector<std::string> request_log;  // "METHOD path"

  Impl(BigQueryServiceOptions o, TokenService& t) : options(std::move(o)), tokens(t) {
    clock = options.clock != nullptr ? options.clock : &system_clock;
    const std::string path = options.database.empty() ? ":memory:" : options.database.string();
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw std::runtime_error("fake BigQuery: cannot open " + path + ": " + msg);
    }
    exec(
        "CREATE TABLE IF NOT EXISTS __datasets(project TEXT, dataset TEXT, location TEXT, created INTEGER, "
        "PRIMARY KEY(project, dataset))");
    exec(
        "CREATE TABLE IF NOT EXISTS __tables(project TEXT, dataset TEXT, table_id TEXT, schema TEXT, "
        "partitioning TEXT, clustering TEXT, description TEXT, created INTEGER, "
        "PRIMARY KEY(project, dataset, table_id))");
    register_bigquery_functions(db, *clock);
  }
  ~Impl() { sqlite3_close(db); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err != nullptr ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error("fake BigQuery: " + msg + " in " + sql);
    }
  }

  // A prepared statement with RAII finalisation.
  struct Stmt {
    sqlite3_stmt* s = nullptr;
    Stmt() = default;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt() { sqlite3_finalize(s); }
  };

  Result<std::unique_ptr<Stmt>> prepare(const std::string& sql) {
    auto stmt = std::make_unique<Stmt>();
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt->s, nullptr) != SQLITE_OK) {
      return make_error(ErrorKind::data, sqlite3_errmsg(db));
    }
    return stmt;
  }

  // ---- metadata ----------------------------------------------------------

  std::optional<std::string> dataset_location(const std::string& p, const std::string& d) {
    auto st = prepare("SELECT location FROM __datasets WHERE project=? AND dataset=?");
    if (!st) return std::nullopt;
    sqlite3_bind_text((*st)->s, 1, p.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text((*st)->s, 2, d.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step((*st)->s) != SQLITE_ROW) return std::nullopt;
    return read_cell((*st)->s, 0).s;
  }

  struct TableMeta {
    TableRef ref;
    Schema schema;
    std::string schema_json, partitioning, clustering, description;
    std::int64_t created = 0;
  };

  std::optional<TableMeta> table_meta(const TableRef& ref) {
    auto st = prepare(
        "SELECT schema, partitioning, clustering, description, created FROM __tables WHERE project=? AND dataset=? "
        "AND table_id=?");
    if (!st) return std::nullopt;
    sqlite3_bind_text((*st)->s, 1, ref.project.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text((*st)->s, 2, ref.dataset.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text((*st)->s, 3, ref.table.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step((*st)->s) != SQLITE_ROW) return std::nullopt;
    TableMeta m{ref,
                {},
                read_cell((*st)->s, 0).s,
                read_cell((*st)->s, 1).s,
                read_cell((*st)->s, 2).s,
                read_cell((*st)->s, 3).s,
                read_cell((*st)->s, 4).i};
    auto doc = json::parse(m.schema_json);
    if (doc) {
      auto schema = gbpm::google::parse_schema(doc->root());
      if (schema) m.schema = std::move(*schema);
    }
    return m;
  }

  std::int64_t count_rows(const TableRef& ref) {
    auto st = prepare("SELECT COUNT(*) FROM " + quote_ident(ref.sqlite_name()));
    if (!st || sqlite3_step((*st)->s) != SQLITE_ROW) return 0;
    return sqlite3_column_int64((*st)->s, 0);
  }

  std::optional<ApiFailure> create_table(const TableRef& ref, const Schema& schema, const std::string& partitioning,
                                         const std::string& clustering, const std::string& description) {
    if (schema.empty()) return invalid("Schema has no fields. Table: " + ref.table);
    std::string cols;
    for (const Field& f : schema) {
      if (f.name.empty() || std::isdigit(static_cast<unsigned char>(f.name[0])) != 0) {
        return invalid(fmt::format("Invalid field name \"{}\".", f.name));
      }
      if (!cols.empty()) cols += ", ";
      cols += quote_ident(f.name) + " " + column_decl(f);
    }
    json::Writer w;
    gbpm::google::write_schema(w, schema);
    const std::string schema_json = w.finish().value_or("{}");
    exec("CREATE TABLE " + quote_ident(ref.sqlite_name()) + " (" + cols + ")");
    auto st = prepare("INSERT INTO __tables VALUES (?,?,?,?,?,?,?,?)");
    if (!st) return ApiFailure{500, "internalError", st.error().message};
    int i = 1;
    for (const std::string* s :
         {&ref.project, &ref.dataset, &ref.table, &schema_json, &partitioning, &clustering, &description}) {
      sqlite3_bind_text((*st)->s, i++, s->c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64((*st)->s, i, micros_now(*clock));
    sqlite3_step((*st)->s);
    return std::nullopt;
  }

  void write_table(json::Writer& w, const TableMeta& m, bool full) {
    const std::string loc = dataset_location(m.ref.project, m.ref.dataset).value_or(options.location);
    w.begin_object();
    w.key("kind").string("bigquery#table");
    w.key("id").string(fmt::format("{}:{}.{}", m.ref.project, m.ref.dataset, m.ref.table));
    w.key("tableReference").begin_object().key("projectId").string(m.ref.project);
    w.key("datasetId").string(m.ref.dataset).key("tableId").string(m.ref.table).end_object();
    w.key("type").string("TABLE");
    w.key("creationTime").string(ms_text(m.created));
    if (!m.partitioning.empty()) {
      if (auto doc = json::parse(m.partitioning)) w.key("timePartitioning").value(doc->root());
    }
    if (!m.clustering.empty()) {
      if (auto doc = json::parse(m.clustering)) w.key("clustering").value(doc->root());
    }
    if (full) {
      w.key("etag").string(fmt::format("etag-{}", m.created));
      w.key("selfLink")
          .string(fmt::format("https://bigquery.googleapis.com/bigquery/v2/projects/{}/datasets/{}/tables/{}",
                              m.ref.project, m.ref.dataset, m.ref.table));
      if (auto doc = json::parse(m.schema_json)) w.key("schema").value(doc->root());
      if (!m.description.empty()) w.key("description").string(m.description);
      const std::int64_t rows = count_rows(m.ref);
      w.key("numRows").string(std::to_string(rows));
      w.key("numBytes").string(std::to_string(rows * static_cast<std::int64_t>(m.schema.size()) * 8));
      w.key("lastModifiedTime").string(ms_text(m.created));
      w.key("location").string(loc);
    }
    w.end_object();
  }

  // ---- queries -----------------------------------------------------------

  Status bind_parameters(sqlite3_stmt* stmt, const json::View& params) {
    std::map<std::string, json::View> by_name;
    for (const json::View p : params.elements()) {
      by_name.emplace("@" + std::string(p.field("name").as_string().value_or("")), p);
    }
    const int n = sqlite3_bind_parameter_count(stmt);
    for (int i = 1; i <= n; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt, i);
      if (name == nullptr || name[0] != '@')
        return make_error(ErrorKind::data, "Positional parameters are not supported by the fake");
      const auto it = by_name.find(name);
      if (it == by_name.end())
        return make_error(ErrorKind::data, fmt::format("Query parameter '{}' not found", name + 1));
      const json::View type = it->second.field("parameterType");
      const json::View value = it->second.field("parameterValue");
      const std::string type_name(type.field("type").as_string().value_or("STRING"));
      if (type_name == "ARRAY") {
        Field element{
            .name = name,
            .type = gbpm::google::parse_field_type(type.field("arrayType").field("type").as_string().value_or("STRING"))
                        .value_or(FieldType::string)};
        std::string arr = "[";
        for (const json::View e : value.field("arrayValues").elements()) {
          if (arr.size() > 1) arr += ',';
          const json::View ev = e.field("value");
          if (ev.is_null() || ev.is_missing()) {
            arr += "null";
            continue;
          }
          auto text = canonical_scalar(ev, element);
          if (!text)
            return make_error(ErrorKind::data,
                              fmt::format("Invalid value for parameter {}: {}", name, text.error().message));
          const bool numeric = element.type == FieldType::int64 || element.type == FieldType::float64 ||
                               element.type == FieldType::timestamp;
          arr += numeric ? *text : json::quote(*text);
        }
        arr += "]";
        sqlite3_bind_text(stmt, i, arr.c_str(), -1, SQLITE_TRANSIENT);
        continue;
      }
      const json::View v = value.field("value");
      if (v.is_null() || v.is_missing()) {
        sqlite3_bind_null(stmt, i);
        continue;
      }
      auto ft = gbpm::google::parse_field_type(type_name);
      if (!ft) return make_error(ErrorKind::data, fmt::format("Unsupported parameter type {}", type_name));
      std::vector<Stored> stored;
      Schema one{Field{.name = "v", .type = *ft}};
      json::Writer w;
      w.begin_object().key("v").value(v).end_object();
      auto doc = json::parse(w.finish().value_or("{}"));
      if (!doc) return std::move(doc).error();
      if (auto err = convert_row(doc->root(), one, false, stored)) {
        return make_error(ErrorKind::data,
                          fmt::format("Invalid value for query parameter {}: {}", name + 1, err->message));
      }
      const Stored& s = stored[0];
      if (s.type == SQLITE_INTEGER) sqlite3_bind_int64(stmt, i, s.i);
      if (s.type == SQLITE_FLOAT) sqlite3_bind_double(stmt, i, s.d);
      if (s.type == SQLITE_TEXT) sqlite3_bind_text(stmt, i, s.s.c_str(), -1, SQLITE_TRANSIENT);
    }
    return {};
  }

  // Runs a query into `job` (schema, rows, bytes) or records its failure.
  void run_query(Job& job, const std::string& sql, const json::View& params) {
    auto q = translate_query(sql, job.project, [this](const TableRef& r) { return table_meta(r).has_value(); });
    if (!q) {
      job.failure = q.error().kind == ErrorKind::unavailable ? not_found(q.error().message)
                                                             : ApiFailure{400, "invalidQuery", q.error().message};
      return;
    }
    if (job.location.empty() && !q->tables.empty()) {
      job.location = dataset_location(q->tables[0].project, q->tables[0].dataset).value_or("");
    }
    auto stmt = prepare(q->sql);
    if (!stmt) {
      job.failure = ApiFailure{400, "invalidQuery", "Syntax error: " + stmt.error().message};
      return;
    }
    sqlite3_stmt* s = (*stmt)->s;
    if (auto st = bind_parameters(s, params); !st) {
      job.failure = ApiFailure{400, "invalidQuery", st.error().message};
      return;
    }
    std::vector<TableMeta> metas;
    for (const TableRef& r : q->tables) {
      if (auto m = table_meta(r)) {
        job.bytes += count_rows(r) * static_cast<std::int64_t>(m->schema.size()) * 8;
        metas.push_back(std::move(*m));
      }
    }
    const int ncol = sqlite3_column_count(s);
    std::vector<std::optional<Field>> fields(static_cast<std::size_t>(ncol));
    const auto find_column = [&metas](std::string_view name) -> std::optional<Field> {
      for (const TableMeta& m : metas) {
        if (auto idx = gbpm::google::field_index(m.schema, name)) return m.schema[*idx];
      }
      return std::nullopt;
    };
    // MAX(t) over a subquery's "publish_time AS t": BigQuery knows t is a
    // TIMESTAMP; follow such aliases (a few levels) back to a table column.
    const auto find_aliased_column = [&](std::string alias) -> std::optional<Field> {
      const auto ident = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_'; };
      const std::string& text = q->sql;
      for (int depth = 0; depth < 4; ++depth) {
        // The translation quotes aliases: publish_time AS "t".
        const std::string needle = " AS \"" + alias + "\"";
        const std::size_t at = text.find(needle);
        if (at == std::string::npos) return std::nullopt;
        std::size_t end = at;
        if (end > 0 && text[end - 1] == '"') --end;
        std::size_t begin = end;
        while (begin > 0 && ident(text[begin - 1])) --begin;
        if (begin == end) return std::nullopt;
        alias = text.substr(begin, end - begin);
        if (auto f = find_column(alias)) return f;
      }
      return std::nullopt;
    };
    for (int c = 0; c < ncol; ++c) {
      const std::string name = sqlite3_column_name(s, c) != nullptr ? sqlite3_column_name(s, c) : "";
      std::optional<Field> f;
      const char* table = sqlite3_column_table_name(s, c);
      const char* origin = sqlite3_column_origin_name(s, c);
      if (table != nullptr && origin != nullptr) {
        for (const TableMeta& m : metas) {
          if (m.ref.sqlite_name() != table) continue;
          if (auto idx = gbpm::google::field_index(m.schema, origin)) f = m.schema[*idx];
        }
      }
      if (!f && static_cast<std::size_t>(ncol) == q->hints.size()) {
        const ColumnHint& h = q->hints[static_cast<std::size_t>(c)];
        if (h.type) f = Field{.type = *h.type};
        if (!f && !h.column.empty()) f = find_column(h.column);
        if (!f && !h.column.empty()) f = find_aliased_column(h.column);
      }
      if (f) {
        f->name = name;
        f->description.clear();
      }
      fields[static_cast<std::size_t>(c)] = f;
    }
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<Cell> row;
      row.reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) row.push_back(read_cell(s, c));
      job.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      job.failure = ApiFailure{400, "invalidQuery", sqlite3_errmsg(db)};
      job.rows.clear();
      return;
    }
    if (q->is_dml) {
      job.dml_rows = sqlite3_changes(db);
      job.statement_type = "DML";
    }
    // Columns SQLite could not trace: the type the values have.
    for (int c = 0; c < ncol; ++c) {
      auto& f = fields[static_cast<std::size_t>(c)];
      if (!f) {
        FieldType t = FieldType::int64;
        bool seen_text = false, seen_real = false;
        for (const auto& row : job.rows) {
          const int type = row[static_cast<std::size_t>(c)].type;
          seen_text = seen_text || type == SQLITE_TEXT;
          seen_real = seen_real || type == SQLITE_FLOAT;
        }
        if (seen_real) t = FieldType::float64;
        if (seen_text) t = FieldType::string;
        f = Field{.name = sqlite3_column_name(s, c), .type = t};
      }
      job.schema.push_back(*f);
    }
  }

  // ---- jobs --------------------------------------------------------------

  std::string new_job_id() { return fmt::format("job_fake{:06}_{:x}", ++job_counter, micros_now(*clock) % 0xfffff); }

  // Consumes one "not finished yet" answer; true when the job may report done.
  static bool poll_done(Job& job) {
    if (job.pending > 0) {
      --job.pending;
      return false;
    }
    return true;
  }

  void write_job_reference(json::Writer& w, const Job& job) {
    w.key("jobReference").begin_object().key("projectId").string(job.project);
    w.key("jobId").string(job.id).key("location").string(job.location).end_object();
  }

  void write_job(json::Writer& w, const Job& job, bool done) {
    w.begin_object();
    w.key("kind").string("bigquery#job");
    w.key("etag").string("etag-" + job.id);
    w.key("id").string(fmt::format("{}:{}.{}", job.project, job.location, job.id));
    w.key("selfLink")
        .string(fmt::format("https://bigquery.googleapis.com/bigquery/v2/projects/{}/jobs/{}?location={}", job.project,
                            job.id, job.location));
    w.key("user_email").string("fake@fake-google.invalid");
    write_job_reference(w, job);
    if (auto doc = json::parse(job.configuration); doc && doc->root().is_object()) {
      w.key("configuration").value(doc->root());
    }
    w.key("status").begin_object().key("state").string(done ? "DONE" : "RUNNING");
    if (done && job.failure) {
      w.key("errorResult").begin_object().key("reason").string(job.failure->reason);
      w.key("message").string(job.failure->message).end_object();
      w.key("errors").begin_array().begin_object().key("reason").string(job.failure->reason);
      w.key("message").string(job.failure->message).end_object().end_array();
    }
    w.end_object();
    w.key("statistics").begin_object();
    w.key("creationTime").string(ms_text(job.created)).key("startTime").string(ms_text(job.created));
    if (done) w.key("endTime").string(ms_text(job.ended));
    if (job.type == "QUERY") {
      w.key("totalBytesProcessed").string(std::to_string(job.bytes));
      w.key("query").begin_object();
      w.key("totalBytesProcessed").string(std::to_string(job.bytes));
      w.key("totalBytesBilled").string(std::to_string(job.bytes));
      w.key("cacheHit").boolean(false);
      w.key("statementType").string(job.statement_type == "DML" ? "INSERT" : "SELECT");
      if (done && !job.failure) {
        w.key("schema");
        gbpm::google::write_schema(w, job.schema);
        if (job.dml_rows) w.key("numDmlAffectedRows").string(std::to_string(*job.dml_rows));
      }
      w.end_object();
    } else if (done && !job.failure) {
      w.key("load").begin_object();
      w.key("inputFiles").string("1").key("inputFileBytes").string(std::to_string(job.input_bytes));
      w.key("outputRows").string(std::to_string(job.output_rows));
      w.key("outputBytes").string(std::to_string(job.output_rows * 8));
      w.key("badRecords").string("0");
      w.end_object();
    }
    w.end_object();
    w.end_object();
  }

  Job* find_job(const std::string& project, const std::string& id) {
    const auto it = jobs.find(project + ":" + id);
    return it == jobs.end() ? nullptr : &it->second;
  }

  std::size_t page_rows(const httplib::Request& req, std::optional<std::int64_t> max_results) const {
    std::int64_t n = options.page_size > 0 ? options.page_size : 1000000;
    if (req.has_param("maxResults")) max_results = std::atoll(req.get_param_value("maxResults").c_str());
    if (max_results && *max_results > 0) n = std::min(n, *max_results);
    return static_cast<std::size_t>(std::max<std::int64_t>(n, 1));
  }

  static std::string page_token(const Job& job, std::size_t offset) {
    return fmt::format("BQ{}x{}", offset, std::hash<std::string>{}(job.id) % 100000);
  }
  static std::optional<std::size_t> parse_page_token(const std::string& token) {
    if (token.rfind("BQ", 0) != 0) return std::nullopt;
    return static_cast<std::size_t>(std::atoll(token.c_str() + 2));
  }

  // The rows part of a query response for `job`, from `offset`.
  void write_results(json::Writer& w, const Job& job, std::size_t offset, std::size_t count, bool int64_ts) {
    w.key("schema");
    gbpm::google::write_schema(w, job.schema);
    w.key("totalRows").string(std::to_string(job.rows.size()));
    if (offset < job.rows.size()) write_rows(w, job.schema, job.rows, offset, count, int64_ts);
    if (offset + count < job.rows.size()) w.key("pageToken").string(page_token(job, offset + count));
    w.key("totalBytesProcessed").string(std::to_string(job.bytes));
    w.key("cacheHit").boolean(false);
    if (job.dml_rows) w.key("numDmlAffectedRows").string(std::to_string(*job.dml_rows));
  }

  Job& submit_query(const std::string& project, std::string id, std::string location, const json::View& config,
                    const std::string& sql, const json::View& params, bool legacy) {
    Job job;
    job.project = project;
    job.id = id.empty() ? new_job_id() : std::move(id);
    job.location = std::move(location);  // empty: where the tables are, as BigQuery does
    job.type = "QUERY";
    job.pending = options.incomplete_polls;
    job.created = micros_now(*clock);
    json::Writer w;
    if (!config.is_missing()) w.value(config);
    job.configuration = w.complete() ? w.finish().value_or("") : "";
    if (legacy) {
      job.failure = ApiFailure{400, "invalidQuery",
                               "Legacy SQL is not supported by the fake BigQuery; send useLegacySql: false "
                               "(bq: --nouse_legacy_sql)"};
    } else {
      run_query(job, sql, params);
    }
    if (job.location.empty()) job.location = options.location;
    job.ended = micros_now(*clock);
    const std::string key = job.project + ":" + job.id;
    jobs[key] = std::move(job);
    return jobs[key];
  }

  // ---- load --------------------------------------------------------------

  void run_load(Job& job, const json::View& load, const std::string& data) {
    const json::View dest = load.field("destinationTable");
    TableRef ref{std::string(dest.field("projectId").as_string().value_or(job.project)),
                 std::string(dest.field("datasetId").as_string().value_or("")),
                 std::string(dest.field("tableId").as_string().value_or(""))};
    const std::string format(load.field("sourceFormat").as_string().value_or("CSV"));
    if (format != "NEWLINE_DELIMITED_JSON") {
      job.failure = invalid("The fake BigQuery loads NEWLINE_DELIMITED_JSON only, not " + format);
      return;
    }
    auto meta = table_meta(ref);
    if (!meta) {
      const std::string create(load.field("createDisposition").as_string().value_or("CREATE_IF_NEEDED"));
      auto schema = gbpm::google::parse_schema(load.field("schema"));
      if (create == "CREATE_NEVER" || !schema || schema->empty()) {
        job.failure = not_found(fmt::format("Not found: Table {}:{}.{}", ref.project, ref.dataset, ref.table));
        return;
      }
      if (!dataset_location(ref.project, ref.dataset)) {
        job.failure = not_found(fmt::format("Not found: Dataset {}:{}", ref.project, ref.dataset));
        return;
      }
      if (auto f = create_table(ref, *schema, "", "", "")) {
        job.failure = *f;
        return;
      }
      meta = table_meta(ref);
    }
    const bool ignore_unknown =
        load.field("ignoreUnknownValues").optional_bool().value_or(std::nullopt).value_or(false);
    const std::int64_t max_bad = load.field("maxBadRecords").optional_int64().value_or(std::nullopt).value_or(0);
    std::vector<std::vector<Stored>> rows;
    std::vector<std::string> errors;
    std::size_t pos = 0;
    while (pos < data.size()) {
      std::size_t end = data.find('\n', pos);
      if (end == std::string::npos) end = data.size();
      const std::string line = data.substr(pos, end - pos);
      const std::size_t start = pos;
      pos = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto doc = json::parse(line);
      std::vector<Stored> row;
      std::optional<RowError> err;
      if (!doc) {
        err = RowError{"", doc.error().message};
      } else {
        err = convert_row(doc->root(), meta->schema, ignore_unknown, row);
      }
      if (err) {
        errors.push_back(
            fmt::format("Error while reading data, error message: JSON parsing error in row starting at "
                        "position {}: {}",
                        start, err->message));
      } else {
        rows.push_back(std::move(row));
      }
    }
    job.input_bytes = static_cast<std::int64_t>(data.size());
    if (static_cast<std::int64_t>(errors.size()) > max_bad) {
      job.failure =
          invalid(fmt::format("Error while reading data, error message: JSON table encountered too many "
                              "errors, giving up. Rows: {}; errors: {}. First: {}",
                              rows.size() + errors.size(), errors.size(), errors.front()));
      return;
    }
    exec("BEGIN");
    if (load.field("writeDisposition").as_string().value_or("WRITE_APPEND") == "WRITE_TRUNCATE") {
      exec("DELETE FROM " + quote_ident(ref.sqlite_name()));
    }
    insert_stored(ref, meta->schema, rows);
    exec("COMMIT");
    job.output_rows = static_cast<std::int64_t>(rows.size());
    ++loads;
  }

  void insert_stored(const TableRef& ref, const Schema& schema, const std::vector<std::vector<Stored>>& rows) {
    std::string sql = "INSERT INTO " + quote_ident(ref.sqlite_name()) + " VALUES (";
    for (std::size_t i = 0; i < schema.size(); ++i) sql += i == 0 ? "?" : ",?";
    sql += ")";
    auto st = prepare(sql);
    if (!st) throw std::runtime_error("fake BigQuery: " + st.error().message);
    for (const auto& row : rows) {
      sqlite3_reset((*st)->s);
      for (std::size_t c = 0; c < row.size(); ++c) {
        const int i = static_cast<int>(c) + 1;
        const Stored& s = row[c];
        if (s.type == SQLITE_INTEGER)
          sqlite3_bind_int64((*st)->s, i, s.i);
        else if (s.type == SQLITE_FLOAT)
          sqlite3_bind_double((*st)->s, i, s.d);
        else if (s.type == SQLITE_TEXT)
          sqlite3_bind_text((*st)->s, i, s.s.c_str(), -1, SQLITE_TRANSIENT);
        else
          sqlite3_bind_null((*st)->s, i);
      }
      sqlite3_step((*st)->s);
    }
  }

  // ---- HTTP --------------------------------------------------------------

  // Authorizes and logs; false when the request was answered already.
  bool admit(const httplib::Request& req, httplib::Response& res) {
    if (!tokens.authorize(req, res)) return false;
    for (auto it = error_faults.begin(); it != error_faults.end(); ++it) {
      if (!it->method.empty() && it->method != req.method) continue;
      if (!it->path_prefix.empty() && req.path.rfind(it->path_prefix, 0) != 0) continue;
      reply(res, ApiFailure{it->status, it->reason, it->message});
      if (--it->count <= 0) error_faults.erase(it);
      return false;
    }
    request_log.push_back(req.method + " " + req.path);
    return true;
  }

  static Result<json::Document> body_json(const httplib::Request& req) {
    auto doc = json::parse(req.body.empty() ? "{}" : req.body);
    if (!doc) return make_error(ErrorKind::data, "Invalid JSON payload received. " + doc.error().message);
    return doc;
  }

  void install(httplib::Server& server);
};

void BigQueryService::Impl::install(httplib::Server& server) {
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  const std::string api = R"(/bigquery/v2/projects/([^/]+))";

  // Wraps a handler: lock, authorize, then run.
  const auto route = [this](auto fn) {
    return [this, fn](Req req, Res res) {
      std::lock_guard lock(mutex);
      if (!admit(req, res)) return;
      fn(req, res);
    };
  };

  const auto serve_discovery = [this](Req req, Res res) {
    std::lock_guard lock(mutex);
    if (discovery.empty()) {
      const auto path = options.discovery_file.empty() ? default_discovery_file() : options.discovery_file;
      std::ifstream in(path, std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      discovery = buf.str();
    }
    if (discovery.empty()) {
      reply(res, not_found("No discovery document installed (no Google Cloud CLI found)"));
      return;
    }
    const std::string self = "https://" + req.get_header_value("Host") + "/";
    std::string doc = discovery;
    for (const std::string_view from : {"https://bigquery.googleapis.com/", "https://www.googleapis.com/bigquery/"}) {
      std::size_t pos = 0;
      const std::string to = from == "https://bigquery.googleapis.com/" ? self : self + "bigquery/";
      while ((pos = doc.find(from, pos)) != std::string::npos) {
        doc.replace(pos, from.size(), to);
        pos += to.size();
      }
    }
    res.set_content(doc, std::string(kJson));
  };
  server.Get("/discovery/v1/apis/bigquery/v2/rest", serve_discovery);
  server.Get(R"(/\$discovery/rest)", serve_discovery);

  server.Post("/_fake/bigquery", [this](Req req, Res res) {
    std::lock_guard lock(mutex);
    auto doc = json::parse(req.body);
    if (!doc) {
      res.status = 400;
      res.set_content(doc.error().message, "text/plain");
      return;
    }
    const json::View r = doc->root();
    if (auto n = r.field("page_size").optional_int(); n && *n) options.page_size = **n;
    if (auto n = r.field("incomplete_polls").optional_int(); n && *n) options.incomplete_polls = **n;
    if (const json::View e = r.field("error"); e.is_object()) {
      ErrorFault f;
      f.status = e.field("status").as_int().value_or(f.status);
      f.reason = std::string(e.field("reason").as_string().value_or(f.reason));
      f.message = std::string(e.field("message").as_string().value_or(f.message));
      f.count = e.field("count").as_int().value_or(1);
      f.method = std::string(e.field("method").as_string().value_or(""));
      f.path_prefix = std::string(e.field("path_prefix").as_string().value_or(""));
      error_faults.push_back(std::move(f));
    }
    for (const json::View i : r.field("insert_errors").elements()) {
      fail_insert_rows.push_back(static_cast<std::size_t>(i.as_int64().value_or(0)));
    }
    res.set_content("{}", "application/json");
  });

  server.Get("/bigquery/v2/projects", route([this](Req, Res res) {
               std::vector<std::string> projects;
               auto st = prepare("SELECT DISTINCT project FROM __datasets ORDER BY project");
               if (st) {
                 while (sqlite3_step((*st)->s) == SQLITE_ROW) projects.push_back(read_cell((*st)->s, 0).s);
               }
               json::Writer w;
               w.begin_object().key("kind").string("bigquery#projectList").key("projects").begin_array();
               for (const auto& p : projects) {
                 w.begin_object().key("kind").string("bigquery#project").key("id").string(p);
                 w.key("projectReference").begin_object().key("projectId").string(p).end_object();
                 w.key("friendlyName").string(p).end_object();
               }
               w.end_array().key("totalItems").int64(static_cast<std::int64_t>(projects.size())).end_object();
               reply(res, w);
             }));

  // datasets
  server.Get(api + "/datasets", route([this](Req req, Res res) {
               const std::string p = req.matches[1];
               auto st = prepare("SELECT dataset, location FROM __datasets WHERE project=? ORDER BY dataset");
               json::Writer w;
               w.begin_object().key("kind").string("bigquery#datasetList").key("etag").string("etag");
               w.key("datasets").begin_array();
               if (st) {
                 sqlite3_bind_text((*st)->s, 1, p.c_str(), -1, SQLITE_TRANSIENT);
                 while (sqlite3_step((*st)->s) == SQLITE_ROW) {
                   const std::string d = read_cell((*st)->s, 0).s;
                   w.begin_object().key("kind").string("bigquery#dataset").key("id").string(p + ":" + d);
                   w.key("datasetReference").begin_object().key("projectId").string(p).key("datasetId").string(d);
                   w.end_object().key("location").string(read_cell((*st)->s, 1).s).end_object();
                 }
               }
               w.end_array().end_object();
               reply(res, w);
             }));
  const auto write_dataset = [this](json::Writer& w, const std::string& p, const std::string& d,
                                    const std::string& loc) {
    w.begin_object().key("kind").string("bigquery#dataset").key("etag").string("etag-" + d);
    w.key("id").string(p + ":" + d);
    w.key("selfLink").string(fmt::format("https://bigquery.googleapis.com/bigquery/v2/projects/{}/datasets/{}", p, d));
    w.key("datasetReference").begin_object().key("projectId").string(p).key("datasetId").string(d).end_object();
    w.key("access").begin_array().end_array();
    w.key("creationTime")
        .string(ms_text(micros_now(*clock)))
        .key("lastModifiedTime")
        .string(ms_text(micros_now(*clock)));
    w.key("location").string(loc).key("type").string("DEFAULT").end_object();
  };
  server.Post(api + "/datasets", route([this, write_dataset](Req req, Res res) {
                const std::string p = req.matches[1];
                auto doc = body_json(req);
                if (!doc) return reply(res, invalid(doc.error().message));
                const std::string d(doc->root().field("datasetReference").field("datasetId").as_string().value_or(""));
                if (d.empty()) return reply(res, invalid("Dataset ID must be specified."));
                std::string loc(doc->root().field("location").as_string().value_or(""));
                if (loc.empty()) loc = options.location;
                if (dataset_location(p, d)) {
                  return reply(res, ApiFailure{409, "duplicate", fmt::format("Already Exists: Dataset {}:{}", p, d)});
                }
                auto st = prepare("INSERT INTO __datasets VALUES (?,?,?,?)");
                if (!st) return reply(res, ApiFailure{500, "internalError", st.error().message});
                sqlite3_bind_text((*st)->s, 1, p.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text((*st)->s, 2, d.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text((*st)->s, 3, loc.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64((*st)->s, 4, micros_now(*clock));
                sqlite3_step((*st)->s);
                json::Writer w;
                write_dataset(w, p, d, loc);
                reply(res, w);
              }));
  server.Get(api + "/datasets/([^/]+)", route([this, write_dataset](Req req, Res res) {
               const std::string p = req.matches[1], d = req.matches[2];
               const auto loc = dataset_location(p, d);
               if (!loc) return reply(res, not_found(fmt::format("Not found: Dataset {}:{}", p, d)));
               json::Writer w;
               write_dataset(w, p, d, *loc);
               reply(res, w);
             }));

  // tables
  server.Get(api + "/datasets/([^/]+)/tables", route([this](Req req, Res res) {
               const std::string p = req.matches[1], d = req.matches[2];
               if (!dataset_location(p, d)) return reply(res, not_found(fmt::format("Not found: Dataset {}:{}", p, d)));
               std::vector<std::string> names;
               auto st = prepare("SELECT table_id FROM __tables WHERE project=? AND dataset=? ORDER BY table_id");
               if (st) {
                 sqlite3_bind_text((*st)->s, 1, p.c_str(), -1, SQLITE_TRANSIENT);
                 sqlite3_bind_text((*st)->s, 2, d.c_str(), -1, SQLITE_TRANSIENT);
                 while (sqlite3_step((*st)->s) == SQLITE_ROW) names.push_back(read_cell((*st)->s, 0).s);
               }
               json::Writer w;
               w.begin_object().key("kind").string("bigquery#tableList").key("etag").string("etag");
               w.key("tables").begin_array();
               for (const auto& t : names) {
                 if (auto m = table_meta(TableRef{p, d, t})) write_table(w, *m, false);
               }
               w.end_array().key("totalItems").int64(static_cast<std::int64_t>(names.size())).end_object();
               reply(res, w);
             }));
  server.Post(
      api + "/datasets/([^/]+)/tables", route([this](Req req, Res res) {
        const std::string p = req.matches[1], d = req.matches[2];
        auto doc = body_json(req);
        if (!doc) return reply(res, invalid(doc.error().message));
        const json::View t = doc->root();
        const TableRef ref{p, d, std::string(t.field("tableReference").field("tableId").as_string().value_or(""))};
        if (ref.table.empty()) return reply(res, invalid("Table ID must be specified."));
        if (!dataset_location(p, d)) return reply(res, not_found(fmt::format("Not found: Dataset {}:{}", p, d)));
        if (table_meta(ref)) {
          return reply(res,
                       ApiFailure{409, "duplicate", fmt::format("Already Exists: Table {}:{}.{}", p, d, ref.table)});
        }
        auto schema = gbpm::google::parse_schema(t.field("schema"));
        if (!schema) return reply(res, invalid(schema.error().message));
        std::string partitioning, clustering;
        if (const json::View tp = t.field("timePartitioning"); tp.is_object()) {
          const std::string type(tp.field("type").as_string().value_or(""));
          if (type != "DAY" && type != "HOUR" && type != "MONTH" && type != "YEAR") {
            return reply(res, invalid("Invalid time partitioning type: " + type));
          }
          if (auto field = tp.field("field").optional_string(); field && *field) {
            const auto idx = gbpm::google::field_index(*schema, **field);
            if (!idx || ((*schema)[*idx].type != FieldType::timestamp && (*schema)[*idx].type != FieldType::date) ||
                (*schema)[*idx].mode == FieldMode::repeated) {
              return reply(res,
                           invalid(fmt::format("The field specified for time partitioning can only be of type "
                                               "TIMESTAMP, DATE or DATETIME. The type found is: {}.",
                                               idx ? gbpm::google::sql_type_name((*schema)[*idx].type) : "missing")));
            }
          }
          json::Writer w;
          w.value(tp);
          partitioning = w.finish().value_or("");
        }
        if (const json::View cl = t.field("clustering"); cl.is_object()) {
          for (const json::View f : cl.field("fields").elements()) {
            const auto idx = gbpm::google::field_index(*schema, f.as_string().value_or(""));
            if (!idx || (*schema)[*idx].mode == FieldMode::repeated || (*schema)[*idx].type == FieldType::record) {
              return reply(res, invalid(fmt::format("The field specified for clustering cannot be found in the "
                                                    "schema or is not a top-level simple column: {}",
                                                    f.as_string().value_or("?"))));
            }
          }
          json::Writer w;
          w.value(cl);
          clustering = w.finish().value_or("");
        }
        if (auto f = create_table(ref, *schema, partitioning, clustering,
                                  std::string(t.field("description").as_string().value_or("")))) {
          return reply(res, *f);
        }
        json::Writer w;
        write_table(w, *table_meta(ref), true);
        reply(res, w);
      }));
  server.Get(api + "/datasets/([^/]+)/tables/([^/]+)", route([this](Req req, Res res) {
               const TableRef ref{req.matches[1], req.matches[2], req.matches[3]};
               const auto m = table_meta(ref);
               if (!m) {
                 return reply(res,
                              not_found(fmt::format("Not found: Table {}:{}.{}", ref.project, ref.dataset, ref.table)));
               }
               json::Writer w;
               write_table(w, *m, true);
               reply(res, w);
             }));

  // tabledata
  server.Get(api + "/datasets/([^/]+)/tables/([^/]+)/data", route([this](Req req, Res res) {
               const TableRef ref{req.matches[1], req.matches[2], req.matches[3]};
               const auto m = table_meta(ref);
               if (!m) {
                 return reply(res,
                              not_found(fmt::format("Not found: Table {}:{}.{}", ref.project, ref.dataset, ref.table)));
               }
               Schema schema = m->schema;
               if (req.has_param("selectedFields")) {
                 Schema selected;
                 std::stringstream names(req.get_param_value("selectedFields"));
                 for (std::string n; std::getline(names, n, ',');) {
                   if (auto idx = gbpm::google::field_index(m->schema, n)) selected.push_back(m->schema[*idx]);
                 }
                 if (!selected.empty()) schema = std::move(selected);
               }
               std::size_t offset = 0;
               if (req.has_param("startIndex"))
                 offset = static_cast<std::size_t>(std::atoll(req.get_param_value("startIndex").c_str()));
               if (req.has_param("pageToken")) offset = parse_page_token(req.get_param_value("pageToken")).value_or(0);
               const std::size_t count = page_rows(req, std::nullopt);
               std::string cols;
               for (const Field& f : schema) cols += (cols.empty() ? "" : ",") + quote_ident(f.name);
               auto st = prepare(fmt::format("SELECT {} FROM {} ORDER BY rowid LIMIT {} OFFSET {}", cols,
                                             quote_ident(ref.sqlite_name()), count, offset));
               if (!st) return reply(res, ApiFailure{500, "internalError", st.error().message});
               std::vector<std::vector<Cell>> rows;
               while (sqlite3_step((*st)->s) == SQLITE_ROW) {
                 std::vector<Cell> row;
                 for (std::size_t c = 0; c < schema.size(); ++c)
                   row.push_back(read_cell((*st)->s, static_cast<int>(c)));
                 rows.push_back(std::move(row));
               }
               const std::int64_t total = count_rows(ref);
               const bool int64_ts = req.get_param_value("formatOptions.useInt64Timestamp") == "true";
               json::Writer w;
               w.begin_object().key("kind").string("bigquery#tableDataList").key("etag").string("etag");
               w.key("totalRows").string(std::to_string(total));
               if (!rows.empty()) write_rows(w, schema, rows, 0, rows.size(), int64_ts);
               if (static_cast<std::int64_t>(offset + rows.size()) < total) {
                 w.key("pageToken").string(fmt::format("BQ{}", offset + rows.size()));
               }
               w.end_object();
               reply(res, w);
             }));

  server.Post(
      api + "/datasets/([^/]+)/tables/([^/]+)/insertAll", route([this](Req req, Res res) {
        const TableRef ref{req.matches[1], req.matches[2], req.matches[3]};
        const auto m = table_meta(ref);
        if (!m) {
          return reply(res, not_found(fmt::format("Not found: Table {}:{}.{}", ref.project, ref.dataset, ref.table)));
        }
        auto doc = body_json(req);
        if (!doc) return reply(res, invalid(doc.error().message));
        const json::View body = doc->root();
        const bool skip_invalid = body.field("skipInvalidRows").optional_bool().value_or(std::nullopt).value_or(false);
        const bool ignore_unknown =
            body.field("ignoreUnknownValues").optional_bool().value_or(std::nullopt).value_or(false);
        const auto rows_view = body.field("rows").elements();
        if (rows_view.size() > 50000) return reply(res, invalid("too many rows present in the request, limit: 50000"));
        const std::vector<std::size_t> forced = std::exchange(fail_insert_rows, {});
        const std::int64_t now = micros_now(*clock);
        const std::int64_t window =
            std::chrono::duration_cast<std::chrono::microseconds>(options.insert_id_window).count();
        std::vector<std::vector<Stored>> good;
        std::vector<std::string> good_ids;
        std::map<std::size_t, RowError> bad;
        std::size_t index = 0;
        for (const json::View r : rows_view) {
          const std::size_t i = index++;
          const std::string id(r.field("insertId").as_string().value_or(""));
          if (!id.empty()) {
            const auto seen = insert_ids.find(ref.sqlite_name() + '\x1f' + id);
            if (seen != insert_ids.end() && now - seen->second <= window) continue;  // de-duplicated
          }
          if (std::find(forced.begin(), forced.end(), i) != forced.end()) {
            bad.emplace(i, RowError{"", "Row rejected by an injected fault (fake BigQuery)."});
            continue;
          }
          std::vector<Stored> stored;
          if (auto err = convert_row(r.field("json"), m->schema, ignore_unknown, stored)) {
            bad.emplace(i, *err);
            continue;
          }
          good.push_back(std::move(stored));
          good_ids.push_back(id);
        }
        json::Writer w;
        w.begin_object().key("kind").string("bigquery#tableDataInsertAllResponse");
        if (!bad.empty()) {
          w.key("insertErrors").begin_array();
          for (std::size_t i = 0; i < index; ++i) {
            const auto it = bad.find(i);
            if (it == bad.end() && skip_invalid) continue;
            // Valid rows beside an invalid one are "stopped": not inserted, resend as is.
            w.begin_object().key("index").int64(static_cast<std::int64_t>(i)).key("errors").begin_array();
            w.begin_object();
            if (it != bad.end()) {
              w.key("reason").string("invalid").key("location").string(it->second.location);
              w.key("debugInfo").string("").key("message").string(it->second.message);
            } else {
              w.key("reason").string("stopped").key("location").string("").key("debugInfo").string("");
              w.key("message").string("");
            }
            w.end_object().end_array().end_object();
          }
          w.end_array();
        }
        w.end_object();
        if (bad.empty() || skip_invalid) {
          exec("BEGIN");
          insert_stored(ref, m->schema, good);
          exec("COMMIT");
          for (const auto& id : good_ids) {
            if (!id.empty()) insert_ids[ref.sqlite_name() + '\x1f' + id] = now;
          }
        }
        reply(res, w);
      }));

  // jobs
  const auto job_insert = [this](Req req, Res res, const json::View& meta, const std::string* upload) {
    const std::string p = req.matches[1];
    const json::View ref = meta.field("jobReference");
    const std::string id(ref.field("jobId").as_string().value_or(""));
    std::string loc(ref.field("location").as_string().value_or(""));
    if (!id.empty() && find_job(p, id) != nullptr) {
      const Job* j = find_job(p, id);
      return reply(res, ApiFailure{409, "duplicate", fmt::format("Already Exists: Job {}:{}.{}", p, j->location, id)});
    }
    const json::View config = meta.field("configuration");
    Job* job = nullptr;
    if (const json::View q = config.field("query"); q.is_object()) {
      const bool legacy = q.field("useLegacySql").optional_bool().value_or(std::nullopt).value_or(true);
      job = &submit_query(p, id, loc, config, std::string(q.field("query").as_string().value_or("")),
                          q.field("queryParameters"), legacy);
    } else if (const json::View l = config.field("load"); l.is_object()) {
      if (upload == nullptr)
        return reply(res, invalid("The fake BigQuery loads only uploaded data (uploadType=multipart)"));
      Job j;
      j.project = p;
      j.id = id.empty() ? new_job_id() : id;
      j.location = loc;
      if (j.location.empty()) {
        const json::View dest = l.field("destinationTable");
        j.location = dataset_location(std::string(dest.field("projectId").as_string().value_or(p)),
                                      std::string(dest.field("datasetId").as_string().value_or("")))
                         .value_or(options.location);
      }
      j.type = "LOAD";
      j.pending = options.incomplete_polls;
      j.created = micros_now(*clock);
      json::Writer w;
      w.value(config);
      j.configuration = w.finish().value_or("");
      run_load(j, l, *upload);
      j.ended = micros_now(*clock);
      const std::string key = p + ":" + j.id;
      jobs[key] = std::move(j);
      job = &jobs[key];
    } else {
      return reply(res, invalid("The fake BigQuery runs query and load jobs only"));
    }
    json::Writer w;
    write_job(w, *job, poll_done(*job));
    reply(res, w);
  };
  server.Post(api + "/jobs", route([job_insert](Req req, Res res) {
                auto doc = body_json(req);
                if (!doc) return reply(res, invalid(doc.error().message));
                job_insert(req, res, doc->root(), nullptr);
              }));
  server.Post(R"(/upload/bigquery/v2/projects/([^/]+)/jobs)", route([job_insert](Req req, Res res) {
                if (req.get_param_value("uploadType") != "multipart") {
                  return reply(res, invalid("The fake BigQuery supports uploadType=multipart only"));
                }
                const std::string type = req.get_header_value("Content-Type");
                const auto b = type.find("boundary=");
                if (type.rfind("multipart/related", 0) != 0 || b == std::string::npos) {
                  return reply(res, invalid("Expected a multipart/related body with a boundary"));
                }
                std::string boundary = type.substr(b + 9);
                if (const auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
                if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
                const auto parts = multipart_parts(req.body, boundary);
                if (parts.size() != 2) {
                  return reply(res, invalid(fmt::format("Expected 2 parts (metadata, media), got {}", parts.size())));
                }
                auto meta = json::parse(parts[0]);
                if (!meta) return reply(res, invalid("Invalid job metadata: " + meta.error().message));
                job_insert(req, res, meta->root(), &parts[1]);
              }));
  server.Get(api + "/jobs/([^/]+)", route([this](Req req, Res res) {
               const std::string p = req.matches[1], id = req.matches[2];
               Job* job = find_job(p, id);
               if (job == nullptr) return reply(res, not_found(fmt::format("Not found: Job {}:{}", p, id)));
               json::Writer w;
               write_job(w, *job, poll_done(*job));
               reply(res, w);
             }));
  server.Get(api + "/jobs", route([this](Req req, Res res) {
               const std::string p = req.matches[1];
               json::Writer w;
               w.begin_object().key("kind").string("bigquery#jobList").key("jobs").begin_array();
               for (const auto& [key, job] : jobs) {
                 if (job.project != p) continue;
                 w.begin_object().key("id").string(p + ":" + job.location + "." + job.id);
                 write_job_reference(w, job);
                 w.key("state").string("DONE").key("status").begin_object().key("state").string("DONE").end_object();
                 w.end_object();
               }
               w.end_array().end_object();
               reply(res, w);
             }));

  server.Post(api + "/queries", route([this](Req req, Res res) {
                const std::string p = req.matches[1];
                auto doc = body_json(req);
                if (!doc) return reply(res, invalid(doc.error().message));
                const json::View body = doc->root();
                const bool legacy = body.field("useLegacySql").optional_bool().value_or(std::nullopt).value_or(true);
                // jobs.query reports a bad query directly as an HTTP error.
                Job& job = submit_query(p, "", std::string(body.field("location").as_string().value_or("")),
                                        json::View{}, std::string(body.field("query").as_string().value_or("")),
                                        body.field("queryParameters"), legacy);
                {
                  json::Writer c;
                  c.begin_object().key("jobType").string("QUERY").key("query").value(body).end_object();
                  job.configuration = c.finish().value_or("");
                }
                if (job.failure) return reply(res, *job.failure);
                const bool int64_ts = body.field("formatOptions")
                                          .field("useInt64Timestamp")
                                          .optional_bool()
                                          .value_or(std::nullopt)
                                          .value_or(false);
                json::Writer w;
                w.begin_object().key("kind").string("bigquery#queryResponse");
                write_job_reference(w, job);
                const bool done = poll_done(job);
                w.key("jobComplete").boolean(done);
                if (done) {
                  write_results(w, job, 0,
                                page_rows(req, body.field("maxResults").optional_int64().value_or(std::nullopt)),
                                int64_ts);
                }
                w.end_object();
                reply(res, w);
              }));
  server.Get(api + "/queries/([^/]+)", route([this](Req req, Res res) {
               const std::string p = req.matches[1], id = req.matches[2];
               Job* job = find_job(p, id);
               const std::string loc = req.get_param_value("location");
               if (job == nullptr ||
                   (!loc.empty() && job->location != loc && job->location != "US" && job->location != "EU")) {
                 return reply(res, not_found(fmt::format("Not found: Job {}:{}", p, id)));
               }
               if (job->type != "QUERY") return reply(res, invalid("Job " + id + " is not a query"));
               json::Writer w;
               w.begin_object().key("kind").string("bigquery#getQueryResultsResponse").key("etag").string("etag");
               write_job_reference(w, *job);
               const bool done = poll_done(*job);
               if (done && job->failure) return reply(res, *job->failure);
               w.key("jobComplete").boolean(done);
               if (done) {
                 std::size_t offset = 0;
                 if (req.has_param("startIndex"))
                   offset = static_cast<std::size_t>(std::atoll(req.get_param_value("startIndex").c_str()));
                 if (req.has_param("pageToken"))
                   offset = parse_page_token(req.get_param_value("pageToken")).value_or(0);
                 write_results(w, *job, offset, page_rows(req, std::nullopt),
                               req.get_param_value("formatOptions.useInt64Timestamp") == "true");
               }
               w.end_object();
               reply(res, w);
             }));
}

BigQueryService::BigQueryService(BigQueryServiceOptions options, TokenService& tokens)
    : m_impl(std::make_unique<Impl>(std::move(options), tokens)) {}

BigQueryService::~BigQueryService() = default;

void BigQueryService::install(httplib::Server& server) {
  m_impl->install(server);
}

void BigQueryService::set_page_size(int rows) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->options.page_size = rows;
}

void BigQueryService::set_incomplete_polls(int polls) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->options.incomplete_polls = polls;
}

void BigQueryService::fail_next_insert(std::vector<std::size_t> rows) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->fail_insert_rows = std::move(rows);
}

void BigQueryService::inject_error(ErrorFault fault) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->error_faults.push_back(std::move(fault));
}

std::int64_t BigQueryService::row_count(const std::string& project, const std::string& dataset,
                                        const std::string& table) const {
  std::lock_guard lock(m_impl->mutex);
  const TableRef ref{project, dataset, table};
  if (!m_impl->table_meta(ref)) return 0;
  return m_impl->count_rows(ref);
}

int BigQueryService::loads_executed() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->loads;
}

int BigQueryService::requests(std::string_view method, std::string_view path_prefix) const {
  std::lock_guard lock(m_impl->mutex);
  const std::string prefix = std::string(method) + " " + std::string(path_prefix);
  return static_cast<int>(std::count_if(m_impl->request_log.begin(), m_impl->request_log.end(),
                                        [&](const std::string& r) { return r.rfind(prefix, 0) == 0; }));
}

}  // namespace gbpm::fakes::google
