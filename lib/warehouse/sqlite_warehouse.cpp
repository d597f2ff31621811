#include "warehouse/sqlite_warehouse.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <mutex>
#include <optional>
#include <system_error>
#include <vector>

#include "core/fs.hpp"
#include "json/writer.hpp"
#include "warehouse/bigquery_warehouse.hpp"

namespace gbpm::warehouse {
namespace {

using elexon::ColumnType;
using elexon::DatasetSpec;
using elexon::VersionKind;

// Forward-only schema steps for the fixed tables. Dataset tables are derived
// from the registry (ensure_dataset_tables). Never edit a released step: add
// a new one, and bump kSqliteSchemaVersion.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

constexpr std::array kMigrations = {
    Migration{1, "raw_messages and quarantine",
              "CREATE TABLE raw_messages ("
              " dataset TEXT NOT NULL,"
              " message_id TEXT NOT NULL,"
              " source TEXT NOT NULL CHECK (source IN ('IRIS','API')),"
              " received_at TEXT NOT NULL,"
              " record_count INTEGER NOT NULL,"
              " body TEXT NOT NULL,"
              " PRIMARY KEY (dataset, message_id));"
              "CREATE INDEX raw_messages_by_received_at ON raw_messages(received_at);"
              "CREATE TABLE quarantine ("
              " id INTEGER PRIMARY KEY,"
              " source_ref TEXT NOT NULL,"
              " body_sha256 TEXT NOT NULL,"
              " body BLOB NOT NULL,"
              " error TEXT NOT NULL,"
              " quarantined_at TEXT NOT NULL,"
              " UNIQUE (source_ref, body_sha256));"},
};
static_assert(kMigrations.back().version == kSqliteSchemaVersion);

constexpr std::array<std::string_view, 3> kLineageColumns = {"source", "message_id", "received_at"};

// The most rows one upsert statement carries (one statement per run of rows
// of a dataset, up to this): an IRIS message has 1-20 rows, a backfill page
// more. 32 × (columns + 3) stays far below SQLite's 32766 parameters.
constexpr std::size_t kRowsPerStatement = 32;

std::string_view sql_type(ColumnType type) {
  switch (type) {
    case ColumnType::integer:
    case ColumnType::boolean: return "INTEGER";
    case ColumnType::real: return "REAL";
    case ColumnType::text:
    case ColumnType::json:
    case ColumnType::timestamp:
    case ColumnType::date: return "TEXT";
  }
  return "TEXT";
}

std::string create_table_sql(const DatasetSpec& spec, const std::string& table) {
  std::vector<std::string> defs;
  for (const auto& c : spec.columns) {
    defs.push_back(fmt::format("{} {}{}", c.name, sql_type(c.type),
                               c.requirement == elexon::Requirement::required ? " NOT NULL" : ""));
  }
  defs.emplace_back("source TEXT NOT NULL CHECK (source IN ('IRIS','API'))");
  defs.emplace_back("message_id TEXT NOT NULL");
  defs.emplace_back("received_at TEXT NOT NULL");
  defs.push_back(fmt::format("PRIMARY KEY ({})", fmt::join(spec.key, ", ")));
  return fmt::format("CREATE TABLE {} ({})", table, fmt::join(defs, ", "));
}

// Counts the rows an upsert's DO UPDATE actually rewrote: with several rows
// per statement, changes() mixes inserts and updates, so the SET clause calls
// this function once per updated row (insert vs update vs ignored for
// BatchStats).
void count_update(sqlite3_context* context, int argc, sqlite3_value** argv) {
  auto* updates = static_cast<std::int64_t*>(sqlite3_user_data(context));
  ++*updates;
  if (argc == 1) sqlite3_result_value(context, argv[0]);
}

// The upsert of `rows` rows in one statement (parameters row by row, each
// row's columns in spec order then the lineage columns).
std::string upsert_sql(const DatasetSpec& spec, const std::string& table, std::size_t rows) {
  std::vector<std::string_view> columns;
  for (const auto& c : spec.columns) columns.push_back(c.name);
  for (const auto l : kLineageColumns) columns.push_back(l);
  std::vector<std::string> tuples;
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<std::string> placeholders;
    for (std::size_t i = 1; i <= columns.size(); ++i)
      placeholders.push_back(fmt::format("?{}", r * columns.size() + i));
    tuples.push_back(fmt::format("({})", fmt::join(placeholders, ", ")));
  }
  // OR FAIL: a NOT NULL or CHECK failure stops the statement without
  // undoing it, so SQLite needs no statement journal per row; store() rolls
  // the whole transaction back on any failure anyway.
  std::string sql = fmt::format("INSERT OR FAIL INTO {} ({}) VALUES {} ON CONFLICT ({}) ", table,
                                fmt::join(columns, ", "), fmt::join(tuples, ", "), fmt::join(spec.key, ", "));
  if (spec.version.kind == VersionKind::immutable || spec.version.kind == VersionKind::vintages) {
    return sql + "DO NOTHING";
  }
  std::vector<std::string> sets;
  std::vector<std::string> differs;
  for (const auto name : columns) {
    if (std::find(spec.key.begin(), spec.key.end(), name) != spec.key.end()) continue;
    if (name == "received_at") {
      sets.push_back(fmt::format("{0} = gbpm_count_update(excluded.{0})", name));
    } else {
      sets.push_back(fmt::format("{0} = excluded.{0}", name));
    }
    differs.push_back(fmt::format("excluded.{0} IS NOT {1}.{0}", name, table));
  }
  std::string newer;
  if (spec.version.kind == VersionKind::greatest) {
    newer = fmt::format(
        "(excluded.{0} > {1}.{0} OR (excluded.{0} = {1}.{0} AND excluded.received_at > "
        "{1}.received_at))",
        spec.version.column, table);
  } else {  // last_arrival
    newer = fmt::format("excluded.received_at >= {}.received_at", table);
  }
  return sql +
         fmt::format("DO UPDATE SET {} WHERE {} AND ({})", fmt::join(sets, ", "), newer, fmt::join(differs, " OR "));
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

ErrorKind kind_for(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorKind::temporary;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_ERROR: return ErrorKind::internal;
    default: return ErrorKind::output;  // FULL, IOERR, READONLY, CANTOPEN, CORRUPT, NOTADB, ...
  }
}

// Resets a statement (releasing its read lock) when the scope ends.
class StatementGuard {
 public:
  explicit StatementGuard(sqlite3_stmt* stmt) : m_stmt(stmt) {}
  ~StatementGuard() { sqlite3_reset(m_stmt); }
  StatementGuard(const StatementGuard&) = delete;
  StatementGuard& operator=(const StatementGuard&) = delete;

 private:
  sqlite3_stmt* m_stmt;
};

bool value_fits(const elexon::Value& v, ColumnType type) {
  switch (type) {
    case ColumnType::text:
    case ColumnType::json: return std::holds_alternative<std::string>(v.data);
    case ColumnType::integer: return std::holds_alternative<std::int64_t>(v.data);
    case ColumnType::real:
      return std::holds_alternative<double>(v.data) || std::holds_alternative<std::int64_t>(v.data);
    case ColumnType::timestamp: return std::holds_alternative<core::TimePoint>(v.data);
    case ColumnType::date: return std::holds_alternative<std::chrono::sys_days>(v.data);
    case ColumnType::boolean: return std::holds_alternative<bool>(v.data);
  }
  return false;
}

int bind_text(sqlite3_stmt* stmt, int index, std::string_view text, bool copy) {
  return sqlite3_bind_text64(stmt, index, text.data(), text.size(), copy ? SQLITE_TRANSIENT : SQLITE_STATIC,
                             SQLITE_UTF8);
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// One dataset row as the outbox's JSON object (see Outbox in the header).
Result<std::string> outbox_row(const DatasetSpec& spec, const elexon::Record& record, std::string_view source,
                               const std::string& message_id, const std::string& received) {
  json::Writer w;
  w.begin_object();
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    const auto& column = spec.columns[i];
    const auto& d = record.values[i].data;
    if (const auto* i64 = std::get_if<std::int64_t>(&d)) {
      w.key(column.name);
      if (column.type == ColumnType::real)
        w.float64(static_cast<double>(*i64));
      else
        w.int64(*i64);
    } else if (const auto* x = std::get_if<double>(&d)) {
      if (std::isfinite(*x)) w.key(column.name).float64(*x);  // NaN/inf have no JSON form: NULL
    } else if (const auto* s = std::get_if<std::string>(&d)) {
      w.key(column.name).string(*s);
    } else if (const auto* b = std::get_if<bool>(&d)) {
      w.key(column.name).boolean(*b);
    } else if (const auto* t = std::get_if<core::TimePoint>(&d)) {
      w.key(column.name).string(format_timestamp(*t));
    } else if (const auto* day = std::get_if<std::chrono::sys_days>(&d)) {
      w.key(column.name).string(format_date(*day));
    }
  }
  w.key("source").string(source).key("message_id").string(message_id).key("received_at").string(received);
  w.end_object();
  return w.finish();
}

}  // namespace

// --- Warehouse-level helpers -------------------------------------------------------

std::string_view source_name(Source source) {
  return source == Source::iris ? "IRIS" : "API";
}

std::string table_name(const DatasetSpec& spec, Source source) {
  std::string name = "bmrs_";
  for (const char c : spec.code) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (source == Source::iris) name += "_iris";
  return name;
}

TableStats BatchStats::total() const {
  TableStats t;
  for (const auto& [name, s] : tables) {
    t.inserted += s.inserted;
    t.updated += s.updated;
    t.ignored += s.ignored;
  }
  return t;
}

// --- SqliteWarehouse -------------------------------------------------------------------

SqliteWarehouse::SqliteWarehouse(std::filesystem::path path, OpenMode mode, SqliteOptions options)
    : m_path(std::move(path)), m_mode(mode), m_options(options), m_queries(*this, options.limits) {}

SqliteWarehouse::~SqliteWarehouse() {
  for (auto& [key, stmt] : m_statements) sqlite3_finalize(stmt);
  if (m_db != nullptr) sqlite3_close(m_db);
}

Error SqliteWarehouse::sqlite_error(std::string_view what) const {
  const int code = m_db != nullptr ? sqlite3_extended_errcode(m_db) : SQLITE_ERROR;
  const char* message = m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory";
  return make_error(kind_for(code), fmt::format("warehouse {}: {}: {}", m_path.string(), what, message));
}

Result<std::unique_ptr<SqliteWarehouse>> SqliteWarehouse::open(const std::filesystem::path& path, OpenMode mode,
                                                               SqliteOptions options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (mode == OpenMode::read_only && !exists) {
    return make_error(ErrorKind::config, fmt::format("no warehouse yet at {}: run iris-ingest first (or pass "
                                                     "--warehouse sqlite:PATH of an existing one)",
                                                     path.string()));
  }
  if (exists && std::filesystem::is_directory(path, ec)) {
    return make_error(ErrorKind::config, fmt::format("warehouse {} is a directory, not a file", path.string()));
  }
  if (mode == OpenMode::read_write && !exists && path.has_parent_path()) {
    if (auto made = core::ensure_directory(path.parent_path()); !made) return std::move(made).error();
  }
  // SQLite's memory statistics (sqlite3_memory_used; unused by gbpm) take a
  // global mutex on every allocation; off before SQLite initialises. A
  // process that already used SQLite keeps them (the call is then refused).
  static std::once_flag no_memory_statistics;
  std::call_once(no_memory_statistics, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  std::unique_ptr<SqliteWarehouse> w(new SqliteWarehouse(path, mode, options));
  // Readers open read-write (WAL readers need the shared-memory file) but set
  // query_only, so they can never modify the database.
  const int flags =
      SQLITE_OPEN_READWRITE | (mode == OpenMode::read_write ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &w->m_db, flags, nullptr) != SQLITE_OK) {
    return make_error(ErrorKind::output, fmt::format("cannot open warehouse {}: {}", path.string(),
                                                     w->m_db != nullptr ? sqlite3_errmsg(w->m_db) : "out of memory"));
  }
  if (auto ok = w->initialise(); !ok) return std::move(ok).error();
  return w;
}

Status SqliteWarehouse::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    sqlite3_free(message);
    return sqlite_error(sql);
  }
  return {};
}

Status SqliteWarehouse::initialise() {
  sqlite3_extended_result_codes(m_db, 1);
  sqlite3_busy_timeout(m_db, static_cast<int>(m_options.busy_timeout.count()));

  // Read before any write: a file that is not a database (or is corrupt)
  // fails here, and is left exactly as it was.
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(m_db, "SELECT count(*) FROM sqlite_schema", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) {
    const int code = sqlite3_extended_errcode(m_db) & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      return make_error(ErrorKind::output,
                        fmt::format("warehouse {} is not an SQLite database or is corrupt ({}); it was left "
                                    "untouched: restore it from a backup or move it aside to start a new one",
                                    m_path.string(), sqlite3_errmsg(m_db)));
    }
    return sqlite_error("cannot read the schema");
  }
  if (auto v = query("PRAGMA user_version", {}); !v) {
    return std::move(v).error();
  } else {
    m_schema_version = static_cast<int>(v->at(0).at(0).as_integer().value_or(0));
  }
  if (m_schema_version > kSqliteSchemaVersion) {
    return make_error(ErrorKind::config,
                      fmt::format("warehouse {} has schema version {}, written by a newer gbpm (this one knows "
                                  "up to {}); upgrade gbpm — the database is never downgraded",
                                  m_path.string(), m_schema_version, kSqliteSchemaVersion));
  }

  if (m_mode == OpenMode::read_only) return exec("PRAGMA query_only = ON");

  if (sqlite3_db_readonly(m_db, "main") == 1) {
    return make_error(ErrorKind::output, fmt::format("warehouse {} is not writable (check the permissions of the "
                                                     "file and its directory)",
                                                     m_path.string()));
  }
  auto mode = query("PRAGMA journal_mode = WAL", {});
  if (!mode) return std::move(mode).error();
  if (mode->empty() || mode->at(0).at(0).as_text().value_or("") != "wal") {
    return make_error(ErrorKind::output, fmt::format("warehouse {}: cannot switch to WAL journal mode (is the "
                                                     "directory writable, on a local file system?)",
                                                     m_path.string()));
  }
  if (auto ok = exec("PRAGMA synchronous = FULL"); !ok) return ok;
  if (sqlite3_create_function_v2(m_db, "gbpm_count_update", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, &m_updates,
                                 count_update, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return sqlite_error("cannot register gbpm_count_update");
  }
  // 16 MiB page cache: large batches (backfills) otherwise spill index pages
  // to the WAL long before the commit.
  if (auto ok = exec("PRAGMA cache_size = -16384"); !ok) return ok;
  return migrate();
}

Status SqliteWarehouse::migrate() {
  if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
  const auto fail = [this](Error e) -> Status {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  // Another process may have migrated between our read and the lock.
  auto v = query("PRAGMA user_version", {});
  if (!v) return fail(std::move(v).error());
  int version = static_cast<int>(v->at(0).at(0).as_integer().value_or(0));
  if (version > kSqliteSchemaVersion) {
    return fail(make_error(ErrorKind::config, fmt::format("warehouse {} was upgraded to schema {} by a newer gbpm",
                                                          m_path.string(), version)));
  }
  for (const auto& m : kMigrations) {
    if (m.version <= version) continue;
    if (auto ok = exec(m.sql); !ok) {
      return fail(ok.error().with_context(fmt::format("migration {} ({})", m.version, m.description)));
    }
    version = m.version;
  }
  if (auto ok = exec(fmt::format("PRAGMA user_version = {}", version).c_str()); !ok) return fail(ok.error());
  if (auto ok = ensure_dataset_tables(); !ok) return fail(ok.error());
  if (m_options.outbox == Outbox::on) {
    if (auto ok = exec("CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " tbl TEXT NOT NULL, row TEXT NOT NULL);"
                       "CREATE INDEX IF NOT EXISTS outbox_by_tbl ON outbox(tbl, seq)");
        !ok) {
      return fail(ok.error());
    }
  }
  if (auto ok = exec("COMMIT"); !ok) return fail(ok.error());
  m_schema_version = version;
  return {};
}

Status SqliteWarehouse::ensure_dataset_tables() {
  for (const auto& spec : elexon::all_datasets()) {
    for (const Source source : {Source::iris, Source::api}) {
      if (source == Source::iris && spec.feed == elexon::Feed::api_only) continue;
      const std::string table = table_name(spec, source);
      for (const auto& c : spec.columns) {
        if (std::find(kLineageColumns.begin(), kLineageColumns.end(), c.name) != kLineageColumns.end()) {
          return make_error(ErrorKind::internal,
                            fmt::format("dataset {} column {} clashes with a lineage column", spec.code, c.name));
        }
      }
      auto info = query(fmt::format("PRAGMA table_info({})", table), {});
      if (!info) return std::move(info).error();
      if (info->empty()) {
        if (auto ok = exec(create_table_sql(spec, table).c_str()); !ok) return ok;
      } else {
        std::set<std::string> have;
        for (const auto& row : *info) have.insert(row.at(1).as_text().value_or(""));
        for (const auto& c : spec.columns) {
          if (have.count(std::string(c.name)) != 0) continue;
          // A column the registry gained since: added nullable (old rows have none).
          const auto sql = fmt::format("ALTER TABLE {} ADD COLUMN {} {}", table, c.name, sql_type(c.type));
          if (auto ok = exec(sql.c_str()); !ok) return ok;
        }
      }
      // Queries bound the partition column; index it unless the key leads with it.
      if (!spec.partition_column.empty() && (spec.key.empty() || spec.key.front() != spec.partition_column)) {
        const auto sql = fmt::format("CREATE INDEX IF NOT EXISTS {0}_by_{1} ON {0}({1})", table, spec.partition_column);
        if (auto ok = exec(sql.c_str()); !ok) return ok;
      }
      m_tables.insert(table);
    }
  }
  return {};
}

Result<sqlite3_stmt*> SqliteWarehouse::cached(const std::string& key, const std::string& sql) {
  if (const auto it = m_statements.find(key); it != m_statements.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(m_db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK) {
    return sqlite_error(fmt::format("cannot prepare: {}", sql));
  }
  m_statements.emplace(key, stmt);
  return stmt;
}

Result<sqlite3_stmt*> SqliteWarehouse::upsert_statement(const DatasetSpec& spec, const std::string& table,
                                                        std::size_t rows) {
  std::string key = table;
  key += '#';
  key += std::to_string(rows);
  if (const auto it = m_statements.find(key); it != m_statements.end()) return it->second;
  return cached(key, upsert_sql(spec, table, rows));
}

Result<BatchStats> SqliteWarehouse::store(const Batch& batch) {
  if (m_mode == OpenMode::read_only) {
    return make_error(ErrorKind::internal, "store() on a warehouse opened read-only");
  }
  BatchStats stats;
  if (batch.empty()) return stats;
  if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return std::move(ok).error();
  const auto fail = [this](Error e) -> Result<BatchStats> {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  for (const auto& group : batch.groups) {
    if (auto ok = store_group(group, stats); !ok) return fail(std::move(ok).error());
  }
  for (const auto& raw : batch.raw) {
    if (auto ok = store_raw(raw, stats); !ok) return fail(std::move(ok).error());
  }
  for (const auto& q : batch.quarantined) {
    if (auto ok = store_quarantined(q, stats); !ok) return fail(std::move(ok).error());
  }
  // synchronous=FULL: COMMIT returns after the WAL is fsynced.
  if (auto ok = exec("COMMIT"); !ok) return fail(std::move(ok).error());
  return stats;
}

namespace {

// Binds the rows of one message's group to upsert statements. The rows of
// one IRIS message mostly share their times (19 FUELINST rows, one
// startTime), so per column the last time/date formatted is kept with its
// text and most binds reuse it instead of formatting and copying again. The
// texts live in a deque (stable addresses) as long as the binder, so they are
// bound SQLITE_STATIC even when several rows share a statement.
class RowBinder {
 public:
  RowBinder(const RecordGroup& group, std::string_view source)
      : m_group(group), m_source(source), m_received(format_timestamp(group.received_at)) {}

  [[nodiscard]] const std::string& received() const { return m_received; }

  // A new dataset: its columns' formatted texts start afresh.
  void start_dataset(const DatasetSpec& spec) { m_formatted.assign(spec.columns.size(), Formatted{}); }

  // Binds record `r` from parameter `index` on (advanced past its columns
  // and the source, message id and received-at columns). A required null or
  // a value of the wrong type is ErrorKind::internal; a bind failure is the
  // SQLite code in `rc` with an ok Status.
  Status bind(sqlite3_stmt* stmt, int& index, std::size_t r, int& rc) {
    const auto& record = m_group.records[r];
    const DatasetSpec* spec = record.spec;
    rc = SQLITE_OK;
    for (std::size_t i = 0; i < spec->columns.size() && rc == SQLITE_OK; ++i, ++index) {
      const auto& column = spec->columns[i];
      const auto& value = record.values[i];
      if (value.is_null()) {
        if (column.requirement == elexon::Requirement::required) {
          return make_error(ErrorKind::internal, fmt::format("message {} record {}: {}.{} is required but null",
                                                             m_group.message_id, r, spec->code, column.name));
        }
        rc = sqlite3_bind_null(stmt, index);
        continue;
      }
      if (!value_fits(value, column.type)) {
        return make_error(ErrorKind::internal,
                          fmt::format("message {} record {}: {}.{} does not hold a {}", m_group.message_id, r,
                                      spec->code, column.name, elexon::to_string(column.type)));
      }
      rc = bind_value(stmt, index, i, column.type, value);
    }
    if (rc == SQLITE_OK) rc = bind_text(stmt, index++, m_source, false);
    if (rc == SQLITE_OK) rc = bind_text(stmt, index++, m_group.message_id, false);
    if (rc == SQLITE_OK) rc = bind_text(stmt, index++, m_received, false);
    return {};
  }

 private:
  struct Formatted {
    std::optional<core::TimePoint> time;
    std::optional<std::chrono::sys_days> day;
    const std::string* text = nullptr;
  };

  int bind_value(sqlite3_stmt* stmt, int index, std::size_t column, ColumnType type, const elexon::Value& value) {
    if (const auto* i64 = std::get_if<std::int64_t>(&value.data)) {
      return type == ColumnType::real ? sqlite3_bind_double(stmt, index, static_cast<double>(*i64))
                                      : sqlite3_bind_int64(stmt, index, *i64);
    }
    if (const auto* d = std::get_if<double>(&value.data)) return sqlite3_bind_double(stmt, index, *d);
    if (const auto* s = std::get_if<std::string>(&value.data)) return bind_text(stmt, index, *s, false);
    if (const auto* b = std::get_if<bool>(&value.data)) return sqlite3_bind_int(stmt, index, *b ? 1 : 0);
    if (const auto* t = std::get_if<core::TimePoint>(&value.data)) {
      Formatted& f = m_formatted[column];
      if (f.text == nullptr || f.time != *t) {
        f.text = &m_texts.emplace_back(format_timestamp(*t));
        f.time = *t;
        f.day.reset();
      }
      return bind_text(stmt, index, *f.text, false);
    }
    if (const auto* day = std::get_if<std::chrono::sys_days>(&value.data)) {
      Formatted& f = m_formatted[column];
      if (f.text == nullptr || f.day != *day) {
        f.text = &m_texts.emplace_back(format_date(*day));
        f.day = *day;
        f.time.reset();
      }
      return bind_text(stmt, index, *f.text, false);
    }
    return SQLITE_OK;
  }

  const RecordGroup& m_group;
  std::string_view m_source;
  std::string m_received;
  std::vector<Formatted> m_formatted;
  std::deque<std::string> m_texts;
};

}  // namespace

Status SqliteWarehouse::store_group(const RecordGroup& group, BatchStats& stats) {
  const std::string_view source = source_name(group.source);
  RowBinder binder(group, source);
  const std::string& received = binder.received();
  // Per dataset (records of one message nearly always share it): the table
  // and its counters, looked up once rather than per row.
  const DatasetSpec* current = nullptr;
  std::string table;
  TableStats* table_stats = nullptr;

  const std::size_t count = group.records.size();
  for (std::size_t r = 0; r < count;) {
    const DatasetSpec* spec = group.records[r].spec;
    // The run of rows of one dataset starting at r goes in one statement of
    // up to kRowsPerStatement rows: fewer statement executions per row. With
    // the outbox on, rows go one by one (each changed row is journalled).
    std::size_t rows = 0;
    while (r + rows < count && group.records[r + rows].spec == spec &&
           rows < (m_options.outbox == Outbox::on ? 1 : kRowsPerStatement)) {
      const auto& record = group.records[r + rows];
      if (spec == nullptr || record.values.size() != spec->columns.size()) {
        return make_error(ErrorKind::internal, fmt::format("message {} record {}: no dataset spec or wrong number "
                                                           "of values",
                                                           group.message_id, r + rows));
      }
      ++rows;
    }
    if (group.source == Source::iris && spec->feed == elexon::Feed::api_only) {
      return make_error(ErrorKind::internal,
                        fmt::format("message {}: {} is an API-only dataset", group.message_id, spec->code));
    }
    if (spec != current) {
      table = table_name(*spec, group.source);
      table_stats = &stats.tables[table];
      binder.start_dataset(*spec);
      current = spec;
    }
    auto stmt_result = upsert_statement(*spec, table, rows);
    if (!stmt_result) return std::move(stmt_result).error();
    sqlite3_stmt* stmt = *stmt_result;
    StatementGuard guard(stmt);
    int index = 1;
    for (std::size_t k = 0; k < rows; ++k) {
      int rc = SQLITE_OK;
      if (auto ok = binder.bind(stmt, index, r + k, rc); !ok) return ok;
      if (rc != SQLITE_OK) return sqlite_error(fmt::format("cannot bind a {} row", spec->code));
    }
    const std::int64_t updates_before = m_updates;
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      return sqlite_error(rows == 1
                              ? fmt::format("cannot store {} record {} of message {}", spec->code, r, group.message_id)
                              : fmt::format("cannot store {} records {}..{} of message {}", spec->code, r, r + rows - 1,
                                            group.message_id));
    }
    // Every row is inserted, updated (DO UPDATE ran: it calls
    // gbpm_count_update) or ignored (no change).
    const auto changed = static_cast<std::size_t>(sqlite3_changes(m_db));
    const auto updated = static_cast<std::size_t>(m_updates - updates_before);
    TableStats& t = *table_stats;
    t.updated += updated;
    t.inserted += changed - updated;
    t.ignored += rows - changed;
    if (m_options.outbox == Outbox::on && changed != 0) {
      auto row = outbox_row(*spec, group.records[r], source, group.message_id, received);
      if (!row) return std::move(row).error();
      if (auto ok = append_outbox(table, *row); !ok) return ok;
    }
    r += rows;
  }
  return {};
}

Status SqliteWarehouse::append_outbox(std::string_view table, const std::string& row) {
  auto stmt_result = cached("outbox", "INSERT INTO outbox (tbl, row) VALUES (?1, ?2)");
  if (!stmt_result) return std::move(stmt_result).error();
  sqlite3_stmt* stmt = *stmt_result;
  StatementGuard guard(stmt);
  int rc = bind_text(stmt, 1, table, false);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 2, row, false);
  if (rc != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE) {
    return sqlite_error(fmt::format("cannot journal a {} row in the outbox", table));
  }
  return {};
}

Status SqliteWarehouse::transaction(const std::function<Status()>& body) {
  if (m_mode == OpenMode::read_only) return make_error(ErrorKind::internal, "transaction on a read-only warehouse");
  if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
  if (auto ok = body(); !ok) {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return ok;
  }
  if (auto ok = exec("COMMIT"); !ok) {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return ok;
  }
  return {};
}

Status SqliteWarehouse::store_raw(const RawMessage& raw, BatchStats& stats) {
  auto stmt_result = cached("raw_messages",
                            "INSERT INTO raw_messages (dataset, message_id, source, received_at, record_count, body) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (dataset, message_id) DO NOTHING");
  if (!stmt_result) return std::move(stmt_result).error();
  sqlite3_stmt* stmt = *stmt_result;
  StatementGuard guard(stmt);
  const std::string id = raw.message_id.empty() ? "sha256:" + sha256_hex(raw.body) : raw.message_id;
  const std::string received = format_timestamp(raw.received_at);
  int rc = bind_text(stmt, 1, raw.dataset, false);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 2, id, false);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 3, source_name(raw.source), false);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 4, received, false);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(stmt, 5, static_cast<sqlite3_int64>(raw.record_count));
  if (rc == SQLITE_OK) rc = bind_text(stmt, 6, raw.body, false);
  if (rc != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE) {
    return sqlite_error(fmt::format("cannot store raw {} message {}", raw.dataset, id));
  }
  if (sqlite3_changes(m_db) == 0) {
    ++stats.raw_ignored;
    return {};
  }
  ++stats.raw_inserted;
  if (m_options.outbox == Outbox::off) return {};
  json::Writer w;
  w.begin_object().key("dataset").string(raw.dataset).key("message_id").string(id);
  w.key("source").string(source_name(raw.source)).key("received_at").string(received);
  w.key("record_count").int64(static_cast<std::int64_t>(raw.record_count)).key("body").string(raw.body).end_object();
  auto row = w.finish();
  if (!row) return std::move(row).error();
  return append_outbox("raw_messages", *row);
}

Status SqliteWarehouse::store_quarantined(const QuarantinedBody& body, BatchStats& stats) {
  auto stmt_result = cached("quarantine",
                            "INSERT INTO quarantine (source_ref, body_sha256, body, error, quarantined_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source_ref, body_sha256) DO NOTHING");
  if (!stmt_result) return std::move(stmt_result).error();
  sqlite3_stmt* stmt = *stmt_result;
  StatementGuard guard(stmt);
  const std::string hash = sha256_hex(body.body);
  const std::string at = format_timestamp(body.quarantined_at);
  int rc = bind_text(stmt, 1, body.source_ref, false);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 2, hash, false);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_blob64(stmt, 3, body.body.data(), body.body.size(), SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) rc = bind_text(stmt, 4, body.error, false);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 5, at, false);
  if (rc != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE) {
    return sqlite_error(fmt::format("cannot quarantine a body from {}", body.source_ref));
  }
  if (sqlite3_changes(m_db) == 0) {
    ++stats.quarantine_ignored;
    return {};
  }
  ++stats.quarantined;
  if (m_options.outbox == Outbox::off) return {};
  json::Writer w;
  w.begin_object().key("source_ref").string(body.source_ref).key("body_sha256").string(hash);
  w.key("body").string(base64(body.body)).key("error").string(body.error).key("quarantined_at").string(at);
  w.end_object();
  auto row = w.finish();
  if (!row) return std::move(row).error();
  return append_outbox("quarantine", *row);
}

std::optional<std::string> SqliteWarehouse::table_ref(const DatasetSpec& spec, Source source) {
  const std::string table = table_name(spec, source);
  if (m_tables.count(table) != 0) return "\"" + table + "\"";
  auto found =
      query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = @name", {SqlParam{"name", SqlValue{table}}});
  if (!found || found->empty()) return std::nullopt;
  m_tables.insert(table);
  return "\"" + table + "\"";
}

Result<std::vector<SqlRow>> SqliteWarehouse::query(std::string_view sql, const std::vector<SqlParam>& params) {
  auto stmt_result = cached("q:" + std::string(sql), std::string(sql));
  if (!stmt_result) return std::move(stmt_result).error();
  sqlite3_stmt* stmt = *stmt_result;
  StatementGuard guard(stmt);
  sqlite3_clear_bindings(stmt);
  for (const auto& p : params) {
    const int index = sqlite3_bind_parameter_index(stmt, ("@" + p.name).c_str());
    if (index == 0) continue;  // not used by this statement (e.g. a branch whose table is absent)
    int rc = SQLITE_OK;
    const auto& d = p.value.data;
    if (std::holds_alternative<std::monostate>(d))
      rc = sqlite3_bind_null(stmt, index);
    else if (const auto* i = std::get_if<std::int64_t>(&d))
      rc = sqlite3_bind_int64(stmt, index, *i);
    else if (const auto* x = std::get_if<double>(&d))
      rc = sqlite3_bind_double(stmt, index, *x);
    else if (const auto* s = std::get_if<std::string>(&d))
      rc = bind_text(stmt, index, *s, true);
    else if (const auto* t = std::get_if<core::TimePoint>(&d))
      rc = bind_text(stmt, index, format_timestamp(*t), true);
    else if (const auto* day = std::get_if<std::chrono::sys_days>(&d))
      rc = bind_text(stmt, index, format_date(*day), true);
    if (rc != SQLITE_OK) return sqlite_error(fmt::format("cannot bind @{}", p.name));
  }
  std::vector<SqlRow> rows;
  while (true) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(fmt::format("query failed: {}", sql));
    const int n = sqlite3_column_count(stmt);
    SqlRow row(static_cast<std::size_t>(n));
    for (int c = 0; c < n; ++c) {
      auto& cell = row[static_cast<std::size_t>(c)].data;
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER: cell = static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)); break;
        case SQLITE_FLOAT: cell = sqlite3_column_double(stmt, c); break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
          const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, c));
          cell = std::string(data == nullptr ? "" : data, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
          break;
        }
        default: break;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace gbpm::warehouse
