#include "core/time.hpp"

#include <catch2/catch.hpp>

using gbpm::core::format_utc;
using gbpm::core::parse_http_date;
using gbpm::core::parse_utc;
using namespace std::chrono;

TEST_CASE("parse_utc accepts Z, offsets and fractions", "[time]") {
  const auto base = sys_days{2026y / 8 / 1} + 1h;
  CHECK(*parse_utc("2026-08-01T01:00:00Z") == base);
  CHECK(*parse_utc("2026-08-01T02:00:00+01:00") == base);
  CHECK(*parse_utc("2026-08-01T00:00:00-0100") == base);
  CHECK(*parse_utc("2026-08-01 01:00Z") == base);
  CHECK(*parse_utc("2026-08-01T01:00:00.250Z") == base + 250ms);
}

TEST_CASE("parse_utc rejects naive stamps unless told they are UTC", "[time]") {
  const auto naive = parse_utc("2026-08-01T01:00:00");
  REQUIRE_FALSE(naive.ok());
  CHECK(naive.error().kind == gbpm::ErrorKind::data);
  CHECK(naive.error().message.find("2026-08-01T01:00:00") != std::string::npos);
  CHECK(*parse_utc("2026-08-01T01:00:00", true) == sys_days{2026y / 8 / 1} + 1h);
  CHECK(*parse_utc("2026-08-01", true) == sys_days{2026y / 8 / 1});
}

TEST_CASE("parse_utc rejects garbage", "[time]") {
  for (const char* bad : {"", "2026", "2026-02-30T00:00Z", "2026-08-01T25:00Z", "2026-08-01T01:00:00Zjunk",
                          "2026-08-01X01:00Z", "2026-08-01T01:00:00.Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_utc(bad).ok());
  }
}

TEST_CASE("format_utc round-trips", "[time]") {
  const auto t = sys_days{2025y / 10 / 26} + 1h + 30min;
  CHECK(format_utc(t) == "2025-10-26T01:30:00Z");
  CHECK(*parse_utc(format_utc(t)) == t);
  CHECK(gbpm::core::format_utc_millis(t + 7ms) == "2025-10-26T01:30:00.007Z");
}

TEST_CASE("parse_http_date reads IMF-fixdate", "[time]") {
  CHECK(*parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == sys_days{1994y / 11 / 6} + 8h + 49min + 37s);
  CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").ok());
  CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT").ok());
}

TEST_CASE("parse_utc refuses years a TimePoint cannot hold and bounds what it quotes", "[time]") {
  CHECK_FALSE(parse_utc("4052-01-01T00:00:00Z").ok());
  CHECK_FALSE(parse_utc("1066-10-14T09:00:00Z").ok());
  CHECK(parse_utc("2199-12-31T23:59:59Z").ok());
  const std::string hostile = "2026-01-01T00:00:00" + std::string(10000, 'x');
  const auto r = parse_utc(hostile);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.size() < 200);
}
