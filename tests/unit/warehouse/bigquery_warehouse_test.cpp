// The BigQuery backend against the fake BigQuery over HTTPS: table creation,
// staging + outbox, deterministic shipping identities, failures and
// restarts, replay/shuffle idempotence, the load-job rate bound, streaming,
// and read-only use.

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "backend_fixture.hpp"
#include "core/config.hpp"
#include "support/fake_clock.hpp"
#include "warehouse_fixtures.hpp"

using namespace gbpm::warehouse;
using namespace gbpm::warehouse::test;
using gbpm::core::format_utc;
using gbpm::testing::TempDir;
using namespace std::chrono;
namespace fg = gbpm::fakes::google;

namespace {

constexpr std::string_view kLoadPath = "/upload/bigquery/v2/projects/proj/jobs";

Batch batch_of(std::vector<gbpm::elexon::Record> recs, std::string id, gbpm::core::TimePoint received) {
  Batch b;
  b.groups.push_back(group(std::move(recs), std::move(id), received));
  return b;
}

void require_stored(BigQueryWarehouse& w, const Batch& b) {
  auto s = w.store(b);
  INFO((s.ok() ? "" : s.error().message));
  REQUIRE(s.ok());
}

void require_flushed(BigQueryWarehouse& w) {
  auto f = w.flush();
  INFO((f.ok() ? "" : f.error().message));
  REQUIRE(f.ok());
}

// One FUELINST reading per 5-minute instant starting at `first`.
std::vector<gbpm::elexon::Record> readings(gbpm::core::TimePoint first, int count, int mw,
                                           std::string_view publish_offset = "") {
  std::string json = "[";
  for (int i = 0; i < count; ++i) {
    const auto t = first + minutes(5) * i;
    if (i > 0) json += ",";
    const auto publish = publish_offset.empty() ? t + minutes(5) : t + minutes(10);
    json += fuelinst_row(format_utc(t), format_utc(publish), "2026-05-06", 9, "CCGT", std::to_string(mw + i));
  }
  return records("FUELINST", json + "]");
}

// The latest FUELINST rows in a window, as text, read through the market SQL.
std::string fuelinst_answer(BigQueryWarehouse& w) {
  auto sql = latest_rows_sql(w, *gbpm::elexon::find_dataset("FUELINST"),
                             {"start_time", "fuel_type", "generation", "publish_time"},
                             "start_time >= @from AND start_time < @to");
  REQUIRE(sql.has_value());
  auto rows = w.query(
      *sql + " ORDER BY start_time, fuel_type",
      {SqlParam{"from", SqlValue{utc("2024-01-01T00:00:00Z")}}, SqlParam{"to", SqlValue{utc("2027-01-01T00:00:00Z")}}});
  INFO((rows.ok() ? "" : rows.error().message));
  REQUIRE(rows.ok());
  std::string out;
  for (const auto& r : *rows) {
    out += fmt::format("{} {} {} {}\n", format_utc(*r[0].as_time()), r[1].as_text().value_or("?"),
                       r[2].as_number().value_or(-1), format_utc(*r[3].as_time()));
  }
  return out;
}

struct Env {
  gbpm::core::FakeClock clock{utc("2026-05-06T04:00:00Z")};
  FakeBigQuery fake{clock};
  TempDir dir;
  std::filesystem::path staging = dir / "bigquery" / "proj.ds.db";
};

}  // namespace

TEST_CASE("BigQuery tables are created on first ship, DAY partitioned and clustered on the key",
          "[bigquery][warehouse]") {
  Env env;
  auto w = env.fake.open(env.staging);
  Batch b = batch_of(fixture_records("FUELINST"), "m1", utc("2026-05-06T03:00:00Z"));
  b.raw.push_back(RawMessage{"NEWTHING", "m2", R"({"x":1})", Source::iris, utc("2026-05-06T03:00:00Z"), 1});
  b.quarantined.push_back(
      QuarantinedBody{"dir:/x/bad.json", std::string("\xff\x00{", 3), "not JSON", utc("2026-05-06T03:00:00Z")});
  require_stored(*w, b);
  CHECK(w->pending_rows() == 21);
  require_flushed(*w);
  CHECK(w->pending_rows() == 0);

  auto client = env.fake.client();
  auto fuelinst = client->get_table("ds", "bmrs_fuelinst_iris");
  REQUIRE(fuelinst.ok());
  REQUIRE(fuelinst->spec.partitioning.has_value());
  CHECK(fuelinst->spec.partitioning->type == "DAY");
  CHECK(fuelinst->spec.partitioning->field == "settlement_date");
  CHECK(fuelinst->spec.clustering == std::vector<std::string>{"start_time", "fuel_type"});
  // Registry columns then lineage, typed.
  const auto& schema = fuelinst->spec.schema;
  const auto at = [&](std::string_view name) {
    const auto i = gbpm::google::field_index(schema, name);
    REQUIRE(i.has_value());
    return schema[*i];
  };
  CHECK(at("start_time").type == gbpm::google::FieldType::timestamp);
  CHECK(at("start_time").mode == gbpm::google::FieldMode::required);
  CHECK(at("settlement_date").type == gbpm::google::FieldType::date);
  CHECK(at("settlement_period").type == gbpm::google::FieldType::int64);
  CHECK(at("received_at").type == gbpm::google::FieldType::timestamp);
  CHECK(at("source").mode == gbpm::google::FieldMode::required);

  auto raw = client->get_table("ds", "raw_messages");
  REQUIRE(raw.ok());
  CHECK(raw->spec.partitioning->field == "received_at");
  auto quarantine = client->get_table("ds", "quarantine");
  REQUIRE(quarantine.ok());
  CHECK(quarantine->spec.partitioning->field == "quarantined_at");
  CHECK(quarantine->spec.clustering == std::vector<std::string>{"source_ref"});

  CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == 19);
  CHECK(env.fake.service().row_count("proj", "ds", "raw_messages") == 1);
  CHECK(env.fake.service().row_count("proj", "ds", "quarantine") == 1);
  // The quarantined bytes survive the trip (BYTES, base64 on the wire).
  auto body = w->query("SELECT body, error FROM `proj.ds.quarantine`", {});
  REQUIRE(body.ok());
  REQUIRE(body->size() == 1);
  CHECK((*body)[0][0].as_text() == std::optional<std::string>(std::string("\xff\x00{", 3)));
  // Tables that never got rows are not created.
  CHECK_FALSE(client->get_table("ds", "bmrs_freq_iris").ok());
}

TEST_CASE("a batch re-shipped after a crash reuses its job id and BigQuery loads it once", "[bigquery][warehouse]") {
  Env env;
  BigQueryWarehouseOptions options;
  options.ship_interval = hours(1);
  {
    auto w = env.fake.open(env.staging, options);
    require_stored(*w, batch_of(fixture_records("FUELINST"), "m1", utc("2026-05-06T03:00:00Z")));
    CHECK(w->pending_rows() == 19);  // not due yet: staged only
  }
  CHECK(env.fake.service().requests("POST", kLoadPath) == 0);
  // The state just before shipping; restoring it below is "crashed after
  // BigQuery accepted the load, before the outbox was cleared".
  const auto before = env.dir / "before.db";
  std::filesystem::copy_file(env.staging, before);
  std::string first_answer;
  {
    auto w = env.fake.open(env.staging, options);
    CHECK(w->pending_rows() == 19);
    auto shipped = w->ship(ShipMode::now);
    REQUIRE(shipped.ok());
    CHECK(shipped->jobs == 1);
    CHECK(shipped->rows == 19);
    CHECK(shipped->already_loaded == 0);
    first_answer = fuelinst_answer(*w);
  }
  std::filesystem::copy_file(before, env.staging, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(env.staging.string() + "-wal");
  auto w = env.fake.open(env.staging, options);
  CHECK(w->pending_rows() == 19);
  auto again = w->ship(ShipMode::now);
  REQUIRE(again.ok());
  CHECK(again->jobs == 1);
  CHECK(again->already_loaded == 1);  // BigQuery answered 409 for the same job id
  CHECK(w->pending_rows() == 0);
  CHECK(env.fake.service().requests("POST", kLoadPath) == 2);
  CHECK(env.fake.service().loads_executed() == 1);
  CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == 19);
  CHECK(fuelinst_answer(*w) == first_answer);
  CHECK(std::count(first_answer.begin(), first_answer.end(), '\n') == 19);
}

TEST_CASE("a slow load job holds store() at most ship_wait and is confirmed later without a second job",
          "[bigquery][warehouse]") {
  Env env;
  BigQueryWarehouseOptions options;
  options.ship_interval = milliseconds(0);  // every store() ships
  // Each job reports RUNNING to 15 status requests: longer than the 10 s
  // ship_wait (about 9 polls), shorter than a 2 min flush.
  env.fake.service().set_incomplete_polls(15);
  {
    auto w = env.fake.open(env.staging, options);
    const auto before = env.clock.now();
    require_stored(*w, batch_of(fixture_records("FUELINST"), "m1", utc("2026-05-06T03:00:00Z")));
    CHECK(env.clock.now() - before <= options.ship_wait);  // the ingester's thread is not held longer
    CHECK(env.fake.service().requests("POST", kLoadPath) == 1);
    CHECK(w->pending_rows() == 19);  // accepted by BigQuery, not yet confirmed: still staged
    // Ends here, as a stopped ingester would, with the job still running.
  }
  env.fake.service().set_incomplete_polls(0);
  auto w = env.fake.open(env.staging, options);
  CHECK(w->pending_rows() == 19);
  auto shipped = w->ship(ShipMode::now);
  REQUIRE(shipped.ok());
  CHECK(shipped->jobs == 0);  // asked how the job ended; nothing sent again
  CHECK(shipped->already_loaded == 1);
  CHECK(shipped->rows == 19);
  CHECK(w->pending_rows() == 0);
  CHECK(env.fake.service().requests("POST", kLoadPath) == 1);
  CHECK(env.fake.service().loads_executed() == 1);
  CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == 19);
}

TEST_CASE("a flush waits for a running load job up to flush_wait, then reports it without losing rows",
          "[bigquery][warehouse]") {
  Env env;
  BigQueryWarehouseOptions options;
  options.ship_interval = hours(1);
  auto w = env.fake.open(env.staging, options);
  require_stored(*w, batch_of(fixture_records("FUELINST"), "m1", utc("2026-05-06T03:00:00Z")));
  env.fake.service().set_incomplete_polls(1000);  // effectively never finishes
  const auto before = env.clock.now();
  auto f = w->flush();
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().kind == gbpm::ErrorKind::temporary);
  CHECK_THAT(f.error().message, Catch::Contains("still running"));
  CHECK(env.clock.now() - before <= options.flush_wait + seconds(1));
  CHECK(w->pending_rows() == 19);
  CHECK(env.fake.service().requests("POST", kLoadPath) == 1);
}

TEST_CASE("a failed ship keeps the rows staged across a restart and the next ship delivers them",
          "[bigquery][warehouse]") {
  Env env;
  BigQueryWarehouseOptions options;
  options.ship_interval = hours(1);
  {
    auto w = env.fake.open(env.staging, options);
    require_stored(*w, batch_of(fixture_records("FUELINST"), "m1", utc("2026-05-06T03:00:00Z")));
    // Every attempt of the load (3 with retries) fails with a 500 backendError.
    env.fake.service().inject_error(fg::ErrorFault{.status = 500,
                                                   .reason = "backendError",
                                                   .message = "Backend error. Job aborted.",
                                                   .count = 3,
                                                   .method = "POST",
                                                   .path_prefix = "/upload/"});
    auto f = w->flush();
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().kind == gbpm::ErrorKind::temporary);
    CHECK(w->pending_rows() == 19);
    CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == 0);
    // Stored data keeps arriving while BigQuery is down.
    require_stored(*w, batch_of(records("FUELINST", "[" +
                                                        fuelinst_row("2024-02-12T17:50:00Z", "2024-02-12T17:55:00Z",
                                                                     "2024-02-12", 36, "WIND", "5000") +
                                                        "]"),
                                "m2", utc("2026-05-06T03:01:00Z")));
    CHECK(w->pending_rows() == 20);
  }
  // Restart: the outbox is still there.
  auto w = env.fake.open(env.staging, options);
  CHECK(w->pending_rows() == 20);
  require_flushed(*w);
  CHECK(w->pending_rows() == 0);
  CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == 20);
  auto mix = w->market().latest_fuel_mix(utc("2024-02-12T18:00:00Z"));
  REQUIRE(mix.ok());
  REQUIRE(mix->has_value());
  CHECK(format_utc((*mix)->start_time) == "2024-02-12T17:45:00Z");
  CHECK((*mix)->readings.size() == 19);
}

TEST_CASE("replaying batches 3 times and in shuffled order gives identical BigQuery answers", "[bigquery][warehouse]") {
  // Two versions of the same 12 keys: v1 published at +5 min, v2 at +10 min.
  const auto first = utc("2026-05-06T03:00:00Z");
  std::vector<Batch> batches;
  for (int i = 0; i < 4; ++i) {
    batches.push_back(batch_of(readings(first + minutes(15) * i, 3, 1000 + 10 * i), fmt::format("v1-{}", i),
                               utc("2026-05-06T03:30:00Z") + seconds(i)));
    batches.push_back(batch_of(readings(first + minutes(15) * i, 3, 2000 + 10 * i, "late"), fmt::format("v2-{}", i),
                               utc("2026-05-06T03:40:00Z") + seconds(i)));
  }
  std::string reference;
  {
    Env env;
    auto w = env.fake.open(env.staging);
    for (const auto& b : batches) require_stored(*w, b);
    require_flushed(*w);
    reference = fuelinst_answer(*w);
  }
  CHECK(std::count(reference.begin(), reference.end(), '\n') == 12);
  CHECK(reference.find(" 2000 ") != std::string::npos);  // the newer version won
  CHECK(reference.find(" 1000 ") == std::string::npos);

  SECTION("three times, shipping between replays") {
    Env env;
    auto w = env.fake.open(env.staging);
    for (int round = 0; round < 3; ++round) {
      for (const auto& b : batches) require_stored(*w, b);
      require_flushed(*w);
    }
    CHECK(fuelinst_answer(*w) == reference);
  }
  SECTION("shuffled, newest versions first") {
    Env env;
    auto w = env.fake.open(env.staging);
    auto shuffled = batches;
    std::mt19937 rng(42);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (const auto& b : shuffled) {
      require_stored(*w, b);
      require_flushed(*w);  // every batch its own load job: duplicates of a key across jobs
    }
    std::reverse(shuffled.begin(), shuffled.end());
    for (const auto& b : shuffled) require_stored(*w, b);
    require_flushed(*w);
    CHECK(fuelinst_answer(*w) == reference);
  }
}

TEST_CASE("load jobs are rate-bounded: one per table per ship interval, within the daily budget",
          "[bigquery][warehouse]") {
  Env env;
  SECTION("a steady stream ships every 5 minutes, not on every store") {
    BigQueryWarehouseOptions options;  // defaults: 5 min interval, 50,000-row threshold
    auto w = env.fake.open(env.staging, options);
    const auto start = env.clock.now();
    const int stores = 3 * 60 * 2;  // 3 hours of a store every 30 s
    for (int i = 0; i < stores; ++i) {
      env.clock.advance(seconds(30));
      require_stored(*w, batch_of(readings(start + minutes(5) * i, 1, 100), fmt::format("m{}", i), env.clock.now()));
    }
    const int jobs = env.fake.service().requests("POST", kLoadPath);
    CHECK(jobs >= 35);
    CHECK(jobs <= 36);  // 3 h / 5 min
    require_flushed(*w);
    CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == stores);
  }
  SECTION("a backlog ships sooner, but never twice within the minimum gap") {
    BigQueryWarehouseOptions options;
    options.ship_interval = hours(1);
    options.ship_rows = 5;
    auto w = env.fake.open(env.staging, options);
    require_stored(*w, batch_of(readings(env.clock.now(), 6, 100), "a", env.clock.now()));
    CHECK(env.fake.service().requests("POST", kLoadPath) == 0);  // within a minute of opening
    env.clock.advance(seconds(61));
    require_stored(*w, batch_of(readings(env.clock.now(), 6, 100), "b", env.clock.now()));
    CHECK(env.fake.service().requests("POST", kLoadPath) == 1);
    CHECK(w->pending_rows() == 0);
    env.clock.advance(seconds(30));
    require_stored(*w, batch_of(readings(env.clock.now() + hours(1), 6, 100), "c", env.clock.now()));
    CHECK(env.fake.service().requests("POST", kLoadPath) == 1);
    CHECK(w->pending_rows() == 6);
  }
  SECTION("the daily budget holds even for flush, and frees up after 24 hours") {
    BigQueryWarehouseOptions options;
    options.ship_interval = minutes(1);
    options.jobs_per_table_per_day = 3;
    auto w = env.fake.open(env.staging, options);
    for (int i = 0; i < 10; ++i) {
      env.clock.advance(minutes(2));
      require_stored(*w, batch_of(readings(env.clock.now(), 1, 100), fmt::format("m{}", i), env.clock.now()));
    }
    CHECK(env.fake.service().requests("POST", kLoadPath) == 3);
    CHECK(w->pending_rows() == 7);
    auto f = w->flush();
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().kind == gbpm::ErrorKind::temporary);
    CHECK(env.fake.service().requests("POST", kLoadPath) == 3);
    // The budget is in the staging store: a restart does not reset it.
    w.reset();
    w = env.fake.open(env.staging, options);
    CHECK_FALSE(w->flush().ok());
    env.clock.advance(hours(24));
    require_flushed(*w);
    CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == 10);
  }
}

TEST_CASE("stream mode ships with insertAll and deterministic insertIds", "[bigquery][warehouse]") {
  Env env;
  BigQueryWarehouseOptions options;
  options.write = WriteMethod::stream;
  options.ship_interval = hours(1);
  options.stream_rows = 10;
  {
    auto w = env.fake.open(env.staging, options);
    require_stored(*w, batch_of(fixture_records("FUELINST"), "m1", utc("2026-05-06T03:00:00Z")));
  }
  std::filesystem::copy_file(env.staging, env.dir / "before.db");
  for (int run = 0; run < 2; ++run) {
    if (run == 1) {  // the same rows again, as after a crash before the outbox was cleared
      std::filesystem::copy_file(env.dir / "before.db", env.staging, std::filesystem::copy_options::overwrite_existing);
    }
    auto w = env.fake.open(env.staging, options);
    require_flushed(*w);
    CHECK(w->pending_rows() == 0);
  }
  CHECK(env.fake.service().requests("POST",
                                    "/bigquery/v2/projects/proj/datasets/ds/tables/bmrs_fuelinst_iris/insertAll") ==
        4);  // 19 rows in requests of 10, twice
  CHECK(env.fake.service().requests("POST", kLoadPath) == 0);
  CHECK(env.fake.service().row_count("proj", "ds", "bmrs_fuelinst_iris") == 19);  // insertIds de-duplicated
}

TEST_CASE("a read-only BigQuery warehouse reads without a staging store", "[bigquery][warehouse]") {
  Env env;
  {
    auto writer = env.fake.open(env.staging);
    require_stored(*writer, batch_of(fixture_records("FUELINST"), "m1", utc("2026-05-06T03:00:00Z")));
    require_flushed(*writer);
  }
  auto reader = env.fake.open({}, {}, OpenMode::read_only);
  const auto bigquery_requests = [&env] {
    return env.fake.service().requests("POST", "/bigquery/v2/") + env.fake.service().requests("GET", "/bigquery/v2/");
  };
  const int requests_before = bigquery_requests();
  auto mix = reader->market().latest_fuel_mix(utc("2024-02-12T18:00:00Z"));
  REQUIRE(mix.ok());
  REQUIRE(mix->has_value());
  CHECK((*mix)->mw("CCGT") == Approx(15842));
  // The run record's counters: every request the reads made, and the bytes
  // BigQuery says the queries processed.
  const auto usage = reader->usage();
  CHECK(usage.api_calls == bigquery_requests() - requests_before);
  CHECK(usage.api_calls >= 1);
  CHECK(usage.bytes_processed > 0);
  // A dataset never shipped reads as empty, not as an error.
  auto series = reader->market().day_series(year_month_day{year{2026}, month{5}, day{6}});
  REQUIRE(series.ok());
  CHECK_FALSE(series->periods[0].frequency_hz.has_value());
  CHECK_FALSE(reader->store(batch_of(fixture_records("FREQ"), "m", utc("2026-05-06T03:00:00Z"))).ok());
  CHECK(reader->flush().ok());
}

TEST_CASE("BigQuery warehouse settings come from GBPM_BIGQUERY_* keys", "[bigquery][warehouse]") {
  gbpm::config::Config config;
  config.set_flag("GBPM_BIGQUERY_WRITE", "stream", "--x");
  config.set_flag("GBPM_BIGQUERY_SHIP_INTERVAL", "30s", "--x");
  config.set_flag("GBPM_BIGQUERY_JOBS_PER_DAY", "100", "--x");
  BigQueryWarehouseOptions options;
  REQUIRE(apply_config(options, config).ok());
  CHECK(options.write == WriteMethod::stream);
  CHECK(options.ship_interval == seconds(30));
  CHECK(options.ship_min_gap <= seconds(30));
  CHECK(options.jobs_per_table_per_day == 100);

  gbpm::config::Config bad;
  bad.set_flag("GBPM_BIGQUERY_WRITE", "carrier-pigeon", "--x");
  auto refused = apply_config(options, bad);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == gbpm::ErrorKind::config);
  gbpm::config::Config too_many;
  too_many.set_flag("GBPM_BIGQUERY_JOBS_PER_DAY", "1500", "--x");
  CHECK_FALSE(apply_config(options, too_many).ok());
}
