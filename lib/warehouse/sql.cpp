#include "warehouse/sql.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "warehouse/warehouse.hpp"

namespace gbpm::warehouse {
namespace {

using namespace std::chrono;

void put(char* p, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

bool get(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  int v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

std::optional<sys_days> parse_day(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !get(text, 0, 4, y) || !get(text, 5, 2, m) ||
      !get(text, 8, 2, d)) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

}  // namespace

std::optional<double> SqlValue::as_number() const {
  if (const auto* i = std::get_if<std::int64_t>(&data)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&data)) return *d;
  return std::nullopt;
}

std::optional<std::int64_t> SqlValue::as_integer() const {
  if (const auto* i = std::get_if<std::int64_t>(&data)) return *i;
  return std::nullopt;
}

std::optional<std::string> SqlValue::as_text() const {
  if (const auto* s = std::get_if<std::string>(&data)) return *s;
  return std::nullopt;
}

std::optional<core::TimePoint> SqlValue::as_time() const {
  if (const auto* t = std::get_if<core::TimePoint>(&data)) return *t;
  if (const auto* s = std::get_if<std::string>(&data)) return parse_timestamp(*s);
  return std::nullopt;
}

std::optional<sys_days> SqlValue::as_date() const {
  if (const auto* d = std::get_if<sys_days>(&data)) return *d;
  if (const auto* s = std::get_if<std::string>(&data)) {
    if (s->size() != 10) return std::nullopt;
    return parse_day(*s);
  }
  return std::nullopt;
}

std::string format_timestamp(core::TimePoint t) {
  const auto ms = floor<milliseconds>(t);
  const auto day_point = floor<days>(ms);
  const year_month_day ymd{day_point};
  const auto in_day = (ms - day_point).count();
  std::array<char, 24> buf{};
  char* p = buf.data();
  put(p, static_cast<int>(ymd.year()), 4);
  p[4] = '-';
  put(p + 5, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  p[7] = '-';
  put(p + 8, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  p[10] = 'T';
  put(p + 11, static_cast<int>(in_day / 3'600'000), 2);
  p[13] = ':';
  put(p + 14, static_cast<int>(in_day / 60'000 % 60), 2);
  p[16] = ':';
  put(p + 17, static_cast<int>(in_day / 1000 % 60), 2);
  p[19] = '.';
  put(p + 20, static_cast<int>(in_day % 1000), 3);
  p[23] = 'Z';
  return std::string(buf.data(), buf.size());
}

std::optional<core::TimePoint> parse_timestamp(std::string_view text) {
  if (text.size() != 24 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != '.' ||
      text[23] != 'Z') {
    return std::nullopt;
  }
  const auto day = parse_day(text.substr(0, 10));
  int h = 0, mi = 0, s = 0, ms = 0;
  if (!day || !get(text, 11, 2, h) || !get(text, 14, 2, mi) || !get(text, 17, 2, s) || !get(text, 20, 3, ms)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  return core::TimePoint{*day + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms}};
}

std::string format_date(sys_days day) {
  const year_month_day ymd{day};
  std::array<char, 10> buf{};
  put(buf.data(), static_cast<int>(ymd.year()), 4);
  buf[4] = '-';
  put(buf.data() + 5, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  buf[7] = '-';
  put(buf.data() + 8, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  return std::string(buf.data(), buf.size());
}

std::optional<sys_days> parse_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return parse_day(text);
}

std::optional<std::string> latest_rows_sql(SqlRunner& runner, const elexon::DatasetSpec& spec,
                                           const std::vector<std::string_view>& columns, std::string_view bound) {
  const std::string select_list = fmt::format("{}", fmt::join(columns, ", "));
  std::vector<std::string> branches;
  for (const Source source : {Source::iris, Source::api}) {
    if (const auto table = runner.table_ref(spec, source)) {
      // Key and version columns are selected too, for the window below.
      std::vector<std::string_view> needed(columns.begin(), columns.end());
      for (const auto key : spec.key) {
        if (std::find(needed.begin(), needed.end(), key) == needed.end()) needed.push_back(key);
      }
      const std::string_view version = spec.version.column;
      if (!version.empty() && std::find(needed.begin(), needed.end(), version) == needed.end()) {
        needed.push_back(version);
      }
      branches.push_back(
          fmt::format("SELECT {}, received_at FROM {} WHERE {}", fmt::join(needed, ", "), *table, bound));
    }
  }
  if (branches.empty()) return std::nullopt;

  std::vector<std::string_view> partition;
  std::string order;
  switch (spec.version.kind) {
    case elexon::VersionKind::greatest:
      partition = spec.key;
      order = fmt::format("{} DESC, received_at DESC", spec.version.column);
      break;
    case elexon::VersionKind::last_arrival:
      partition = spec.key;
      order = "received_at DESC";
      break;
    case elexon::VersionKind::immutable:
      partition = spec.key;
      order = "received_at ASC";
      break;
    case elexon::VersionKind::vintages:
      for (const auto key : spec.key) {
        if (key != spec.version.column) partition.push_back(key);
      }
      order = fmt::format("{} DESC, received_at DESC", spec.version.column);
      break;
  }
  return fmt::format(
      "SELECT {cols}, received_at FROM (SELECT u.*, ROW_NUMBER() OVER (PARTITION BY {part} ORDER BY {order}) AS "
      "rn_ FROM ({union}) u) d WHERE rn_ = 1",
      fmt::arg("cols", select_list), fmt::arg("part", fmt::join(partition, ", ")), fmt::arg("order", order),
      fmt::arg("union", fmt::join(branches, " UNION ALL ")));
}

}  // namespace gbpm::warehouse
