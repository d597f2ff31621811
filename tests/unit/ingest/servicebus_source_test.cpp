// The servicebus: source end to end over HTTPS against fake-servicebus:
// IRIS-shaped (double-encoded) messages → Ingester → SQLite; the queue ends
// empty, nothing dead-lettered; transient store failures abandon; locks renewed.

#include "ingest/servicebus_source.hpp"

#include <catch2/catch.hpp>

#include "auth/azure_entra.hpp"
#include "fakes/fake-servicebus/servicebus_service.hpp"
#include "ingest/ingester.hpp"
#include "ingest_test_support.hpp"
#include "net/curl_transport.hpp"
#include "net/retry.hpp"
#include "support/fake_clock.hpp"

using namespace gbpm;
using namespace gbpm::ingest;
using namespace gbpm::ingest::testing;
using namespace std::chrono;
namespace sb = gbpm::fakes::servicebus;

namespace {

constexpr const char* kQueue = "iris.test";

struct Bus {
  core::FakeClock clock{sys_days{2026y / 11 / 28} + 10h};
  sb::HostedServiceBus fake{with_clock(clock)};
  std::unique_ptr<net::CurlTransport> curl;
  std::unique_ptr<net::RetryingTransport> retrying;
  std::unique_ptr<auth::CachingTokenSource> tokens;
  std::unique_ptr<azure::ServiceBusClient> client;
  log::Logger log{log::Logger::Options{.level = log::Level::off}};
  gbpm::testing::TempDir dir;
  std::unique_ptr<warehouse::SqliteWarehouse> sqlite;

  Bus() {
    auto c = net::CurlTransport::create({.ca_file = fake.ca_file().string()});
    REQUIRE(c.ok());
    curl = std::move(*c);
    retrying = std::make_unique<net::RetryingTransport>(*curl, clock, net::RetryPolicy({.max_attempts = 3}));
    tokens = auth::make_entra_token_source(
        *retrying, clock,
        {"4203b7a0-7773-4de5-b830-8b263a20426e", "11111111-2222-3333-4444-555555555555", "fake-servicebus-secret"},
        {.authority_url = fake.url()});
    client = std::make_unique<azure::ServiceBusClient>(
        *retrying, *tokens, azure::ServiceBusOptions{.namespace_url = fake.url(), .queue = kQueue, .receive_wait = 1s});
    auto opened = warehouse::SqliteWarehouse::open(dir / "gbpm.db", warehouse::OpenMode::read_write);
    REQUIRE(opened.ok());
    sqlite = std::move(*opened);
  }

  static sb::ServiceBusFakeOptions with_clock(const core::Clock& c) {
    sb::ServiceBusFakeOptions o;
    o.clock = &c;
    return o;
  }

  void enqueue(const std::string& id, const std::string& label, const std::string& body,
               sb::BodyEncoding encoding = sb::BodyEncoding::double_encoded) {
    fake.service().enqueue(kQueue, {.body = body, .message_id = id, .label = label}, encoding);
  }
};

IngestOptions once() {
  IngestOptions o;
  o.mode = RunMode::once;
  o.backoff.seed = 3;
  o.backoff.initial = milliseconds{10};
  return o;
}

}  // namespace

TEST_CASE("servicebus source: IRIS messages to SQLite, queue empty, nothing dead-lettered", "[ingest][servicebus]") {
  Bus bus;
  bus.enqueue("FUELINST_202510271650_89411.json", "FUELINST", iris_fixture("FUELINST.json"));
  bus.enqueue("FREQ_202510271649_66892.json", "FREQ", iris_fixture("FREQ.json"));
  bus.enqueue("MELS_202510271649_1.json", "MELS", iris_fixture("MELS.json"));
  bus.enqueue("ZZNEW_1.json", "ZZNEW", R"([{"dataset":"ZZNEW","v":1}])");
  bus.enqueue("FREQ_bad.json", "FREQ", "[{\"dataset\":\"FREQ\",", sb::BodyEncoding::as_is);
  ServiceBusSource source(*bus.client, bus.clock, bus.log, "servicebus:fake/iris.test");
  FlakyWarehouse wh(*bus.sqlite);
  Ingester ingester(source, wh, bus.clock, bus.log, once());
  REQUIRE(ingester.run().ok());

  CHECK(count_rows(*bus.sqlite,
                   "SELECT count(*) FROM bmrs_fuelinst_iris WHERE message_id = "
                   "'FUELINST_202510271650_89411.json'") == 19);
  CHECK(count_rows(*bus.sqlite, "SELECT count(*) FROM bmrs_freq_iris") == 2);
  CHECK(count_rows(*bus.sqlite, "SELECT count(*) FROM bmrs_mels_iris") == 2);
  CHECK(count_rows(*bus.sqlite, "SELECT count(*) FROM raw_messages WHERE dataset = 'ZZNEW'") == 1);
  CHECK(count_rows(*bus.sqlite, "SELECT count(*) FROM quarantine WHERE source_ref = 'servicebus:FREQ_bad.json'") == 1);
  CHECK(bus.fake.service().messages(kQueue).empty());
  CHECK(bus.fake.service().dead_letters(kQueue).empty());
  CHECK(source.stats().completed == 5);
  CHECK(bus.fake.service().stats().completes == 5);
}

TEST_CASE("servicebus source: a transient store failure abandons, then the redelivery is stored once",
          "[ingest][servicebus]") {
  Bus bus;
  bus.enqueue("FREQ_1.json", "FREQ", iris_fixture("FREQ.json"));
  bus.enqueue("MID_1.json", "MID", iris_fixture("MID.json"));
  ServiceBusSource source(*bus.client, bus.clock, bus.log, "servicebus:fake/iris.test");
  FlakyWarehouse wh(*bus.sqlite);
  wh.fail_next = 2;
  Ingester ingester(source, wh, bus.clock, bus.log, once());
  REQUIRE(ingester.run().ok());
  CHECK(source.stats().abandoned == 4);  // two messages, two failed commits
  CHECK(bus.fake.service().stats().abandons == 4);
  CHECK(source.stats().completed == 2);
  CHECK(count_rows(*bus.sqlite, "SELECT count(*) FROM bmrs_freq_iris") == 2);
  CHECK(count_rows(*bus.sqlite, "SELECT count(*) FROM bmrs_mid_iris") == 2);
  CHECK(bus.fake.service().messages(kQueue).empty());
  CHECK(bus.fake.service().dead_letters(kQueue).empty());
}

TEST_CASE("servicebus source: keep_alive renews locks close to expiry, not fresh ones", "[ingest][servicebus]") {
  Bus bus;
  bus.enqueue("FREQ_1.json", "FREQ", iris_fixture("FREQ.json"));
  ServiceBusSource source(*bus.client, bus.clock, bus.log, "servicebus:fake/iris.test");
  auto batch = source.receive({});
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 1);
  source.keep_alive(*batch);  // 60 s left: nothing to do
  CHECK(bus.fake.service().stats().renewals == 0);
  bus.clock.advance(seconds{45});  // 15 s left, inside the 30 s margin
  source.keep_alive(*batch);
  CHECK(bus.fake.service().stats().renewals == 1);
  bus.clock.advance(seconds{50});  // past the original lock: only the renewal keeps it
  REQUIRE(source.acknowledge((*batch)[0], Outcome::stored, "").ok());
  CHECK(source.stats().completed == 1);
  CHECK(source.stats().lock_lost == 0);
  CHECK(bus.fake.service().messages(kQueue).empty());
}

namespace {

// Commits like SQLite but, the first time, only after `delay` on the clock:
// a commit of a large message slower than the broker lock.
class SlowFirstCommit final : public warehouse::Warehouse {
 public:
  SlowFirstCommit(warehouse::SqliteWarehouse& inner, core::FakeClock& clock, core::Duration delay)
      : m_inner(inner), m_clock(clock), m_delay(delay) {}
  Result<warehouse::BatchStats> store(const warehouse::Batch& batch) override {
    if (m_first) m_clock.advance(m_delay);
    m_first = false;
    return m_inner.store(batch);
  }
  warehouse::MarketQueries& market() override { return m_inner.market(); }

 private:
  warehouse::SqliteWarehouse& m_inner;
  core::FakeClock& m_clock;
  core::Duration m_delay;
  bool m_first = true;
};

}  // namespace

TEST_CASE("servicebus source: a commit outliving the lock counts a lost lock, and the redelivery is stored once",
          "[ingest][servicebus]") {
  Bus bus;
  bus.enqueue("FUELINST_1.json", "FUELINST", iris_fixture("FUELINST.json"));
  ServiceBusSource source(*bus.client, bus.clock, bus.log, "servicebus:fake/iris.test");
  SlowFirstCommit slow(*bus.sqlite, bus.clock, seconds{70});  // the lock is 60 s
  IngestOptions o = once();
  o.status_path = bus.dir / "runs" / "iris-ingest.status.json";
  Ingester ingester(source, slow, bus.clock, bus.log, o);
  REQUIRE(ingester.run().ok());
  CHECK(source.stats().lock_lost == 1);
  CHECK(source.stats().completed == 1);  // the redelivered copy
  CHECK(ingester.stats().locks.locks_lost == 1);
  CHECK(ingester.stats().datasets.at("FUELINST").ignored == 19);  // the replay changed nothing
  CHECK(count_rows(*bus.sqlite, "SELECT count(*) FROM bmrs_fuelinst_iris") == 19);
  CHECK(bus.fake.service().messages(kQueue).empty());
  CHECK(bus.fake.service().messages(std::string(kQueue) + "/$DeadLetterQueue").empty());
  const auto status = gbpm::testing::read_file(bus.dir / "runs" / "iris-ingest.status.json");
  CHECK(status.find("\"locks_lost\":1") != std::string::npos);
}

TEST_CASE("servicebus source: a batch stops growing max_wait after its first message", "[ingest][servicebus]") {
  Bus bus;
  for (int i = 0; i < 10; ++i) bus.enqueue("FREQ_" + std::to_string(i) + ".json", "FREQ", iris_fixture("FREQ.json"));
  // The source's clock moves 400 ms at every read: a slow broker.
  TickingClock ticking(bus.clock.now(), milliseconds{400});
  ServiceBusSource source(*bus.client, ticking, bus.log, "servicebus:fake/iris.test");
  ReceiveLimits limits;
  limits.max_wait = milliseconds{1000};
  auto first = source.receive(limits);
  REQUIRE(first.ok());
  CHECK(!first->empty());
  CHECK(first->size() < 5);  // closed about 1 s after its first message
  // With a generous bound the rest comes in one batch.
  limits.max_wait = hours{1};
  auto rest = source.receive(limits);
  REQUIRE(rest.ok());
  CHECK(first->size() + rest->size() == 10);
  for (const auto* batch : {&*first, &*rest}) {
    for (const auto& m : *batch) REQUIRE(source.acknowledge(m, Outcome::stored, "").ok());
  }
  CHECK(bus.fake.service().messages(kQueue).empty());
}
