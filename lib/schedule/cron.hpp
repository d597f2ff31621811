#pragma once
// Five-field cron expressions evaluated in UTC, with Vixie cron's semantics, so
// failover-monitor runs jobs on the same minutes cron would and healthd can
// tell when a job was last due.

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::schedule {

// A parsed "minute hour day-of-month month day-of-week" expression.
//
// Each field accepts numbers, '*', ranges "a-b", steps "*/n" and "a-b/n", and
// comma-separated lists of these; the month field also accepts jan..dec and
// the day-of-week field sun..sat (case-insensitive, also as range ends). Day of
// week 0 and 7 both mean Sunday. As in Vixie cron, when both day fields are
// restricted (neither starts with '*') a day matches if EITHER matches;
// otherwise both must match. Expressions that can never fire ("0 0 30 2 *")
// are rejected. Times are whole UTC minutes.
class CronExpr {
 public:
  // Parses `text` (five whitespace-separated fields). Errors are
  // ErrorKind::config naming the offending field and value.
  static Result<CronExpr> parse(std::string_view text);

  // The first fire time strictly after `t`.
  [[nodiscard]] core::TimePoint next_after(core::TimePoint t) const;
  // The latest fire time at or before `t` (a fire at exactly `t` counts).
  [[nodiscard]] core::TimePoint latest_at_or_before(core::TimePoint t) const;
  // Whether the minute containing `t` is a fire minute.
  [[nodiscard]] bool matches(core::TimePoint t) const;

  // The expression as given, fields joined by single spaces.
  [[nodiscard]] const std::string& text() const { return m_text; }

 private:
  CronExpr() = default;
  [[nodiscard]] bool day_matches(unsigned month, unsigned day, unsigned weekday) const;

  std::string m_text;
  std::bitset<60> m_minutes;
  std::bitset<24> m_hours;
  std::bitset<32> m_days;     // 1..31
  std::bitset<13> m_months;   // 1..12
  std::bitset<7> m_weekdays;  // 0..6, Sunday = 0
  bool m_days_star = false;
  bool m_weekdays_star = false;
};

}  // namespace gbpm::schedule
