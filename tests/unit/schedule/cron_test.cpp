#include "schedule/cron.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/time.hpp"

using gbpm::core::format_utc;
using gbpm::core::TimePoint;
using gbpm::schedule::CronExpr;
using namespace std::chrono;

namespace {

CronExpr cron(const char* text) {
  auto e = CronExpr::parse(text);
  INFO(text);
  REQUIRE(e.ok());
  return *e;
}

TimePoint at(const char* iso) {
  return *gbpm::core::parse_utc(iso);
}

// Fire times from `from` (exclusive) on, `n` of them, as ISO strings.
std::vector<std::string> fires(const CronExpr& e, const char* from, int n) {
  std::vector<std::string> out;
  TimePoint t = at(from);
  for (int i = 0; i < n; ++i) {
    t = e.next_after(t);
    out.push_back(format_utc(t));
  }
  return out;
}

}  // namespace

TEST_CASE("the gbpm crontab schedules fire on the documented minutes", "[cron]") {
  CHECK(fires(cron("*/5 * * * *"), "2026-11-28T10:58:00Z", 3) ==
        std::vector<std::string>{"2026-11-28T11:00:00Z", "2026-11-28T11:05:00Z", "2026-11-28T11:10:00Z"});
  CHECK(fires(cron("1-59/10 * * * *"), "2026-11-28T10:51:00Z", 2) ==
        std::vector<std::string>{"2026-11-28T11:01:00Z", "2026-11-28T11:11:00Z"});
  CHECK(fires(cron("9-59/30 * * * *"), "2026-11-28T10:00:00Z", 3) ==
        std::vector<std::string>{"2026-11-28T10:09:00Z", "2026-11-28T10:39:00Z", "2026-11-28T11:09:00Z"});
  CHECK(fires(cron("49 4 * * *"), "2026-11-28T04:49:00Z", 2) ==
        std::vector<std::string>{"2026-11-29T04:49:00Z", "2026-11-30T04:49:00Z"});
}

TEST_CASE("next_after is strictly after, also from inside a fire minute", "[cron]") {
  const auto e = cron("*/1 * * * *");
  CHECK(e.next_after(at("2026-11-28T10:00:00Z")) == at("2026-11-28T10:01:00Z"));
  CHECK(e.next_after(at("2026-11-28T10:00:59.999Z")) == at("2026-11-28T10:01:00Z"));
  CHECK(e.next_after(at("2026-11-28T23:59:30Z")) == at("2026-11-29T00:00:00Z"));
}

TEST_CASE("latest_at_or_before counts a fire at exactly t", "[cron]") {
  const auto e = cron("7-59/10 * * * *");
  CHECK(e.latest_at_or_before(at("2026-11-28T10:07:00Z")) == at("2026-11-28T10:07:00Z"));
  CHECK(e.latest_at_or_before(at("2026-11-28T10:06:59Z")) == at("2026-11-28T09:57:00Z"));
  CHECK(e.latest_at_or_before(at("2026-11-28T00:05:00Z")) == at("2026-11-27T23:57:00Z"));
  const auto daily = cron("49 4 * * *");
  CHECK(daily.latest_at_or_before(at("2026-11-28T04:48:00Z")) == at("2026-11-27T04:49:00Z"));
  CHECK(cron("0 0 1 1 *").latest_at_or_before(at("2026-06-01T00:00:00Z")) == at("2026-01-01T00:00:00Z"));
}

TEST_CASE("steps in hours restart every day", "[cron]") {
  // */7 in hours is 0,7,14,21: after 21:00 the next is 00:00, not 04:00.
  CHECK(fires(cron("0 */7 * * *"), "2026-11-28T13:00:00Z", 4) ==
        std::vector<std::string>{"2026-11-28T14:00:00Z", "2026-11-28T21:00:00Z", "2026-11-29T00:00:00Z",
                                 "2026-11-29T07:00:00Z"});
}

TEST_CASE("month ends and leap years", "[cron]") {
  CHECK(fires(cron("0 0 31 * *"), "2026-01-31T00:00:00Z", 3) ==
        std::vector<std::string>{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"});
  CHECK(fires(cron("30 12 29 2 *"), "2024-03-01T00:00:00Z", 2) ==
        std::vector<std::string>{"2028-02-29T12:30:00Z", "2032-02-29T12:30:00Z"});
  // 2100 is not a leap year: the next Feb 29 after 2096 is in 2104.
  CHECK(cron("0 0 29 feb *").next_after(at("2096-03-01T00:00:00Z")) == at("2104-02-29T00:00:00Z"));
  CHECK(cron("0 0 29 feb *").latest_at_or_before(at("2104-02-28T00:00:00Z")) == at("2096-02-29T00:00:00Z"));
  CHECK(cron("59 23 31 dec *").next_after(at("2026-12-31T23:59:00Z")) == at("2027-12-31T23:59:00Z"));
}

TEST_CASE("day of week: names, 7 is Sunday, ranges through 7", "[cron]") {
  // 2026-11-29 is a Sunday.
  CHECK(cron("0 12 * * 7").next_after(at("2026-11-28T00:00:00Z")) == at("2026-11-29T12:00:00Z"));
  CHECK(cron("0 12 * * 0").next_after(at("2026-11-28T00:00:00Z")) == at("2026-11-29T12:00:00Z"));
  CHECK(cron("0 12 * * SUN").next_after(at("2026-11-28T00:00:00Z")) == at("2026-11-29T12:00:00Z"));
  CHECK(fires(cron("0 9 * * mon-fri"), "2026-11-27T10:00:00Z", 2) ==
        std::vector<std::string>{"2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z"});
  CHECK(fires(cron("0 0 * * 6-7"), "2026-11-27T10:00:00Z", 3) ==
        std::vector<std::string>{"2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z", "2026-12-05T00:00:00Z"});
}

TEST_CASE("day of month and day of week: OR when both restricted, AND when one is *", "[cron]") {
  // The 13th or any Friday (Vixie): 2026-11-13 is a Friday; next after it is Fri 20th, then Dec 4 (Fri), ...
  CHECK(fires(cron("0 0 13 * 5"), "2026-11-13T00:00:00Z", 3) ==
        std::vector<std::string>{"2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z", "2026-12-04T00:00:00Z"});
  CHECK(cron("0 0 13 * 5").next_after(at("2026-12-11T00:00:00Z")) == at("2026-12-13T00:00:00Z"));
  // "*/2" in day of week starts with '*', so day of month must also match (AND).
  // Months: 2026-12-01 is a Tuesday (2) → matches 1 AND even weekday.
  CHECK(cron("0 0 1 * */2").next_after(at("2026-11-01T00:00:00Z")) == at("2026-12-01T00:00:00Z"));
  CHECK(cron("0 0 * * 1").next_after(at("2026-11-28T00:00:00Z")) == at("2026-11-30T00:00:00Z"));
}

TEST_CASE("lists mix values, ranges and steps", "[cron]") {
  CHECK(fires(cron("0,15,40-45/5 * * * *"), "2026-11-28T10:00:00Z", 4) ==
        std::vector<std::string>{"2026-11-28T10:15:00Z", "2026-11-28T10:40:00Z", "2026-11-28T10:45:00Z",
                                 "2026-11-28T11:00:00Z"});
  CHECK(fires(cron("0 0 1 jan,Jul *"), "2026-01-01T00:00:00Z", 2) ==
        std::vector<std::string>{"2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"});
}

TEST_CASE("invalid expressions are rejected with the field named", "[cron]") {
  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& b : std::vector<Bad>{{"* * * *", "has 4 fields"},
                                       {"* * * * * *", "has 6 fields"},
                                       {"60 * * * *", "minute"},
                                       {"* 24 * * *", "hour"},
                                       {"* * 0 * *", "day of month"},
                                       {"* * 32 * *", "day of month"},
                                       {"* * * 13 *", "month"},
                                       {"* * * * 8", "day of week"},
                                       {"*/0 * * * *", "step must be at least 1"},
                                       {"5/10 * * * *", "a step needs a range"},
                                       {"10-5 * * * *", "backwards"},
                                       {"1,,2 * * * *", "empty list element"},
                                       {"a * * * *", "minute"},
                                       {"* * * foo *", "month"},
                                       {"* * * * monday", "day of week"},
                                       {"-1 * * * *", "minute"},
                                       {"*/x * * * *", "step"},
                                       {"0 0 30 2 *", "never fire"},
                                       {"0 0 31 4,6,9,11 *", "never fire"}}) {
    INFO(b.text);
    const auto e = CronExpr::parse(b.text);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().kind == gbpm::ErrorKind::config);
    CHECK_THAT(e.error().message, Catch::Contains(b.says));
  }
  // Feb 30 is rescued by a restricted day of week (OR rule): it fires on Mondays in February.
  CHECK(CronExpr::parse("0 0 30 2 1").ok());
}

TEST_CASE("next_after and latest_at_or_before agree with a minute-by-minute scan", "[cron]") {
  std::mt19937 rng(42);
  // Frequent enough that the brute-force scan stays fast (also under ASan);
  // the rare cases (Feb 29, the 31st) have their own tests above.
  const std::vector<const char*> exprs = {"*/7 */5 * * *", "3-59/10 1-23/2 * * *", "0 0 1,15 * 1",
                                          "15 10 * * sat", "0 */7 */3 * *",        "*/13 1-5 * * 0,6"};
  for (const char* text : exprs) {
    const auto e = cron(text);
    for (int i = 0; i < 20; ++i) {
      const TimePoint t = at("2026-01-01T00:00:00Z") + minutes{std::uniform_int_distribution<int>(0, 400'000)(rng)} +
                          seconds{std::uniform_int_distribution<int>(0, 59)(rng)};
      INFO(text << " from " << format_utc(t));
      TimePoint scan = floor<minutes>(t) + minutes{1};
      while (!e.matches(scan)) scan += minutes{1};
      CHECK(e.next_after(t) == scan);
      TimePoint back = floor<minutes>(t);
      while (!e.matches(back)) back -= minutes{1};
      CHECK(e.latest_at_or_before(t) == back);
    }
  }
}

TEST_CASE("text() normalises whitespace", "[cron]") {
  CHECK(cron("  */5\t*  * * *  ").text() == "*/5 * * * *");
}
