#include "net/http.hpp"

#include <catch2/catch.hpp>

#include "support/fake_transport.hpp"

using namespace gbpm;

TEST_CASE("header lookup ignores case and returns the first value", "[http]") {
  net::Response response{200, {{"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}}, ""};
  CHECK(response.header("content-type") == "application/json");
  CHECK(response.header("X-A") == "1");
  CHECK_FALSE(response.header("Retry-After").has_value());
  net::Request request;
  request.headers = {{"Authorization", "Bearer x"}};
  CHECK(request.header("AUTHORIZATION") == "Bearer x");
}

TEST_CASE("secret headers are recognised", "[http][secrets]") {
  for (const char* name : {"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "x-goog-api-key",
                           "X-Api-Key", "x-ms-client-secret"}) {
    INFO(name);
    CHECK(net::is_secret_header(name));
  }
  for (const char* name : {"Content-Type", "Accept", "User-Agent", "Retry-After"}) {
    INFO(name);
    CHECK_FALSE(net::is_secret_header(name));
  }
}

TEST_CASE("redact_url hides secret query values and credentials", "[http][secrets]") {
  CHECK(net::redact_url("https://example.com/a/b") == "https://example.com/a/b");
  CHECK(net::redact_url("https://example.com/a?dataset=FUELINST&key=AIzaSECRET&x=1") ==
        "https://example.com/a?dataset=FUELINST&key=[REDACTED]&x=1");
  CHECK(net::redact_url("https://ns.servicebus.windows.net/q?sig=abc%2F&se=1700000000") ==
        "https://ns.servicebus.windows.net/q?sig=[REDACTED]&se=1700000000");
  CHECK(net::redact_url("https://user:hunter2@example.com/x?access_token=ya29#frag") ==
        "https://example.com/x?access_token=[REDACTED]#frag");
  CHECK(net::redact_url("https://example.com/x?flag") == "https://example.com/x?flag");
}

TEST_CASE("format_headers_redacted keeps names and hides secret values", "[http][secrets]") {
  const std::string line =
      net::format_headers_redacted({{"Authorization", "Bearer ya29.secret"}, {"Content-Type", "application/json"}});
  CHECK(line == "Authorization: [REDACTED]; Content-Type: application/json");
}

TEST_CASE("status errors carry the right kind and a one-line excerpt", "[http]") {
  CHECK(net::error_kind_for_status(429) == ErrorKind::temporary);
  CHECK(net::error_kind_for_status(408) == ErrorKind::temporary);
  CHECK(net::error_kind_for_status(503) == ErrorKind::temporary);
  CHECK(net::error_kind_for_status(403) == ErrorKind::unavailable);
  CHECK(net::error_kind_for_status(404) == ErrorKind::unavailable);
  const Error error = net::status_error(net::Response{403, {}, "{\n \"error\": \"denied\"\n}"}, "sheets update");
  CHECK(error.kind == ErrorKind::unavailable);
  CHECK(error.message == "sheets update: HTTP 403: { \"error\": \"denied\" }");
  CHECK(net::status_error(net::Response{503, {}, ""}, "x").message == "x: HTTP 503");
}

TEST_CASE("FakeTransport serves the queue, then the handler, and records requests", "[http][fake]") {
  net::FakeTransport fake;
  fake.push(503);
  fake.push(make_error(ErrorKind::temporary, "reset"));
  fake.push(200, "ok", {{"X-Id", "7"}});

  net::Request request{.method = "POST", .url = "https://h/x", .body = "b"};
  auto first = fake.send(request);
  REQUIRE(first.ok());
  CHECK(first->status == 503);
  auto second = fake.send(request);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == ErrorKind::temporary);
  auto third = fake.send(request);
  REQUIRE(third.ok());
  CHECK(third->body == "ok");
  CHECK(third->header("x-id") == "7");
  CHECK(fake.pending() == 0);

  auto unscripted = fake.send(request);
  REQUIRE_FALSE(unscripted.ok());
  CHECK(unscripted.error().kind == ErrorKind::internal);
  CHECK(unscripted.error().message.find("POST https://h/x") != std::string::npos);

  fake.set_handler([](const net::Request& r) { return net::Response{201, {}, r.body + r.body}; });
  auto handled = fake.send(request);
  REQUIRE(handled.ok());
  CHECK(handled->status == 201);
  CHECK(handled->body == "bb");

  const auto recorded = fake.requests();
  REQUIRE(recorded.size() == 5);
  CHECK(recorded[0].method == "POST");
  CHECK(recorded[0].body == "b");
}
