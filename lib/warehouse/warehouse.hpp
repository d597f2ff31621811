#pragma once
// The warehouse: where every record lands and every dashboard number comes
// from. One interface, two backends: SQLite (the embedded
// default, sqlite_warehouse.hpp) and BigQuery (bigquery_warehouse.hpp; it
// stages in a local SQLite store and ships from there). Writers hand over a Batch — the records of many messages,
// plus unknown-dataset bodies and quarantined bodies — and are told "stored"
// only after the whole batch is durably committed; readers use the
// MarketQueries (market_queries.hpp).
//
// Tables (derived from the dataset registry, elexon/dataset.hpp):
//   bmrs_<code lowercase>_iris   records that came from IRIS
//   bmrs_<code lowercase>        records that came from the Insights API
// Both have the dataset's typed columns, then the lineage columns `source`
// ('IRIS' / 'API'), `message_id` (IRIS message id, or the API request) and
// `received_at`; the primary key is the natural key. Duplicates of a key are
// resolved by the dataset's VersionRule (see SqliteWarehouse::store).
//   raw_messages   bodies of datasets gbpm has no schema for (never dropped)
//   quarantine     bodies that could not be decoded: raw bytes + error

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "elexon/record.hpp"
#include "warehouse/uri.hpp"

namespace gbpm::warehouse {

class MarketQueries;
class SqlRunner;

// Which feed a record came from; selects the table (…_iris or plain).
enum class Source { iris, api };
// "IRIS" / "API", as stored in the `source` column.
std::string_view source_name(Source source);

// The typed records of one message (or one API response) with their lineage.
struct RecordGroup {
  Source source = Source::iris;
  std::string message_id;  // IRIS message id, or the API request (path + query)
  core::TimePoint received_at;
  std::vector<elexon::Record> records;  // each with a registry spec
};

// A body of a dataset gbpm has no schema for, kept as is.
struct RawMessage {
  std::string dataset;
  std::string message_id;  // when empty, "sha256:<hex of body>" is used so replays still dedupe
  std::string body;
  Source source = Source::iris;
  core::TimePoint received_at;
  std::size_t record_count = 0;
};

// A body that could not be decoded, with the decoder's error.
struct QuarantinedBody {
  std::string source_ref;  // where it came from: "servicebus:<message id>", "dir:<path>", an API request
  std::string body;        // raw bytes (any encoding; stored as a BLOB)
  std::string error;
  core::TimePoint quarantined_at;
};

// Everything one ingest step stores atomically (one transaction).
struct Batch {
  std::vector<RecordGroup> groups;
  std::vector<RawMessage> raw;
  std::vector<QuarantinedBody> quarantined;

  [[nodiscard]] bool empty() const { return groups.empty() && raw.empty() && quarantined.empty(); }
};

// What store() did with the rows of one table.
struct TableStats {
  std::size_t inserted = 0;  // new key
  std::size_t updated = 0;   // the stored row was replaced by a newer version
  std::size_t ignored = 0;   // replay, or an older/equal version than stored
};

// What store() did with a batch.
struct BatchStats {
  std::map<std::string, TableStats> tables;  // by table name ("bmrs_fuelinst_iris")
  std::size_t raw_inserted = 0;
  std::size_t raw_ignored = 0;
  std::size_t quarantined = 0;
  std::size_t quarantine_ignored = 0;

  [[nodiscard]] TableStats total() const;
};

// Whether the caller writes (ingest: creates the file and migrates the schema)
// or only reads (dashboard tools: the file must exist; nothing is written).
enum class OpenMode { read_write, read_only };

// Requests made to a remote warehouse API (including polls and retries) and
// bytes its queries processed (what BigQuery bills on-demand queries by).
struct WarehouseUsage {
  std::int64_t api_calls = 0;
  std::int64_t bytes_processed = 0;
};

// A warehouse backend.
class Warehouse {
 public:
  virtual ~Warehouse() = default;

  // Stores a whole batch in one transaction, durable when this returns ok.
  // All or nothing: on error nothing of the batch is stored. Errors:
  // temporary (database busy/locked beyond the busy timeout), output (disk
  // full, I/O error, read-only), internal (a record without a spec or with
  // values that do not match it).
  virtual Result<BatchStats> store(const Batch& batch) = 0;

  // Pushes everything store() accepted on to its final destination, for a
  // graceful shutdown. Backends that store directly (SQLite) have nothing to
  // do. BigQuery: ships the staged rows now; on failure they stay staged
  // (durable) and the error says why (temporary: try again later).
  virtual Status flush() { return {}; }

  // The read side. Valid as long as the warehouse.
  virtual MarketQueries& market() = 0;
  // Raw SQL over the warehouse's tables (coverage and gap queries), valid as
  // long as the warehouse; nullptr for a backend without SQL (test doubles).
  virtual SqlRunner* sql() { return nullptr; }

  // What this warehouse object has cost so far, for the run record. Local
  // backends (SQLite) cost nothing.
  [[nodiscard]] virtual WarehouseUsage usage() const { return {}; }
};

// The table for `spec` records from `source`: "bmrs_fuelinst_iris" / "bmrs_fuelinst".
std::string table_name(const elexon::DatasetSpec& spec, Source source);

}  // namespace gbpm::warehouse
