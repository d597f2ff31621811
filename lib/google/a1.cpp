#include "google/a1.hpp"

#include <fmt/format.h>

#include <cctype>

#include "net/http.hpp"

namespace gbpm::google {
namespace {

bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// One endpoint of a range: letters (column) and/or digits (1-based row).
struct Endpoint {
  std::optional<int> column;
  std::optional<int> row;  // zero-based
};

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_alpha(text[i])) ++i;
  const std::string_view letters = text.substr(0, i);
  const std::string_view digits = text.substr(i);
  if (letters.empty() && digits.empty()) return std::nullopt;
  Endpoint e;
  if (!letters.empty()) {
    auto col = column_index(letters);
    if (!col) return std::nullopt;
    e.column = *col;
  }
  if (!digits.empty()) {
    if (digits.size() > 9 || digits[0] == '0') return std::nullopt;
    int n = 0;
    for (const char c : digits) {
      if (!is_digit(c)) return std::nullopt;
      n = n * 10 + (c - '0');
    }
    e.row = n - 1;
  }
  return e;
}

// The cell part after '!' (or a whole unqualified range).
std::optional<A1Range> parse_cells(std::string_view text) {
  A1Range r;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    auto e = parse_endpoint(text);
    if (!e || !e->column || !e->row) return std::nullopt;  // a single cell needs both
    r.start_row = e->row;
    r.start_column = e->column;
    r.end_row = *e->row + 1;
    r.end_column = *e->column + 1;
    return r;
  }
  auto a = parse_endpoint(text.substr(0, colon));
  auto b = parse_endpoint(text.substr(colon + 1));
  if (!a || !b) return std::nullopt;
  r.start_row = a->row;
  r.start_column = a->column;
  if (b->row) r.end_row = *b->row + 1;
  if (b->column) r.end_column = *b->column + 1;
  // "A:B" and "2:5" leave the other dimension open; "A1:B" means rows from 1 on.
  if (!a->column && b->column) return std::nullopt;             // "1:B" is not a range
  if (a->column && !b->column && !a->row) return std::nullopt;  // "A:5"
  if (r.start_row && r.end_row && *r.end_row <= *r.start_row) {
    std::swap(r.start_row, r.end_row);
    *r.start_row -= 1;
    *r.end_row += 1;
  }
  if (r.start_column && r.end_column && *r.end_column <= *r.start_column) {
    std::swap(r.start_column, r.end_column);
    *r.start_column -= 1;
    *r.end_column += 1;
  }
  return r;
}

bool looks_like_cell_reference(std::string_view title) {
  // A1-style (up to 3 letters then digits) or R1C1-style.
  std::size_t i = 0;
  while (i < title.size() && is_alpha(title[i])) ++i;
  if (i >= 1 && i <= 3 && i < title.size()) {
    bool digits = true;
    for (std::size_t k = i; k < title.size(); ++k) digits = digits && is_digit(title[k]);
    if (digits) return true;
  }
  if (!title.empty() && (title[0] == 'R' || title[0] == 'r')) {
    std::size_t k = 1;
    while (k < title.size() && is_digit(title[k])) ++k;
    if (k < title.size() && (title[k] == 'C' || title[k] == 'c')) {
      ++k;
      while (k < title.size() && is_digit(title[k])) ++k;
      if (k == title.size()) return true;
    }
  }
  return false;
}

}  // namespace

std::string column_letters(int column) {
  std::string out;
  int n = column + 1;
  while (n > 0) {
    const int rem = (n - 1) % 26;
    out.insert(out.begin(), static_cast<char>('A' + rem));
    n = (n - 1) / 26;
  }
  return out;
}

Result<int> column_index(std::string_view letters) {
  if (letters.empty() || letters.size() > 3) {
    return make_error(ErrorKind::data, fmt::format("\"{}\" is not a column (A to ZZZ)", letters));
  }
  int n = 0;
  for (const char c : letters) {
    if (!is_alpha(c)) return make_error(ErrorKind::data, fmt::format("\"{}\" is not a column (A to ZZZ)", letters));
    n = n * 26 + (std::toupper(static_cast<unsigned char>(c)) - 'A' + 1);
  }
  return n - 1;
}

std::string quote_sheet_name(std::string_view title) {
  bool plain = !title.empty() && !is_digit(title[0]);
  for (const char c : title) {
    plain = plain && (is_alpha(c) || is_digit(c) || c == '_');
  }
  if (plain && !looks_like_cell_reference(title)) return std::string(title);
  std::string out = "'";
  for (const char c : title) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

std::string cell_name(int row, int column) {
  return column_letters(column) + std::to_string(row + 1);
}

A1Range A1Range::box(std::string sheet, int row, int column, int rows, int columns) {
  return A1Range{std::move(sheet), row, column, row + rows, column + columns};
}

Result<A1Range> parse_a1_range(std::string_view text) {
  const auto fail = [&] { return make_error(ErrorKind::data, fmt::format("Unable to parse range: {}", text)); };
  if (text.empty()) return fail();
  std::string sheet;
  std::string_view cells;
  bool has_sheet = false;
  if (text[0] == '\'') {
    std::size_t i = 1;
    for (;; ++i) {
      if (i >= text.size()) return fail();
      if (text[i] == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'') {
          sheet += '\'';
          ++i;
          continue;
        }
        break;
      }
      sheet += text[i];
    }
    has_sheet = true;
    const std::string_view rest = text.substr(i + 1);
    if (rest.empty()) {
      cells = {};
    } else if (rest[0] == '!') {
      cells = rest.substr(1);
      if (cells.empty()) return fail();
    } else {
      return fail();
    }
  } else if (const auto bang = text.rfind('!'); bang != std::string_view::npos) {
    sheet = std::string(text.substr(0, bang));
    has_sheet = true;
    cells = text.substr(bang + 1);
    if (sheet.empty() || cells.empty()) return fail();
  } else {
    if (auto r = parse_cells(text)) return *r;
    sheet = std::string(text);  // a bare sheet name means the whole sheet
    return A1Range{std::move(sheet), {}, {}, {}, {}};
  }
  if (has_sheet && sheet.empty()) return fail();
  if (cells.empty()) return A1Range{std::move(sheet), {}, {}, {}, {}};
  auto r = parse_cells(cells);
  if (!r) return fail();
  r->sheet = std::move(sheet);
  return *r;
}

std::string format_a1_range(const A1Range& range) {
  std::string out;
  if (!range.sheet.empty()) out = quote_sheet_name(range.sheet);
  const bool unbounded = !range.start_row && !range.start_column && !range.end_row && !range.end_column;
  if (unbounded) return out;
  if (!out.empty()) out += '!';
  const auto start = (range.start_column ? column_letters(*range.start_column) : std::string()) +
                     (range.start_row ? std::to_string(*range.start_row + 1) : std::string());
  const auto end = (range.end_column ? column_letters(*range.end_column - 1) : std::string()) +
                   (range.end_row ? std::to_string(*range.end_row) : std::string());
  const bool single = range.start_row && range.start_column && range.end_row && range.end_column &&
                      *range.end_row == *range.start_row + 1 && *range.end_column == *range.start_column + 1;
  out += single ? start : start + ":" + end;
  return out;
}

std::string percent_encode(std::string_view text) {
  return net::percent_encode(text);
}

}  // namespace gbpm::google
