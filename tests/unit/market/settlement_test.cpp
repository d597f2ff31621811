#include "market/settlement.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/time.hpp"

using gbpm::ErrorKind;
using gbpm::core::format_utc;
using gbpm::core::TimePoint;
using gbpm::market::SettlementPeriod;
using namespace gbpm::market;
using namespace std::chrono;

namespace Catch {
template <>
struct StringMaker<SettlementPeriod> {
  static std::string convert(const SettlementPeriod& sp) {
    return gbpm::market::format_date(sp.date) + " SP" + std::to_string(sp.period);
  }
};
}  // namespace Catch

namespace {

// A UTC instant from an RFC 3339 literal written in the test.
TimePoint utc(std::string_view text) {
  const auto parsed = gbpm::core::parse_utc(text);
  REQUIRE(parsed.ok());
  return *parsed;
}

// The UTC start of (date, period) as text, or the error message, so a failing
// CHECK shows both sides readably.
std::string start_of(year_month_day date, int period) {
  const auto start = period_start_utc(date, period);
  return start.ok() ? format_utc(*start) : "error: " + start.error().message;
}

SettlementPeriod sp(year_month_day date, int period) {
  return SettlementPeriod{date, period};
}

}  // namespace

TEST_CASE("periods_in_day: 46 in spring, 50 in autumn, 48 otherwise", "[settlement]") {
  CHECK(periods_in_day(2024y / 3 / 31) == 46);
  CHECK(periods_in_day(2024y / 10 / 27) == 50);
  CHECK(periods_in_day(2025y / 3 / 30) == 46);
  CHECK(periods_in_day(2025y / 10 / 26) == 50);
  CHECK(periods_in_day(2026y / 3 / 29) == 46);
  CHECK(periods_in_day(2026y / 10 / 25) == 50);
  CHECK(periods_in_day(2026y / 8 / 1) == 48);
  CHECK(periods_in_day(2026y / 1 / 15) == 48);
  // The days either side of a change are ordinary.
  CHECK(periods_in_day(2026y / 3 / 28) == 48);
  CHECK(periods_in_day(2026y / 3 / 30) == 48);
  CHECK(periods_in_day(2026y / 10 / 24) == 48);
  CHECK(periods_in_day(2026y / 10 / 26) == 48);
  CHECK(periods_in_day(2026y / 2 / 30) == 0);  // not a date
}

TEST_CASE("2025-03-30 spring forward: 46 periods, SP3 is 02:00 BST", "[settlement]") {
  const auto d = 2025y / 3 / 30;
  CHECK(format_utc(day_start_utc(d)) == "2025-03-30T00:00:00Z");
  CHECK(format_utc(day_end_utc(d)) == "2025-03-30T23:00:00Z");
  CHECK(start_of(d, 1) == "2025-03-30T00:00:00Z");
  CHECK(start_of(d, 2) == "2025-03-30T00:30:00Z");
  CHECK(start_of(d, 3) == "2025-03-30T01:00:00Z");
  CHECK(start_of(d, 46) == "2025-03-30T22:30:00Z");
  CHECK(format_uk_local(*period_start_utc(d, 1)) == "2025-03-30 00:00 GMT");
  CHECK(format_uk_local(*period_start_utc(d, 2)) == "2025-03-30 00:30 GMT");
  CHECK(format_uk_local(*period_start_utc(d, 3)) == "2025-03-30 02:00 BST");
  CHECK(format_uk_local(*period_start_utc(d, 46)) == "2025-03-30 23:30 BST");
  CHECK_FALSE(period_start_utc(d, 47).ok());
}

TEST_CASE("2025-10-26 autumn back: 50 periods through the repeated hour", "[settlement]") {
  const auto d = 2025y / 10 / 26;
  CHECK(format_utc(day_start_utc(d)) == "2025-10-25T23:00:00Z");
  CHECK(format_utc(day_end_utc(d)) == "2025-10-27T00:00:00Z");
  CHECK(start_of(d, 1) == "2025-10-25T23:00:00Z");
  CHECK(start_of(d, 3) == "2025-10-26T00:00:00Z");
  CHECK(start_of(d, 4) == "2025-10-26T00:30:00Z");
  CHECK(start_of(d, 5) == "2025-10-26T01:00:00Z");
  CHECK(start_of(d, 6) == "2025-10-26T01:30:00Z");
  CHECK(start_of(d, 50) == "2025-10-26T23:30:00Z");
  CHECK(format_uk_local(*period_start_utc(d, 1)) == "2025-10-26 00:00 BST");
  CHECK(format_uk_local(*period_start_utc(d, 3)) == "2025-10-26 01:00 BST");
  CHECK(format_uk_local(*period_start_utc(d, 4)) == "2025-10-26 01:30 BST");
  CHECK(format_uk_local(*period_start_utc(d, 5)) == "2025-10-26 01:00 GMT");
  CHECK(format_uk_local(*period_start_utc(d, 6)) == "2025-10-26 01:30 GMT");
  CHECK(format_uk_local(*period_start_utc(d, 50)) == "2025-10-26 23:30 GMT");
  CHECK_FALSE(period_start_utc(d, 51).ok());
}

TEST_CASE("2026-03-29 spring forward and 2026-10-25 autumn back", "[settlement]") {
  const auto spring = 2026y / 3 / 29;
  CHECK(periods_in_day(spring) == 46);
  CHECK(start_of(spring, 3) == "2026-03-29T01:00:00Z");
  CHECK(format_uk_local(*period_start_utc(spring, 3)) == "2026-03-29 02:00 BST");
  CHECK(start_of(spring, 46) == "2026-03-29T22:30:00Z");

  const auto autumn = 2026y / 10 / 25;
  CHECK(periods_in_day(autumn) == 50);
  CHECK(format_utc(day_start_utc(autumn)) == "2026-10-24T23:00:00Z");
  CHECK(format_utc(day_end_utc(autumn)) == "2026-10-26T00:00:00Z");
  CHECK(start_of(autumn, 5) == "2026-10-25T01:00:00Z");
  CHECK(format_uk_local(*period_start_utc(autumn, 5)) == "2026-10-25 01:00 GMT");
  CHECK(start_of(autumn, 50) == "2026-10-25T23:30:00Z");
}

TEST_CASE("2026-08-01 in BST: SP1 and SP2 fall on the previous UTC day", "[settlement]") {
  const auto d = 2026y / 8 / 1;
  CHECK(periods_in_day(d) == 48);
  CHECK(format_utc(day_start_utc(d)) == "2026-07-31T23:00:00Z");
  CHECK(format_utc(day_end_utc(d)) == "2026-08-01T23:00:00Z");
  CHECK(start_of(d, 1) == "2026-07-31T23:00:00Z");
  CHECK(start_of(d, 2) == "2026-07-31T23:30:00Z");
  CHECK(start_of(d, 48) == "2026-08-01T22:30:00Z");
  // The settlement date is the London day, not the UTC date part.
  CHECK(period_at(utc("2026-07-31T23:30:00Z")) == sp(d, 2));
  CHECK(period_at(utc("2026-07-31T22:59:59Z")) == sp(2026y / 7 / 31, 48));
  CHECK(period_at(utc("2026-08-01T23:00:00Z")) == sp(2026y / 8 / 2, 1));
}

TEST_CASE("2026-01-15 in GMT: SP is the UTC half-hour plus one", "[settlement]") {
  const auto d = 2026y / 1 / 15;
  CHECK(format_utc(day_start_utc(d)) == "2026-01-15T00:00:00Z");
  CHECK(format_utc(day_end_utc(d)) == "2026-01-16T00:00:00Z");
  for (int half_hour = 0; half_hour < 48; ++half_hour) {
    INFO("half-hour " << half_hour);
    const TimePoint start = sys_days{d} + half_hour * 30min;
    CHECK(period_start_utc(d, half_hour + 1).value_or(TimePoint{}) == start);
    CHECK(period_at(start) == sp(d, half_hour + 1));
    CHECK(period_at(start + 17min) == sp(d, half_hour + 1));
  }
}

TEST_CASE("agrees with the captured Elexon fixtures", "[settlement]") {
  const auto may = 2026y / 5 / 6;
  CHECK(start_of(may, 8) == "2026-05-06T02:30:00Z");            // FUELHH
  CHECK(start_of(may, 9) == "2026-05-06T03:00:00Z");            // MID
  CHECK(period_at(utc("2026-05-06T02:55:00Z")) == sp(may, 8));  // FUELINST
  CHECK(start_of(2026y / 8 / 1, 5) == "2026-08-01T01:00:00Z");  // system prices
}

TEST_CASE("SP and UTC round-trip across the clock-change hours", "[settlement]") {
  for (const auto d :
       {2024y / 3 / 31, 2024y / 10 / 27, 2025y / 3 / 30, 2025y / 10 / 26, 2026y / 3 / 29, 2026y / 10 / 25}) {
    INFO(format_date(d));
    // Every period maps back to itself.
    for (int p = 1; p <= periods_in_day(d); ++p) {
      INFO("SP" << p);
      const auto start = period_start_utc(d, p);
      REQUIRE(start.ok());
      CHECK(period_at(*start) == sp(d, p));
      CHECK(period_at(*start + 29min + 59s) == sp(d, p));
      CHECK(period_at(*start + 30min).period == (p == periods_in_day(d) ? 1 : p + 1));
    }
    // Every 5 minutes from 22:00Z the evening before to 04:00Z: the instant
    // lies inside the period it maps to.
    for (TimePoint t = sys_days{d} - 2h; t < sys_days{d} + 4h; t += 5min) {
      INFO(format_utc(t));
      const SettlementPeriod got = period_at(t);
      const auto start = period_start_utc(got.date, got.period);
      REQUIRE(start.ok());
      CHECK(*start <= t);
      CHECK(t < *start + kPeriodLength);
    }
  }
  // Periods are counted in elapsed time, not from the local wall clock: at
  // 02:30 BST on a spring day it is SP4, at 01:30 GMT on an autumn day SP6.
  CHECK(period_at(utc("2026-03-29T01:30:00Z")) == sp(2026y / 3 / 29, 4));
  CHECK(period_at(utc("2026-10-25T00:30:00Z")) == sp(2026y / 10 / 25, 4));
  CHECK(period_at(utc("2026-10-25T01:30:00Z")) == sp(2026y / 10 / 25, 6));
}

TEST_CASE("invalid periods and dates are data errors", "[settlement]") {
  struct Case {
    year_month_day date;
    int period;
  };
  const std::vector<Case> bad = {
      {2026y / 8 / 1, 0},    {2026y / 8 / 1, -1},   {2026y / 8 / 1, 49}, {2026y / 3 / 29, 47}, {2025y / 3 / 30, 47},
      {2026y / 10 / 25, 51}, {2025y / 10 / 26, 51}, {2026y / 2 / 30, 1}, {1995y / 12 / 31, 1}, {2100y / 1 / 1, 1},
  };
  for (const Case& c : bad) {
    INFO(format_date(c.date) << " SP" << c.period);
    const auto start = period_start_utc(c.date, c.period);
    REQUIRE_FALSE(start.ok());
    CHECK(start.error().kind == ErrorKind::data);
    CHECK(start.error().message.find(format_date(c.date)) != std::string::npos);
  }
  CHECK(period_start_utc(2026y / 3 / 29, 47).error().message ==
        "settlement period 47 does not exist on 2026-03-29 (valid: 1..46)");
  CHECK(period_start_utc(2100y / 1 / 1, 1).error().message ==
        "settlement date 2100-01-01 is outside the supported range 1996-01-01..2099-12-31");
  // The edges of the supported range work.
  CHECK(start_of(1996y / 1 / 1, 1) == "1996-01-01T00:00:00Z");
  CHECK(start_of(2099y / 12 / 31, 48) == "2099-12-31T23:30:00Z");
  CHECK(is_supported_date(2099y / 12 / 31));
  CHECK_FALSE(is_supported_date(2026y / 2 / 29));
}

TEST_CASE("UK local time shows GMT or BST on both sides of each change", "[settlement][local]") {
  CHECK(format_uk_local(utc("2026-11-28T10:50:00Z")) == "2026-11-28 10:50 GMT");
  CHECK(format_uk_local(utc("2026-08-01T13:05:00Z")) == "2026-08-01 14:05 BST");
  CHECK(format_uk_local_seconds(utc("2026-08-01T13:05:09.900Z")) == "2026-08-01 14:05:09 BST");
  CHECK(format_uk_local(utc("2026-08-01T13:05:59Z")) == "2026-08-01 14:05 BST");  // truncated
  CHECK(format_uk_local(utc("2026-07-31T23:30:00Z")) == "2026-08-01 00:30 BST");

  // Spring forward 2026: 00:59:59 GMT is followed by 02:00:00 BST.
  CHECK(format_uk_local_seconds(utc("2026-03-29T00:59:59Z")) == "2026-03-29 00:59:59 GMT");
  CHECK(format_uk_local_seconds(utc("2026-03-29T01:00:00Z")) == "2026-03-29 02:00:00 BST");
  // Autumn back 2026: 01:00-02:00 local happens twice, first BST then GMT.
  CHECK(format_uk_local(utc("2026-10-24T23:00:00Z")) == "2026-10-25 00:00 BST");
  CHECK(format_uk_local(utc("2026-10-25T00:00:00Z")) == "2026-10-25 01:00 BST");
  CHECK(format_uk_local(utc("2026-10-25T00:30:00Z")) == "2026-10-25 01:30 BST");
  CHECK(format_uk_local_seconds(utc("2026-10-25T00:59:59Z")) == "2026-10-25 01:59:59 BST");
  CHECK(format_uk_local(utc("2026-10-25T01:00:00Z")) == "2026-10-25 01:00 GMT");
  CHECK(format_uk_local(utc("2026-10-25T01:30:00Z")) == "2026-10-25 01:30 GMT");
  CHECK(format_uk_local(utc("2026-10-25T02:00:00Z")) == "2026-10-25 02:00 GMT");
  // 2025 as well.
  CHECK(format_uk_local(utc("2025-03-30T00:30:00Z")) == "2025-03-30 00:30 GMT");
  CHECK(format_uk_local(utc("2025-03-30T01:00:00Z")) == "2025-03-30 02:00 BST");
  CHECK(format_uk_local(utc("2025-10-26T00:59:00Z")) == "2025-10-26 01:59 BST");
  CHECK(format_uk_local(utc("2025-10-26T01:00:00Z")) == "2025-10-26 01:00 GMT");

  CHECK(london_utc_offset(utc("2026-03-29T00:59:59Z")) == 0min);
  CHECK(london_utc_offset(utc("2026-03-29T01:00:00Z")) == 60min);
  CHECK(london_utc_offset(utc("2026-10-25T00:59:59Z")) == 60min);
  CHECK(london_utc_offset(utc("2026-10-25T01:00:00Z")) == 0min);
  CHECK(london_zone_abbreviation(utc("2026-01-15T12:00:00Z")) == "GMT");
  CHECK(london_zone_abbreviation(utc("2026-08-01T12:00:00Z")) == "BST");
}

TEST_CASE("parse_date and format_date", "[settlement][date]") {
  const auto parsed = parse_date("2026-08-01");
  REQUIRE(parsed.ok());
  CHECK(*parsed == 2026y / 8 / 1);
  CHECK(format_date(*parsed) == "2026-08-01");
  CHECK(format_date(1996y / 1 / 1) == "1996-01-01");
  CHECK(parse_date("1996-01-01").ok());
  CHECK(parse_date("2099-12-31").ok());
  CHECK(parse_date("2024-02-29").ok());

  for (const char* bad :
       {"", "2026", "2026-8-01", "2026-08-1", "2026/08/01", "2026-08-01T00:00Z", " 2026-08-01", "+026-08-01",
        "2026-0a-01", "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "1995-12-31", "2100-01-01"}) {
    INFO(bad);
    const auto r = parse_date(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::data);
    CHECK(r.error().message.find(std::string("\"") + bad + "\"") != std::string::npos);
  }
}
