#include "ingest/ingester.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "ingest_test_support.hpp"
#include "json/json.hpp"
#include "support/fake_clock.hpp"

using namespace gbpm;
using namespace gbpm::ingest;
using namespace gbpm::ingest::testing;

namespace {

struct Harness {
  gbpm::testing::TempDir dir;
  std::unique_ptr<warehouse::SqliteWarehouse> sqlite;
  std::unique_ptr<FlakyWarehouse> wh;
  FakeSource source;
  core::FakeClock clock{core::TimePoint{std::chrono::hours{24 * 20500}}};
  log::Logger log{log::Logger::Options{.level = log::Level::off}};

  Harness() {
    auto opened = warehouse::SqliteWarehouse::open(dir / "gbpm.db", warehouse::OpenMode::read_write);
    REQUIRE(opened.ok());
    sqlite = std::move(*opened);
    wh = std::make_unique<FlakyWarehouse>(*sqlite);
    source.commits = [this] { return wh->commits.load(); };
  }

  IngestOptions once(std::size_t max_messages = 1000) {
    IngestOptions o;
    o.mode = RunMode::once;
    o.limits.max_messages = max_messages;
    o.backoff.seed = 7;
    o.status_path = dir / "runs" / "iris-ingest.status.json";
    return o;
  }

  std::int64_t count(const std::string& sql) { return count_rows(*sqlite, sql); }
};

}  // namespace

TEST_CASE("ingester stores known datasets and acknowledges only after the commit", "[ingest]") {
  Harness h;
  h.source.push(make_message("FUELINST_1.json", "FUELINST", iris_fixture("FUELINST.json")));
  h.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  h.source.push(make_message("FUELINST_2.json", "FUELINST", iris_fixture("FUELINST.wire.json")));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once(2));
  REQUIRE(ingester.run().ok());

  CHECK(h.count("SELECT count(*) FROM bmrs_fuelinst_iris") == 19);  // the wire form repeats the same 19 keys
  CHECK(h.count("SELECT count(*) FROM bmrs_freq_iris") == 2);
  REQUIRE(h.source.acks.size() == 3);
  // Batches of two: the first two acks follow commit 1, the third commit 2.
  CHECK(h.source.acks[0].commits_seen == 1);
  CHECK(h.source.acks[1].commits_seen == 1);
  CHECK(h.source.acks[2].commits_seen == 2);
  for (const auto& ack : h.source.acks) CHECK(ack.outcome == Outcome::stored);
  const auto& stats = ingester.stats();
  CHECK(stats.messages == 3);
  CHECK(stats.records == 19 + 2 + 19);
  CHECK(stats.datasets.at("FUELINST").messages == 2);
  CHECK(stats.datasets.at("FUELINST").inserted == 19);
  CHECK(stats.datasets.at("FUELINST").ignored == 19);
  CHECK(stats.datasets.at("FREQ").inserted == 2);
}

TEST_CASE("a temporary store failure releases the batch, backs off, and retries", "[ingest]") {
  Harness h;
  h.wh->fail_next = 3;
  h.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  h.source.push(make_message("MID_1.json", "MID", iris_fixture("MID.json")));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once());
  REQUIRE(ingester.run().ok());

  // Three failed attempts: each released both messages, none acknowledged then.
  CHECK(h.source.released.size() == 6);
  REQUIRE(h.source.acks.size() == 2);
  for (const auto& ack : h.source.acks) {
    CHECK(ack.commits_seen == 1);
    CHECK(ack.outcome == Outcome::stored);
  }
  CHECK(h.count("SELECT count(*) FROM bmrs_freq_iris") == 2);
  CHECK(h.count("SELECT count(*) FROM bmrs_mid_iris") == 2);
  CHECK(ingester.stats().store_failures == 3);
  CHECK(ingester.stats().datasets.at("FREQ").released == 3);
  // It waited between attempts on the clock (no busy loop): the total wait is
  // positive and the number of store attempts is exactly failures + 1.
  std::chrono::milliseconds waited{0};
  for (auto d : h.clock.sleeps()) waited += d;
  CHECK(waited.count() > 0);
  CHECK(h.wh->stores == 4);
  CHECK(ingester.stats().last_error == "database is locked");
}

TEST_CASE("a permanent store failure releases the batch and ends the run with its error", "[ingest]") {
  Harness h;
  h.wh->fail_next = 1;
  h.wh->kind = ErrorKind::output;
  h.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once());
  auto result = ingester.run();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().kind == ErrorKind::output);
  CHECK(h.source.acks.empty());
  CHECK(h.source.released == std::vector<std::string>{"FREQ_1.json"});
  CHECK(h.source.queued() == 1);
}

TEST_CASE("poison bodies are quarantined with their bytes and acknowledged, and the rest flows", "[ingest]") {
  Harness h;
  h.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  h.source.push(make_message("BAD_1.json", "FUELINST", "[{\"dataset\":\"FUELINST\", truncated"));
  h.source.push(make_message("BAD_2.json", "FREQ",
                             R"([{"dataset":"FREQ","measurementTime":"2024-02-12T17:50:00Z","frequency":"fast"}])"));
  h.source.push(make_message("MID_1.json", "MID", iris_fixture("MID.json")));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once());
  REQUIRE(ingester.run().ok());

  REQUIRE(h.source.acks.size() == 4);
  CHECK(h.source.acks[1].outcome == Outcome::quarantined);
  CHECK_FALSE(h.source.acks[1].error.empty());
  CHECK(h.source.acks[2].outcome == Outcome::quarantined);
  CHECK(h.source.acks[2].error.find("frequency") != std::string::npos);
  CHECK(h.count("SELECT count(*) FROM quarantine") == 2);
  CHECK(h.count("SELECT count(*) FROM quarantine WHERE source_ref = 'fake:BAD_1.json' AND "
                "CAST(body AS TEXT) = '[{\"dataset\":\"FUELINST\", truncated'") == 1);
  CHECK(h.count("SELECT count(*) FROM bmrs_freq_iris") == 2);
  CHECK(h.count("SELECT count(*) FROM bmrs_mid_iris") == 2);
  CHECK(ingester.stats().quarantined == 2);
  CHECK(ingester.stats().datasets.at("FREQ").quarantined == 1);
  CHECK(ingester.stats().datasets.at("FUELINST").quarantined == 1);
}

TEST_CASE("unknown datasets are kept raw and counted", "[ingest]") {
  Harness h;
  h.source.push(make_message("ZZNEW_1.json", "ZZNEW", R"([{"dataset":"ZZNEW","a":1},{"dataset":"ZZNEW","a":2}])"));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once());
  REQUIRE(ingester.run().ok());
  REQUIRE(h.source.acks.size() == 1);
  CHECK(h.source.acks[0].outcome == Outcome::kept_raw);
  CHECK(h.count("SELECT count(*) FROM raw_messages WHERE dataset = 'ZZNEW' AND message_id = 'ZZNEW_1.json' "
                "AND record_count = 2") == 1);
  CHECK(ingester.stats().kept_raw == 1);
  CHECK(ingester.stats().datasets.at("ZZNEW").kept_raw == 1);
  CHECK(ingester.stats().datasets.at("ZZNEW").records == 2);
}

TEST_CASE("replaying messages changes nothing in the warehouse", "[ingest]") {
  Harness h;
  for (int round = 0; round < 2; ++round) {
    h.source.push(make_message("FUELINST_1.json", "FUELINST", iris_fixture("FUELINST.json")));
    h.source.push(make_message("ZZNEW_1.json", "ZZNEW", R"([{"dataset":"ZZNEW","a":1}])"));
    h.source.push(make_message("BAD_1.json", "FREQ", "not json"));
    Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once());
    REQUIRE(ingester.run().ok());
    if (round == 1) CHECK(ingester.stats().datasets.at("FUELINST").ignored == 19);
  }
  CHECK(h.count("SELECT count(*) FROM bmrs_fuelinst_iris") == 19);
  CHECK(h.count("SELECT count(*) FROM raw_messages") == 1);
  CHECK(h.count("SELECT count(*) FROM quarantine") == 1);
  CHECK(h.source.acks.size() == 6);
}

TEST_CASE("the status file carries counts, the newest message time and the last error", "[ingest]") {
  Harness h;
  h.source.fail_receives = 1;
  h.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once());
  REQUIRE(ingester.run().ok());
  const auto text = gbpm::testing::read_file(h.dir / "runs" / "iris-ingest.status.json");
  auto doc = json::parse(text);
  REQUIRE(doc.ok());
  auto root = doc->root();
  CHECK(root.field("state").as_string().value_or("") == "stopped");
  CHECK(root.field("messages").as_int64().value_or(-1) == 1);
  CHECK(root.field("records").as_int64().value_or(-1) == 2);
  CHECK(root.field("newest_message_at").as_string().value_or("") == "2024-10-04T00:00:00.000Z");
  CHECK(root.field("last_error").as_string().value_or("") == "broker unreachable");
  CHECK(root.field("datasets").field("FREQ").field("inserted").as_int64().value_or(-1) == 2);
}

TEST_CASE("the heartbeat is rewritten while idle", "[ingest]") {
  Harness h;
  std::atomic<bool> stop{false};
  IngestOptions o = h.once();
  o.mode = RunMode::continuous;
  o.heartbeat_interval = std::chrono::seconds{10};
  Ingester ingester(h.source, *h.wh, h.clock, h.log, o, &stop);
  const auto start = h.clock.now();
  std::vector<std::string> updated;
  ingester.set_on_tick([&](const IngestStats&) {
    if (h.clock.now() - start >= std::chrono::seconds{35}) stop = true;
    auto doc = json::parse(gbpm::testing::read_file(h.dir / "runs" / "iris-ingest.status.json"));
    if (doc.ok()) {
      auto at = doc->root().field("updated_at").as_string();
      if (at && (updated.empty() || updated.back() != *at)) updated.emplace_back(*at);
    }
  });
  REQUIRE(ingester.run().ok());
  // Started, then every 10 s of idling: at 0, 10, 20, 30 s at least.
  CHECK(updated.size() >= 4);
}

TEST_CASE("a stop request finishes the batch in flight and leaves the rest queued", "[ingest]") {
  Harness h;
  std::atomic<bool> stop{false};
  for (int i = 0; i < 5; ++i)
    h.source.push(make_message("FREQ_" + std::to_string(i) + ".json", "FREQ", iris_fixture("FREQ.json")));
  IngestOptions o = h.once(2);
  o.mode = RunMode::continuous;
  Ingester ingester(h.source, *h.wh, h.clock, h.log, o, &stop);
  ingester.set_on_tick([&](const IngestStats& s) {
    if (s.messages >= 2) stop = true;
  });
  REQUIRE(ingester.run().ok());
  CHECK(h.source.acks.size() == 2);
  CHECK(h.source.in_flight == 0);
  CHECK(h.source.queued() == 3);
}

TEST_CASE("batches are bounded in bytes, and one large message goes alone", "[ingest]") {
  Harness h;
  const auto body = iris_fixture("FUELINST.json");
  for (int i = 0; i < 4; ++i) h.source.push(make_message("F_" + std::to_string(i) + ".json", "FUELINST", body));
  IngestOptions o = h.once();
  o.limits.max_bytes = body.size() * 2;
  Ingester ingester(h.source, *h.wh, h.clock, h.log, o);
  REQUIRE(ingester.run().ok());
  CHECK(ingester.stats().batches == 2);

  Harness h2;
  h2.source.push(make_message("F_big.json", "FUELINST", body));
  o = h2.once();
  o.limits.max_bytes = 10;
  Ingester ingester2(h2.source, *h2.wh, h2.clock, h2.log, o);
  REQUIRE(ingester2.run().ok());
  CHECK(ingester2.stats().messages == 1);
}

TEST_CASE("locks are kept alive while a long batch is decoded, and once more before the commit", "[ingest]") {
  Harness h;
  for (int i = 0; i < 10; ++i) {
    h.source.push(make_message("FUELINST_" + std::to_string(i) + ".json", "FUELINST", iris_fixture("FUELINST.json")));
  }
  // Every read of the clock is 1 s later: decoding 10 messages spans > 10 s.
  TickingClock clock(h.clock.now(), std::chrono::seconds{1});
  IngestOptions o = h.once();
  o.keep_alive_interval = std::chrono::seconds{3};
  Ingester ingester(h.source, *h.wh, clock, h.log, o);
  REQUIRE(ingester.run().ok());
  CHECK(ingester.stats().messages == 10);
  CHECK(h.source.keep_alives >= 3);  // at least twice during the decode, once before the commit
  CHECK(h.source.last_keep_alive_size == 10);

  // A quick batch (the clock standing still) is kept alive once, before its commit.
  Harness quick;
  quick.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  Ingester ingester2(quick.source, *quick.wh, quick.clock, quick.log, quick.once());
  REQUIRE(ingester2.run().ok());
  CHECK(quick.source.keep_alives == 1);
}

TEST_CASE("the status file carries the source's lock renewals and losses", "[ingest]") {
  Harness h;
  h.source.reported = {.locks_renewed = 4, .locks_lost = 2};
  h.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once());
  REQUIRE(ingester.run().ok());
  CHECK(ingester.stats().locks.locks_lost == 2);
  auto doc = json::parse(gbpm::testing::read_file(h.dir / "runs" / "iris-ingest.status.json"));
  REQUIRE(doc.ok());
  CHECK(doc->root().field("locks_renewed").as_int64().value_or(-1) == 4);
  CHECK(doc->root().field("locks_lost").as_int64().value_or(-1) == 2);
}

namespace {

// Passes stores through to `inner`, but holds the first one until `open`
// is set (or 20 s pass, so a broken test fails rather than hangs).
class GatedWarehouse final : public warehouse::Warehouse {
 public:
  explicit GatedWarehouse(warehouse::Warehouse& inner) : m_inner(inner) {}
  Result<warehouse::BatchStats> store(const warehouse::Batch& batch) override {
    if (m_first.exchange(false)) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
      while (!open && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
      }
    }
    return m_inner.store(batch);
  }
  warehouse::MarketQueries& market() override { return m_inner.market(); }

  std::atomic<bool> open{false};

 private:
  warehouse::Warehouse& m_inner;
  std::atomic<bool> m_first{true};
};

// The index in `events` of the first entry equal to `what` (events.size() if none).
std::size_t first_event(const std::vector<std::string>& events, const std::string& what) {
  return static_cast<std::size_t>(std::find(events.begin(), events.end(), what) - events.begin());
}

}  // namespace

TEST_CASE("pipelined: the next batch is decoded while one commits, each ack follows its own commit",
          "[ingest][pipeline]") {
  for (const auto pipeline : {Pipeline::on, Pipeline::off}) {
    Harness h;
    for (int i = 0; i < 7; ++i) {
      h.source.push(make_message("FREQ_" + std::to_string(i) + ".json", "FREQ", iris_fixture("FREQ.json")));
    }
    IngestOptions o = h.once(2);
    o.pipeline = pipeline;
    Ingester ingester(h.source, *h.wh, h.clock, h.log, o);
    REQUIRE(ingester.run().ok());
    REQUIRE(h.source.acks.size() == 7);
    // Batch k (two messages each) is acknowledged after commit k and before commit k+1.
    for (std::size_t i = 0; i < 7; ++i) CHECK(h.source.acks[i].commits_seen == static_cast<int>(i / 2 + 1));
    CHECK(h.wh->commits == 4);
    CHECK(ingester.stats().messages == 7);
    CHECK(ingester.stats().batches == 4);
    CHECK(ingester.stats().datasets.at("FREQ").inserted == 2);
    CHECK(ingester.stats().datasets.at("FREQ").ignored == 12);
    const auto& events = h.source.events;
    const auto second_receive = std::find(events.begin() + 1, events.end(), "receive 2") - events.begin();
    if (pipeline == Pipeline::on) {
      // Batch 2 was received (and decoded) before batch 1 was acknowledged...
      CHECK(static_cast<std::size_t>(second_receive) < first_event(events, "ack FREQ_0.json"));
      // ...and never more than the committing batch plus the next one were in flight.
      CHECK(h.source.max_in_flight == 4);
    } else {
      CHECK(static_cast<std::size_t>(second_receive) > first_event(events, "ack FREQ_1.json"));
      CHECK(h.source.max_in_flight == 2);
    }
  }
}

TEST_CASE("pipelined: a failed commit releases its batch and the decoded one behind it, then both are retried",
          "[ingest][pipeline]") {
  Harness h;
  h.wh->fail_next = 1;
  for (int i = 0; i < 4; ++i) {
    h.source.push(make_message("FREQ_" + std::to_string(i) + ".json", "FREQ", iris_fixture("FREQ.json")));
  }
  Ingester ingester(h.source, *h.wh, h.clock, h.log, h.once(2));
  REQUIRE(ingester.run().ok());
  CHECK(h.source.released == std::vector<std::string>{"FREQ_0.json", "FREQ_1.json", "FREQ_2.json", "FREQ_3.json"});
  REQUIRE(h.source.acks.size() == 4);
  for (const auto& ack : h.source.acks) CHECK(ack.commits_seen >= 1);  // none before a successful commit
  CHECK(h.wh->stores == 3);
  CHECK(ingester.stats().store_failures == 1);
  CHECK(ingester.stats().released == 4);
  CHECK(h.source.in_flight == 0);
  CHECK(h.count("SELECT count(*) FROM bmrs_freq_iris") == 2);
}

TEST_CASE("pipelined: while a commit is slow, the next batch's locks and the heartbeat are kept alive",
          "[ingest][pipeline]") {
  Harness h;
  GatedWarehouse gated(*h.wh);
  for (int i = 0; i < 4; ++i) {
    h.source.push(make_message("FREQ_" + std::to_string(i) + ".json", "FREQ", iris_fixture("FREQ.json")));
  }
  // Every read of the clock is 1 s later; the wait for the commit re-checks
  // every millisecond of real time.
  TickingClock clock(h.clock.now(), std::chrono::seconds{1});
  IngestOptions o = h.once(2);
  o.keep_alive_interval = std::chrono::seconds{3};
  o.sleep_slice = std::chrono::milliseconds{1};
  Ingester ingester(h.source, gated, clock, h.log, o);
  int ticks_while_committing = 0;
  ingester.set_on_tick([&](const IngestStats& s) {
    if (s.batches > 0) return;
    ++ticks_while_committing;
    // Open the gate once batch 2 has been kept alive twice during the commit.
    const auto& commits = h.source.keep_alive_commits;
    if (std::count(commits.begin(), commits.end(), 0) >= 3 && h.source.last_keep_alive_size == 2) gated.open = true;
  });
  REQUIRE(ingester.run().ok());
  CHECK(gated.open);
  CHECK(ticks_while_committing >= 2);
  CHECK(ingester.stats().messages == 4);
  // Once before commit 1, at least twice for batch 2 while commit 1 was held.
  const auto& commits = h.source.keep_alive_commits;
  CHECK(std::count(commits.begin(), commits.end(), 0) >= 3);
}

TEST_CASE("a message over the memory budget is quarantined by reference, unparsed, and acknowledged after the commit",
          "[ingest][memory]") {
  Harness h;
  IngestOptions options = h.once();
  options.message = MessageLimits{.max_bytes = 4096, .max_json_values = 200};
  // Over the byte limit: "[0,0,...]" of 8 KB, kept as its first bytes only.
  std::string big = "[0";
  while (big.size() < 8000) big += ",0";
  big += "]";
  h.source.push(make_message("BIG_1.json", "FREQ", big));
  // Within the byte limit but over the value budget: refused by the parser.
  std::string many = "[0";
  for (int i = 0; i < 1000; ++i) many += ",0";
  many += "]";
  h.source.push(make_message("MANY_1.json", "FREQ", many));
  h.source.push(make_message("FREQ_1.json", "FREQ", iris_fixture("FREQ.json")));
  Ingester ingester(h.source, *h.wh, h.clock, h.log, options);
  REQUIRE(ingester.run().ok());

  REQUIRE(h.source.acks.size() == 3);
  CHECK(h.source.acks[0].outcome == Outcome::quarantined);
  CHECK(h.source.acks[0].error.find("message of 8001 bytes is over the limit of 4096 bytes") != std::string::npos);
  CHECK(h.source.acks[0].commits_seen == 1);  // completed only once the quarantine row is committed
  CHECK(h.source.acks[1].outcome == Outcome::quarantined);
  CHECK(h.source.acks[1].error.find("more values than the limit of 200") != std::string::npos);
  CHECK(h.source.acks[2].outcome == Outcome::stored);
  CHECK(h.count("SELECT count(*) FROM quarantine") == 2);
  CHECK(h.count("SELECT length(body) FROM quarantine WHERE source_ref = 'fake:BIG_1.json'") ==
        static_cast<std::int64_t>(kQuarantineHeadBytes));
  CHECK(
      h.count(
          "SELECT count(*) FROM quarantine WHERE source_ref = 'fake:BIG_1.json' AND substr(CAST(body AS TEXT), 1, 6) = "
          "'[0,0,0' AND error LIKE '%8001 bytes%'") == 1);
  CHECK(h.count("SELECT count(*) FROM bmrs_freq_iris") == 2);
}

TEST_CASE("message limits follow the memory budget", "[ingest][memory]") {
  const MessageLimits unit = message_limits_for(std::uint64_t{192} << 20);
  CHECK(unit.max_bytes == std::size_t{32} << 20);  // a 25 MiB real message still fits
  CHECK(unit.max_json_values == std::size_t{3} << 20);
  // The parse tree of any accepted body (about 32 bytes a value) fits in half the budget.
  CHECK(unit.max_json_values * 32 <= (std::size_t{192} << 20) / 2);
}
