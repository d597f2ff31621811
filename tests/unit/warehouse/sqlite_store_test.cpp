#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "warehouse/open.hpp"
#include "warehouse/uri.hpp"
#include "warehouse_fixtures.hpp"

using namespace gbpm::warehouse;
using namespace gbpm::warehouse::test;
using gbpm::ErrorKind;
using gbpm::testing::TempDir;

namespace {

const std::vector<std::string_view> kFixtureNames = {"BOALF",
                                                     "BOD",
                                                     "DISBSAD",
                                                     "DISEBSP",
                                                     "FREQ",
                                                     "FUELHH",
                                                     "FUELINST",
                                                     "INDDEM",
                                                     "INDGEN",
                                                     "INDO",
                                                     "ITSDO",
                                                     "MELS",
                                                     "MID",
                                                     "MILS",
                                                     "NETBSAD",
                                                     "PN",
                                                     "QPN",
                                                     "REMIT",
                                                     "REMIT_with_outageProfile",
                                                     "TSDF"};

// One message per fixture file, plus a raw and a quarantined body.
std::vector<Batch> fixture_batches() {
  std::vector<Batch> batches;
  int n = 0;
  for (const auto name : kFixtureNames) {
    Batch b;
    b.groups.push_back(
        group(fixture_records(name), fmt::format("msg-{}", n), utc("2026-08-19T02:00:00Z") + std::chrono::seconds(n)));
    ++n;
    batches.push_back(std::move(b));
  }
  Batch extra;
  extra.raw.push_back(RawMessage{"SYSWARN", "sw-1", R"([{"dataset":"SYSWARN","warningText":"x"}])", Source::iris,
                                 utc("2026-08-19T02:00:00Z"), 1});
  extra.quarantined.push_back(QuarantinedBody{"dir:/drop/FUELINST/bad.json", std::string("{\"broken\0\xff", 11),
                                              "expected value", utc("2026-08-19T02:00:00Z")});
  batches.push_back(std::move(extra));
  return batches;
}

}  // namespace

TEST_CASE("schema: one typed table per dataset and source, versioned", "[warehouse]") {
  TempDir dir;
  auto w = open_rw(dir / "gbpm.db");
  CHECK(w->schema_version() == kSqliteSchemaVersion);
  auto cols = w->query("SELECT name, type, \"notnull\", pk FROM pragma_table_info('bmrs_fuelinst_iris')", {});
  REQUIRE(cols.ok());
  std::vector<std::string> got;
  for (const auto& c : *cols) {
    got.push_back(fmt::format("{} {} {} {}", *c[0].as_text(), *c[1].as_text(), *c[2].as_integer(), *c[3].as_integer()));
  }
  CHECK(got == std::vector<std::string>{"publish_time TEXT 1 0", "start_time TEXT 1 1", "settlement_date TEXT 1 0",
                                        "settlement_period INTEGER 1 0", "fuel_type TEXT 1 2", "generation INTEGER 0 0",
                                        "source TEXT 1 0", "message_id TEXT 1 0", "received_at TEXT 1 0"});
  CHECK(w->table_ref(*gbpm::elexon::find_dataset("FUELINST"), Source::api).has_value());
  // API-only datasets have no IRIS table.
  CHECK_FALSE(w->table_ref(*gbpm::elexon::find_dataset("B1610"), Source::iris).has_value());
  CHECK(count_rows(*w, "raw_messages") == 0);
  CHECK(count_rows(*w, "quarantine") == 0);
}

TEST_CASE("timestamps are stored as fixed-width ISO-8601 UTC with milliseconds", "[warehouse]") {
  TempDir dir;
  auto w = open_rw(dir / "gbpm.db");
  Batch b;
  b.groups.push_back(group(fixture_records("FUELINST"), "m1", utc("2026-08-19T02:00:00.5Z")));
  REQUIRE(w->store(b).ok());
  auto rows = w->query("SELECT start_time, settlement_date, received_at, source FROM bmrs_fuelinst_iris LIMIT 1", {});
  REQUIRE(rows.ok());
  CHECK(*rows->at(0)[0].as_text() == "2024-02-12T17:45:00.000Z");
  CHECK(*rows->at(0)[1].as_text() == "2024-02-12");
  CHECK(*rows->at(0)[2].as_text() == "2026-08-19T02:00:00.500Z");
  CHECK(*rows->at(0)[3].as_text() == "IRIS");
}

TEST_CASE("replaying every fixture 3 times and in shuffled order leaves identical tables", "[warehouse]") {
  TempDir dir;
  const auto batches = fixture_batches();

  auto once = open_rw(dir / "once.db");
  for (const auto& b : batches) REQUIRE(once->store(b).ok());
  const std::string expected = dump(*once);
  CHECK(count_rows(*once, "bmrs_fuelinst_iris") == 19);
  CHECK(count_rows(*once, "bmrs_remit_iris") == 2);
  CHECK(count_rows(*once, "raw_messages") == 1);
  CHECK(count_rows(*once, "quarantine") == 1);

  auto thrice = open_rw(dir / "thrice.db");
  for (int i = 0; i < 3; ++i) {
    for (const auto& b : batches) {
      auto stats = thrice->store(b);
      REQUIRE(stats.ok());
      if (i > 0) {
        CHECK(stats->total().inserted == 0);
        CHECK(stats->total().updated == 0);
        CHECK(stats->raw_inserted == 0);
        CHECK(stats->quarantined == 0);
      }
    }
  }
  CHECK(dump(*thrice) == expected);

  auto shuffled = open_rw(dir / "shuffled.db");
  auto order = batches;
  std::mt19937 rng(42);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    for (auto& b : order) {
      for (auto& g : b.groups) std::shuffle(g.records.begin(), g.records.end(), rng);
      REQUIRE(shuffled->store(b).ok());
    }
  }
  CHECK(dump(*shuffled) == expected);
}

TEST_CASE("greatest version: an older version never overwrites a newer one", "[warehouse]") {
  TempDir dir;
  auto w = open_rw(dir / "gbpm.db");
  const auto v1 = records(
      "FUELINST",
      "[" + fuelinst_row("2026-05-06T02:55:00Z", "2026-05-06T03:00:00Z", "2026-05-06", 8, "CCGT", "7000") + "]");
  const auto v2 = records(
      "FUELINST",
      "[" + fuelinst_row("2026-05-06T02:55:00Z", "2026-05-06T03:05:00Z", "2026-05-06", 8, "CCGT", "7100") + "]");
  const auto generation = [&] {
    auto rows = w->query("SELECT generation, message_id FROM bmrs_fuelinst_iris", {});
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    return fmt::format("{} {}", *rows->at(0)[0].as_integer(), *rows->at(0)[1].as_text());
  };

  SECTION("newer then older") {
    Batch b2;
    b2.groups.push_back(group(v2, "new", utc("2026-05-06T03:06:00Z")));
    auto s = w->store(b2);
    REQUIRE(s.ok());
    CHECK(s->tables["bmrs_fuelinst_iris"].inserted == 1);
    Batch b1;  // the old version arrives later (redelivery): ignored
    b1.groups.push_back(group(v1, "old", utc("2026-05-06T03:10:00Z")));
    s = w->store(b1);
    REQUIRE(s.ok());
    CHECK(s->tables["bmrs_fuelinst_iris"].ignored == 1);
    CHECK(generation() == "7100 new");
  }
  SECTION("older then newer") {
    Batch b1;
    b1.groups.push_back(group(v1, "old", utc("2026-05-06T03:01:00Z")));
    REQUIRE(w->store(b1).ok());
    Batch b2;
    b2.groups.push_back(group(v2, "new", utc("2026-05-06T03:06:00Z")));
    auto s = w->store(b2);
    REQUIRE(s.ok());
    CHECK(s->tables["bmrs_fuelinst_iris"].updated == 1);
    CHECK(generation() == "7100 new");
  }
  SECTION("equal version: the later arrival wins, an earlier one is ignored") {
    const auto v2b = records(
        "FUELINST",
        "[" + fuelinst_row("2026-05-06T02:55:00Z", "2026-05-06T03:05:00Z", "2026-05-06", 8, "CCGT", "7200") + "]");
    Batch a;
    a.groups.push_back(group(v2, "first", utc("2026-05-06T03:06:00Z")));
    Batch b;
    b.groups.push_back(group(v2b, "second", utc("2026-05-06T03:07:00Z")));
    REQUIRE(w->store(b).ok());
    REQUIRE(w->store(a).ok());
    CHECK(generation() == "7200 second");
  }
}

TEST_CASE("last_arrival replaces, vintages and immutable keep every first row", "[warehouse]") {
  TempDir dir;
  auto w = open_rw(dir / "gbpm.db");
  const auto mid = [](std::string_view price) {
    return records("MID", fmt::format(R"([{{"dataset":"MID","startTime":"2026-05-06T03:00:00Z","dataProvider":"APXMIDP",
      "settlementDate":"2026-05-06","settlementPeriod":9,"price":{},"volume":10.0}}])",
                                      price));
  };
  Batch first;
  first.groups.push_back(group(mid("100.5"), "a", utc("2026-05-06T03:30:00Z")));
  Batch restated;
  restated.groups.push_back(group(mid("101.25"), "b", utc("2026-05-06T04:00:00Z")));
  REQUIRE(w->store(first).ok());
  REQUIRE(w->store(restated).ok());
  REQUIRE(w->store(first).ok());  // an old replay does not regress the restated value
  auto price = w->query("SELECT price FROM bmrs_mid_iris", {});
  REQUIRE(price.ok());
  REQUIRE(price->size() == 1);
  CHECK(*price->at(0)[0].as_number() == Approx(101.25));

  // REMIT vintages: every revision is its own row; replays do not duplicate.
  Batch remit;
  remit.groups.push_back(
      group(api_records("REMIT", "datasets_REMIT.json"), "req", utc("2026-08-19T02:00:00Z"), Source::api));
  auto s1 = w->store(remit);
  REQUIRE(s1.ok());
  CHECK(s1->tables["bmrs_remit"].inserted == 4);
  auto s2 = w->store(remit);
  REQUIRE(s2.ok());
  CHECK(s2->tables["bmrs_remit"].ignored == 4);
  CHECK(count_rows(*w, "bmrs_remit") == 4);
  CHECK(count_rows(*w, "bmrs_remit_iris") == 0);

  // FREQ is immutable: a second sample for the same instant is ignored.
  const auto freq = [](std::string_view hz) {
    return records(
        "FREQ", fmt::format(R"([{{"dataset":"FREQ","measurementTime":"2026-05-07T23:59:45Z","frequency":{}}}])", hz));
  };
  Batch f1;
  f1.groups.push_back(group(freq("50.017"), "f1", utc("2026-05-08T00:00:00Z")));
  Batch f2;
  f2.groups.push_back(group(freq("49.9"), "f2", utc("2026-05-08T00:01:00Z")));
  REQUIRE(w->store(f1).ok());
  REQUIRE(w->store(f2).ok());
  auto hz = w->query("SELECT frequency FROM bmrs_freq_iris", {});
  REQUIRE(hz.ok());
  REQUIRE(hz->size() == 1);
  CHECK(*hz->at(0)[0].as_number() == Approx(50.017));
}

TEST_CASE("raw messages and quarantined bodies are kept once, bytes intact", "[warehouse]") {
  TempDir dir;
  auto w = open_rw(dir / "gbpm.db");
  const std::string bytes("\x00\x01garbage\xff{", 11);
  Batch b;
  b.raw.push_back(RawMessage{"LOLPDM", "", "[{\"a\":1}]", Source::iris, utc("2026-08-19T02:00:00Z"), 1});
  b.quarantined.push_back(QuarantinedBody{"servicebus:m-1", bytes, "not JSON", utc("2026-08-19T02:00:00Z")});
  auto s = w->store(b);
  REQUIRE(s.ok());
  CHECK(s->raw_inserted == 1);
  CHECK(s->quarantined == 1);
  s = w->store(b);
  REQUIRE(s.ok());
  CHECK(s->raw_ignored == 1);
  CHECK(s->quarantine_ignored == 1);
  auto rows = w->query("SELECT body, error, source_ref FROM quarantine", {});
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK(*rows->at(0)[0].as_text() == bytes);
  auto raw = w->query("SELECT message_id FROM raw_messages", {});
  REQUIRE(raw.ok());
  CHECK(raw->at(0)[0].as_text()->rfind("sha256:", 0) == 0);
}

TEST_CASE("a bad record fails the whole batch and stores nothing of it", "[warehouse]") {
  TempDir dir;
  auto w = open_rw(dir / "gbpm.db");
  Batch b;
  b.groups.push_back(group(fixture_records("FUELINST"), "good", utc("2026-08-19T02:00:00Z")));
  auto bad = fixture_records("MID");
  bad[0].values.pop_back();
  b.groups.push_back(group(bad, "bad", utc("2026-08-19T02:00:00Z")));
  auto s = w->store(b);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::internal);
  CHECK(count_rows(*w, "bmrs_fuelinst_iris") == 0);
}

TEST_CASE("opening: missing, corrupt, newer and unwritable files are clear errors", "[warehouse]") {
  TempDir dir;
  SECTION("missing file for reading") {
    auto r = SqliteWarehouse::open(dir / "none.db", OpenMode::read_only);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::config);
    CHECK_THAT(r.error().message, Catch::Contains("no warehouse yet") && Catch::Contains("run iris-ingest first"));
    CHECK_FALSE(std::filesystem::exists(dir / "none.db"));
  }
  SECTION("corrupt file: error, file untouched, nothing recreated") {
    std::string garbage(8192, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919) % 251);
    gbpm::testing::write_file(dir / "bad.db", garbage);
    for (const auto mode : {OpenMode::read_write, OpenMode::read_only}) {
      auto r = SqliteWarehouse::open(dir / "bad.db", mode);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind == ErrorKind::output);
      CHECK_THAT(r.error().message, Catch::Contains("bad.db") && Catch::Contains("corrupt"));
      CHECK(gbpm::testing::read_file(dir / "bad.db") == garbage);
    }
    CHECK_FALSE(std::filesystem::exists(dir / "bad.db-wal"));
  }
  SECTION("a database from a newer gbpm is refused, not downgraded") {
    {
      auto w = open_rw(dir / "new.db");
      REQUIRE(w->query("PRAGMA user_version = 99", {}).ok());
    }
    for (const auto mode : {OpenMode::read_write, OpenMode::read_only}) {
      auto r = SqliteWarehouse::open(dir / "new.db", mode);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind == ErrorKind::config);
      CHECK_THAT(r.error().message, Catch::Contains("newer gbpm"));
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((dir / "new.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    CHECK(sqlite3_column_int(stmt, 0) == 99);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  SECTION("a directory that cannot be created") {
    gbpm::testing::write_file(dir / "file", "x");
    auto r = SqliteWarehouse::open(dir / "file" / "gbpm.db", OpenMode::read_write);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::output);
  }
  SECTION("unwritable directory") {
    std::filesystem::create_directories(dir / "ro");
    std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto r = SqliteWarehouse::open(dir / "ro" / "gbpm.db", OpenMode::read_write);
    if (::geteuid() != 0) {  // root ignores permissions
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind == ErrorKind::output);
      CHECK_THAT(r.error().message, Catch::Contains("gbpm.db"));
    }
  }
}

TEST_CASE("a read-only warehouse never writes", "[warehouse]") {
  TempDir dir;
  { auto w = open_rw(dir / "gbpm.db"); }
  auto r = SqliteWarehouse::open(dir / "gbpm.db", OpenMode::read_only);
  REQUIRE(r.ok());
  Batch b;
  b.groups.push_back(group(fixture_records("FUELINST"), "m", utc("2026-08-19T02:00:00Z")));
  CHECK_FALSE((*r)->store(b).ok());
  CHECK_FALSE((*r)->query("DELETE FROM raw_messages", {}).ok());
}

TEST_CASE("warehouse URIs", "[warehouse]") {
  auto s = parse_warehouse_uri("sqlite:/var/lib/gbpm/gbpm.db");
  REQUIRE(s.ok());
  CHECK(std::get<SqliteUri>(*s).path == "/var/lib/gbpm/gbpm.db");
  auto b = parse_warehouse_uri("bigquery:my-project-1/uk_energy_prod?location=US");
  REQUIRE(b.ok());
  CHECK(std::get<BigQueryUri>(*b).project == "my-project-1");
  CHECK(std::get<BigQueryUri>(*b).dataset == "uk_energy_prod");
  CHECK(std::get<BigQueryUri>(*b).location == "US");
  CHECK(to_string(*b) == "bigquery:my-project-1/uk_energy_prod?location=US");
  for (const auto* bad : {"sqlite:", "mysql:x", "bigquery:proj", "bigquery:Bad_Project/ds", "bigquery:my-project/d-s",
                          "bigquery:my-project/ds?region=EU", "/tmp/gbpm.db"}) {
    auto r = parse_warehouse_uri(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::config);
  }
  auto bq = open_warehouse(*b, OpenMode::read_only);
  REQUIRE_FALSE(bq.ok());
  CHECK(bq.error().kind == ErrorKind::config);
}
