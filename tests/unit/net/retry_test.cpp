#include "net/retry.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <vector>

#include "core/clock.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

// A backoff whose jitter is pinned to `fraction` of the ceiling.
net::BackoffPolicy pinned_backoff(double fraction) {
  return net::BackoffPolicy(net::BackoffOptions{.random = [fraction] { return fraction; }});
}

net::Request get(std::string url = "https://example.test/x") {
  return net::Request{.method = "GET", .url = std::move(url)};
}

}  // namespace

TEST_CASE("retryable: 408, 429 and 5xx statuses and temporary errors only", "[retry]") {
  for (const long status : {408L, 429L, 500L, 501L, 502L, 503L, 504L, 599L}) {
    INFO(status);
    CHECK(net::RetryPolicy::is_retryable(net::Response{status, {}, ""}));
  }
  for (const long status : {200L, 201L, 204L, 301L, 304L, 400L, 401L, 403L, 404L, 409L, 412L, 422L}) {
    INFO(status);
    CHECK_FALSE(net::RetryPolicy::is_retryable(net::Response{status, {}, ""}));
  }
  CHECK(net::RetryPolicy::is_retryable(make_error(ErrorKind::temporary, "reset")));
  CHECK_FALSE(net::RetryPolicy::is_retryable(make_error(ErrorKind::unavailable, "TLS")));
  CHECK_FALSE(net::RetryPolicy::is_retryable(make_error(ErrorKind::config, "bad CA file")));
  CHECK_FALSE(net::RetryPolicy::is_retryable(make_error(ErrorKind::data, "too large")));
}

TEST_CASE("backoff ceilings grow exponentially up to the maximum", "[retry][backoff]") {
  const net::BackoffPolicy backoff;
  CHECK(backoff.ceiling(0) == 1s);
  CHECK(backoff.ceiling(1) == 2s);
  CHECK(backoff.ceiling(2) == 4s);
  CHECK(backoff.ceiling(5) == 32s);
  CHECK(backoff.ceiling(6) == 60s);
  CHECK(backoff.ceiling(1000) == 60s);

  auto at_ceiling = pinned_backoff(1.0);
  std::vector<milliseconds> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(at_ceiling.next_delay());
  CHECK(delays == std::vector<milliseconds>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s});
  CHECK(at_ceiling.count() == 8);
  CHECK(pinned_backoff(0.0).next_delay() == 0ms);
  CHECK(pinned_backoff(0.5).next_delay() == 500ms);
}

TEST_CASE("full jitter stays within [0, ceiling] and is deterministic for a seed", "[retry][backoff]") {
  net::BackoffPolicy a(net::BackoffOptions{.seed = 42});
  net::BackoffPolicy b(net::BackoffOptions{.seed = 42});
  std::vector<milliseconds> from_a;
  for (int n = 0; n < 12; ++n) {
    const milliseconds delay = a.next_delay();
    INFO("retry " << n << " delay " << delay.count());
    CHECK(delay >= 0ms);
    CHECK(delay <= a.ceiling(n));
    from_a.push_back(delay);
    CHECK(b.next_delay() == delay);
  }
  // Jitter really varies: twelve draws are not all identical.
  CHECK(std::adjacent_find(from_a.begin(), from_a.end(), std::not_equal_to<>()) != from_a.end());

  // Forks start over, deterministically, on their own streams.
  net::BackoffPolicy c(net::BackoffOptions{.seed = 7});
  net::BackoffPolicy d(net::BackoffOptions{.seed = 7});
  auto c1 = c.fork();
  auto d1 = d.fork();
  CHECK(c1.count() == 0);
  CHECK(c1.next_delay() == d1.next_delay());
}

TEST_CASE("Retry-After accepts delta-seconds and HTTP-dates", "[retry]") {
  const core::TimePoint now = sys_days{2026y / 11 / 28} + 10h;
  CHECK(net::parse_retry_after("120", now) == milliseconds(120s));
  CHECK(net::parse_retry_after(" 0 ", now) == 0ms);
  CHECK(net::parse_retry_after("Sat, 28 Nov 2026 10:00:30 GMT", now) == milliseconds(30s));
  CHECK(net::parse_retry_after("Sat, 28 Nov 2026 09:00:00 GMT", now) == 0ms);
  CHECK_FALSE(net::parse_retry_after("", now).has_value());
  CHECK_FALSE(net::parse_retry_after("-5", now).has_value());
  CHECK_FALSE(net::parse_retry_after("soon", now).has_value());
  CHECK(net::parse_retry_after("99999999999", now) == milliseconds(24h));
}

TEST_CASE("RetryingTransport retries retryable outcomes then succeeds", "[retry]") {
  net::FakeTransport fake;
  fake.push(503);
  fake.push(make_error(ErrorKind::temporary, "connection reset"));
  fake.push(429);
  fake.push(200, "done");
  core::FakeClock clock;
  net::RetryingTransport transport(fake, clock, net::RetryPolicy(), pinned_backoff(1.0));
  auto result = transport.send(get());
  REQUIRE(result.ok());
  CHECK(result->body == "done");
  CHECK(fake.requests().size() == 4);
  CHECK(clock.sleeps() == std::vector<milliseconds>{1s, 2s, 4s});
}

TEST_CASE("RetryingTransport never retries other 4xx or permanent errors", "[retry]") {
  for (const long status : {400L, 401L, 403L, 404L}) {
    INFO(status);
    net::FakeTransport fake;
    fake.push(status);
    core::FakeClock clock;
    net::RetryingTransport transport(fake, clock);
    auto result = transport.send(get());
    REQUIRE(result.ok());
    CHECK(result->status == status);
    CHECK(fake.requests().size() == 1);
    CHECK(clock.sleeps().empty());
  }
  net::FakeTransport fake;
  fake.push(make_error(ErrorKind::unavailable, "certificate not trusted"));
  core::FakeClock clock;
  net::RetryingTransport transport(fake, clock);
  auto result = transport.send(get());
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().kind == ErrorKind::unavailable);
  CHECK(fake.requests().size() == 1);
}

TEST_CASE("RetryMode::never sends once", "[retry]") {
  net::FakeTransport fake;
  fake.push(503);
  core::FakeClock clock;
  net::RetryingTransport transport(fake, clock);
  net::Request request = get();
  request.retry = net::RetryMode::never;
  auto result = transport.send(request);
  REQUIRE(result.ok());
  CHECK(result->status == 503);
  CHECK(fake.requests().size() == 1);
}

TEST_CASE("attempts are bounded and the last outcome is returned", "[retry]") {
  net::FakeTransport fake;
  fake.set_handler([](const net::Request&) { return net::Response{500, {}, "still broken"}; });
  core::FakeClock clock;
  net::RetryingTransport transport(fake, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 3}),
                                   pinned_backoff(1.0));
  auto result = transport.send(get());
  REQUIRE(result.ok());
  CHECK(result->status == 500);
  CHECK(result->body == "still broken");
  CHECK(fake.requests().size() == 3);
  CHECK(clock.sleeps() == std::vector<milliseconds>{1s, 2s});

  net::FakeTransport failing;
  failing.set_handler([](const net::Request&) { return make_error(ErrorKind::temporary, "timed out"); });
  net::RetryingTransport transport2(failing, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 2}));
  auto error = transport2.send(get());
  REQUIRE_FALSE(error.ok());
  CHECK(error.error().message == "timed out");
  CHECK(failing.requests().size() == 2);
}

TEST_CASE("the time budget bounds waits and cuts attempts short", "[retry]") {
  net::FakeTransport fake;
  fake.set_handler([](const net::Request&) { return net::Response{503, {{"Retry-After", "4"}}, ""}; });
  core::FakeClock clock;
  net::RetryingTransport transport(
      fake, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 100, .max_total = 10s}), pinned_backoff(0.0));
  net::Request request = get();
  request.timeout = 5s;
  auto result = transport.send(request);
  REQUIRE(result.ok());
  CHECK(result->status == 503);
  // 0 s: 503, wait 4 s; 4 s: 503, wait 4 s; 8 s: 503, a wait to 12 s would pass 10 s: stop.
  CHECK(fake.requests().size() == 3);
  CHECK(clock.sleeps() == std::vector<milliseconds>{4s, 4s});
  const auto sent = fake.requests();
  CHECK(sent[0].timeout == 5s);
  CHECK(sent[1].timeout == 5s);
  CHECK(sent[2].timeout == 2s);  // only 2 s of the budget left
}

TEST_CASE("the wait is the longer of backoff and Retry-After", "[retry]") {
  net::FakeTransport fake;
  fake.push(429, "", {{"Retry-After", "0"}});
  fake.push(429, "", {{"retry-after", "7"}});
  fake.push(200);
  core::FakeClock clock;
  net::RetryingTransport transport(fake, clock, net::RetryPolicy(), pinned_backoff(1.0));
  auto result = transport.send(get());
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(clock.sleeps() == std::vector<milliseconds>{1s, 7s});
}

TEST_CASE("each operation gets its own backoff sequence", "[retry]") {
  net::FakeTransport fake;
  fake.set_handler([](const net::Request&) { return net::Response{503, {}, ""}; });
  core::FakeClock clock;
  net::RetryingTransport transport(fake, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 3}),
                                   pinned_backoff(1.0));
  (void)transport.send(get());
  (void)transport.send(get());
  CHECK(clock.sleeps() == std::vector<milliseconds>{1s, 2s, 1s, 2s});
}
