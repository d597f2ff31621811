#pragma once
// The SQLite backend: the embedded default warehouse (one file, WAL mode).
//
// Storage: timestamps as fixed-width ISO-8601 UTC text with milliseconds
// ('2026-05-06T02:55:00.000Z' — sortable, readable in the sqlite3 shell),
// dates as 'YYYY-MM-DD', booleans as 0/1, json as text.
//
// Durability: the writer uses synchronous=FULL, so a commit is on disk (the
// WAL is fsynced) before store() returns; synchronous=NORMAL in WAL mode may
// lose the last commits on power failure, which would break "a message is
// completed only after its rows are durably committed".
// Concurrency: WAL lets readers (dashboard tools) read while the writer
// writes; each store() is one short IMMEDIATE transaction and each query one
// short read transaction; a busy_timeout absorbs the brief overlaps.
//
// Schema: PRAGMA user_version is the schema version; migrations run forward
// automatically in one transaction when opened read_write. Dataset tables
// are derived from the registry: missing tables are created and columns the
// registry added since are appended (ALTER TABLE ADD COLUMN). A database
// from a newer gbpm is refused (ErrorKind::config), never downgraded.
// Dataset tables have the natural key as PRIMARY KEY, plus an index on the
// partition column unless the key leads with it. (WITHOUT ROWID tables were
// measured no faster to write, their secondary-index entries carry the text
// key, and moving existing warehouses would rewrite every table at start-up.)
// An upsert statement carries up to 32 rows of one dataset (one per row with
// the outbox on).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "warehouse/market_queries.hpp"
#include "warehouse/sql.hpp"
#include "warehouse/warehouse.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gbpm::warehouse {

// The schema version this build writes (PRAGMA user_version).
inline constexpr int kSqliteSchemaVersion = 1;

// Whether store() also journals what it changed, for a backend that ships
// the rows on (BigQuery staging). on: a table
//   outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT, row TEXT)
// gets, in the same transaction, one JSON object per inserted or updated
// dataset row, new raw message and new quarantined body, keyed by the table
// it belongs to. seq is never reused, even after rows are deleted, so a
// (table, seq range) names one set of rows for good. Row JSON: column name
// → value; absent = NULL; timestamps "2026-05-06T02:55:00.000Z", dates
// "YYYY-MM-DD", booleans true/false, json columns as text, the quarantine
// body base64 (it may be any bytes).
enum class Outbox { off, on };

struct SqliteOptions {
  std::chrono::milliseconds busy_timeout{10'000};
  QueryLimits limits;
  Outbox outbox = Outbox::off;
};

class SqliteWarehouse final : public Warehouse, public SqlRunner {
 public:
  // Opens the file at `path`.
  //   read_write: creates it (and its directory) when missing, sets WAL,
  //     applies migrations and creates missing dataset tables.
  //   read_only: the file must exist ("no warehouse yet ... run iris-ingest
  //     first", ErrorKind::config); nothing is ever written (query_only), so
  //     a file of an older schema is read as it is (every older schema has
  //     the same tables and columns; schema 2 only changed their storage).
  // Errors: a file that is not an SQLite database or is corrupt →
  // ErrorKind::output naming the path (the file is left untouched, never
  // recreated); a file or directory that cannot be opened/written →
  // ErrorKind::output; a schema newer than this build → ErrorKind::config.
  static Result<std::unique_ptr<SqliteWarehouse>> open(const std::filesystem::path& path, OpenMode mode,
                                                       SqliteOptions options = {});
  ~SqliteWarehouse() override;
  SqliteWarehouse(const SqliteWarehouse&) = delete;
  SqliteWarehouse& operator=(const SqliteWarehouse&) = delete;

  // Upserts every record by its dataset's VersionRule, in one transaction:
  //   greatest(v):  the stored row is replaced when the new v is greater, or
  //                 equal with a later received_at; otherwise ignored.
  //   last_arrival: replaced when the new received_at is at or after the
  //                 stored one (so replaying an old batch later does not
  //                 regress a newer value that arrived since).
  //   immutable, vintages: the first row of a key stays; replays are ignored.
  // Raw messages and quarantined bodies are inserted once per identity
  // (dataset + message id; source ref + body hash). Commit is durable
  // (synchronous=FULL) before this returns.
  Result<BatchStats> store(const Batch& batch) override;
  MarketQueries& market() override { return m_queries; }
  SqlRunner* sql() override { return this; }

  // SqlRunner (read-only SQL for the market queries; one read transaction per call).
  std::optional<std::string> table_ref(const elexon::DatasetSpec& spec, Source source) override;
  Result<std::vector<SqlRow>> query(std::string_view sql, const std::vector<SqlParam>& params) override;
  [[nodiscard]] bool unique_keys_per_table() const override { return true; }

  // Runs `body` inside one IMMEDIATE transaction (for callers that keep
  // their own bookkeeping tables in this file, using query() for the
  // statements): committed durably when body succeeds, rolled back otherwise.
  Status transaction(const std::function<Status()>& body);

  // The schema version found in the file (after migrations when read_write).
  [[nodiscard]] int schema_version() const { return m_schema_version; }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

 private:
  SqliteWarehouse(std::filesystem::path path, OpenMode mode, SqliteOptions options);
  Status initialise();
  Status migrate();
  Status ensure_dataset_tables();
  Result<sqlite3_stmt*> upsert_statement(const elexon::DatasetSpec& spec, const std::string& table, std::size_t rows);
  Result<sqlite3_stmt*> cached(const std::string& key, const std::string& sql);
  Status exec(const char* sql);
  Status store_group(const RecordGroup& group, BatchStats& stats);
  Status store_raw(const RawMessage& raw, BatchStats& stats);
  Status store_quarantined(const QuarantinedBody& body, BatchStats& stats);
  Status append_outbox(std::string_view table, const std::string& row);
  [[nodiscard]] Error sqlite_error(std::string_view what) const;

  std::filesystem::path m_path;
  OpenMode m_mode;
  SqliteOptions m_options;
  sqlite3* m_db = nullptr;
  int m_schema_version = 0;
  std::int64_t m_updates = 0;  // rows rewritten by an upsert's DO UPDATE (gbpm_count_update)
  std::map<std::string, sqlite3_stmt*, std::less<>> m_statements;
  std::set<std::string, std::less<>> m_tables;  // existing tables (positive cache)
  SqlMarketQueries m_queries;
};

}  // namespace gbpm::warehouse
