// bmrs-backfill's runner against fake-elexon hosted in-process, over HTTPS,
// into a real SQLite warehouse (issue 9 acceptance).

#include <catch2/catch.hpp>
#include <httplib.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "backfill/backfill.hpp"
#include "backfill/journal.hpp"
#include "backfill/plan.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-elexon/elexon_service.hpp"
#include "market/settlement.hpp"
#include "support/fake_clock.hpp"
#include "support/fixtures.hpp"
#include "support/temp_dir.hpp"
#include "warehouse/sqlite_warehouse.hpp"

using namespace gbpm;
using namespace gbpm::backfill;
using std::chrono::milliseconds;

namespace {

std::chrono::year_month_day day(std::string_view text) {
  auto d = market::parse_date(text);
  REQUIRE(d.ok());
  return *d;
}

core::TimePoint at(std::string_view text) {
  auto t = core::parse_utc(text);
  REQUIRE(t.ok());
  return *t;
}

std::filesystem::path fixtures_dir() {
  return testing::elexon_fixtures();
}

// Counts attempts that leave the client (faulted ones included).
class Counting final : public net::HttpTransport {
 public:
  Counting(std::unique_ptr<net::HttpTransport> inner, std::atomic<int>& count)
      : m_inner(std::move(inner)), m_count(count) {}
  Result<net::Response> send(const net::Request& r) override {
    ++m_count;
    return m_inner->send(r);
  }

 private:
  std::unique_ptr<net::HttpTransport> m_inner;
  std::atomic<int>& m_count;
};

const std::vector<std::string> kFour = {"FUELINST", "FUELHH", "FREQ", "MID"};

struct Env {
  testing::TempDir dir;
  fakes::elexon::ElexonService service{{.fixtures_dir = fixtures_dir()}};
  fakes::ServerHost host{fakes::ServeOptions{}, [this](httplib::Server& s) { service.install(s); }};
  core::FakeClock clock{at("2026-11-28T12:00:00Z")};
  std::unique_ptr<warehouse::SqliteWarehouse> wh;
  std::atomic<int> attempts{0};
  std::unique_ptr<elexon::InsightsClient> client;

  explicit Env(elexon::InsightsOptions options = quick()) {
    host.start();
    auto opened = warehouse::SqliteWarehouse::open(dir / "gbpm.db", warehouse::OpenMode::read_write);
    REQUIRE(opened.ok());
    wh = std::move(*opened);
    auto curl = elexon::InsightsClient::curl({.ca_file = host.ca_file().string()});
    options.base_url = host.url() + "/bmrs/api/v1";
    client = std::make_unique<elexon::InsightsClient>(
        [this, curl]() -> Result<std::unique_ptr<net::HttpTransport>> {
          auto made = curl();
          if (!made) return std::move(made).error();
          return std::unique_ptr<net::HttpTransport>(std::make_unique<Counting>(std::move(*made), attempts));
        },
        clock, options);
  }

  static elexon::InsightsOptions quick() {
    elexon::InsightsOptions o;
    o.retry = net::RetryPolicy(net::RetryOptions{.max_attempts = 4, .max_total = std::chrono::seconds(60)});
    o.backoff = net::BackoffPolicy(net::BackoffOptions{.initial = milliseconds(200), .seed = 7});
    return o;
  }

  std::vector<Chunk> plan(const std::vector<std::string>& datasets, std::string_view first, std::string_view last) {
    std::vector<Chunk> out;
    for (const auto& d : datasets) {
      auto p = plan_range(d, day(first), day(last));
      REQUIRE(p.ok());
      out.insert(out.end(), p->begin(), p->end());
    }
    return out;
  }

  Result<BackfillSummary> run(const std::vector<Chunk>& chunks, JournalMode mode = JournalMode::resume,
                              int concurrency = 4) {
    return run_backfill(*client, *wh, chunks,
                        {.concurrency = concurrency, .journal = mode, .home = dir.path(), .journal_scope = "test"},
                        clock, log::null_logger());
  }

  std::int64_t scalar(const std::string& sql) {
    auto rows = wh->query(sql, {});
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    return rows->front().at(0).as_integer().value_or(-1);
  }

  std::int64_t count(std::string_view table) { return scalar("SELECT COUNT(*) FROM " + std::string(table)); }

  // A fingerprint of the stored data columns (lineage columns excluded).
  std::string fingerprint() {
    std::string out;
    for (const char* sql : {"SELECT COUNT(*), SUM(generation), MIN(publish_time), MAX(start_time) FROM bmrs_fuelinst",
                            "SELECT COUNT(*), SUM(generation), MAX(settlement_period) FROM bmrs_fuelhh",
                            "SELECT COUNT(*), SUM(frequency), MAX(measurement_time) FROM bmrs_freq",
                            "SELECT COUNT(*), SUM(price), SUM(volume) FROM bmrs_mid"}) {
      auto rows = wh->query(sql, {});
      REQUIRE(rows.ok());
      for (const auto& cell : rows->front()) {
        if (auto n = cell.as_number()) out += std::to_string(*n) + ",";
        if (auto s = cell.as_text()) out += *s + ",";
      }
    }
    return out;
  }

  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "gbpm.db").c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO((err != nullptr ? err : ""));
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
};

int periods(std::string_view first, std::string_view last) {
  int n = 0;
  for (auto d = std::chrono::sys_days(day(first)); d <= std::chrono::sys_days(day(last)); d += std::chrono::days(1)) {
    n += market::periods_in_day(std::chrono::year_month_day(d));
  }
  return n;
}

void check_counts(Env& env, int p) {
  CHECK(env.count("bmrs_fuelinst") == p * 6 * 20);  // 5-minute instants x 20 fuel types
  CHECK(env.count("bmrs_fuelhh") == p * 20);
  CHECK(env.count("bmrs_freq") == p * 120);  // 15-second samples
  CHECK(env.count("bmrs_mid") == p * 2);     // APXMIDP + N2EXMIDP
}

}  // namespace

TEST_CASE("a 30-day 4-dataset backfill lands every slot and a second run changes nothing", "[backfill][fake][slow]") {
  Env env;
  // 30 days holding the 50-period autumn day, plus the 46-period spring day.
  auto chunks = env.plan(kFour, "2026-10-10", "2026-11-08");
  auto spring = env.plan(kFour, "2026-03-28", "2026-03-30");
  chunks.insert(chunks.end(), spring.begin(), spring.end());
  const int p = periods("2026-10-10", "2026-11-08") + periods("2026-03-28", "2026-03-30");
  REQUIRE(p == 29 * 48 + 50 + 48 + 46 + 48);

  auto first = env.run(chunks);
  REQUIRE(first.ok());
  CHECK(first->failures.empty());
  CHECK(first->total().chunks_fetched == chunks.size());
  check_counts(env, p);
  CHECK(env.scalar("SELECT COUNT(DISTINCT settlement_period) FROM bmrs_fuelhh WHERE settlement_date = '2026-10-25'") ==
        50);
  CHECK(env.scalar("SELECT MAX(settlement_period) FROM bmrs_mid WHERE settlement_date = '2026-03-29'") == 46);
  CHECK(first->total().rows_inserted == static_cast<std::size_t>(p * (120 + 20 + 120 + 2)));
  CHECK(outcome(*first).ok());
  const std::string before = env.fingerprint();

  // Second run: the journal covers everything, so nothing is requested.
  env.service.reset_stats();
  auto second = env.run(chunks);
  REQUIRE(second.ok());
  CHECK(env.service.request_count() == 0);
  CHECK(second->total().chunks_skipped == chunks.size());
  CHECK(env.fingerprint() == before);

  // Refetching a stretch (journal ignored) stores the same rows again: no new keys, same data.
  auto again = env.run(env.plan(kFour, "2026-10-24", "2026-10-26"), JournalMode::refetch);
  REQUIRE(again.ok());
  CHECK(again->total().rows_inserted == 0);
  CHECK(again->total().rows_received > 0);
  CHECK(env.fingerprint() == before);
}

TEST_CASE("a run interrupted by failures resumes with only the unfinished chunks", "[backfill][fake]") {
  Env env(([] {
    auto o = Env::quick();
    o.retry = net::RetryPolicy(net::RetryOptions{.max_attempts = 2});
    return o;
  })());
  const auto chunks = env.plan({"FUELHH", "MID"}, "2026-01-10", "2026-01-14");  // 5 FUELHH + 1 MID chunks
  REQUIRE(chunks.size() == 6);
  // Every MID request fails for this run.
  env.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/MID", .count = 100, .status = 503});
  auto first = env.run(chunks);
  REQUIRE(first.ok());
  REQUIRE(first->failures.size() == 1);
  CHECK(first->failures[0].chunk.dataset == "MID");
  CHECK(first->datasets.at("FUELHH").chunks_fetched == 5);
  const Status status = outcome(*first);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().kind == ErrorKind::temporary);  // exit 75: re-run resumes

  env.host.clear_faults();
  env.service.reset_stats();
  auto second = env.run(chunks);
  REQUIRE(second.ok());
  CHECK(second->failures.empty());
  const auto requests = env.service.requests();
  REQUIRE(requests.size() == 1);  // only the chunk that failed
  CHECK(requests[0].path == "/bmrs/api/v1/datasets/MID");
  CHECK(second->datasets.at("FUELHH").chunks_skipped == 5);
  CHECK(env.count("bmrs_mid") == periods("2026-01-10", "2026-01-14") * 2);
}

TEST_CASE("gap repair fetches exactly the deleted slots and restores them", "[backfill][fake]") {
  Env env;
  const auto chunks = env.plan(kFour, "2026-10-24", "2026-10-26");
  REQUIRE(env.run(chunks).ok());
  const std::string full = env.fingerprint();
  const int p = periods("2026-10-24", "2026-10-26");

  // Scattered holes: two adjacent FUELINST instants, one in the repeated hour;
  // FUELHH SP1 and SP50 of the long day; a lone FREQ sample; MID SP5 and SP7.
  env.exec(
      "DELETE FROM bmrs_fuelinst WHERE start_time IN ('2026-10-24T06:00:00.000Z','2026-10-24T06:05:00.000Z',"
      "'2026-10-25T01:30:00.000Z');"
      "DELETE FROM bmrs_fuelhh WHERE settlement_date = '2026-10-25' AND settlement_period IN (1, 50);"
      "DELETE FROM bmrs_freq WHERE measurement_time = '2026-10-26T12:00:15.000Z';"
      "DELETE FROM bmrs_mid WHERE settlement_date = '2026-10-26' AND settlement_period IN (5, 7);");
  // Data that came through IRIS counts as present: copy an API row into the
  // IRIS table and delete it from the API table.
  env.exec(
      "INSERT INTO bmrs_mid_iris SELECT * FROM bmrs_mid WHERE settlement_date = '2026-10-24' AND "
      "settlement_period = 3;"
      "DELETE FROM bmrs_mid WHERE settlement_date = '2026-10-24' AND settlement_period = 3;");

  std::map<std::string, std::vector<elexon::TimeWindow>> gaps;
  std::vector<Chunk> repair;
  for (const auto& d : kFour) {
    auto g = find_gaps(*env.wh, d, day("2026-10-24"), day("2026-10-26"));
    REQUIRE(g.ok());
    gaps[d] = *g;
    auto planned = plan_slots(d, *g);
    REQUIRE(planned.ok());
    repair.insert(repair.end(), planned->begin(), planned->end());
  }
  using W = elexon::TimeWindow;
  CHECK(gaps["FUELINST"] == std::vector<W>{{at("2026-10-24T06:00:00Z"), at("2026-10-24T06:10:00Z")},
                                           {at("2026-10-25T01:30:00Z"), at("2026-10-25T01:35:00Z")}});
  CHECK(gaps["FUELHH"] == std::vector<W>{{at("2026-10-24T23:00:00Z"), at("2026-10-24T23:30:00Z")},
                                         {at("2026-10-25T23:30:00Z"), at("2026-10-26T00:00:00Z")}});
  CHECK(gaps["FREQ"] == std::vector<W>{{at("2026-10-26T12:00:15Z"), at("2026-10-26T12:00:30Z")}});
  CHECK(gaps["MID"] == std::vector<W>{{at("2026-10-26T02:00:00Z"), at("2026-10-26T02:30:00Z")},
                                      {at("2026-10-26T03:00:00Z"), at("2026-10-26T03:30:00Z")}});

  env.service.reset_stats();
  auto repaired = env.run(repair, JournalMode::refetch);
  REQUIRE(repaired.ok());
  CHECK(repaired->failures.empty());
  std::multiset<std::string> asked;
  for (const auto& r : env.service.requests()) asked.insert(r.path + "?" + r.query);
  CHECK(asked == std::multiset<std::string>{
                     "/bmrs/api/v1/datasets/FUELINST?publishDateTimeFrom=2026-10-24T06:05:00Z&"
                     "publishDateTimeTo=2026-10-24T06:14:59Z",
                     "/bmrs/api/v1/datasets/FUELINST?publishDateTimeFrom=2026-10-25T01:35:00Z&"
                     "publishDateTimeTo=2026-10-25T01:39:59Z",
                     "/bmrs/api/v1/datasets/FUELHH?publishDateTimeFrom=2026-10-24T23:30:00Z&"
                     "publishDateTimeTo=2026-10-24T23:59:59Z",
                     "/bmrs/api/v1/datasets/FUELHH?publishDateTimeFrom=2026-10-26T00:00:00Z&"
                     "publishDateTimeTo=2026-10-26T00:29:59Z",
                     "/bmrs/api/v1/datasets/FREQ?measurementDateTimeFrom=2026-10-26T12:00:15Z&"
                     "measurementDateTimeTo=2026-10-26T12:00:29Z",
                     "/bmrs/api/v1/datasets/MID?from=2026-10-26T02:00:00Z&to=2026-10-26T02:29:59Z",
                     "/bmrs/api/v1/datasets/MID?from=2026-10-26T03:00:00Z&to=2026-10-26T03:29:59Z",
                 });
  // Exactly the deleted rows came back: 3 instants x 20 fuels, 2 x 20, 1, 2 x 2.
  CHECK(repaired->total().rows_inserted == 60 + 40 + 1 + 4);
  CHECK(env.count("bmrs_mid") == p * 2 - 2);  // SP3 of the 24th lives in the IRIS table
  CHECK(env.count("bmrs_mid_iris") == 2);
  for (const auto& d : kFour) {
    auto g = find_gaps(*env.wh, d, day("2026-10-24"), day("2026-10-26"));
    REQUIRE(g.ok());
    CHECK(g->empty());
  }
  env.exec("INSERT INTO bmrs_mid SELECT * FROM bmrs_mid_iris");
  CHECK(env.fingerprint() == full);
}

TEST_CASE("429, 503 and slow responses are retried within the retry bounds", "[backfill][fake]") {
  auto options = Env::quick();
  options.request_timeout = milliseconds(1500);
  Env env(options);
  const auto chunks = env.plan({"FUELHH", "MID", "FREQ"}, "2026-02-02", "2026-02-02");
  REQUIRE(chunks.size() == 3);
  env.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/FUELHH",
                               .count = 2,
                               .status = 429,
                               .body = R"({"message":"slow down"})",
                               .headers = {{"Retry-After", "3"}}});
  env.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/MID", .count = 1, .status = 503});
  env.host.inject(
      fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/FREQ", .count = 1, .delay = std::chrono::seconds(5)});
  auto done = env.run(chunks);
  REQUIRE(done.ok());
  CHECK(done->failures.empty());
  CHECK(done->total().chunks_fetched == 3);
  CHECK(env.attempts == 3 + 2 + 1 + 1);  // each fault cost one extra attempt
  const auto sleeps = env.clock.sleeps();
  REQUIRE(sleeps.size() == 4);
  int honoured = 0;
  for (const auto s : sleeps) {
    CHECK(s <= std::chrono::seconds(3));  // bounded: max(backoff <= 0.4 s, Retry-After 3 s)
    if (s == std::chrono::seconds(3)) ++honoured;
  }
  CHECK(honoured == 2);  // Retry-After of both 429s

  // A 503 that never clears gives up after max_attempts and is a transient failure.
  env.attempts = 0;
  env.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/MID", .count = 100, .status = 503});
  auto stuck = env.run(env.plan({"MID"}, "2026-02-03", "2026-02-03"));
  REQUIRE(stuck.ok());
  REQUIRE(stuck->failures.size() == 1);
  CHECK(env.attempts == 4);
  CHECK(stuck->failures[0].error.kind == ErrorKind::temporary);
  CHECK(outcome(*stuck).error().kind == ErrorKind::temporary);
}

TEST_CASE("a 400 problem body is reported with its detail and the chunk is left unjournaled", "[backfill][fake]") {
  Env env;
  const std::string problem = testing::read_fixture_file(fixtures_dir() / "api" / "error_400_problem.json");
  env.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/MID",
                               .count = 1,
                               .status = 400,
                               .body = problem,
                               .content_type = "application/problem+json"});
  const auto chunks = env.plan({"MID", "FUELHH"}, "2026-02-02", "2026-02-03");
  auto done = env.run(chunks);
  REQUIRE(done.ok());
  REQUIRE(done->failures.size() == 1);
  const ChunkFailure& failure = done->failures[0];
  CHECK(failure.chunk.dataset == "MID");
  CHECK_THAT(failure.error.message, Catch::Contains("HTTP 400") && Catch::Contains("must not exceed") &&
                                        Catch::Contains("MID 2026-02-02T00:00:00Z..2026-02-03T23:59:59Z"));
  CHECK(env.attempts == 3);  // not retried
  const Status status = outcome(*done);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().kind == ErrorKind::unavailable);  // exit 69
  CHECK_THAT(status.error().message, Catch::Contains("must not exceed"));
  CHECK(done->datasets.at("FUELHH").chunks_fetched == 2);
  auto journal = ChunkJournal::open(journal_path(env.dir.path(), "MID"), "test");
  REQUIRE(journal.ok());
  CHECK(journal->done().empty());
  CHECK(env.count("bmrs_mid") == 0);
}

TEST_CASE("requests run concurrently up to the limit", "[backfill][fake]") {
  Env env;
  env.service.set_response_delay(milliseconds(150));
  auto chunks = env.plan({"MID"}, "2026-01-01", "2026-01-05");
  const auto fuelhh = env.plan({"FUELHH"}, "2026-01-01", "2026-01-07");
  chunks.insert(chunks.end(), fuelhh.begin(), fuelhh.end());
  auto done = env.run(chunks, JournalMode::resume, 3);
  REQUIRE(done.ok());
  CHECK(done->total().chunks_fetched == 8);
  CHECK(env.service.max_in_flight() == 3);
}

TEST_CASE("chunks that may still gain rows are stored but not journaled", "[backfill][fake]") {
  Env env;
  const auto chunks = env.plan({"FUELHH"}, "2026-01-10", "2026-01-12");
  REQUIRE(chunks.size() == 3);
  // FUELHH of the 11th is requested up to 2026-01-12T00:29:59Z (published at each period's end).
  auto first = run_backfill(
      *env.client, *env.wh, chunks,
      {.concurrency = 2, .home = env.dir.path(), .journal_scope = "test", .settled_before = at("2026-01-12T00:15:00Z")},
      env.clock, log::null_logger());
  REQUIRE(first.ok());
  CHECK(first->total().chunks_fetched == 3);
  CHECK(env.count("bmrs_fuelhh") == 3 * 48 * 20);
  env.service.reset_stats();
  auto second = env.run(chunks);
  REQUIRE(second.ok());
  CHECK(second->total().chunks_skipped == 1);
  CHECK(env.service.request_count() == 2);
  CHECK(second->total().rows_inserted == 0);
}

namespace {

// SSP/SBP/version of every stored period, IRIS and API tables together.
std::string price_fingerprint(Env& env) {
  auto rows = env.wh->query(
      "SELECT settlement_date, settlement_period, system_sell_price, system_buy_price, created_date_time FROM "
      "(SELECT * FROM bmrs_disebsp UNION ALL SELECT * FROM bmrs_disebsp_iris) ORDER BY 1, 2",
      {});
  REQUIRE(rows.ok());
  std::string out;
  for (const auto& row : *rows) {
    for (const auto& cell : row) {
      if (auto n = cell.as_number()) out += std::to_string(*n);
      if (auto s = cell.as_text()) out += *s;
      out += ',';
    }
    out += '\n';
  }
  return out;
}

std::multiset<std::string> asked_paths(Env& env) {
  std::multiset<std::string> out;
  for (const auto& r : env.service.requests()) out.insert(r.path + (r.query.empty() ? "" : "?" + r.query));
  return out;
}

}  // namespace

TEST_CASE("DISEBSP: a range is one system-prices request per settlement day, journaled", "[backfill][fake][disebsp]") {
  Env env;
  const auto chunks = env.plan({"DISEBSP"}, "2025-10-25", "2025-10-27");
  REQUIRE(chunks.size() == 3);
  auto first = env.run(chunks);
  REQUIRE(first.ok());
  CHECK(first->failures.empty());
  CHECK(asked_paths(env) == std::multiset<std::string>{"/bmrs/api/v1/balancing/settlement/system-prices/2025-10-25",
                                                       "/bmrs/api/v1/balancing/settlement/system-prices/2025-10-26",
                                                       "/bmrs/api/v1/balancing/settlement/system-prices/2025-10-27"});
  const int p = periods("2025-10-25", "2025-10-27");
  REQUIRE(p == 48 + 50 + 48);
  CHECK(first->total().rows_inserted == static_cast<std::size_t>(p));
  CHECK(env.count("bmrs_disebsp") == p);
  CHECK(env.scalar("SELECT COUNT(DISTINCT settlement_period) FROM bmrs_disebsp WHERE settlement_date = '2025-10-26'") ==
        50);
  // SP1 of the long day starts at 23:00Z the evening before (BST).
  auto sp1 = env.wh->query(
      "SELECT start_time FROM bmrs_disebsp WHERE settlement_date = '2025-10-26' AND settlement_period = 1", {});
  REQUIRE(sp1.ok());
  REQUIRE(sp1->size() == 1);
  CHECK(sp1->front().at(0).as_text().value_or("") == "2025-10-25T23:00:00.000Z");

  env.service.reset_stats();
  auto second = env.run(chunks);
  REQUIRE(second.ok());
  CHECK(env.service.request_count() == 0);
  CHECK(second->total().chunks_skipped == 3);
}

TEST_CASE(
    "DISEBSP: gaps in system prices are found, filled with exactly the missing periods, and a second run "
    "stores nothing new",
    "[backfill][fake][disebsp]") {
  Env env;
  // The prices arrived through IRIS except for an outage: move everything to
  // the IRIS table, then lose 2025-10-25 SP47-48, the whole 50-period
  // 2025-10-26, 2025-10-27 SP1 (one run of 53 periods) and 2025-10-27 SP30.
  REQUIRE(env.run(env.plan({"DISEBSP"}, "2025-10-25", "2025-10-27")).ok());
  const std::string full = price_fingerprint(env);
  env.exec(
      "INSERT INTO bmrs_disebsp_iris SELECT * FROM bmrs_disebsp; DELETE FROM bmrs_disebsp;"
      "DELETE FROM bmrs_disebsp_iris WHERE (settlement_date = '2025-10-25' AND settlement_period >= 47) OR "
      "settlement_date = '2025-10-26' OR (settlement_date = '2025-10-27' AND settlement_period IN (1, 30));");
  CHECK(env.count("bmrs_disebsp_iris") == 48 + 48 - 4);

  auto gaps = find_gaps(*env.wh, "DISEBSP", day("2025-10-25"), day("2025-10-27"));
  REQUIRE(gaps.ok());
  using W = elexon::TimeWindow;
  CHECK(*gaps == std::vector<W>{{at("2025-10-25T22:00:00Z"), at("2025-10-27T00:30:00Z")},
                                {at("2025-10-27T14:30:00Z"), at("2025-10-27T15:00:00Z")}});
  auto repair = plan_slots("DISEBSP", *gaps);
  REQUIRE(repair.ok());
  REQUIRE(repair->size() == 5);

  env.service.reset_stats();
  auto filled = env.run(*repair, JournalMode::refetch);  // as --gaps runs it
  REQUIRE(filled.ok());
  CHECK(filled->failures.empty());
  const std::string base = "/bmrs/api/v1/balancing/settlement/system-prices/";
  CHECK(asked_paths(env) == std::multiset<std::string>{base + "2025-10-25/47", base + "2025-10-25/48",
                                                       base + "2025-10-26", base + "2025-10-27/1",
                                                       base + "2025-10-27/30"});
  CHECK(filled->total().rows_inserted == 2 + 50 + 1 + 1);
  CHECK(env.count("bmrs_disebsp") == 54);
  CHECK(price_fingerprint(env) == full);  // the same prices and versions as before the loss
  auto after = find_gaps(*env.wh, "DISEBSP", day("2025-10-25"), day("2025-10-27"));
  REQUIRE(after.ok());
  CHECK(after->empty());

  // Run twice: the same repair stores nothing new, and a fresh gap search
  // plans nothing at all.
  env.service.reset_stats();
  auto again = env.run(*repair, JournalMode::refetch);
  REQUIRE(again.ok());
  CHECK(again->failures.empty());
  CHECK(again->total().rows_received == 54);
  CHECK(again->total().rows_inserted == 0);
  CHECK(env.count("bmrs_disebsp") == 54);
  CHECK(price_fingerprint(env) == full);
  auto none = plan_slots("DISEBSP", *after);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("DISEBSP: throttling is retried, a refused day is reported, another dataset's payload is refused",
          "[backfill][fake][disebsp]") {
  Env env;
  const std::string prefix = "/bmrs/api/v1/balancing/settlement/system-prices/";
  env.host.inject(fakes::Fault{.path_prefix = prefix + "2026-02-02",
                               .count = 1,
                               .status = 429,
                               .body = R"({"message":"slow down"})",
                               .headers = {{"Retry-After", "2"}}});
  env.host.inject(fakes::Fault{.path_prefix = prefix + "2026-02-03",
                               .count = 1,
                               .status = 400,
                               .body = testing::read_fixture_file(fixtures_dir() / "api" / "error_400_problem.json"),
                               .content_type = "application/problem+json"});
  auto done = env.run(env.plan({"DISEBSP"}, "2026-02-02", "2026-02-03"), JournalMode::resume, 1);
  REQUIRE(done.ok());
  REQUIRE(done->failures.size() == 1);
  CHECK_THAT(done->failures[0].error.message, Catch::Contains("DISEBSP 2026-02-03") && Catch::Contains("HTTP 400"));
  CHECK(outcome(*done).error().kind == ErrorKind::unavailable);  // exit 69
  CHECK(env.clock.sleeps() == std::vector<core::Duration>{std::chrono::seconds(2)});
  CHECK(env.count("bmrs_disebsp") == 48);  // the throttled day, after its retry

  // A 200 whose metadata names another dataset is not stored as prices.
  env.host.inject(fakes::Fault{.path_prefix = prefix + "2026-02-03",
                               .count = 1,
                               .status = 200,
                               .body = R"({"metadata":{"datasets":["BOAV"]},"data":[{"settlementDate":"2026-02-03",)"
                                       R"("settlementPeriod":1,"createdDateTime":"2026-02-04T01:00:00Z"}]})"});
  auto wrong = env.run(env.plan({"DISEBSP"}, "2026-02-03", "2026-02-03"));
  REQUIRE(wrong.ok());
  REQUIRE(wrong->failures.size() == 1);
  CHECK(wrong->failures[0].error.kind == ErrorKind::data);  // exit 65
  CHECK_THAT(wrong->failures[0].error.message, Catch::Contains("BOAV"));
  CHECK(env.count("bmrs_disebsp") == 48);
}
