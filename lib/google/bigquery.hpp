#pragma once
// A BigQuery REST v2 client: queries with named typed
// parameters (polled and paged to the end), datasets and tables, streaming
// inserts with insertIds, and idempotent NDJSON load jobs.
//
// The client owns its retry loop: BigQuery signals some retryable conditions
// with a 403 (rateLimitExceeded), which a status-only retry layer would give
// up on, so give it a plain transport (CurlTransport), not a
// RetryingTransport. Waits (retry backoff, job polling) sleep on the injected
// core::Clock, so tests never really wait.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "google/bigquery_types.hpp"
#include "net/http.hpp"
#include "net/retry.hpp"

namespace gbpm::auth {
class TokenSource;
}
namespace gbpm::config {
class Config;
}

namespace gbpm::google {

inline constexpr std::string_view kBigQueryUrl = "https://bigquery.googleapis.com";

// How often to ask whether a job has finished: the n-th wait is
// min(max, initial * multiplier^n), and polling gives up (ErrorKind::temporary)
// once `deadline` has passed on the clock since the job was submitted.
struct PollOptions {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{5000};
  double multiplier = 1.5;
  std::chrono::milliseconds deadline{std::chrono::minutes(30)};
};

// The deterministic wait schedule of PollOptions. Stateful; one per job.
class PollPolicy {
 public:
  explicit PollPolicy(PollOptions options = {});
  // The next wait, growing geometrically up to max.
  std::chrono::milliseconds next_delay();
  [[nodiscard]] const PollOptions& options() const { return m_options; }

 private:
  PollOptions m_options;
  int m_count = 0;
};

struct BigQueryOptions {
  // Root URL; requests go to <base_url>/bigquery/v2/... and uploads to
  // <base_url>/upload/bigquery/v2/... (GBPM_BIGQUERY_URL overrides it).
  std::string base_url{kBigQueryUrl};
  std::string project;   // billing/default project for jobs
  std::string location;  // job location ("EU", "US", "europe-west2"); empty: let BigQuery decide
  // Rows per page requested from jobs.query / getQueryResults.
  int page_size = 10000;
  // Long-poll time per jobs.query / getQueryResults call (server side).
  std::chrono::milliseconds server_wait{10000};
  // Per-HTTP-request timeout.
  std::chrono::milliseconds request_timeout{60000};
  net::RetryOptions retry{};
  net::BackoffOptions backoff{};
  PollOptions poll{};
};

// options.base_url from GBPM_BIGQUERY_URL when set (without a trailing '/').
void apply_config(BigQueryOptions& options, const config::Config& config);

struct JobReference {
  std::string project;
  std::string job_id;
  std::string location;
};

struct QueryRequest {
  std::string sql;  // GoogleSQL; never legacy SQL
  std::vector<QueryParameter> parameters{};
  // Unset: a fresh random id, which makes retrying jobs.query idempotent.
  std::optional<std::string> request_id{};
  std::optional<std::int64_t> maximum_bytes_billed{};
  bool dry_run = false;
};

struct QueryResult {
  Schema schema;
  std::vector<Row> rows;
  std::int64_t total_rows = 0;
  std::int64_t total_bytes_processed = 0;
  std::optional<std::int64_t> dml_affected_rows{};
  bool cache_hit = false;
  JobReference job{};
  int pages = 0;  // responses that carried rows or the final page
  int polls = 0;  // getQueryResults calls made while the job was not complete
};

// The encoded jobs.query body; exposed so tests can check the wire format.
std::string encode_query_request(const QueryRequest& request, const BigQueryOptions& options,
                                 std::string_view request_id);

struct TimePartitioning {
  std::string type = "DAY";  // DAY | HOUR | MONTH | YEAR
  std::string field;         // empty: ingestion time
  std::optional<std::int64_t> expiration_ms{};
};

struct TableSpec {
  std::string dataset;
  std::string table;
  Schema schema;
  std::optional<TimePartitioning> partitioning{};
  std::vector<std::string> clustering{};  // most significant first
  std::string description{};
};

struct TableInfo {
  TableSpec spec;  // as BigQuery reports it
  std::int64_t num_rows = 0;
  std::string location;
  std::int64_t creation_time_ms = 0;
};

struct DatasetInfo {
  std::string dataset;
  std::string location;
};

// One row for insertAll: the caller's stable insertId (so a retried request
// is de-duplicated) and the row as a JSON object text.
struct InsertRow {
  std::string insert_id;
  std::string json;
};

enum class InvalidRows { reject_all, skip };
enum class UnknownValues { reject, ignore };

struct RowError {
  std::string reason;  // "invalid", "stopped" (valid row not inserted: resend as is), ...
  std::string location;
  std::string message;
};

struct RowErrors {
  std::size_t index = 0;  // into the rows passed to insert_all
  std::vector<RowError> errors;
};

struct InsertAllResult {
  std::vector<RowErrors> row_errors;  // empty: every row was accepted
  [[nodiscard]] bool ok() const { return row_errors.empty(); }
  // Rows refused for their content (not merely "stopped" beside a bad row).
  [[nodiscard]] std::vector<std::size_t> invalid_rows() const;
};

struct LoadRequest {
  std::string dataset;
  std::string table;
  // Deterministic id for this batch: submitting it again is a no-op that
  // reports the first load's outcome.
  std::string job_id;
  std::string ndjson;  // newline-delimited JSON rows
  enum class Write { append, truncate } write = Write::append;
  std::optional<Schema> schema{};  // set: create the table if needed
  // Longest wait for the job to finish once submitted; unset: the client's
  // poll deadline. A job still running then is not an error (finished=false).
  std::optional<std::chrono::milliseconds> wait{};
};

struct LoadResult {
  JobReference job;
  std::int64_t output_rows = 0;
  bool already_existed = false;  // the job id was known: this call loaded nothing new
  // false: BigQuery accepted the job but it was still running after
  // LoadRequest::wait; poll_job() tells how it ends.
  bool finished = true;
};

// Where a job stands after poll_job().
struct JobOutcome {
  enum class State { running, succeeded, failed } state = State::running;
  std::string resource;          // the last Job resource's JSON text
  std::optional<Error> failure;  // state failed: BigQuery's errorResult as an Error
};

// Not thread-safe: use one client per thread.
class BigQueryClient {
 public:
  // `transport`, `tokens` and `clock` must outlive the client.
  BigQueryClient(net::HttpTransport& transport, auth::TokenSource& tokens, core::Clock& clock, BigQueryOptions options);

  // Runs a GoogleSQL query (jobs.query), polls until complete, and fetches
  // every page. Failed jobs and invalid queries are errors naming BigQuery's
  // reason and message.
  Result<QueryResult> query(const QueryRequest& request);

  Result<DatasetInfo> get_dataset(const std::string& dataset);
  // ErrorKind::unavailable with "already exists" when it does.
  Result<DatasetInfo> insert_dataset(const std::string& dataset);
  Result<TableInfo> get_table(const std::string& dataset, const std::string& table);
  // tables.insert; an existing table is an error ("already exists").
  Result<TableInfo> insert_table(const TableSpec& spec);
  // The table, created from `spec` when missing (a concurrent or retried
  // create that finds it existing is fine). The existing schema is returned
  // as is, not compared.
  Result<TableInfo> ensure_table(const TableSpec& spec);

  // tabledata.insertAll. HTTP-level failures are Errors; rows BigQuery refused
  // come back in InsertAllResult::row_errors, index by index.
  Result<InsertAllResult> insert_all(const std::string& dataset, const std::string& table,
                                     const std::vector<InsertRow>& rows, InvalidRows invalid = InvalidRows::reject_all,
                                     UnknownValues unknown = UnknownValues::reject);

  // A load job from NDJSON via multipart upload, polled to completion. A 409
  // for request.job_id means the same batch was submitted before: that job
  // is polled and its outcome reported with already_existed set.
  Result<LoadResult> load_ndjson(const LoadRequest& request);

  // jobs.get polled until DONE (waits from PollOptions); returns the final
  // Job resource's JSON text. A job that ended with status.errorResult is the
  // Error (temporary for backendError/internalError/rateLimitExceeded).
  Result<std::string> wait_for_job(const JobReference& job);
  // jobs.get polled until DONE or until `wait` has passed (0: one look).
  // Errors only when the state could not be learnt (transport, HTTP error; a
  // job BigQuery does not know is 404, see is_not_found); a job that failed
  // is an outcome, not an error, so callers can tell "failed" from "unknown".
  Result<JobOutcome> poll_job(const JobReference& job, std::chrono::milliseconds wait);

  // HTTP calls made (attempts included), for run records.
  [[nodiscard]] int api_calls() const { return m_api_calls; }

 private:
  struct Call;
  Result<net::Response> send(const Call& call);
  Result<std::string> call_json(const Call& call);
  [[nodiscard]] std::string api_url(std::string_view path) const;

  net::HttpTransport& m_transport;
  auth::TokenSource& m_tokens;
  core::Clock& m_clock;
  BigQueryOptions m_options;
  net::BackoffPolicy m_backoff;
  int m_api_calls = 0;
  long m_last_status = 0;  // HTTP status of the last call_json (0: no response)
};

}  // namespace gbpm::google
