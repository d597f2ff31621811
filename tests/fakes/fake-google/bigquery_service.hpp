#pragma once
// fake-google's BigQuery REST v2: datasets, tables,
// jobs (query and load), jobs.query / getQueryResults, tabledata.list and
// insertAll, multipart upload, and the discovery document Google's `bq` tool
// loads. Queries run for real on SQLite (see bigquery_sql.cpp for the SQL
// subset). Every API request is checked with TokenService::authorize.
//
// Routes (p = project):
//   GET/POST /bigquery/v2/projects/{p}/datasets[/{d}]
//   GET/POST /bigquery/v2/projects/{p}/datasets/{d}/tables[/{t}]
//   GET      /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}/data
//   POST     /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}/insertAll
//   POST     /bigquery/v2/projects/{p}/jobs            (query jobs)
//   GET      /bigquery/v2/projects/{p}/jobs[/{j}]
//   POST     /bigquery/v2/projects/{p}/queries         (jobs.query)
//   GET      /bigquery/v2/projects/{p}/queries/{j}     (getQueryResults)
//   POST     /upload/bigquery/v2/projects/{p}/jobs?uploadType=multipart (load jobs)
//   GET      /bigquery/v2/projects                     (projects seen so far)
//   GET      /discovery/v1/apis/bigquery/v2/rest, /$discovery/rest?version=v2
//   POST     /_fake/bigquery  {"page_size":N, "incomplete_polls":N, "insert_errors":[i,...],
//                              "error":{"status","reason","message","count","method","path_prefix"}}
//
// Not kept across restarts: jobs (and so load-job de-duplication) and the
// insertId window live in memory; datasets, tables and rows live in SQLite.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace httplib {
class Server;
}

namespace gbpm::fakes::google {

class TokenService;

// A BigQuery error returned, body and all, for the next `count` API requests
// matching `method` (empty: any) and `path_prefix` (empty: any). Applied by
// the service after the request body was read, so a faulted POST leaves the
// connection clean (a ServerHost Fault answers before reading the body).
struct ErrorFault {
  int status = 500;
  std::string reason = "backendError";
  std::string message = "Backend error. Job aborted.";
  int count = 1;
  std::string method{};
  std::string path_prefix{};
};

struct BigQueryServiceOptions {
  // SQLite database holding datasets, tables and rows. Empty: in memory.
  std::filesystem::path database{};
  // Most rows in one page of query results / tabledata.list, whatever
  // maxResults asks (small, so clients must page).
  int page_size = 1000;
  // Each new job answers "not finished" (jobComplete:false / state RUNNING)
  // to this many status requests before it reports its result.
  int incomplete_polls = 0;
  std::string location = "US";  // of datasets and jobs created without one
  // insertIds seen within this window are de-duplicated.
  std::chrono::seconds insert_id_window{60};
  // Discovery document to serve; empty: the one installed with the Google
  // Cloud CLI, when there is one.
  std::filesystem::path discovery_file{};
  const core::Clock* clock = nullptr;  // nullptr: wall clock
};

class BigQueryService {
 public:
  // `tokens` must outlive the service. Throws std::runtime_error when the
  // database cannot be opened.
  BigQueryService(BigQueryServiceOptions options, TokenService& tokens);
  ~BigQueryService();
  BigQueryService(const BigQueryService&) = delete;
  BigQueryService& operator=(const BigQueryService&) = delete;

  void install(httplib::Server& server);

  void set_page_size(int rows);
  void set_incomplete_polls(int polls);
  // The next insertAll refuses the rows at these indices as "invalid" (and,
  // unless skipInvalidRows, the others as "stopped"): partial failure on demand.
  void fail_next_insert(std::vector<std::size_t> rows);
  // Arms an error for the next matching requests (also POST /_fake/bigquery
  // {"error":{"status":403,"reason":"rateLimitExceeded","count":2,"path_prefix":"..."}}).
  void inject_error(ErrorFault fault);

  // Rows in a table (0 when it does not exist), for tests to read back.
  [[nodiscard]] std::int64_t row_count(const std::string& project, const std::string& dataset,
                                       const std::string& table) const;
  // Load jobs that actually wrote rows.
  [[nodiscard]] int loads_executed() const;
  // Requests answered (after authorization), by "METHOD /path" prefix match.
  [[nodiscard]] int requests(std::string_view method, std::string_view path_prefix) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Google's error envelope: {"error":{"code","message","errors":[{"message",
// "domain":"global","reason"}],"status"}}.
std::string google_error_body(int code, std::string_view reason, std::string_view message);

// 403 rateLimitExceeded (retryable despite the 403).
ErrorFault rate_limit_exceeded_fault(int count, std::string path_prefix = "/bigquery/v2/");
// 500 backendError.
ErrorFault backend_error_fault(int count, std::string path_prefix = "/bigquery/v2/");

}  // namespace gbpm::fakes::google
