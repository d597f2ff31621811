#pragma once
// The BigQuery backend, over the BigQuery REST v2 client (google/bigquery.hpp).
//
// Writes: store() commits the batch to a local SQLite staging store first
// (a SqliteWarehouse with Outbox::on, so the same transaction journals every
// inserted/updated row), and returns once that commit is durable — "stored"
// never depends on the network. Staged rows are then shipped to BigQuery:
//   load (default): one NDJSON load job per table per batch; the batch is a
//     fixed range of outbox sequence numbers, recorded before submission, and
//     the job id is derived from (staging store id, table, range, attempt),
//     so a ship interrupted after BigQuery accepted the job re-submits the
//     same id and BigQuery answers 409 instead of loading twice. The attempt
//     number moves on only when the job is known to have failed. Waits for a
//     job are bounded (ship_wait, flush_wait): a job still running keeps its
//     rows staged, and the next ship asks BigQuery how it ended before
//     sending anything again.
//   stream: tabledata.insertAll with insertId = (store id, table, sequence).
// Shipping happens from store() when due (every ship_interval, or sooner when
// ship_rows rows are pending but never more often than ship_min_gap), and on
// flush(). A per-table budget of load jobs per rolling 24 h (recorded in the
// staging store, so restarts count) keeps far below BigQuery's 1,500 load jobs
// per table per day. A failed ship loses nothing: the rows stay in the outbox
// and the next ship retries them.
//
// Tables are created on first use: the dataset registry's columns plus the
// lineage columns, DAY partitioned on the dataset's partition column,
// clustered on the natural key (up to 4 clusterable columns); raw_messages
// and quarantine too.
//
// Reads: SqlRunner over BigQuery (`project.dataset.table`, named typed
// parameters), so SqlMarketQueries works unchanged; its latest_rows_sql
// de-duplicates by key and version, so rows shipped twice never show twice.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "warehouse/market_queries.hpp"
#include "warehouse/open.hpp"
#include "warehouse/sql.hpp"
#include "warehouse/warehouse.hpp"

namespace gbpm::google {
class BigQueryClient;
struct TableSpec;
}  // namespace gbpm::google

namespace gbpm::warehouse {

class SqliteWarehouse;

// How staged rows reach BigQuery (GBPM_BIGQUERY_WRITE=load|stream). Load jobs
// are free and atomic; streaming costs money, is unavailable on the free
// tier, and its insertId de-duplication is best effort (reads de-duplicate
// anyway).
enum class WriteMethod { load, stream };

struct BigQueryWarehouseOptions {
  std::string project;
  std::string dataset;
  std::string location;             // of the dataset and jobs; empty: BigQuery's default
  std::filesystem::path staging{};  // the staging SQLite file (read_write only)
  WriteMethod write = WriteMethod::load;
  // Ship at least this often while rows are pending (GBPM_BIGQUERY_SHIP_INTERVAL).
  std::chrono::milliseconds ship_interval{std::chrono::minutes(5)};
  // Ship sooner once this many rows are pending (GBPM_BIGQUERY_SHIP_ROWS)...
  std::size_t ship_rows = 50'000;
  // ...but never sooner than this after the previous ship.
  std::chrono::milliseconds ship_min_gap{std::chrono::minutes(1)};
  // Most rows in one load job (bounds memory: the NDJSON is built in memory).
  std::size_t job_rows = 100'000;
  // Longest wait for a load job to finish inside store() (the ingester's
  // thread: well under the 30 s systemd watchdog and the 1 min broker lock)
  // and inside flush() (shutdown, end of a --once run). A job still running
  // then keeps its rows staged; the next ship asks BigQuery how it ended.
  std::chrono::milliseconds ship_wait{std::chrono::seconds(10)};
  std::chrono::milliseconds flush_wait{std::chrono::minutes(2)};
  // Most load jobs per table in any 24 hours (GBPM_BIGQUERY_JOBS_PER_DAY;
  // BigQuery's limit is 1,500).
  int jobs_per_table_per_day = 1000;
  // Rows per insertAll request (stream).
  std::size_t stream_rows = 500;
  QueryLimits limits{};
};

// Reads GBPM_BIGQUERY_WRITE, GBPM_BIGQUERY_SHIP_INTERVAL, GBPM_BIGQUERY_SHIP_ROWS
// and GBPM_BIGQUERY_JOBS_PER_DAY into `options`. ErrorKind::config naming the
// key for a bad value.
Status apply_config(BigQueryWarehouseOptions& options, const config::Config& config);

// The BigQuery table for `spec` records from `source`: registry columns
// (text/json → STRING, integer → INTEGER, real → FLOAT, timestamp, date,
// boolean; required columns REQUIRED), then source, message_id, received_at;
// DAY partitioned on spec.partition_column; clustered on the key columns
// BigQuery can cluster on (not FLOAT), at most 4.
google::TableSpec bigquery_table_spec(const elexon::DatasetSpec& spec, Source source, const std::string& dataset);
// raw_messages and quarantine, partitioned on received_at / quarantined_at.
google::TableSpec raw_messages_table_spec(const std::string& dataset);
google::TableSpec quarantine_table_spec(const std::string& dataset);

// What one ship() did.
struct ShipStats {
  std::size_t rows = 0;      // rows confirmed in BigQuery
  int jobs = 0;              // load jobs submitted (stream: insertAll requests)
  int already_loaded = 0;    // load jobs BigQuery already had (a re-submitted batch)
  int budget_exhausted = 0;  // tables left pending because of jobs_per_table_per_day
  int still_running = 0;     // load jobs not finished within the wait (rows stay staged)
};

enum class ShipMode {
  due,  // only when the interval/threshold says so (what store() does)
  now,  // everything pending, now (flush)
};

class BigQueryWarehouse final : public Warehouse, public SqlRunner {
 public:
  // `client` talks to BigQuery for options.project; `keep_alive` owns what the
  // client refers to (transport, tokens) and is released after it. read_write
  // opens (creating) the staging store at options.staging; read_only needs
  // none and store() is an error. Nothing is sent to BigQuery here.
  static Result<std::unique_ptr<BigQueryWarehouse>> open(BigQueryWarehouseOptions options, OpenMode mode,
                                                         std::unique_ptr<google::BigQueryClient> client,
                                                         std::shared_ptr<void> keep_alive, core::Clock& clock,
                                                         log::Logger& logger);
  ~BigQueryWarehouse() override;
  BigQueryWarehouse(const BigQueryWarehouse&) = delete;
  BigQueryWarehouse& operator=(const BigQueryWarehouse&) = delete;

  // Durable in the staging store when ok (the same errors as
  // SqliteWarehouse::store); then ships if due. A failed ship is logged and
  // retried later — it does not fail the store.
  Result<BatchStats> store(const Batch& batch) override;
  // ship(ShipMode::now); the error (temporary for transient failures, or
  // when the daily job budget is spent) when something is still pending.
  Status flush() override;
  MarketQueries& market() override { return m_queries; }
  SqlRunner* sql() override { return this; }
  // Every BigQuery request this object made (queries, polls, loads, table
  // creation) and the bytes its queries processed.
  [[nodiscard]] WarehouseUsage usage() const override;

  // Ships pending rows of every table (see the header comment). Stops a table
  // at its first failure and goes on with the others; returns the first
  // failure after trying them all.
  Result<ShipStats> ship(ShipMode mode);
  // Rows staged but not yet confirmed in BigQuery.
  [[nodiscard]] std::size_t pending_rows() const { return m_pending; }
  // This staging store's identity (part of every job id and insertId).
  [[nodiscard]] const std::string& store_id() const { return m_store_id; }

  // SqlRunner over BigQuery.
  std::optional<std::string> table_ref(const elexon::DatasetSpec& spec, Source source) override;
  Result<std::vector<SqlRow>> query(std::string_view sql, const std::vector<SqlParam>& params) override;

 private:
  BigQueryWarehouse(BigQueryWarehouseOptions options, OpenMode mode, std::unique_ptr<google::BigQueryClient> client,
                    std::shared_ptr<void> keep_alive, core::Clock& clock, log::Logger& logger);
  Status open_staging();
  [[nodiscard]] bool due() const;
  Status ensure_table(const std::string& table);
  Result<std::size_t> ship_table_load(const std::string& table, ShipMode mode, ShipStats& stats);
  Result<std::size_t> ship_table_stream(const std::string& table, ShipStats& stats);
  Result<int> jobs_last_day(const std::string& table);
  [[nodiscard]] std::string quoted(const std::string& table) const;

  BigQueryWarehouseOptions m_options;
  OpenMode m_mode;
  std::shared_ptr<void> m_keep_alive;  // declared first: released after the client
  std::unique_ptr<google::BigQueryClient> m_client;
  std::int64_t m_bytes_processed = 0;
  core::Clock& m_clock;
  log::Logger& m_logger;
  std::unique_ptr<SqliteWarehouse> m_staging;
  std::string m_store_id;
  std::size_t m_pending = 0;
  core::TimePoint m_opened_at;
  std::optional<core::TimePoint> m_last_ship;  // last ship attempt (from the staging store's log at open)
  bool m_dataset_ready = false;
  std::set<std::string, std::less<>> m_tables;   // known to exist in BigQuery
  std::set<std::string, std::less<>> m_missing;  // known not to exist (reads)
  SqlMarketQueries m_queries;
};

// The local staging store of a BigQuery warehouse: an SQLite warehouse with
// every stored row (shipping drains only the outbox), so local readers such as
// healthd can answer from it without querying (and paying for) BigQuery.
std::filesystem::path staging_path(const BigQueryUri& uri, const std::filesystem::path& home);

// open_warehouse's bigquery: branch: options from the URI and the config,
// staging at staging_path(), Google credentials
// (Application Default Credentials, BigQuery scope), GBPM_BIGQUERY_URL.
Result<std::unique_ptr<BigQueryWarehouse>> open_bigquery_warehouse(const BigQueryUri& uri, OpenMode mode,
                                                                   const OpenContext& context);

}  // namespace gbpm::warehouse
