#include "schedule/cron.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <chrono>
#include <vector>

namespace gbpm::schedule {
namespace {

using std::chrono::days;
using std::chrono::minutes;

// Limits of the search for the next/previous fire day. Any satisfiable
// expression fires within 8 years (Feb 29 skips at most one leap year, e.g.
// 2096 → 2104), so this bound is never reached for a parsed expression.
constexpr int k_max_search_days = 366 * 9;

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  const std::array<std::string_view, 12>* names;  // names[i] ↔ value i + name_base
  int name_base;
  std::size_t name_count;
};

constexpr std::array<std::string_view, 12> k_month_names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                            "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> k_weekday_names = {"sun", "mon", "tue", "wed", "thu", "fri",
                                                              "sat", "",    "",    "",    "",    ""};

const FieldSpec k_fields[5] = {
    {"minute", 0, 59, nullptr, 0, 0},
    {"hour", 0, 23, nullptr, 0, 0},
    {"day of month", 1, 31, nullptr, 0, 0},
    {"month", 1, 12, &k_month_names, 1, 12},
    {"day of week", 0, 7, &k_weekday_names, 0, 7},
};

Error field_error(const FieldSpec& spec, std::string_view field, std::string_view why) {
  return make_error(ErrorKind::config, fmt::format("cron {} field \"{}\": {}", spec.name, field, why));
}

// A number or (for month/day of week) a three-letter name.
std::optional<int> parse_value(const FieldSpec& spec, std::string_view token) {
  if (token.empty() || token.size() > 3) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(token.front())) != 0) {
    int v = 0;
    for (const char c : token) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }
  if (spec.names == nullptr || token.size() != 3) return std::nullopt;
  std::string lower;
  for (const char c : token) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < spec.name_count; ++i) {
    if ((*spec.names)[i] == lower) return static_cast<int>(i) + spec.name_base;
  }
  return std::nullopt;
}

// Parses one field into the set of values it selects (indices min..max).
Result<std::vector<bool>> parse_field(const FieldSpec& spec, std::string_view field) {
  std::vector<bool> set(static_cast<std::size_t>(spec.max) + 1, false);
  if (field.empty()) return field_error(spec, field, "empty");
  std::size_t pos = 0;
  while (pos <= field.size()) {
    const std::size_t comma = field.find(',', pos);
    const std::string_view item = field.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    pos = comma == std::string_view::npos ? field.size() + 1 : comma + 1;
    if (item.empty()) return field_error(spec, field, "empty list element");

    std::string_view range = item;
    int step = 1;
    if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const std::string_view step_text = item.substr(slash + 1);
      const FieldSpec step_spec{spec.name, 1, 99, nullptr, 0, 0};
      const auto s = parse_value(step_spec, step_text);
      if (!s || step_text.empty() || std::isdigit(static_cast<unsigned char>(step_text.front())) == 0) {
        return field_error(spec, field, fmt::format("step \"{}\" is not a number", step_text));
      }
      if (*s == 0) return field_error(spec, field, "step must be at least 1");
      step = *s;
    }
    int lo = 0;
    int hi = 0;
    if (range == "*") {
      lo = spec.min;
      hi = spec.max == 7 ? 6 : spec.max;  // "*" in day of week: 0..6 (7 is an alias)
    } else if (const std::size_t dash = range.find('-'); dash != std::string_view::npos) {
      const auto a = parse_value(spec, range.substr(0, dash));
      const auto b = parse_value(spec, range.substr(dash + 1));
      if (!a || !b) return field_error(spec, field, fmt::format("\"{}\" is not a valid range", range));
      lo = *a;
      hi = *b;
      if (lo > hi) return field_error(spec, field, fmt::format("range \"{}\" runs backwards", range));
    } else {
      const auto v = parse_value(spec, range);
      if (!v) return field_error(spec, field, fmt::format("\"{}\" is not a number or name", range));
      if (step != 1) {
        return field_error(
            spec, field,
            fmt::format("a step needs a range or '*' (\"{}-{}/{}\" or \"*/{}\")", *v, spec.max, step, step));
      }
      lo = hi = *v;
    }
    if (lo < spec.min || hi > spec.max) {
      return field_error(spec, field, fmt::format("values must lie in {}..{}", spec.min, spec.max));
    }
    for (int v = lo; v <= hi; v += step) set[static_cast<std::size_t>(v)] = true;
  }
  return set;
}

template <std::size_t N>
std::bitset<N> to_bits(const std::vector<bool>& set, int offset_max) {
  std::bitset<N> bits;
  for (int i = 0; i <= offset_max && static_cast<std::size_t>(i) < set.size(); ++i) {
    if (set[static_cast<std::size_t>(i)] && static_cast<std::size_t>(i) < N) bits.set(static_cast<std::size_t>(i));
  }
  return bits;
}

unsigned days_in_month(int year, unsigned month) {
  using namespace std::chrono;
  return static_cast<unsigned>(
      (year_month_day_last{std::chrono::year{year}, month_day_last{std::chrono::month{month}}}).day());
}

}  // namespace

Result<CronExpr> CronExpr::parse(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])) != 0) ++pos;
    if (pos >= text.size()) break;
    std::size_t end = pos;
    while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0) ++end;
    fields.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  if (fields.size() != 5) {
    return make_error(ErrorKind::config,
                      fmt::format("cron expression \"{}\" has {} fields; expected 5 (minute hour day-of-month "
                                  "month day-of-week)",
                                  text, fields.size()));
  }
  CronExpr e;
  std::vector<std::vector<bool>> sets;
  for (std::size_t i = 0; i < 5; ++i) {
    auto set = parse_field(k_fields[i], fields[i]);
    if (!set) return std::move(set).error();
    sets.push_back(std::move(*set));
  }
  e.m_minutes = to_bits<60>(sets[0], 59);
  e.m_hours = to_bits<24>(sets[1], 23);
  e.m_days = to_bits<32>(sets[2], 31);
  e.m_months = to_bits<13>(sets[3], 12);
  e.m_weekdays = to_bits<7>(sets[4], 6);
  if (sets[4][7]) e.m_weekdays.set(0);  // 7 is Sunday too
  e.m_days_star = fields[2].front() == '*';
  e.m_weekdays_star = fields[4].front() == '*';
  e.m_text = fmt::format("{} {} {} {} {}", fields[0], fields[1], fields[2], fields[3], fields[4]);

  // Reject day-of-month/month combinations that never occur (e.g. 31 in
  // April) unless day of week alone can make the day match.
  const bool day_of_week_rescues = !e.m_days_star && !e.m_weekdays_star && e.m_weekdays.any();
  if (!day_of_week_rescues) {
    bool any = false;
    for (unsigned m = 1; m <= 12 && !any; ++m) {
      if (!e.m_months.test(m)) continue;
      const unsigned last = m == 2 ? 29 : days_in_month(2001, m);
      for (unsigned d = 1; d <= last && !any; ++d) any = e.m_days.test(d);
    }
    if (!any) return make_error(ErrorKind::config, fmt::format("cron expression \"{}\" can never fire", e.m_text));
  }
  return e;
}

bool CronExpr::day_matches(unsigned month, unsigned day, unsigned weekday) const {
  if (!m_months.test(month)) return false;
  const bool dom = m_days.test(day);
  const bool dow = m_weekdays.test(weekday);
  if (m_days_star || m_weekdays_star) return dom && dow;
  return dom || dow;
}

bool CronExpr::matches(core::TimePoint t) const {
  using namespace std::chrono;
  const auto minute = floor<minutes>(t);
  const auto day = floor<days>(minute);
  const year_month_day ymd{day};
  const hh_mm_ss hms{minute - day};
  const unsigned wd = weekday{day}.c_encoding();
  return day_matches(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), wd) &&
         m_hours.test(static_cast<std::size_t>(hms.hours().count())) &&
         m_minutes.test(static_cast<std::size_t>(hms.minutes().count()));
}

core::TimePoint CronExpr::next_after(core::TimePoint t) const {
  using namespace std::chrono;
  auto start = floor<minutes>(t) + minutes{1};
  sys_days day = floor<days>(start);
  int first_minute_of_day = static_cast<int>((start - day).count());  // minutes since midnight
  for (int i = 0; i < k_max_search_days; ++i, day += days{1}, first_minute_of_day = 0) {
    const year_month_day ymd{day};
    if (!day_matches(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), weekday{day}.c_encoding())) {
      continue;
    }
    for (int h = first_minute_of_day / 60; h < 24; ++h) {
      if (!m_hours.test(static_cast<std::size_t>(h))) continue;
      const int m0 = h == first_minute_of_day / 60 ? first_minute_of_day % 60 : 0;
      for (int m = m0; m < 60; ++m) {
        if (m_minutes.test(static_cast<std::size_t>(m))) return day + hours{h} + minutes{m};
      }
    }
  }
  return core::TimePoint::max();  // unreachable for a parsed expression
}

core::TimePoint CronExpr::latest_at_or_before(core::TimePoint t) const {
  using namespace std::chrono;
  const auto start = floor<minutes>(t);
  sys_days day = floor<days>(start);
  int last_minute_of_day = static_cast<int>((start - day).count());
  for (int i = 0; i < k_max_search_days; ++i, day -= days{1}, last_minute_of_day = 24 * 60 - 1) {
    const year_month_day ymd{day};
    if (!day_matches(static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), weekday{day}.c_encoding())) {
      continue;
    }
    for (int h = last_minute_of_day / 60; h >= 0; --h) {
      if (!m_hours.test(static_cast<std::size_t>(h))) continue;
      const int m0 = h == last_minute_of_day / 60 ? last_minute_of_day % 60 : 59;
      for (int m = m0; m >= 0; --m) {
        if (m_minutes.test(static_cast<std::size_t>(m))) return day + hours{h} + minutes{m};
      }
    }
  }
  return core::TimePoint::min();  // unreachable for a parsed expression
}

}  // namespace gbpm::schedule
