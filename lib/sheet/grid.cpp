#include "sheet/grid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace gbpm::sheet {

namespace {

// "12345.6" → "12,345.6" (the part before the point only).
std::string group_thousands(const std::string& digits) {
  const auto point = digits.find('.');
  std::string head = digits.substr(0, point);
  const std::string tail = point == std::string::npos ? "" : digits.substr(point);
  std::string sign;
  if (!head.empty() && head.front() == '-') {
    sign = "-";
    head.erase(0, 1);
  }
  std::string out;
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (i > 0 && (head.size() - i) % 3 == 0) out += ',';
    out += head[i];
  }
  return sign + out + tail;
}

std::string format_number(double v, std::string_view pattern) {
  // Split off a quoted suffix: 0.0"%" → 0.0 and %.
  std::string suffix;
  if (const auto q = pattern.find('"'); q != std::string_view::npos) {
    const auto end = pattern.find('"', q + 1);
    suffix = std::string(pattern.substr(q + 1, end == std::string_view::npos ? std::string_view::npos : end - q - 1));
    pattern = pattern.substr(0, q);
  }
  if (pattern.empty()) return fmt::format("{}", v) + suffix;
  const bool grouped = pattern.find(',') != std::string_view::npos;
  const auto point = pattern.find('.');
  const int decimals = point == std::string_view::npos ? 0 : static_cast<int>(pattern.size() - point - 1);
  std::string text = fmt::format("{:.{}f}", v, decimals);
  if (text == "-0" || text.rfind("-0.", 0) == 0) {
    // Avoid "-0.0" for values that round to zero.
    if (std::strtod(text.c_str(), nullptr) == 0.0) text.erase(0, 1);
  }
  if (grouped) text = group_thousands(text);
  return text + suffix;
}

}  // namespace

std::string column_letters(int col) {
  std::string out;
  for (int c = col + 1; c > 0; c = (c - 1) / 26) out.insert(out.begin(), static_cast<char>('A' + (c - 1) % 26));
  return out;
}

std::string to_a1(const Range& range) {
  const std::string first = column_letters(range.col) + std::to_string(range.row + 1);
  const std::string last = column_letters(range.col + range.cols - 1) + std::to_string(range.row + range.rows);
  return range.tab + "!" + first + ":" + last;
}

Result<Range> parse_a1(std::string_view text) {
  const auto bad = [&] { return make_error(ErrorKind::internal, fmt::format("bad A1 range \"{}\"", text)); };
  const auto bang = text.rfind('!');
  if (bang == std::string_view::npos || bang == 0) return bad();
  Range range;
  range.tab = std::string(text.substr(0, bang));
  const auto cell = [](std::string_view s, int& row, int& col) {
    std::size_t i = 0;
    col = 0;
    while (i < s.size() && s[i] >= 'A' && s[i] <= 'Z') col = col * 26 + (s[i++] - 'A' + 1);
    if (i == 0 || i == s.size() || col > 18278) return false;
    row = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || row > 10'000'000) return false;
      row = row * 10 + (s[i] - '0');
    }
    if (row < 1) return false;
    --row;
    --col;
    return true;
  };
  const std::string_view cells = text.substr(bang + 1);
  const auto colon = cells.find(':');
  int r1 = 0, c1 = 0, r2 = 0, c2 = 0;
  if (!cell(cells.substr(0, colon), r1, c1)) return bad();
  if (colon == std::string_view::npos) {
    r2 = r1;
    c2 = c1;
  } else if (!cell(cells.substr(colon + 1), r2, c2)) {
    return bad();
  }
  if (r2 < r1 || c2 < c1) return bad();
  range.row = r1;
  range.col = c1;
  range.rows = r2 - r1 + 1;
  range.cols = c2 - c1 + 1;
  return range;
}

std::string display_text(const Cell& cell) {
  if (const auto* d = std::get_if<double>(&cell.value)) return format_number(*d, cell.format.number_format);
  if (const auto* s = std::get_if<std::string>(&cell.value)) return *s;
  if (const auto* b = std::get_if<bool>(&cell.value)) return *b ? "TRUE" : "FALSE";
  return "";
}

void apply_block(TabValues& tab, const Block& block) {
  const Range& r = block.range;
  const auto top = static_cast<std::size_t>(r.row);
  const auto left = static_cast<std::size_t>(r.col);
  const std::size_t needed = top + static_cast<std::size_t>(r.rows);
  const std::size_t width = left + static_cast<std::size_t>(r.cols);
  if (tab.size() < needed) tab.resize(needed);
  for (int i = 0; i < r.rows; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    auto& row = tab[top + ui];
    if (row.size() < width) row.resize(width);
    for (int j = 0; j < r.cols; ++j) {
      const auto uj = static_cast<std::size_t>(j);
      CellValue v;
      if (ui < block.cells.size() && uj < block.cells[ui].size()) v = block.cells[ui][uj].value;
      row[left + uj] = std::move(v);
    }
  }
  if (block.whole_tab) tab.resize(needed);
  // Trim trailing blanks so the stored form is canonical.
  for (auto& row : tab) {
    while (!row.empty() && std::holds_alternative<std::monostate>(row.back())) row.pop_back();
  }
  while (!tab.empty() && tab.back().empty()) tab.pop_back();
}

}  // namespace gbpm::sheet
