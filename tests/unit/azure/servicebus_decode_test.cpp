#include <catch2/catch.hpp>

#include "azure/servicebus.hpp"
#include "core/time.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace gbpm;

TEST_CASE("BrokerProperties from the documented peek-lock reply are decoded", "[azure]") {
  azure::ReceivedMessage m;
  const auto status = azure::decode_broker_properties(
      R"({"DeliveryCount":1,"EnqueuedSequenceNumber":0,"EnqueuedTimeUtc":"Wed, 02 Jul 2014 01:32:27 GMT","Label":"M1","LockToken":"7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547","LockedUntilUtc":"Wed, 02 Jul 2014 01:33:27 GMT","MessageId":"31907572164743c38741631acd554d6f","SequenceNumber":2,"State":"Active","TimeToLive":10})",
      m);
  REQUIRE(status.ok());
  CHECK(m.delivery_count == 1);
  CHECK(m.label == "M1");
  CHECK(m.lock_token == "7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547");
  CHECK(m.message_id == "31907572164743c38741631acd554d6f");
  CHECK(m.sequence_number == 2);
  CHECK(m.state == "Active");
  REQUIRE(m.locked_until);
  REQUIRE(m.enqueued_time);
  CHECK(*m.locked_until == core::parse_utc("2014-07-02T01:33:27Z").value());
  CHECK(*m.locked_until - *m.enqueued_time == std::chrono::seconds(60));
}

TEST_CASE("BrokerProperties with a malformed date or type are data errors naming the key", "[azure]") {
  azure::ReceivedMessage m;
  auto bad_date = azure::decode_broker_properties(R"({"LockedUntilUtc":"2014-07-02T01:33:27Z"})", m);
  REQUIRE_FALSE(bad_date.ok());
  CHECK(bad_date.error().kind == ErrorKind::data);
  CHECK(bad_date.error().message.find("LockedUntilUtc") != std::string::npos);
  auto bad_count = azure::decode_broker_properties(R"({"DeliveryCount":"one"})", m);
  REQUIRE_FALSE(bad_count.ok());
  CHECK(bad_count.error().message.find("DeliveryCount") != std::string::npos);
}

TEST_CASE("RFC 1123 dates round-trip", "[azure]") {
  const auto t = core::parse_utc("2014-07-02T01:32:27Z").value();
  CHECK(azure::format_rfc1123(t) == "Wed, 02 Jul 2014 01:32:27 GMT");
  CHECK(core::parse_http_date(azure::format_rfc1123(t)).value() == t);
}

TEST_CASE("Service Bus XML error bodies become readable messages", "[azure]") {
  const net::Response expired{
      401,
      {{"Content-Type", "application/xml; charset=utf-8"}},
      "<Error><Code>401</Code><Detail>ExpiredToken: The token is expired..TrackingId:16ed6fad-77ab-4c16-b4c3-"
      "9d92e021e037_15,TimeStamp:2/26/2012 7:41:03 AM</Detail></Error>"};
  const Error e = azure::servicebus_error(expired, "Service Bus receive from q");
  CHECK(e.message.rfind("Service Bus receive from q: HTTP 401: ExpiredToken: The token is expired.", 0) == 0);
  CHECK(e.message.find("<Error>") == std::string::npos);
  CHECK(e.kind == ErrorKind::config);

  const net::Response busy{503,
                           {},
                           "<Error><Code>503</Code><Detail>The request was terminated because the entity is being "
                           "throttled. Error code: 50009. Please wait 2 seconds and try again.</Detail></Error>"};
  const Error b = azure::servicebus_error(busy, "receive");
  CHECK(b.kind == ErrorKind::temporary);
  CHECK(b.message.find("50009") != std::string::npos);

  const net::Response claims{
      401, {}, "<Error><Code>401</Code><Detail>Manage,EntityRead claims required for this operation.</Detail></Error>"};
  CHECK(azure::servicebus_error(claims, "x").message.find("Data Receiver") != std::string::npos);

  const net::Response escaped{400, {}, "<Error><Code>400</Code><Detail>a &lt;b&gt; &amp; c</Detail></Error>"};
  CHECK(azure::servicebus_error(escaped, "x").message == "x: HTTP 400: a <b> & c");
}

TEST_CASE("a receive over a scripted transport decodes headers and settles on the namespace", "[azure]") {
  net::FakeTransport transport;
  core::FakeClock clock;
  auto tokens = auth::CachingTokenSource(
      [&]() -> Result<auth::AccessToken> {
        return auth::AccessToken{"tok", clock.now() + std::chrono::hours(1)};
      },
      clock);
  azure::ServiceBusClient client(transport, tokens,
                                 {.namespace_url = "https://ns.servicebus.windows.net/",
                                  .queue = "orders",
                                  .receive_wait = std::chrono::seconds(55)});
  transport.push(
      201, "This is a message.",
      {{"Content-Type", "application/atom+xml;type=entry;charset=utf-8"},
       {"Location", "https://NS.servicebus.windows.net/orders/messages/2/7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547"},
       {"BrokerProperties",
        R"({"DeliveryCount":1,"Label":"M1","LockToken":"7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547","LockedUntilUtc":"Wed, 02 Jul 2014 01:33:27 GMT","MessageId":"31907572164743c38741631acd554d6f","SequenceNumber":2})"},
       {"Priority", "\"High\""},
       {"Customer", "\"12345,ABC\""},
       {"Date", "Wed, 02 Jul 2014 01:32:27 GMT"}});
  transport.push(404, "<Error><Code>404</Code><Detail>lock lost</Detail></Error>");
  auto received = client.receive();
  REQUIRE(received.ok());
  REQUIRE(received->has_value());
  const azure::ReceivedMessage& m = **received;
  CHECK(m.body == "This is a message.");
  CHECK(m.property("priority") == "High");
  CHECK(m.property("Customer") == "12345,ABC");
  CHECK_FALSE(m.property("Date"));
  CHECK(m.lock_uri == "https://ns.servicebus.windows.net/orders/messages/2/7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547");

  auto outcome = client.complete(m);
  REQUIRE(outcome.ok());
  CHECK(*outcome == azure::SettleOutcome::lock_lost);

  const auto requests = transport.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].url == "https://ns.servicebus.windows.net/orders/messages/head?timeout=55");
  CHECK(requests[0].timeout > std::chrono::seconds(55));  // the client outlasts the server-side wait
  CHECK(requests[0].header("Authorization") == "Bearer tok");
  CHECK(requests[1].method == "DELETE");
  CHECK(requests[1].url == m.lock_uri);
}

TEST_CASE("a Location off the namespace is a protocol error and no request follows it", "[azure][harden]") {
  const std::string ns = "https://ns.servicebus.windows.net";
  CHECK(*azure::settle_uri_from_location("/q/messages/1/lock", ns) == ns + "/q/messages/1/lock");
  CHECK(*azure::settle_uri_from_location("https://ns.servicebus.windows.net/q/messages/1/lock", ns) ==
        ns + "/q/messages/1/lock");
  for (const std::string bad :
       {"@otherhost:8443/q/messages/1/lock", "//otherhost/q/messages/1/lock", "https://otherhost/q/messages/1/lock",
        "http://ns.servicebus.windows.net/q/1", "https://ns.servicebus.windows.net@otherhost/q/1",
        "https://ns.servicebus.windows.net.otherhost/q/1", "https://ns.servicebus.windows.net:8443/q/1",
        "q/messages/1/lock", "https://ns.servicebus.windows.net", "ftp://ns.servicebus.windows.net/q/1"}) {
    INFO(bad);
    auto uri = azure::settle_uri_from_location(bad, ns);
    REQUIRE_FALSE(uri.ok());
    CHECK(uri.error().kind == ErrorKind::data);
  }

  // The proof: a peek-lock reply whose Location is "@otherhost:PORT/..." used
  // to send the settle, with the token, to otherhost.
  net::FakeTransport transport;
  core::FakeClock clock;
  auto tokens = auth::CachingTokenSource(
      [&]() -> Result<auth::AccessToken> {
        return auth::AccessToken{"tok", clock.now() + std::chrono::hours(1)};
      },
      clock);
  azure::ServiceBusClient client(transport, tokens, {.namespace_url = ns, .queue = "q"});
  transport.push(201, "body",
                 {{"Location", "@otherhost:8443/q/messages/1/7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547"},
                  {"BrokerProperties", R"({"DeliveryCount":1,"LockToken":"7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547",)"
                                       R"("MessageId":"m1","SequenceNumber":1})"}});
  auto received = client.receive();
  REQUIRE_FALSE(received.ok());
  CHECK(received.error().kind == ErrorKind::data);
  CHECK(received.error().message.find("Location") != std::string::npos);
  const auto requests = transport.requests();
  REQUIRE(requests.size() == 1);  // the receive only
}
