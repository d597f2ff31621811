#pragma once
// GB settlement periods and UK local time. This is the only module that knows
// about Europe/London; everything else works in UTC.
//
// The settlement day is the Europe/London calendar day. SP1 starts at the UTC
// instant of local midnight and each period is 30 minutes of elapsed time, so a
// day has 46 (spring forward), 48 or 50 (autumn back) periods. SPs are never
// derived from local wall-clock time.
//
// UK rule (since 1996, EU-aligned): BST (UTC+1) runs from the last Sunday of
// March 01:00 UTC to the last Sunday of October 01:00 UTC; GMT (UTC+0)
// otherwise. It is implemented with the C++20 calendar types, without a tz
// database. Supported settlement dates: 1996-01-01..2099-12-31. Functions that
// return a Result reject dates outside that range; the others apply the same
// rule outside it (the historical rule before 1996 differed).

#include <chrono>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::market {

// Length of one settlement period (elapsed time).
inline constexpr std::chrono::minutes kPeriodLength{30};
// First and last supported settlement dates (inclusive).
inline constexpr std::chrono::year_month_day kFirstSupportedDate{std::chrono::year{1996}, std::chrono::January,
                                                                 std::chrono::day{1}};
inline constexpr std::chrono::year_month_day kLastSupportedDate{std::chrono::year{2099}, std::chrono::December,
                                                                std::chrono::day{31}};

// A settlement date (Europe/London calendar day) and a period within it (1-based).
struct SettlementPeriod {
  std::chrono::year_month_day date;
  int period = 0;

  friend bool operator==(const SettlementPeriod&, const SettlementPeriod&) = default;
};

// True when `date` is a valid calendar date within the supported range.
bool is_supported_date(std::chrono::year_month_day date);

// Number of settlement periods on `date`: 46, 48 or 50. Returns 0 for an
// invalid calendar date (e.g. 2026-02-30), so no period is ever in range.
int periods_in_day(std::chrono::year_month_day date);

// UTC instant of local midnight at the start of `date` (the start of SP1).
// `date` must be a valid calendar date.
core::TimePoint day_start_utc(std::chrono::year_month_day date);

// UTC instant of local midnight at the end of `date` (the start of the next
// day's SP1); periods on `date` lie in [day_start_utc, day_end_utc).
// `date` must be a valid calendar date.
core::TimePoint day_end_utc(std::chrono::year_month_day date);

// UTC start of settlement period `period` on `date`:
// day_start_utc(date) + (period - 1) * 30 min. ErrorKind::data when the date is
// invalid or unsupported, or when period is outside 1..periods_in_day(date).
Result<core::TimePoint> period_start_utc(std::chrono::year_month_day date, int period);

// The settlement date and period containing `instant` (periods are half-open,
// so an SP's start belongs to it and its end to the next one).
SettlementPeriod period_at(core::TimePoint instant);

// UK civil time offset from UTC at `instant`: 0 min (GMT) or 60 min (BST).
std::chrono::minutes london_utc_offset(core::TimePoint instant);

// UK zone abbreviation at `instant`: "GMT" or "BST".
std::string_view london_zone_abbreviation(core::TimePoint instant);

// UK local time with its zone, minutes precision (truncated):
// "2026-11-28 10:50 GMT", "2026-08-01 14:05 BST". In the repeated October hour
// the zone tells the two 01:xx apart ("01:30 BST" then "01:30 GMT").
std::string format_uk_local(core::TimePoint instant);
// As format_uk_local with seconds (truncated): "2026-08-01 14:05:09 BST".
std::string format_uk_local_seconds(core::TimePoint instant);

// Parses a settlement date "YYYY-MM-DD" (exactly that form). ErrorKind::data,
// naming the text, when malformed, not a calendar date, or outside the
// supported range.
Result<std::chrono::year_month_day> parse_date(std::string_view text);

// Formats a date as "YYYY-MM-DD".
std::string format_date(std::chrono::year_month_day date);

}  // namespace gbpm::market
