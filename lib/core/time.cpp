#include "core/time.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>

namespace gbpm::core {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::string format_impl(TimePoint t, bool millis) {
  const auto ms = std::chrono::floor<milliseconds>(t);
  const auto day = std::chrono::floor<days>(ms);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{ms - day};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (millis) out += fmt::format(".{:03}", hms.subseconds().count());
  out += 'Z';
  return out;
}

// A tiny cursor over the text being parsed.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : m_text(text) {}
  bool digits(std::size_t n, int& out) {
    if (m_pos + n > m_text.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = m_text[m_pos + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    m_pos += n;
    out = v;
    return true;
  }
  bool accept(char c) {
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  [[nodiscard]] char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
  [[nodiscard]] bool done() const { return m_pos == m_text.size(); }
  void skip() { ++m_pos; }

 private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

constexpr int kMinYear = 1899;
constexpr int kMaxYear = 2200;
constexpr std::size_t kMaxQuoted = 64;

Error bad_time(std::string_view text, std::string_view why) {
  // Quote a bounded prefix: the text may be hostile input of any length.
  const std::string_view shown = text.substr(0, kMaxQuoted);
  return make_error(ErrorKind::data,
                    fmt::format("invalid timestamp \"{}{}\": {}", shown, text.size() > kMaxQuoted ? "..." : "", why));
}

}  // namespace

std::string format_utc(TimePoint t) {
  return format_impl(t, false);
}
std::string format_utc_millis(TimePoint t) {
  return format_impl(t, true);
}

Result<TimePoint> parse_utc(std::string_view text, bool naive_is_utc) {
  Scanner s(text);
  int y = 0, mo = 0, d = 0;
  if (!s.digits(4, y) || !s.accept('-') || !s.digits(2, mo) || !s.accept('-') || !s.digits(2, d)) {
    return bad_time(text, "expected YYYY-MM-DD");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad_time(text, "no such date");
  // TimePoint counts nanoseconds in 64 bits: it spans 1677..2262 only.
  if (y < kMinYear || y > kMaxYear) return bad_time(text, "year outside 1899..2200");
  TimePoint t = std::chrono::sys_days{ymd};
  if (s.done()) {
    if (!naive_is_utc) return bad_time(text, "a date alone has no time zone; add a time and 'Z'");
    return t;
  }
  if (!s.accept('T') && !s.accept(' ') && !s.accept('t')) return bad_time(text, "expected 'T' after the date");
  int h = 0, mi = 0, sec = 0;
  if (!s.digits(2, h) || !s.accept(':') || !s.digits(2, mi)) return bad_time(text, "expected hh:mm");
  if (s.accept(':') && !s.digits(2, sec)) return bad_time(text, "expected seconds");
  if (h > 23 || mi > 59 || sec > 60) return bad_time(text, "time out of range");
  t += hours{h} + minutes{mi} + seconds{sec};
  if (s.accept('.') || s.accept(',')) {
    long long frac_ns = 0;
    int ndigits = 0;
    while (std::isdigit(static_cast<unsigned char>(s.peek()))) {
      if (ndigits < 9) {
        frac_ns = frac_ns * 10 + (s.peek() - '0');
        ++ndigits;
      }
      s.skip();
    }
    if (ndigits == 0) return bad_time(text, "empty fraction");
    for (int i = ndigits; i < 9; ++i) frac_ns *= 10;
    t += std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds{frac_ns});
  }
  if (s.done()) {
    if (!naive_is_utc) return bad_time(text, "no time zone; add 'Z' or an offset such as +01:00");
    return t;
  }
  if (s.accept('Z') || s.accept('z')) {
    if (!s.done()) return bad_time(text, "trailing characters");
    return t;
  }
  const char sign = s.peek();
  if (sign != '+' && sign != '-') return bad_time(text, "expected 'Z' or an offset");
  s.skip();
  int oh = 0, om = 0;
  if (!s.digits(2, oh)) return bad_time(text, "expected offset hours");
  s.accept(':');
  if (!s.done() && !s.digits(2, om)) return bad_time(text, "expected offset minutes");
  if (!s.done()) return bad_time(text, "trailing characters");
  if (oh > 23 || om > 59) return bad_time(text, "offset out of range");
  const auto offset = hours{oh} + minutes{om};
  return sign == '+' ? t - offset : t + offset;
}

Result<TimePoint> parse_http_date(std::string_view text) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text[3] != ',' || text.substr(26) != "GMT") return bad_time(text, "not an HTTP-date");
  Scanner s(text.substr(5));
  int d = 0, y = 0, h = 0, mi = 0, sec = 0;
  if (!s.digits(2, d) || !s.accept(' ')) return bad_time(text, "not an HTTP-date");
  const std::string_view mon = text.substr(8, 3);
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == mon) month = i + 1;
  }
  if (month == 0) return bad_time(text, "unknown month");
  Scanner r(text.substr(12));
  if (!r.digits(4, y) || !r.accept(' ') || !r.digits(2, h) || !r.accept(':') || !r.digits(2, mi) || !r.accept(':') ||
      !r.digits(2, sec)) {
    return bad_time(text, "not an HTTP-date");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{month},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return bad_time(text, "no such date");
  if (y < kMinYear || y > kMaxYear) return bad_time(text, "year outside 1899..2200");
  return TimePoint{std::chrono::sys_days{ymd}} + hours{h} + minutes{mi} + seconds{sec};
}

}  // namespace gbpm::core
