#include "market/settlement.hpp"

#include <fmt/format.h>

namespace gbpm::market {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// The last Sunday of `m` in year `y`: the UK changes clocks on these days.
sys_days last_sunday(std::chrono::year y, std::chrono::month m) {
  return sys_days{std::chrono::year_month_weekday_last{y, m, std::chrono::Sunday[std::chrono::last]}};
}

// True when local midnight at the start of the valid date `day` is in BST.
// Clocks change at 01:00 UTC on the last Sunday of March and of October, so
// midnight on the spring Sunday is still GMT and midnight on the autumn Sunday
// is still BST: BST midnights are the days (spring Sunday, autumn Sunday].
bool midnight_is_bst(sys_days day) {
  const auto y = year_month_day{day}.year();
  return day > last_sunday(y, std::chrono::March) && day <= last_sunday(y, std::chrono::October);
}

Error data_error(std::string message) {
  return make_error(ErrorKind::data, std::move(message));
}

std::string format_local(core::TimePoint instant, bool with_seconds) {
  const auto local = std::chrono::floor<seconds>(instant) + london_utc_offset(instant);
  const auto day = std::chrono::floor<days>(local);
  const std::chrono::hh_mm_ss hms{local - day};
  std::string out =
      fmt::format("{} {:02}:{:02}", format_date(year_month_day{day}), hms.hours().count(), hms.minutes().count());
  if (with_seconds) out += fmt::format(":{:02}", hms.seconds().count());
  out += ' ';
  out += london_zone_abbreviation(instant);
  return out;
}

}  // namespace

bool is_supported_date(year_month_day date) {
  return date.ok() && date >= kFirstSupportedDate && date <= kLastSupportedDate;
}

core::TimePoint day_start_utc(year_month_day date) {
  const sys_days day{date};
  return midnight_is_bst(day) ? day - hours{1} : core::TimePoint{day};
}

core::TimePoint day_end_utc(year_month_day date) {
  return day_start_utc(year_month_day{sys_days{date} + days{1}});
}

int periods_in_day(year_month_day date) {
  if (!date.ok()) return 0;
  return static_cast<int>((day_end_utc(date) - day_start_utc(date)) / kPeriodLength);
}

Result<core::TimePoint> period_start_utc(year_month_day date, int period) {
  if (!date.ok()) return data_error(fmt::format("settlement date {} is not a calendar date", format_date(date)));
  if (!is_supported_date(date)) {
    return data_error(fmt::format("settlement date {} is outside the supported range {}..{}", format_date(date),
                                  format_date(kFirstSupportedDate), format_date(kLastSupportedDate)));
  }
  const int count = periods_in_day(date);
  if (period < 1 || period > count) {
    return data_error(
        fmt::format("settlement period {} does not exist on {} (valid: 1..{})", period, format_date(date), count));
  }
  return day_start_utc(date) + (period - 1) * kPeriodLength;
}

SettlementPeriod period_at(core::TimePoint instant) {
  // The settlement date is the local calendar date; the period counts elapsed
  // time from that date's local midnight, never local wall-clock time.
  const auto local_day = std::chrono::floor<days>(instant + london_utc_offset(instant));
  const year_month_day date{local_day};
  // Non-negative: `instant` lies within [day_start_utc(date), day_end_utc(date)).
  const auto index = (instant - day_start_utc(date)) / kPeriodLength;
  return SettlementPeriod{date, static_cast<int>(index) + 1};
}

std::chrono::minutes london_utc_offset(core::TimePoint instant) {
  const auto y = year_month_day{std::chrono::floor<days>(instant)}.year();
  const core::TimePoint bst_from = last_sunday(y, std::chrono::March) + hours{1};
  const core::TimePoint bst_until = last_sunday(y, std::chrono::October) + hours{1};
  return instant >= bst_from && instant < bst_until ? minutes{60} : minutes{0};
}

std::string_view london_zone_abbreviation(core::TimePoint instant) {
  return london_utc_offset(instant) == minutes{0} ? "GMT" : "BST";
}

std::string format_uk_local(core::TimePoint instant) {
  return format_local(instant, false);
}

std::string format_uk_local_seconds(core::TimePoint instant) {
  return format_local(instant, true);
}

Result<year_month_day> parse_date(std::string_view text) {
  const auto bad = [text](std::string_view why) {
    return data_error(fmt::format("invalid settlement date \"{}\": {}", text, why));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad("expected YYYY-MM-DD");
  // Reads text[pos, pos + n) as a decimal number; -1 when any character is not a digit.
  const auto number = [text](std::size_t pos, std::size_t n) {
    int value = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (y < 0 || m < 0 || d < 0) return bad("expected YYYY-MM-DD");
  const year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                            std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return bad("no such date");
  if (!is_supported_date(date)) {
    return bad(fmt::format("outside the supported range {}..{}", format_date(kFirstSupportedDate),
                           format_date(kLastSupportedDate)));
  }
  return date;
}

std::string format_date(year_month_day date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

}  // namespace gbpm::market
