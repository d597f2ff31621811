// BigQueryClient against the fake BigQuery over HTTPS (fake-google hosted
// in-process): paging after jobComplete:false, parameters, insertAll partial
// failure, idempotent load jobs, and retry storms.

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "auth/token_source.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/bigquery_service.hpp"
#include "fakes/fake-google/bigquery_sql.hpp"
#include "fakes/fake-google/fake_google.hpp"
#include "google/bigquery.hpp"
#include "json/json.hpp"
#include "net/curl_transport.hpp"
#include "support/fake_clock.hpp"
#include "support/static_token_source.hpp"

using namespace gbpm;
using namespace gbpm::google;
namespace fg = gbpm::fakes::google;

namespace {

using gbpm::testing::StaticTokenSource;

constexpr std::int64_t kBase = 1714586400123456;  // 2024-05-01T18:00:00.123456Z

const Schema& table_schema() {
  static const Schema schema = [] {
    Field tags{.name = "tags", .type = FieldType::string, .mode = FieldMode::repeated};
    Field addr{.name = "addr",
               .type = FieldType::record,
               .fields = {Field{.name = "city", .type = FieldType::string},
                          Field{.name = "seen", .type = FieldType::timestamp}}};
    return Schema{Field{.name = "id", .type = FieldType::int64, .mode = FieldMode::required},
                  Field{.name = "name", .type = FieldType::string},
                  Field{.name = "ts", .type = FieldType::timestamp},
                  Field{.name = "score", .type = FieldType::float64},
                  Field{.name = "ok", .type = FieldType::boolean},
                  Field{.name = "day", .type = FieldType::date},
                  tags,
                  addr};
  }();
  return schema;
}

std::string row_json(int id) {
  return fmt::format(R"({{"id":{},"name":"n{}","ts":"{}","score":{},"ok":{},"day":"2024-05-01","tags":["a{}","b"],)"
                     R"("addr":{{"city":"c{}","seen":{}}}}})",
                     id, id, fg::format_timestamp_micros(kBase + id * 1000000LL), id * 0.5,
                     id % 2 == 0 ? "true" : "false", id, id, id % 3 == 0 ? "null" : "\"2024-05-01 00:00:00 UTC\"");
}

struct Fixture {
  core::FakeClock clock{core::TimePoint(std::chrono::seconds(1714586400))};
  fg::FakeGoogle google{fg::FakeGoogleOptions{}};
  fg::BigQueryService bq{fg::BigQueryServiceOptions{.page_size = 4, .clock = &clock}, google.tokens()};
  std::unique_ptr<fakes::ServerHost> host;
  std::unique_ptr<net::CurlTransport> transport;
  std::unique_ptr<StaticTokenSource> tokens;
  std::unique_ptr<BigQueryClient> client;

  explicit Fixture(net::RetryOptions retry = {}) {
    google.add_service([this](httplib::Server& s, fg::TokenService&) { bq.install(s); });
    host = std::make_unique<fakes::ServerHost>(fakes::ServeOptions{}, google.installer());
    host->start();
    auto t = net::CurlTransport::create({.ca_file = host->ca_file().string()});
    REQUIRE(t.ok());
    transport = std::move(*t);
    tokens = std::make_unique<StaticTokenSource>(google.tokens().issue_token_for_tests("tester@proj.iam"));
    BigQueryOptions options;
    options.base_url = host->url();
    options.project = "proj";
    options.location = "EU";
    options.retry = retry;
    options.backoff.random = [] { return 1.0; };  // deterministic: always the ceiling
    client = std::make_unique<BigQueryClient>(*transport, *tokens, clock, options);
    REQUIRE(client->insert_dataset("ds").ok());
  }

  void make_table(int rows) {
    TableSpec spec{.dataset = "ds", .table = "t", .schema = table_schema()};
    spec.partitioning = TimePartitioning{.type = "DAY", .field = "ts"};
    spec.clustering = {"name"};
    REQUIRE(client->insert_table(spec).ok());
    std::vector<InsertRow> batch;
    for (int i = 1; i <= rows; ++i) batch.push_back(InsertRow{fmt::format("row-{}", i), row_json(i)});
    auto inserted = client->insert_all("ds", "t", batch);
    REQUIRE(inserted.ok());
    REQUIRE(inserted->ok());
  }
};

}  // namespace

TEST_CASE("a query is polled past jobComplete:false and read in 3+ pages, fully typed", "[bigquery][fake]") {
  Fixture f;
  f.make_table(10);
  f.bq.set_incomplete_polls(2);
  auto result =
      f.client->query({.sql = "SELECT id, name, ts, score, ok, day, tags, addr FROM `proj.ds.t` ORDER BY id"});
  REQUIRE(result.ok());
  CHECK(result->polls == 2);
  CHECK(result->pages == 3);  // 10 rows at 4 per page
  CHECK(result->total_rows == 10);
  CHECK(result->total_bytes_processed > 0);
  CHECK(result->job.location == "EU");
  // Two poll waits on the injected clock, growing by the poll policy.
  CHECK(f.clock.sleeps() == std::vector<core::Duration>{core::Duration(250), core::Duration(375)});
  CHECK(f.bq.requests("GET", "/bigquery/v2/projects/proj/queries/") == 4);  // 2 polls + 2 more pages

  REQUIRE(result->rows.size() == 10);
  REQUIRE(result->schema.size() == 8);
  CHECK(result->schema[2].type == FieldType::timestamp);
  CHECK(result->schema[6].mode == FieldMode::repeated);
  for (int i = 1; i <= 10; ++i) {
    const Row& r = result->rows[static_cast<std::size_t>(i - 1)];
    CHECK(r[0] == Value::int64(i));
    CHECK(r[1] == Value::text(FieldType::string, fmt::format("n{}", i)));
    CHECK(r[2] == Value::timestamp_micros(kBase + i * 1000000LL));  // microseconds intact
    CHECK(r[3] == Value::float64(i * 0.5));
    CHECK(r[4] == Value::boolean(i % 2 == 0));
    CHECK(r[5] == Value::text(FieldType::date, "2024-05-01"));
    CHECK(r[6] == Value::array(FieldType::string, {Value::text(FieldType::string, fmt::format("a{}", i)),
                                                   Value::text(FieldType::string, "b")}));
    CHECK(r[7] ==
          Value::record({Value::text(FieldType::string, fmt::format("c{}", i)),
                         i % 3 == 0 ? Value::null(FieldType::timestamp) : Value::timestamp_micros(1714521600000000)}));
  }
}

TEST_CASE("named, typed parameters filter rows and aggregates keep their types", "[bigquery][fake]") {
  Fixture f;
  f.make_table(10);
  auto result = f.client->query(
      {.sql = "SELECT COUNT(*) AS n, MAX(ts) AS latest, SUM(id) AS total, AVG(score) AS mean "
              "FROM `proj.ds.t` WHERE id >= @min AND ts < @before AND name IN UNNEST(@names) AND ok = @ok",
       .parameters = {QueryParameter::int64("min", 3),
                      QueryParameter::timestamp("before", core::TimePoint(std::chrono::microseconds(kBase + 9000000))),
                      QueryParameter::string_array("names", {"n2", "n4", "n6", "n8", "n10"}),
                      QueryParameter::boolean("ok", true)}});
  REQUIRE(result.ok());
  REQUIRE(result->rows.size() == 1);
  // ids 4, 6, 8 qualify (>= 3, before id 9's timestamp, named, even).
  CHECK(result->schema[0].type == FieldType::int64);
  CHECK(result->schema[1].type == FieldType::timestamp);
  CHECK(result->schema[3].type == FieldType::float64);
  CHECK(result->rows[0][0] == Value::int64(3));
  CHECK(result->rows[0][1] == Value::timestamp_micros(kBase + 8000000));
  CHECK(result->rows[0][2] == Value::int64(18));
  CHECK(result->rows[0][3] == Value::float64(3.0));

  // A NULL parameter matches nothing; an unknown parameter is a permanent error.
  auto none = f.client->query({.sql = "SELECT id FROM `proj.ds.t` WHERE name = @n",
                               .parameters = {QueryParameter::null("n", FieldType::string)}});
  REQUIRE(none.ok());
  CHECK(none->rows.empty());
  auto missing = f.client->query({.sql = "SELECT id FROM `proj.ds.t` WHERE id = @nope"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::unavailable);
  CHECK(missing.error().message.find("invalidQuery") != std::string::npos);
  auto no_table = f.client->query({.sql = "SELECT 1 FROM `proj.ds.nope`"});
  REQUIRE_FALSE(no_table.ok());
  CHECK(no_table.error().message.find("HTTP 404 notFound: Not found: Table proj:ds.nope") != std::string::npos);
}

TEST_CASE("insertAll partial failure is reported row by row and inserts nothing", "[bigquery][fake]") {
  Fixture f;
  f.make_table(0);
  std::vector<InsertRow> batch;
  for (int i = 1; i <= 4; ++i) batch.push_back(InsertRow{fmt::format("p-{}", i), row_json(i)});
  batch[1].json = R"({"id":2,"age":7})";          // unknown field
  batch[3].json = R"({"id":"four","name":"x"})";  // not an integer
  auto result = f.client->insert_all("ds", "t", batch);
  REQUIRE(result.ok());
  REQUIRE(result->row_errors.size() == 4);
  CHECK(result->invalid_rows() == std::vector<std::size_t>{1, 3});
  CHECK(result->row_errors[0].errors.at(0).reason == "stopped");
  CHECK(result->row_errors[1].errors.at(0).reason == "invalid");
  CHECK(result->row_errors[1].errors.at(0).message == "no such field: age.");
  CHECK(result->row_errors[1].errors.at(0).location == "age");
  CHECK(result->row_errors[3].errors.at(0).message.find("integer") != std::string::npos);
  CHECK(f.bq.row_count("proj", "ds", "t") == 0);

  // With skipInvalidRows the valid rows go in; an injected rejection is reported.
  f.bq.fail_next_insert({0});
  auto skipped = f.client->insert_all("ds", "t", batch, InvalidRows::skip);
  REQUIRE(skipped.ok());
  CHECK(skipped->invalid_rows() == std::vector<std::size_t>{0, 1, 3});
  CHECK(f.bq.row_count("proj", "ds", "t") == 1);  // row 3 (index 2)

  // Re-sending rows with the same insertIds does not duplicate them.
  const std::vector<InsertRow> again{batch[2], InsertRow{"p-5", row_json(5)}};
  REQUIRE(f.client->insert_all("ds", "t", again)->ok());
  REQUIRE(f.client->insert_all("ds", "t", again)->ok());
  CHECK(f.bq.row_count("proj", "ds", "t") == 2);
}

TEST_CASE("the same load job submitted twice loads once", "[bigquery][fake]") {
  Fixture f;
  f.bq.set_incomplete_polls(1);  // the job reports RUNNING once: the client polls jobs.get
  std::string ndjson;
  for (int i = 1; i <= 5; ++i) ndjson += row_json(i) + "\n";
  const LoadRequest load{
      .dataset = "ds", .table = "t", .job_id = "gbpm_load_batch_0001", .ndjson = ndjson, .schema = table_schema()};
  auto first = f.client->load_ndjson(load);
  REQUIRE(first.ok());
  CHECK_FALSE(first->already_existed);
  CHECK(first->output_rows == 5);
  CHECK(first->job.job_id == "gbpm_load_batch_0001");
  auto second = f.client->load_ndjson(load);
  REQUIRE(second.ok());
  CHECK(second->already_existed);
  CHECK(second->output_rows == 5);  // the first load's outcome
  CHECK(f.bq.loads_executed() == 1);
  CHECK(f.bq.row_count("proj", "ds", "t") == 5);

  auto rows = f.client->query({.sql = "SELECT ts, tags FROM `ds.t` WHERE id = 5"});
  REQUIRE(rows.ok());
  CHECK(rows->rows.at(0).at(0) == Value::timestamp_micros(kBase + 5000000));

  // A load with a bad line fails as a whole and the error says why.
  auto bad = f.client->load_ndjson(LoadRequest{
      .dataset = "ds", .table = "t", .job_id = "gbpm_load_batch_0002", .ndjson = row_json(6) + "\n{\"id\":\"x\"}\n"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("too many errors") != std::string::npos);
  CHECK(f.bq.row_count("proj", "ds", "t") == 5);
}

TEST_CASE("backendError, rateLimitExceeded and 429 storms are retried within bounds", "[bigquery][fake]") {
  Fixture f(net::RetryOptions{.max_attempts = 4, .max_total = std::chrono::minutes(2)});
  f.make_table(3);
  const int calls_before = f.client->api_calls();

  f.bq.inject_error(fg::backend_error_fault(3, "/bigquery/v2/projects/proj/queries"));
  auto ok = f.client->query({.sql = "SELECT id FROM `proj.ds.t`"});
  INFO((ok.ok() ? std::string() : ok.error().message));
  REQUIRE(ok.ok());
  CHECK(ok->rows.size() == 3);
  CHECK(f.client->api_calls() - calls_before == 4);
  // Backoff waits (jitter pinned to the ceiling): 1 s, 2 s, 4 s.
  CHECK(f.clock.sleeps() ==
        std::vector<core::Duration>{core::Duration(1000), core::Duration(2000), core::Duration(4000)});

  f.bq.inject_error(fg::rate_limit_exceeded_fault(2, "/bigquery/v2/projects/proj/datasets/ds/tables/t/insertAll"));
  f.bq.inject_error(fg::ErrorFault{.status = 429,
                                   .reason = "rateLimitExceeded",
                                   .message = "Too many requests",
                                   .path_prefix = "/bigquery/v2/projects/proj/datasets/ds/tables/t/insertAll"});
  auto inserted = f.client->insert_all("ds", "t", {InsertRow{"r-9", row_json(9)}});
  REQUIRE(inserted.ok());
  CHECK(f.bq.row_count("proj", "ds", "t") == 4);

  // A storm longer than the attempt budget gives up with a temporary error;
  // here a proxy's HTML 502 (a ServerHost fault: fine for a GET, which has no body).
  const int before = f.client->api_calls();
  f.host->inject(fakes::Fault{.method = "GET",
                              .path_prefix = "/bigquery/v2/projects/proj/datasets/ds/tables/t",
                              .count = 10,
                              .status = 502,
                              .body = "<html><body>502 Bad Gateway</body></html>",
                              .content_type = "text/html"});
  auto failed = f.client->get_table("ds", "t");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().kind == ErrorKind::temporary);
  CHECK(failed.error().message.find("HTTP 502: <html><body>502 Bad Gateway") != std::string::npos);
  CHECK(f.client->api_calls() - before == 4);
  f.host->clear_faults();

  // quotaExceeded is permanent: one attempt.
  const int q_before = f.client->api_calls();
  f.host->inject(fakes::Fault{.method = "GET",
                              .path_prefix = "/bigquery/v2/",
                              .count = 5,
                              .status = 403,
                              .body = fg::google_error_body(403, "quotaExceeded", "Quota exceeded: daily limit")});
  auto quota = f.client->get_dataset("ds");
  REQUIRE_FALSE(quota.ok());
  CHECK(quota.error().kind == ErrorKind::unavailable);
  CHECK(f.client->api_calls() - q_before == 1);
}

TEST_CASE("tables carry DAY partitioning and clustering, and ensure_table is idempotent", "[bigquery][fake]") {
  Fixture f;
  TableSpec spec{.dataset = "ds", .table = "events", .schema = table_schema()};
  spec.partitioning = TimePartitioning{.type = "DAY", .field = "ts", .expiration_ms = 7776000000};
  spec.clustering = {"name", "id"};
  auto created = f.client->ensure_table(spec);
  REQUIRE(created.ok());
  auto got = f.client->get_table("ds", "events");
  REQUIRE(got.ok());
  REQUIRE(got->spec.partitioning.has_value());
  CHECK(got->spec.partitioning->type == "DAY");
  CHECK(got->spec.partitioning->field == "ts");
  CHECK(got->spec.partitioning->expiration_ms == 7776000000);
  CHECK(got->spec.clustering == std::vector<std::string>{"name", "id"});
  CHECK(got->spec.schema.size() == table_schema().size());
  CHECK(got->spec.schema[7].fields.size() == 2);
  CHECK(got->location == "EU");
  CHECK(f.client->ensure_table(spec).ok());
  auto again = f.client->insert_table(spec);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("HTTP 409 duplicate: Already Exists: Table proj:ds.events") != std::string::npos);

  spec.table = "bad";
  spec.partitioning->field = "name";
  auto bad = f.client->insert_table(spec);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("time partitioning") != std::string::npos);
  auto ds = f.client->get_dataset("ds");
  REQUIRE(ds.ok());
  CHECK(ds->location == "EU");
}

TEST_CASE("the fake encodes TIMESTAMP as float seconds unless int64 micros are asked for", "[bigquery][fake]") {
  Fixture f;
  f.make_table(2);
  auto q = f.client->query({.sql = "SELECT ts FROM `proj.ds.t` ORDER BY id"});
  REQUIRE(q.ok());
  // Read the same job's results raw, without formatOptions.useInt64Timestamp.
  auto raw = f.transport->send(net::Request{
      .url = fmt::format("{}/bigquery/v2/projects/proj/queries/{}?location=EU", f.host->url(), q->job.job_id),
      .headers = {{"Authorization", f.tokens->token()->authorization()}}});
  REQUIRE(raw.ok());
  REQUIRE(raw->status == 200);
  auto doc = json::parse(raw->body);
  REQUIRE(doc.ok());
  const std::string cell(*doc->root().field("rows").index(0).field("f").index(0).field("v").as_string());
  CHECK(cell.find('E') != std::string::npos);  // scientific, as BigQuery writes it
  CHECK(*doc->root().field("totalRows").as_string() == "2");
  auto schema = parse_schema(doc->root().field("schema"));
  REQUIRE(schema.ok());
  auto rows = decode_rows(doc->root().field("rows"), *schema, TimestampEncoding::float_seconds);
  REQUIRE(rows.ok());
  const std::int64_t micros = *rows->at(0).at(0).as_timestamp_micros();
  CHECK(std::llabs(micros - (kBase + 1000000)) <= 1);  // a double keeps ~0.25 µs here

  // An expired or foreign token is refused with Google's 401 body.
  StaticTokenSource wrong("not-a-token");
  BigQueryOptions options{.base_url = f.host->url(), .project = "proj"};
  BigQueryClient stranger(*f.transport, wrong, f.clock, options);
  auto refused = stranger.get_dataset("ds");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::unavailable);
  CHECK(refused.error().message.find("HTTP 401") != std::string::npos);
}

TEST_CASE("the fake runs the GoogleSQL subset it documents", "[bigquery][fake]") {
  Fixture f;
  f.make_table(4);
  // The fake's CURRENT_TIMESTAMP is its clock: 2024-05-01T18:00:00Z here.
  auto r = f.client->query(
      {.sql = "-- comment\n"
              "SELECT TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 30 MINUTE) AS t0, "
              "TIMESTAMP_TRUNC(TIMESTAMP '2024-05-01 12:34:56.5 UTC', HOUR) AS t1, "
              "SAFE_DIVIDE(1, 0) AS nothing, SAFE_DIVIDE(3, 2) AS half, CAST('42' AS INT64) AS n, "
              "\"it's\" AS s, TIMESTAMP_DIFF(TIMESTAMP '2024-05-02', TIMESTAMP '2024-05-01', HOUR) AS hours, "
              "DATE(TIMESTAMP_MICROS(1714586400123456)) AS d, IF(1 > 0, 'yes', 'no') AS yn /* block */"});
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  REQUIRE(r->rows.size() == 1);
  const Row& row = r->rows[0];
  CHECK(r->schema[0].type == FieldType::timestamp);
  CHECK(row[0] == Value::timestamp_micros(1714586400000000 - 1800000000LL));
  CHECK(row[1] == Value::timestamp_micros(1714564800000000));
  CHECK(row[2].is_null());
  CHECK(row[3] == Value::float64(1.5));
  CHECK(row[4] == Value::int64(42));
  CHECK(row[5] == Value::text(FieldType::string, "it's"));
  CHECK(row[6] == Value::int64(24));
  CHECK(row[7] == Value::text(FieldType::date, "2024-05-01"));
  CHECK(row[8] == Value::text(FieldType::string, "yes"));

  // Rows newer than an hour before "now", grouped by a truncated timestamp.
  auto recent = f.client->query(
      {.sql = "SELECT TIMESTAMP_TRUNC(ts, MINUTE) AS minute, COUNT(*) AS n FROM `ds.t` "
              "WHERE ts >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR) GROUP BY minute ORDER BY minute"});
  REQUIRE(recent.ok());
  REQUIRE(recent->rows.size() == 1);  // rows 1-4 are at 18:00:01..18:00:04
  CHECK(recent->rows[0][0] == Value::timestamp_micros(1714586400000000));
  CHECK(recent->rows[0][1] == Value::int64(4));

  // DML reports the rows it changed.
  auto deleted =
      f.client->query({.sql = "DELETE FROM `proj.ds.t` WHERE id <= @n", .parameters = {QueryParameter::int64("n", 2)}});
  REQUIRE(deleted.ok());
  CHECK(deleted->dml_affected_rows == 2);
  CHECK(f.bq.row_count("proj", "ds", "t") == 2);

  auto bad = f.client->query({.sql = "SELECT FROM WHERE"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("400 invalidQuery") != std::string::npos);
}

TEST_CASE("the fake serves a discovery document rewritten to its own URL, and an admin endpoint", "[bigquery][fake]") {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("gbpm-bq-disc-{}", ::getpid());
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "bigquery.json")
        << R"({"rootUrl":"https://bigquery.googleapis.com/","servicePath":"bigquery/v2/",)"
        << R"("baseUrl":"https://bigquery.googleapis.com/bigquery/v2/"})";
  }
  fg::FakeGoogle google{fg::FakeGoogleOptions{}};
  fg::BigQueryService bq{fg::BigQueryServiceOptions{.discovery_file = dir / "bigquery.json"}, google.tokens()};
  google.add_service([&bq](httplib::Server& s, fg::TokenService&) { bq.install(s); });
  fakes::ServerHost host(fakes::ServeOptions{}, google.installer());
  host.start();
  auto t = net::CurlTransport::create({.ca_file = host.ca_file().string()});
  REQUIRE(t.ok());
  for (const std::string path : {"/$discovery/rest?version=v2", "/discovery/v1/apis/bigquery/v2/rest"}) {
    auto r = (*t)->send(net::Request{.url = host.url() + path});
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    auto doc = json::parse(r->body);
    REQUIRE(doc.ok());
    CHECK(*doc->root().field("rootUrl").as_string() == host.url() + "/");
    CHECK(*doc->root().field("baseUrl").as_string() == host.url() + "/bigquery/v2/");
  }
  // Admin: arm a service error and a not-finished job over HTTP.
  auto armed = (*t)->send(net::Request{
      .method = "POST",
      .url = host.url() + "/_fake/bigquery",
      .body = R"({"incomplete_polls":1,"error":{"status":503,"reason":"backendError","count":1,"method":"GET"}})"});
  REQUIRE(armed.ok());
  CHECK(armed->status == 200);
  const std::string token = google.tokens().issue_token_for_tests("x");
  auto faulted = (*t)->send(net::Request{.url = host.url() + "/bigquery/v2/projects/p/datasets",
                                         .headers = {{"Authorization", "Bearer " + token}}});
  REQUIRE(faulted.ok());
  CHECK(faulted->status == 503);
  const ApiError e = parse_api_error(*faulted);
  CHECK(e.reason == "backendError");
  CHECK(e.status == "UNAVAILABLE");
  auto q = (*t)->send(net::Request{.method = "POST",
                                   .url = host.url() + "/bigquery/v2/projects/p/queries",
                                   .headers = {{"Authorization", "Bearer " + token}},
                                   .body = R"({"query":"SELECT 1 AS one","useLegacySql":false})"});
  REQUIRE(q.ok());
  CHECK(q->body.find(R"("jobComplete":false)") != std::string::npos);
  std::filesystem::remove_all(dir);
}
