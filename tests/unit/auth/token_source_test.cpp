#include "auth/token_source.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "support/fake_clock.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {
core::TimePoint t0() {
  return sys_days{2026y / 11 / 28} + 10h;
}
}  // namespace

TEST_CASE("a cached token is reused until 5 minutes before expiry", "[auth]") {
  core::FakeClock clock(t0());
  int n = 0;
  auth::CachingTokenSource source(
      [&]() -> Result<auth::AccessToken> {
        ++n;
        return auth::AccessToken{"tok" + std::to_string(n), clock.now() + 1h};
      },
      clock);
  CHECK(source.token()->value == "tok1");
  clock.advance(54min);
  CHECK(source.token()->value == "tok1");
  clock.advance(1min + 1s);  // inside the 5-minute margin
  CHECK(source.token()->value == "tok2");
  CHECK(source.fetch_count() == 2);
  CHECK(source.token()->authorization() == "Bearer tok2");
}

TEST_CASE("short-lived tokens refresh at half-life", "[auth]") {
  core::FakeClock clock(t0());
  int n = 0;
  auth::CachingTokenSource source(
      [&]() -> Result<auth::AccessToken> {
        return auth::AccessToken{std::to_string(++n), clock.now() + 10s};
      },
      clock);
  CHECK(source.token()->value == "1");
  clock.advance(4s);
  CHECK(source.token()->value == "1");
  clock.advance(1s);
  CHECK(source.token()->value == "2");
}

TEST_CASE("a failed refresh is reported, not cached, and a valid token still serves", "[auth]") {
  core::FakeClock clock(t0());
  bool fail = false;
  auth::CachingTokenSource source(
      [&]() -> Result<auth::AccessToken> {
        if (fail) return make_error(ErrorKind::temporary, "token endpoint answered 503");
        return auth::AccessToken{"good", clock.now() + 1h};
      },
      clock);
  REQUIRE(source.token().ok());
  fail = true;
  clock.advance(57min);  // due for refresh, still valid
  const auto still = source.token();
  REQUIRE(still.ok());
  CHECK(still->value == "good");
  clock.advance(4min);  // expired now
  const auto failed = source.token();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find("503") != std::string::npos);
  fail = false;
  CHECK(source.token()->value == "good");
}

TEST_CASE("concurrent callers share one refresh", "[auth]") {
  core::FakeClock clock(t0());
  std::atomic<int> fetches{0};
  auth::CachingTokenSource source(
      [&]() -> Result<auth::AccessToken> {
        ++fetches;
        std::this_thread::sleep_for(50ms);  // a slow token endpoint
        return auth::AccessToken{"shared", clock.now() + 1h};
      },
      clock);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (auto t = source.token(); t && t->value == "shared") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 8);
  CHECK(fetches == 1);
}

TEST_CASE("invalidate forces a new fetch", "[auth]") {
  core::FakeClock clock(t0());
  int n = 0;
  auth::CachingTokenSource source(
      [&]() -> Result<auth::AccessToken> {
        return auth::AccessToken{std::to_string(++n), clock.now() + 1h};
      },
      clock);
  CHECK(source.token()->value == "1");
  source.invalidate();
  CHECK(source.token()->value == "2");
}
