#include "google/bigquery.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <random>

#include "auth/token_source.hpp"
#include "core/config.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::google {
namespace {

// Percent-encodes everything but RFC 3986 unreserved characters, for path
// segments and query values.
std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string random_hex(std::size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  while (out.size() < n) out += fmt::format("{:016x}", rng());
  out.resize(n);
  return out;
}

// A UUID-shaped request id (BigQuery accepts up to 36 ASCII characters).
std::string new_request_id() {
  const std::string h = random_hex(32);
  return fmt::format("{}-{}-4{}-a{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(13, 3), h.substr(17, 3),
                     h.substr(20, 12));
}

Result<json::Document> parse_body(const std::string& body, std::string_view what) {
  auto doc = json::parse(body);
  if (!doc) return doc.error().with_context(fmt::format("{}: response", what));
  return doc;
}

// "1234" (an int64 sent as a string, as BigQuery does) or a plain number.
Result<std::int64_t> int64_field(const json::View& v, std::int64_t fallback = 0) {
  if (v.is_missing() || v.is_null()) return fallback;
  if (v.is_string()) {
    const std::string_view s = *v.as_string();
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || ptr != s.data() + s.size()) return v.error("expected an int64 string");
    return n;
  }
  return v.as_int64();
}

std::string string_field(const json::View& v) {
  auto s = v.optional_string();
  return s && *s ? std::string(**s) : std::string();
}

JobReference parse_job_reference(const json::View& v) {
  return JobReference{string_field(v.field("projectId")), string_field(v.field("jobId")),
                      string_field(v.field("location"))};
}

// The Error a finished job carries in status.errorResult, if any.
std::optional<Error> job_error(const json::View& job, std::string_view what) {
  const json::View err = job.field("status").field("errorResult");
  if (!err.is_object()) return std::nullopt;
  const std::string reason = string_field(err.field("reason"));
  std::string message = string_field(err.field("message"));
  auto errors = job.field("status").field("errors").elements();
  for (const json::View e : errors) {
    const std::string m = string_field(e.field("message"));
    if (!m.empty() && m != message) message += "; " + m;
  }
  const bool retry = is_retryable_error(0, reason) || reason == "jobBackendError" || reason == "jobInternalError";
  return make_error(retry ? ErrorKind::temporary : ErrorKind::unavailable,
                    fmt::format("{}: job {} failed: {}: {}", what,
                                string_field(job.field("jobReference").field("jobId")), reason, message));
}

Result<TableInfo> parse_table(const json::View& t) {
  TableInfo info;
  info.spec.dataset = string_field(t.field("tableReference").field("datasetId"));
  info.spec.table = string_field(t.field("tableReference").field("tableId"));
  auto schema = parse_schema(t.field("schema"));
  if (!schema) return std::move(schema).error();
  info.spec.schema = std::move(*schema);
  info.spec.description = string_field(t.field("description"));
  if (const json::View p = t.field("timePartitioning"); p.is_object()) {
    TimePartitioning tp;
    tp.type = string_field(p.field("type"));
    tp.field = string_field(p.field("field"));
    if (!p.field("expirationMs").is_missing()) {
      auto ms = int64_field(p.field("expirationMs"));
      if (!ms) return std::move(ms).error();
      tp.expiration_ms = *ms;
    }
    info.spec.partitioning = tp;
  }
  for (const json::View f : t.field("clustering").field("fields").elements()) {
    info.spec.clustering.push_back(string_field(f));
  }
  auto rows = int64_field(t.field("numRows"));
  if (!rows) return std::move(rows).error();
  info.num_rows = *rows;
  auto created = int64_field(t.field("creationTime"));
  if (!created) return std::move(created).error();
  info.creation_time_ms = *created;
  info.location = string_field(t.field("location"));
  return info;
}

}  // namespace

PollPolicy::PollPolicy(PollOptions options) : m_options(options) {}

std::chrono::milliseconds PollPolicy::next_delay() {
  const double scaled =
      static_cast<double>(m_options.initial.count()) * std::pow(m_options.multiplier, static_cast<double>(m_count));
  ++m_count;
  const double capped = std::min(scaled, static_cast<double>(m_options.max.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped));
}

void apply_config(BigQueryOptions& options, const config::Config& config) {
  if (auto url = config.find("GBPM_BIGQUERY_URL"); url && !url->value.empty()) {
    options.base_url = url->value;
    while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  }
}

std::vector<std::size_t> InsertAllResult::invalid_rows() const {
  std::vector<std::size_t> out;
  for (const RowErrors& r : row_errors) {
    const bool only_stopped =
        std::all_of(r.errors.begin(), r.errors.end(), [](const RowError& e) { return e.reason == "stopped"; });
    if (!only_stopped) out.push_back(r.index);
  }
  return out;
}

std::string encode_query_request(const QueryRequest& request, const BigQueryOptions& options,
                                 std::string_view request_id) {
  json::Writer w;
  w.begin_object();
  w.key("query").string(request.sql);
  w.key("useLegacySql").boolean(false);
  if (!request.parameters.empty()) {
    w.key("parameterMode").string("NAMED");
    w.key("queryParameters").begin_array();
    for (const QueryParameter& p : request.parameters) write_query_parameter(w, p);
    w.end_array();
  }
  w.key("timeoutMs").int64(options.server_wait.count());
  w.key("maxResults").int64(options.page_size);
  if (!options.location.empty()) w.key("location").string(options.location);
  w.key("requestId").string(request_id);
  w.key("formatOptions").begin_object().key("useInt64Timestamp").boolean(true).end_object();
  if (request.maximum_bytes_billed) w.key("maximumBytesBilled").string(std::to_string(*request.maximum_bytes_billed));
  if (request.dry_run) w.key("dryRun").boolean(true);
  w.end_object();
  auto text = w.finish();
  return text.ok() ? *text : std::string();
}

struct BigQueryClient::Call {
  std::string method = "GET";
  std::string url;
  std::string body{};
  std::string content_type = "application/json";
  net::RetryMode retry = net::RetryMode::automatic;
  std::string what;
};

BigQueryClient::BigQueryClient(net::HttpTransport& transport, auth::TokenSource& tokens, core::Clock& clock,
                               BigQueryOptions options)
    : m_transport(transport),
      m_tokens(tokens),
      m_clock(clock),
      m_options(std::move(options)),
      m_backoff(m_options.backoff) {}

std::string BigQueryClient::api_url(std::string_view path) const {
  return fmt::format("{}/bigquery/v2/projects/{}/{}", m_options.base_url, escape(m_options.project), path);
}

Result<net::Response> BigQueryClient::send(const Call& call) {
  net::BackoffPolicy backoff = m_backoff.fork();
  const net::RetryPolicy policy(m_options.retry);
  const core::TimePoint start = m_clock.now();
  for (int attempt = 1;; ++attempt) {
    auto token = m_tokens.token();
    if (!token) return token.error().with_context(call.what);
    net::Request request{.method = call.method,
                         .url = call.url,
                         .body = call.body,
                         .timeout = m_options.request_timeout,
                         .retry = call.retry};
    request.headers.emplace_back("Authorization", token->authorization());
    if (!call.body.empty() || call.method == "POST") request.headers.emplace_back("Content-Type", call.content_type);
    const auto remaining =
        policy.max_total() - std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.now() - start);
    request.timeout = std::clamp(remaining, std::chrono::milliseconds(1), m_options.request_timeout);
    ++m_api_calls;
    auto outcome = m_transport.send(request);
    bool retryable = false;
    if (!outcome) {
      retryable = outcome.error().kind == ErrorKind::temporary;
    } else if (outcome->success()) {
      return outcome;
    } else {
      retryable = parse_api_error(*outcome).retryable();
    }
    if (!retryable || call.retry == net::RetryMode::never || attempt >= policy.max_attempts()) {
      if (!outcome) return outcome.error().with_context(call.what);
      return outcome;
    }
    std::chrono::milliseconds delay = backoff.next_delay();
    if (outcome) {
      if (auto after = outcome->header("Retry-After")) {
        if (auto wait = net::parse_retry_after(*after, m_clock.now())) delay = std::max(delay, *wait);
      }
    }
    if (m_clock.now() + delay - start > policy.max_total()) {
      if (!outcome) return outcome.error().with_context(call.what);
      return outcome;
    }
    m_clock.sleep_for(delay);
  }
}

Result<std::string> BigQueryClient::call_json(const Call& call) {
  auto response = send(call);
  m_last_status = response ? response->status : 0;
  if (!response) return std::move(response).error();
  if (!response->success()) return to_error(parse_api_error(*response), call.what);
  return std::move(response->body);
}

Result<QueryResult> BigQueryClient::query(const QueryRequest& request) {
  const std::string request_id = request.request_id.value_or(new_request_id());
  const core::TimePoint start = m_clock.now();
  PollPolicy poll(m_options.poll);
  QueryResult result;
  auto body = call_json(Call{.method = "POST",
                             .url = api_url("queries"),
                             .body = encode_query_request(request, m_options, request_id),
                             .what = "BigQuery jobs.query"});
  bool have_schema = false;
  std::string page_token;
  for (;;) {
    if (!body) return std::move(body).error();
    auto doc = parse_body(*body, "BigQuery query");
    if (!doc) return std::move(doc).error();
    const json::View root = doc->root();
    if (result.job.job_id.empty()) result.job = parse_job_reference(root.field("jobReference"));
    auto complete = root.field("jobComplete").optional_bool();
    if (!complete) return std::move(complete).error();
    if (!complete->value_or(true)) {
      if (result.job.job_id.empty()) return root.error("incomplete query without a jobReference");
      if (m_clock.now() - start > m_options.poll.deadline) {
        return make_error(
            ErrorKind::temporary,
            fmt::format("BigQuery query job {} still running after {}s; giving up", result.job.job_id,
                        std::chrono::duration_cast<std::chrono::seconds>(m_options.poll.deadline).count()));
      }
      ++result.polls;
      m_clock.sleep_for(poll.next_delay());
    } else {
      if (!have_schema) {
        auto schema = parse_schema(root.field("schema"));
        if (!schema) return std::move(schema).error();
        result.schema = std::move(*schema);
        have_schema = true;
        auto total = int64_field(root.field("totalRows"));
        auto bytes = int64_field(root.field("totalBytesProcessed"));
        if (!total) return std::move(total).error();
        if (!bytes) return std::move(bytes).error();
        result.total_rows = *total;
        result.total_bytes_processed = *bytes;
        result.cache_hit = root.field("cacheHit").optional_bool().value_or(std::nullopt).value_or(false);
        if (!root.field("numDmlAffectedRows").is_missing()) {
          auto dml = int64_field(root.field("numDmlAffectedRows"));
          if (!dml) return std::move(dml).error();
          result.dml_affected_rows = *dml;
        }
      }
      auto rows = decode_rows(root.field("rows"), result.schema, TimestampEncoding::int64_micros);
      if (!rows) return rows.error().with_context("BigQuery query results");
      ++result.pages;
      for (auto& r : *rows) result.rows.push_back(std::move(r));
      page_token = string_field(root.field("pageToken"));
      if (page_token.empty()) break;
    }
    if (result.job.job_id.empty()) return root.error("paged query result without a jobReference");
    std::string url = fmt::format("{}?timeoutMs={}&maxResults={}&formatOptions.useInt64Timestamp=true",
                                  api_url("queries/" + escape(result.job.job_id)), m_options.server_wait.count(),
                                  m_options.page_size);
    const std::string location = result.job.location.empty() ? m_options.location : result.job.location;
    if (!location.empty()) url += "&location=" + escape(location);
    if (!page_token.empty()) url += "&pageToken=" + escape(page_token);
    body = call_json(Call{.url = url, .what = "BigQuery jobs.getQueryResults"});
  }
  if (static_cast<std::int64_t>(result.rows.size()) != result.total_rows && !request.dry_run) {
    return make_error(ErrorKind::data, fmt::format("BigQuery query job {}: got {} rows, totalRows says {}",
                                                   result.job.job_id, result.rows.size(), result.total_rows));
  }
  return result;
}

Result<DatasetInfo> BigQueryClient::get_dataset(const std::string& dataset) {
  auto body =
      call_json(Call{.url = api_url("datasets/" + escape(dataset)), .what = "BigQuery datasets.get " + dataset});
  if (!body) return std::move(body).error();
  auto doc = parse_body(*body, "BigQuery datasets.get");
  if (!doc) return std::move(doc).error();
  return DatasetInfo{string_field(doc->root().field("datasetReference").field("datasetId")),
                     string_field(doc->root().field("location"))};
}

Result<DatasetInfo> BigQueryClient::insert_dataset(const std::string& dataset) {
  json::Writer w;
  w.begin_object().key("datasetReference").begin_object();
  w.key("projectId").string(m_options.project).key("datasetId").string(dataset).end_object();
  if (!m_options.location.empty()) w.key("location").string(m_options.location);
  w.end_object();
  auto text = w.finish();
  if (!text) return std::move(text).error();
  auto body = call_json(
      Call{.method = "POST", .url = api_url("datasets"), .body = *text, .what = "BigQuery datasets.insert " + dataset});
  if (!body) return std::move(body).error();
  auto doc = parse_body(*body, "BigQuery datasets.insert");
  if (!doc) return std::move(doc).error();
  return DatasetInfo{string_field(doc->root().field("datasetReference").field("datasetId")),
                     string_field(doc->root().field("location"))};
}

Result<TableInfo> BigQueryClient::get_table(const std::string& dataset, const std::string& table) {
  auto body = call_json(Call{.url = api_url(fmt::format("datasets/{}/tables/{}", escape(dataset), escape(table))),
                             .what = fmt::format("BigQuery tables.get {}.{}", dataset, table)});
  if (!body) return std::move(body).error();
  auto doc = parse_body(*body, "BigQuery tables.get");
  if (!doc) return std::move(doc).error();
  return parse_table(doc->root());
}

Result<TableInfo> BigQueryClient::insert_table(const TableSpec& spec) {
  json::Writer w;
  w.begin_object().key("tableReference").begin_object();
  w.key("projectId").string(m_options.project).key("datasetId").string(spec.dataset);
  w.key("tableId").string(spec.table).end_object();
  w.key("schema");
  write_schema(w, spec.schema);
  if (spec.partitioning) {
    w.key("timePartitioning").begin_object().key("type").string(spec.partitioning->type);
    if (!spec.partitioning->field.empty()) w.key("field").string(spec.partitioning->field);
    if (spec.partitioning->expiration_ms) {
      w.key("expirationMs").string(std::to_string(*spec.partitioning->expiration_ms));
    }
    w.end_object();
  }
  if (!spec.clustering.empty()) {
    w.key("clustering").begin_object().key("fields").begin_array();
    for (const auto& f : spec.clustering) w.string(f);
    w.end_array().end_object();
  }
  if (!spec.description.empty()) w.key("description").string(spec.description);
  w.end_object();
  auto text = w.finish();
  if (!text) return std::move(text).error();
  auto body = call_json(Call{.method = "POST",
                             .url = api_url(fmt::format("datasets/{}/tables", escape(spec.dataset))),
                             .body = *text,
                             .what = fmt::format("BigQuery tables.insert {}.{}", spec.dataset, spec.table)});
  if (!body) return std::move(body).error();
  auto doc = parse_body(*body, "BigQuery tables.insert");
  if (!doc) return std::move(doc).error();
  return parse_table(doc->root());
}

Result<TableInfo> BigQueryClient::ensure_table(const TableSpec& spec) {
  auto existing = get_table(spec.dataset, spec.table);
  if (existing || m_last_status != 404) return existing;
  auto created = insert_table(spec);
  if (!created && m_last_status == 409) {
    return get_table(spec.dataset, spec.table);
  }
  return created;
}

Result<InsertAllResult> BigQueryClient::insert_all(const std::string& dataset, const std::string& table,
                                                   const std::vector<InsertRow>& rows, InvalidRows invalid,
                                                   UnknownValues unknown) {
  // Rows are spliced in as raw JSON, so each must be one JSON object.
  std::string body = fmt::format(R"({{"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":{},)"
                                 R"("ignoreUnknownValues":{},"rows":[)",
                                 invalid == InvalidRows::skip, unknown == UnknownValues::ignore);
  bool all_have_ids = true;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto doc = json::parse(rows[i].json);
    if (!doc || !doc->root().is_object()) {
      return make_error(ErrorKind::internal, fmt::format("insert_all row {} is not a JSON object", i));
    }
    if (i > 0) body += ',';
    all_have_ids = all_have_ids && !rows[i].insert_id.empty();
    body += R"({"insertId":)" + json::quote(rows[i].insert_id) + R"(,"json":)" + rows[i].json + '}';
  }
  body += "]}";
  // Without insertIds a retry could insert rows twice: send once.
  auto text =
      call_json(Call{.method = "POST",
                     .url = api_url(fmt::format("datasets/{}/tables/{}/insertAll", escape(dataset), escape(table))),
                     .body = std::move(body),
                     .retry = all_have_ids ? net::RetryMode::automatic : net::RetryMode::never,
                     .what = fmt::format("BigQuery insertAll {}.{}", dataset, table)});
  if (!text) return std::move(text).error();
  auto doc = parse_body(*text, "BigQuery insertAll");
  if (!doc) return std::move(doc).error();
  InsertAllResult result;
  for (const json::View e : doc->root().field("insertErrors").elements()) {
    RowErrors row;
    auto index = e.field("index").as_int64();
    if (!index) return std::move(index).error();
    if (*index < 0 || static_cast<std::size_t>(*index) >= rows.size())
      return e.field("index").error("row index out of range");
    row.index = static_cast<std::size_t>(*index);
    for (const json::View re : e.field("errors").elements()) {
      row.errors.push_back(RowError{string_field(re.field("reason")), string_field(re.field("location")),
                                    string_field(re.field("message"))});
    }
    result.row_errors.push_back(std::move(row));
  }
  std::sort(result.row_errors.begin(), result.row_errors.end(),
            [](const RowErrors& a, const RowErrors& b) { return a.index < b.index; });
  return result;
}

Result<JobOutcome> BigQueryClient::poll_job(const JobReference& job, std::chrono::milliseconds wait) {
  PollPolicy poll(m_options.poll);
  const core::TimePoint start = m_clock.now();
  std::string url = api_url("jobs/" + escape(job.job_id));
  const std::string location = job.location.empty() ? m_options.location : job.location;
  if (!location.empty()) url += "?location=" + escape(location);
  for (;;) {
    auto body = call_json(Call{.url = url, .what = "BigQuery jobs.get " + job.job_id});
    if (!body) return std::move(body).error();
    auto doc = parse_body(*body, "BigQuery jobs.get");
    if (!doc) return std::move(doc).error();
    JobOutcome outcome;
    if (string_field(doc->root().field("status").field("state")) == "DONE") {
      outcome.failure = job_error(doc->root(), "BigQuery");
      outcome.state = outcome.failure ? JobOutcome::State::failed : JobOutcome::State::succeeded;
    }
    if (outcome.state != JobOutcome::State::running || m_clock.now() - start >= wait) {
      outcome.resource = std::move(*body);
      return outcome;
    }
    const auto left = wait - std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.now() - start);
    m_clock.sleep_for(std::min(poll.next_delay(), left));
  }
}

Result<std::string> BigQueryClient::wait_for_job(const JobReference& job) {
  auto outcome = poll_job(job, m_options.poll.deadline);
  if (!outcome) return std::move(outcome).error();
  switch (outcome->state) {
    case JobOutcome::State::succeeded: return std::move(outcome->resource);
    case JobOutcome::State::failed: return *outcome->failure;
    case JobOutcome::State::running: break;
  }
  return make_error(ErrorKind::temporary, fmt::format("BigQuery job {} still running; giving up", job.job_id));
}

Result<LoadResult> BigQueryClient::load_ndjson(const LoadRequest& request) {
  json::Writer w;
  w.begin_object().key("jobReference").begin_object();
  w.key("projectId").string(m_options.project).key("jobId").string(request.job_id);
  if (!m_options.location.empty()) w.key("location").string(m_options.location);
  w.end_object();
  w.key("configuration").begin_object().key("load").begin_object();
  w.key("sourceFormat").string("NEWLINE_DELIMITED_JSON");
  w.key("destinationTable").begin_object().key("projectId").string(m_options.project);
  w.key("datasetId").string(request.dataset).key("tableId").string(request.table).end_object();
  w.key("writeDisposition").string(request.write == LoadRequest::Write::truncate ? "WRITE_TRUNCATE" : "WRITE_APPEND");
  w.key("createDisposition").string(request.schema ? "CREATE_IF_NEEDED" : "CREATE_NEVER");
  if (request.schema) {
    w.key("schema");
    write_schema(w, *request.schema);
  }
  w.key("ignoreUnknownValues").boolean(false).key("maxBadRecords").int64(0);
  w.end_object().end_object().end_object();
  auto metadata = w.finish();
  if (!metadata) return std::move(metadata).error();

  std::string boundary;
  do {
    boundary = "gbpm_" + random_hex(24);
  } while (request.ndjson.find(boundary) != std::string::npos);
  std::string body =
      fmt::format("--{}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{}\r\n", boundary, *metadata);
  body += fmt::format("--{}\r\nContent-Type: application/octet-stream\r\n\r\n", boundary);
  body += request.ndjson;
  body += fmt::format("\r\n--{}--\r\n", boundary);

  const std::string what =
      fmt::format("BigQuery load job {} into {}.{}", request.job_id, request.dataset, request.table);
  // The caller's job id makes a retried insert safe: a duplicate is a 409.
  auto response = send(Call{.method = "POST",
                            .url = fmt::format("{}/upload/bigquery/v2/projects/{}/jobs?uploadType=multipart",
                                               m_options.base_url, escape(m_options.project)),
                            .body = std::move(body),
                            .content_type = "multipart/related; boundary=" + boundary,
                            .what = what});
  if (!response) return std::move(response).error();
  LoadResult result;
  result.job = JobReference{m_options.project, request.job_id, m_options.location};
  if (response->status == 409) {
    result.already_existed = true;
  } else if (!response->success()) {
    return to_error(parse_api_error(*response), what);
  } else {
    auto doc = parse_body(response->body, what);
    if (!doc) return std::move(doc).error();
    const JobReference ref = parse_job_reference(doc->root().field("jobReference"));
    if (!ref.location.empty()) result.job.location = ref.location;
  }
  auto outcome = poll_job(result.job, request.wait.value_or(m_options.poll.deadline));
  if (!outcome) return outcome.error().with_context(what);
  if (outcome->state == JobOutcome::State::failed) return outcome->failure->with_context(what);
  if (outcome->state == JobOutcome::State::running) {
    if (!request.wait) {
      return make_error(ErrorKind::temporary,
                        fmt::format("{}: still running after {}s; giving up", what,
                                    std::chrono::duration_cast<std::chrono::seconds>(m_options.poll.deadline).count()));
    }
    result.finished = false;
    return result;
  }
  auto doc = parse_body(outcome->resource, what);
  if (!doc) return std::move(doc).error();
  auto rows = int64_field(doc->root().field("statistics").field("load").field("outputRows"));
  if (!rows) return std::move(rows).error();
  result.output_rows = *rows;
  return result;
}

}  // namespace gbpm::google
