#pragma once
// A1 notation for Google Sheets: column letters, sheet
// names quoted with doubled apostrophes ('Jon''s'!A1), and ranges such as
// Dashboard!A1:H17, Sheet1!A:C or 'Daily Report'!A5:B (open-ended). Indexes
// are zero-based and ends exclusive, like a GridRange.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gbpm::google {

// The most columns a sheet can have (column ZZZ).
inline constexpr int kMaxColumns = 18278;

// "A" for 0, "Z" for 25, "AA" for 26, ... Precondition: 0 <= column < kMaxColumns.
std::string column_letters(int column);
// The zero-based index of column letters ("A" → 0, "aa" → 26). ErrorKind::data
// for empty text, non-letters or a column past ZZZ.
Result<int> column_index(std::string_view letters);

// `title` as it must appear before '!': unchanged when it is a plain
// identifier that cannot be mistaken for a cell reference (Dashboard, GSP,
// Live_Raw_Gen), else in single quotes with every ' doubled ('Jon''s',
// 'Daily Report', 'A1', '2024').
std::string quote_sheet_name(std::string_view title);

// "B3" for row 2, column 1 (zero-based).
std::string cell_name(int row, int column);

// A rectangle on one sheet. Missing bounds are open (unbounded), exactly as a
// GridRange's omitted indexes.
struct A1Range {
  std::string sheet;  // unquoted title; empty: the first sheet
  std::optional<int> start_row;
  std::optional<int> start_column;
  std::optional<int> end_row;     // exclusive
  std::optional<int> end_column;  // exclusive

  // Rows [row, row+rows) × columns [column, column+columns) on `sheet`.
  static A1Range box(std::string sheet, int row, int column, int rows, int columns);
  friend bool operator==(const A1Range&, const A1Range&) = default;
};

// Parses "Sheet!A1:B2", "'Jon''s'!A1", "A1", "Sheet1" (the whole sheet),
// "Sheet1!A:C", "Sheet1!2:5", "Sheet1!A5:B". ErrorKind::data naming the text
// when it is not a range ("Unable to parse range: ...").
Result<A1Range> parse_a1_range(std::string_view text);

// The A1 text of `range`: sheet name quoted when needed, "A1" for one cell,
// "A1:H17", "A:C", "A5:B"; just the quoted sheet name when wholly unbounded.
std::string format_a1_range(const A1Range& range);

// `text` percent-encoded for use as one URL path segment (everything but
// unreserved characters), e.g. a range in .../values/{range}.
std::string percent_encode(std::string_view text);

}  // namespace gbpm::google
