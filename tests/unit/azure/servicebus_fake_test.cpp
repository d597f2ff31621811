// The Service Bus client against fake-servicebus, over HTTPS with the fake's
// own CA: peek-lock semantics, dead-lettering, throttling, lock loss, auth.

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "auth/azure_entra.hpp"
#include "auth/azure_sas.hpp"
#include "azure/receiver_pool.hpp"
#include "azure/servicebus.hpp"
#include "fakes/fake-servicebus/servicebus_service.hpp"
#include "json/json.hpp"
#include "net/curl_transport.hpp"
#include "net/retry.hpp"
#include "support/fake_clock.hpp"

using namespace gbpm;
using namespace std::chrono;
namespace sb = gbpm::fakes::servicebus;

namespace {

constexpr const char* kQueue = "iris.test";

core::TimePoint t0() {
  return sys_days{2026y / 11 / 28} + 10h;
}

// A fake on a FakeClock, and a client (Entra auth through the fake's token
// endpoint, retries sleeping on the same clock).
struct Bus {
  core::FakeClock clock{t0()};
  sb::HostedServiceBus fake;
  std::unique_ptr<net::CurlTransport> curl;
  std::unique_ptr<net::RetryingTransport> retrying;
  std::unique_ptr<auth::CachingTokenSource> tokens;
  std::unique_ptr<azure::ServiceBusClient> client;

  explicit Bus(sb::ServiceBusFakeOptions options = {}, std::string secret = "fake-servicebus-secret")
      : fake(with_clock(std::move(options), clock)) {
    auto c = net::CurlTransport::create({.ca_file = fake.ca_file().string()});
    REQUIRE(c.ok());
    curl = std::move(*c);
    retrying = std::make_unique<net::RetryingTransport>(
        *curl, clock, net::RetryPolicy({.max_attempts = 4}),
        net::BackoffPolicy({.initial = milliseconds(1000), .random = [] { return 1.0; }}));
    tokens = auth::make_entra_token_source(
        *retrying, clock,
        {"4203b7a0-7773-4de5-b830-8b263a20426e", "11111111-2222-3333-4444-555555555555", std::move(secret)},
        {.authority_url = fake.url()});
    client = make_client(kQueue);
  }

  std::unique_ptr<azure::ServiceBusClient> make_client(const std::string& queue, seconds wait = seconds(1)) {
    return std::make_unique<azure::ServiceBusClient>(
        *retrying, *tokens,
        azure::ServiceBusOptions{.namespace_url = fake.url(), .queue = queue, .receive_wait = wait});
  }

  static sb::ServiceBusFakeOptions with_clock(sb::ServiceBusFakeOptions o, const core::Clock& c) {
    o.clock = &c;
    return o;
  }

  azure::ReceivedMessage receive_one(azure::ServiceBusClient& c) {
    auto r = c.receive();
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return std::move(**r);
  }
  azure::ReceivedMessage receive_one() { return receive_one(*client); }
};

}  // namespace

TEST_CASE("receive then complete removes the message, and headers are decoded", "[azure][fake]") {
  Bus bus;
  const std::string id = bus.fake.service().enqueue(kQueue,
                                                    {.body = R"([{"dataset":"FUELINST","generation":2249}])",
                                                     .message_id = "FUELINST_202510271650_89411.json",
                                                     .label = "FUELINST",
                                                     .properties = {{"Priority", "\"High\""}, {"Attempt", "3"}}},
                                                    sb::BodyEncoding::double_encoded);
  CHECK(id == "FUELINST_202510271650_89411.json");

  const azure::ReceivedMessage m = bus.receive_one();
  CHECK(m.message_id == "FUELINST_202510271650_89411.json");
  CHECK(m.label == "FUELINST");
  CHECK(m.delivery_count == 1);
  CHECK(m.sequence_number >= 1);
  CHECK_FALSE(m.lock_token.empty());
  REQUIRE(m.locked_until);
  CHECK(*m.locked_until == t0() + 60s);
  REQUIRE(m.enqueued_time);
  CHECK(*m.enqueued_time == t0());
  CHECK(m.property("Priority") == "High");
  CHECK(m.property("Attempt") == "3");
  CHECK(m.lock_uri.rfind(bus.fake.url() + "/iris.test/messages/", 0) == 0);
  // IRIS-style body: a JSON string literal holding the array.
  CHECK(m.body.front() == '"');
  auto doc = json::parse_maybe_double_encoded(m.body);
  REQUIRE(doc.ok());
  CHECK(doc->root().index(0).field("generation").as_int().value() == 2249);

  CHECK(bus.fake.service().messages(kQueue).size() == 1);
  auto done = bus.client->complete(m);
  REQUIRE(done.ok());
  CHECK(*done == azure::SettleOutcome::done);
  CHECK(bus.fake.service().messages(kQueue).empty());
  // Completing twice: the lock is gone.
  CHECK(bus.client->complete(m).value() == azure::SettleOutcome::lock_lost);
}

TEST_CASE("abandon and lock expiry redeliver with DeliveryCount + 1", "[azure][fake]") {
  Bus bus;
  bus.fake.service().enqueue(kQueue, {.body = "x", .label = "FREQ"});
  const auto first = bus.receive_one();
  CHECK(first.delivery_count == 1);
  CHECK(bus.client->abandon(first).value() == azure::SettleOutcome::done);

  const auto second = bus.receive_one();
  CHECK(second.delivery_count == 2);
  CHECK(second.message_id == first.message_id);
  CHECK(second.lock_token != first.lock_token);

  // While locked, nobody else gets it.
  auto other = bus.client->receive();
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());

  bus.clock.advance(61s);  // the lock expires
  const auto third = bus.receive_one();
  CHECK(third.delivery_count == 3);
  // The expired lock cannot settle any more: a distinct, countable outcome.
  CHECK(bus.client->complete(second).value() == azure::SettleOutcome::lock_lost);
  CHECK(bus.client->complete(third).value() == azure::SettleOutcome::done);
}

TEST_CASE("after MaxDeliveryCount deliveries the message is in the dead-letter queue", "[azure][fake]") {
  Bus bus({.max_delivery_count = 3});
  bus.fake.service().enqueue(kQueue, {.body = "poison", .message_id = "poison-1", .label = "BOALF"});
  for (int i = 1; i <= 3; ++i) {
    const auto m = bus.receive_one();
    CHECK(m.delivery_count == i);
    REQUIRE(bus.client->abandon(m).value() == azure::SettleOutcome::done);
  }
  CHECK(bus.fake.service().messages(kQueue).empty());
  const auto dead = bus.fake.service().dead_letters(kQueue);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].message_id == "poison-1");
  CHECK(dead[0].dead_letter_reason == "MaxDeliveryCountExceeded");
  auto empty = bus.client->receive();
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->has_value());

  // The dead-letter sub-queue is receivable and completable over REST.
  auto dlq = bus.make_client(std::string(kQueue) + "/$DeadLetterQueue");
  const auto m = bus.receive_one(*dlq);
  CHECK(m.message_id == "poison-1");
  CHECK(m.body == "poison");
  CHECK(m.property("DeadLetterReason") == "MaxDeliveryCountExceeded");
  CHECK(dlq->complete(m).value() == azure::SettleOutcome::done);
  CHECK(bus.fake.service().dead_letters(kQueue).empty());
}

TEST_CASE("lock expiry counts towards MaxDeliveryCount too", "[azure][fake]") {
  Bus bus({.max_delivery_count = 2});
  bus.fake.service().enqueue(kQueue, {.body = "slow"});
  (void)bus.receive_one();
  bus.clock.advance(61s);
  CHECK(bus.receive_one().delivery_count == 2);
  bus.clock.advance(61s);
  CHECK(bus.fake.service().dead_letters(kQueue).size() == 1);
}

TEST_CASE("renewing keeps a lock past its duration", "[azure][fake]") {
  Bus bus;
  bus.fake.service().enqueue(kQueue, {.body = "long job"});
  const auto m = bus.receive_one();
  bus.clock.advance(40s);
  CHECK(bus.client->renew_lock(m).value() == azure::SettleOutcome::done);
  bus.clock.advance(40s);  // 80 s after receive: past the original 60 s lock
  CHECK(bus.client->renew_lock(m).value() == azure::SettleOutcome::done);
  bus.clock.advance(40s);  // 120 s
  auto other = bus.client->receive();
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());  // still locked: not redelivered
  CHECK(bus.client->complete(m).value() == azure::SettleOutcome::done);
  CHECK(bus.fake.service().messages(kQueue).empty());
  CHECK(bus.fake.service().stats().lock_expiries == 0);
}

TEST_CASE("an empty queue long-polls for the timeout, then answers 204", "[azure][fake]") {
  Bus bus;
  const auto started = steady_clock::now();
  auto r = bus.client->receive();
  const auto waited = steady_clock::now() - started;
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
  CHECK(waited >= milliseconds(900));
  CHECK(bus.fake.service().stats().empty_receives == 1);
}

TEST_CASE("a long poll wakes up as soon as a message is sent", "[azure][fake]") {
  Bus bus;
  auto waiting = bus.make_client(kQueue, seconds(20));
  std::thread sender([&] {
    std::this_thread::sleep_for(milliseconds(300));
    bus.fake.service().enqueue(kQueue, {.body = "late"});
  });
  const auto started = steady_clock::now();
  auto r = waiting->receive();
  sender.join();
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->body == "late");
  CHECK(steady_clock::now() - started < seconds(5));
}

TEST_CASE("503 ServerBusy and 429 are retried by the transport policy", "[azure][fake]") {
  Bus bus;
  bus.fake.service().enqueue(kQueue, {.body = "m"});
  bus.fake.host().inject({.method = "POST",
                          .path_prefix = "/iris.test/messages/head",
                          .count = 2,
                          .status = 503,
                          .body = "<Error><Code>503</Code><Detail>The request was terminated because the entity is "
                                  "being throttled. Error code: 50009. Please wait 2 seconds and try again.</Detail>"
                                  "</Error>",
                          .content_type = "application/xml; charset=utf-8"});
  bus.fake.host().inject({.method = "DELETE",
                          .path_prefix = "/iris.test/messages/",
                          .count = 1,
                          .status = 429,
                          .body = "<Error><Code>429</Code><Detail>Too many requests</Detail></Error>",
                          .content_type = "application/xml",
                          .headers = {{"Retry-After", "3"}}});
  const auto m = bus.receive_one();
  CHECK(m.body == "m");
  CHECK(bus.client->complete(m).value() == azure::SettleOutcome::done);
  CHECK(bus.fake.service().messages(kQueue).empty());
  // Two backoffs for the 503s (1 s, 2 s: jitter pinned to the ceiling), then
  // the 429's Retry-After of 3 s.
  const auto sleeps = bus.clock.sleeps();
  REQUIRE(sleeps.size() == 3);
  CHECK(sleeps[0] == milliseconds(1000));
  CHECK(sleeps[1] == milliseconds(2000));
  CHECK(sleeps[2] == milliseconds(3000));
}

TEST_CASE("persistent throttling surfaces as a temporary error with the broker's detail", "[azure][fake]") {
  Bus bus;
  bus.fake.host().inject({.path_prefix = "/iris.test/",
                          .count = 10,
                          .status = 503,
                          .body = "<Error><Code>503</Code><Detail>ServerBusy: Error code: 50009.</Detail></Error>",
                          .content_type = "application/xml"});
  auto r = bus.client->receive();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::temporary);
  CHECK(r.error().message.find("50009") != std::string::npos);
}

TEST_CASE("settling after lock loss reports lock_lost and the message is redelivered", "[azure][fake]") {
  Bus bus;
  bus.fake.service().enqueue(kQueue, {.body = "m"});
  const auto m = bus.receive_one();
  bus.fake.service().expire_all_locks();
  auto outcome = bus.client->complete(m);
  REQUIRE(outcome.ok());
  CHECK(*outcome == azure::SettleOutcome::lock_lost);
  CHECK(bus.client->renew_lock(m).value() == azure::SettleOutcome::lock_lost);
  CHECK(bus.client->abandon(m).value() == azure::SettleOutcome::lock_lost);
  const auto again = bus.receive_one();
  CHECK(again.delivery_count == 2);
  CHECK(bus.client->complete(again).value() == azure::SettleOutcome::done);
}

TEST_CASE("a wrong client secret fails with a clear configuration error", "[azure][fake]") {
  Bus bus({}, "not-the-secret");
  bus.fake.service().enqueue(kQueue, {.body = "m"});
  auto r = bus.client->receive();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::config);
  CHECK(r.error().message.find("AADSTS7000215") != std::string::npos);
  CHECK(r.error().message.find("client secret is wrong") != std::string::npos);
  CHECK(r.error().message.find("not-the-secret") == std::string::npos);
  CHECK(bus.fake.service().messages(kQueue).size() == 1);
}

TEST_CASE("an expired client secret says to renew it on the Elexon portal", "[azure][fake]") {
  Bus bus;
  bus.fake.service().set_secret_expired(true);
  auto r = bus.client->receive();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("expire after 2 years") != std::string::npos);
}

TEST_CASE("Entra tokens are refreshed before expiry against the fake", "[azure][fake]") {
  Bus bus({.token_lifetime = 3599s});
  bus.fake.service().enqueue(kQueue, {.body = "a"});
  bus.fake.service().enqueue(kQueue, {.body = "b"});
  CHECK(bus.client->complete(bus.receive_one()).value() == azure::SettleOutcome::done);
  bus.clock.advance(56min);  // within 5 minutes of expiry
  CHECK(bus.client->complete(bus.receive_one()).value() == azure::SettleOutcome::done);
  CHECK(bus.fake.service().stats().tokens_issued == 2);
  CHECK(bus.fake.service().stats().auth_failures == 0);
}

TEST_CASE("SAS tokens are accepted, and a wrong key or another entity is refused", "[azure][fake]") {
  Bus bus({.sas_keys = {{"RootManageSharedAccessKey", "k3y"}}, .queues = {"iris.test", "other"}});
  bus.fake.service().enqueue(kQueue, {.body = "m"});
  auto good =
      auth::make_sas_token_source(bus.fake.url() + "/iris.test", {"RootManageSharedAccessKey", "k3y"}, bus.clock);
  azure::ServiceBusClient client(*bus.retrying, *good,
                                 {.namespace_url = bus.fake.url(), .queue = kQueue, .receive_wait = 1s});
  auto r = client.receive();
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK(client.complete(**r).value() == azure::SettleOutcome::done);

  auto bad =
      auth::make_sas_token_source(bus.fake.url() + "/iris.test", {"RootManageSharedAccessKey", "wrong"}, bus.clock);
  azure::ServiceBusClient bad_client(*bus.retrying, *bad,
                                     {.namespace_url = bus.fake.url(), .queue = kQueue, .receive_wait = 1s});
  auto refused = bad_client.receive();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::config);
  CHECK(refused.error().message.find("InvalidSignature") != std::string::npos);

  azure::ServiceBusClient elsewhere(*bus.retrying, *good,
                                    {.namespace_url = bus.fake.url(), .queue = "other", .receive_wait = 1s});
  auto wrong_entity = elsewhere.receive();
  REQUIRE_FALSE(wrong_entity.ok());
  CHECK(wrong_entity.error().message.find("HTTP 401") != std::string::npos);
}

TEST_CASE("send and batch send deliver bodies, labels and properties", "[azure][fake]") {
  Bus bus;
  REQUIRE(
      bus.client->send({.body = R"({"a":1})", .message_id = "one", .label = "MID", .properties = {{"Source", "test"}}})
          .ok());
  REQUIRE(bus.client
              ->send_batch({{.body = "two", .message_id = "two", .label = "FREQ", .properties = {{"K", "v \"q\""}}},
                            {.body = "three", .label = "INDO", .time_to_live = 60s}})
              .ok());
  const auto one = bus.receive_one();
  CHECK(one.message_id == "one");
  CHECK(one.body == R"({"a":1})");
  CHECK(one.content_type.rfind("application/json", 0) == 0);
  CHECK(one.label == "MID");
  CHECK(one.property("Source") == "test");
  const auto two = bus.receive_one();
  CHECK(two.body == "two");
  CHECK(two.label == "FREQ");
  CHECK(two.property("K") == "v \"q\"");
  const auto three = bus.receive_one();
  CHECK(three.label == "INDO");
  CHECK(three.sequence_number > two.sequence_number);
  CHECK(two.sequence_number > one.sequence_number);
}

TEST_CASE("messages past their time-to-live are not delivered", "[azure][fake]") {
  Bus bus;
  bus.fake.service().enqueue(kQueue, {.body = "short", .time_to_live = 30s});
  bus.fake.service().enqueue(kQueue, {.body = "long"});
  bus.clock.advance(31s);
  CHECK(bus.receive_one().body == "long");
  CHECK(bus.fake.service().stats().expired == 1);
}

TEST_CASE("an unknown queue is a configuration error naming the problem", "[azure][fake]") {
  Bus bus;
  auto missing = bus.make_client("no.such.queue");
  auto r = missing->receive();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::config);
  CHECK(r.error().message.find("HTTP 410") != std::string::npos);
  CHECK(r.error().message.find("queue name") != std::string::npos);
}

TEST_CASE("a receiver pool drains a queue with several receivers and settles per the handler", "[azure][fake]") {
  core::SystemClock wall;
  sb::HostedServiceBus fake;
  for (int i = 0; i < 40; ++i) fake.service().enqueue(kQueue, {.body = std::to_string(i)});
  auto token_curl = net::CurlTransport::create({.ca_file = fake.ca_file().string()});
  REQUIRE(token_curl.ok());
  auto tokens = auth::make_entra_token_source(
      **token_curl, wall,
      {"4203b7a0-7773-4de5-b830-8b263a20426e", "11111111-2222-3333-4444-555555555555", "fake-servicebus-secret"},
      {.authority_url = fake.url()});
  std::atomic<int> abandoned_once{0};
  const std::string ca = fake.ca_file().string();
  azure::ReceiverPool pool(
      [ca]() -> Result<std::unique_ptr<net::HttpTransport>> {
        auto c = net::CurlTransport::create({.ca_file = ca});
        if (!c) return c.error();
        return std::unique_ptr<net::HttpTransport>(std::move(*c));
      },
      *tokens, {.bus = {.namespace_url = fake.url(), .queue = kQueue, .receive_wait = 1s}, .receivers = 4}, wall,
      [&](azure::ReceiverContext&, const azure::ReceivedMessage& m) {
        // The first delivery of message "7" fails transiently.
        if (m.body == "7" && m.delivery_count == 1) {
          ++abandoned_once;
          return azure::Disposition::abandon;
        }
        return azure::Disposition::complete;
      });
  REQUIRE(pool.start().ok());
  const auto deadline = steady_clock::now() + seconds(20);
  while (pool.stats().completed < 40 && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(20));
  pool.stop();
  const auto stats = pool.stats();
  CHECK(stats.completed == 40);
  CHECK(stats.abandoned == 1);
  CHECK(stats.received == 41);
  CHECK(stats.errors == 0);
  CHECK(abandoned_once == 1);
  CHECK(fake.service().messages(kQueue).empty());
  CHECK(fake.service().stats().tokens_issued == 1);  // one token shared by all receivers
}

TEST_CASE("a receiver pool counts lock loss separately from errors", "[azure][fake]") {
  core::SystemClock wall;
  sb::HostedServiceBus fake;
  fake.service().enqueue(kQueue, {.body = "slow"});
  auto token_curl = net::CurlTransport::create({.ca_file = fake.ca_file().string()});
  REQUIRE(token_curl.ok());
  auto tokens = auth::make_entra_token_source(
      **token_curl, wall,
      {"4203b7a0-7773-4de5-b830-8b263a20426e", "11111111-2222-3333-4444-555555555555", "fake-servicebus-secret"},
      {.authority_url = fake.url()});
  const std::string ca = fake.ca_file().string();
  azure::ReceiverPool pool(
      [ca]() -> Result<std::unique_ptr<net::HttpTransport>> {
        auto c = net::CurlTransport::create({.ca_file = ca});
        if (!c) return c.error();
        return std::unique_ptr<net::HttpTransport>(std::move(*c));
      },
      *tokens, {.bus = {.namespace_url = fake.url(), .queue = kQueue, .receive_wait = 1s}, .receivers = 1}, wall,
      [&](azure::ReceiverContext&, const azure::ReceivedMessage& m) {
        if (m.delivery_count == 1) fake.service().expire_all_locks();  // the handler outlived its lock
        return azure::Disposition::complete;
      });
  REQUIRE(pool.start().ok());
  const auto deadline = steady_clock::now() + seconds(20);
  while (pool.stats().completed < 1 && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(20));
  pool.stop();
  const auto stats = pool.stats();
  CHECK(stats.lock_lost == 1);
  CHECK(stats.errors == 0);
  CHECK(stats.received == 2);  // redelivered after the lost lock, then completed
  CHECK(stats.completed == 1);
  CHECK(fake.service().messages(kQueue).empty());
}
