// Cross-checks the settlement module against the system tz database
// (Europe/London via TZ + mktime/localtime_r) for every day 1998..2037.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "market/settlement.hpp"

using gbpm::core::format_utc;
using gbpm::core::TimePoint;
using namespace gbpm::market;
using namespace std::chrono;

namespace {

// Sets TZ for the lifetime of the object and restores the previous value.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) m_old = old;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (m_old) {
      ::setenv("TZ", m_old->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

 private:
  std::optional<std::string> m_old;
};

// The oracle: the instant of local midnight at the start of `date`, from the
// C library's tz database (00:00 always exists and is unambiguous in the UK).
std::time_t local_midnight(year_month_day date) {
  std::tm tm{};
  tm.tm_year = static_cast<int>(date.year()) - 1900;
  tm.tm_mon = static_cast<int>(static_cast<unsigned>(date.month())) - 1;
  tm.tm_mday = static_cast<int>(static_cast<unsigned>(date.day()));
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

// Collects mismatches without one Catch assertion per check (there are
// millions), keeping the first few for the report.
class Mismatches {
 public:
  void add(const std::string& what) {
    if (m_count++ < 20) m_first.push_back(what);
  }
  [[nodiscard]] long count() const { return m_count; }
  [[nodiscard]] std::string report() const {
    std::ostringstream out;
    for (const auto& line : m_first) out << line << '\n';
    return out.str();
  }

 private:
  long m_count = 0;
  std::vector<std::string> m_first;
};

std::string describe(const SettlementPeriod& sp) {
  return format_date(sp.date) + " SP" + std::to_string(sp.period);
}

}  // namespace

TEST_CASE("every day 1998-2037 agrees with the tz database (Europe/London)", "[settlement][tzdb]") {
  const ScopedTimeZone tz("Europe/London");
  {
    // Without tzdata glibc would silently fall back to UTC; make that obvious.
    const std::time_t july = system_clock::to_time_t(sys_days{2026y / 7 / 1} + 12h);
    std::tm tm{};
    REQUIRE(::localtime_r(&july, &tm) != nullptr);
    INFO("the tz database has no Europe/London (install tzdata)");
    REQUIRE(tm.tm_gmtoff == 3600);
  }

  const auto first = sys_days{1998y / 1 / 1};
  const auto last = sys_days{2037y / 12 / 31};
  Mismatches bad;
  long days_checked = 0, periods_checked = 0;
  std::time_t start = local_midnight(year_month_day{first});
  for (sys_days day = first; day <= last; day += days{1}) {
    const year_month_day date{day};
    const std::time_t end = local_midnight(year_month_day{day + days{1}});
    const std::string name = format_date(date);
    ++days_checked;

    // The oracle itself: mktime's answer really is 00:00 local on this date.
    std::tm local{};
    ::localtime_r(&start, &local);
    if (local.tm_hour != 0 || local.tm_min != 0 || local.tm_mday != static_cast<int>(static_cast<unsigned>(date.day())))
      bad.add(name + ": oracle midnight is not 00:00 local");

    const TimePoint oracle_start = system_clock::from_time_t(start);
    const TimePoint oracle_end = system_clock::from_time_t(end);
    const auto oracle_count = static_cast<int>((end - start) / 1800);
    if ((end - start) % 1800 != 0) bad.add(name + ": day length is not a whole number of periods");
    if (periods_in_day(date) != oracle_count) {
      bad.add(name + ": periods_in_day " + std::to_string(periods_in_day(date)) + ", tz database " +
              std::to_string(oracle_count));
    }
    if (day_start_utc(date) != oracle_start) bad.add(name + ": day_start_utc " + format_utc(day_start_utc(date)));
    if (day_end_utc(date) != oracle_end) bad.add(name + ": day_end_utc " + format_utc(day_end_utc(date)));

    for (int p = 1; p <= oracle_count; ++p) {
      ++periods_checked;
      const SettlementPeriod want{date, p};
      const TimePoint expected = oracle_start + (p - 1) * 30min;
      const auto got = period_start_utc(date, p);
      if (!got.ok()) {
        bad.add(describe(want) + ": " + got.error().message);
      } else if (*got != expected) {
        bad.add(describe(want) + ": starts " + format_utc(*got) + ", tz database " + format_utc(expected));
      }
      if (const auto at = period_at(expected); at != want) {
        bad.add(describe(want) + ": period_at(start) = " + describe(at));
      }
      if (const auto at = period_at(expected + 29min + 59s); at != want) {
        bad.add(describe(want) + ": period_at(start + 29:59) = " + describe(at));
      }
    }
    if (period_start_utc(date, 0).ok()) bad.add(name + ": SP0 accepted");
    if (period_start_utc(date, oracle_count + 1).ok())
      bad.add(name + ": SP" + std::to_string(oracle_count + 1) + " accepted");

    // The UTC offset, zone and local rendering at each whole UTC hour of the
    // day agree too (covering both sides of every change, at 01:00 UTC).
    for (std::time_t t = start; t < end; t += 3600) {
      std::tm tm{};
      ::localtime_r(&t, &tm);
      const TimePoint instant = system_clock::from_time_t(t);
      if (london_utc_offset(instant) != minutes{tm.tm_gmtoff / 60} || london_zone_abbreviation(instant) != tm.tm_zone) {
        bad.add(format_utc(instant) + ": offset/zone " + std::to_string(london_utc_offset(instant).count()) + " " +
                std::string(london_zone_abbreviation(instant)) + ", tz database " + std::to_string(tm.tm_gmtoff) + " " +
                tm.tm_zone);
      }
      char text[64];
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z", &tm);
      if (format_uk_local_seconds(instant) != text) {
        bad.add(format_utc(instant) + ": format_uk_local_seconds " + format_uk_local_seconds(instant) + ", strftime " +
                text);
      }
    }
    start = end;
  }

  INFO(bad.report());
  CHECK(bad.count() == 0);
  CHECK(days_checked == 14610);
  CHECK(periods_checked == days_checked * 48);  // 40 springs (46) and 40 autumns (50) cancel out
}
