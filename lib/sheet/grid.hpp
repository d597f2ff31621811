#pragma once
// What a dashboard tool writes: typed cells in rectangular blocks, each block
// covering a range the tool owns whole. A sink (sheet.hpp) writes
// all of a tool's blocks in one atomic step; cells of a block left blank are
// cleared, so stale values never survive.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace gbpm::sheet {

// A cell's value. Text is always literal text: a sink never lets it become a
// formula, even when it starts with '='.
using CellValue = std::variant<std::monostate, double, std::string, bool>;

enum class Align { left, center, right };

struct CellFormat {
  std::string number_format;  // Sheets NUMBER pattern, e.g. "0.0", "#,##0", "0.0%"; empty: general
  bool bold = false;
  std::optional<Align> align;
  std::optional<std::string> background;  // "#1f3b73"; empty: none

  friend bool operator==(const CellFormat&, const CellFormat&) = default;
};

struct Cell {
  CellValue value;
  CellFormat format;

  static Cell blank() { return {}; }
  static Cell text(std::string s, CellFormat f = {}) { return {CellValue(std::move(s)), std::move(f)}; }
  static Cell number(double v, CellFormat f = {}) { return {CellValue(v), std::move(f)}; }
  // A number when present, else a blank cell (missing data is blank, never 0).
  static Cell maybe_number(std::optional<double> v, CellFormat f = {}) {
    return v ? number(*v, std::move(f)) : Cell{{}, std::move(f)};
  }
  [[nodiscard]] bool is_blank() const { return std::holds_alternative<std::monostate>(value); }
  friend bool operator==(const Cell&, const Cell&) = default;
};

// A rectangle on one tab: rows/cols 0-based, e.g. Dashboard!A31:H70 is
// {"Dashboard", 30, 0, 40, 8}.
struct Range {
  std::string tab;
  int row = 0;
  int col = 0;
  int rows = 1;
  int cols = 1;

  friend bool operator==(const Range&, const Range&) = default;
};

// One owned range and its content. `cells` has at most range.rows rows of at
// most range.cols cells; anything not given is blank (and so cleared).
struct Block {
  Range range;
  std::vector<std::vector<Cell>> cells;
  // When true the tab is resized/created to fit exactly range.rows rows (for
  // data tabs whose length varies, e.g. Daily_Chart_Data with 46/48/50 SPs).
  bool whole_tab = false;
};

// Everything one tool run writes.
struct Update {
  std::vector<Block> blocks;
};

// Column letters of a 0-based column: 0 → "A", 25 → "Z", 26 → "AA".
std::string column_letters(int col);

// A1 notation of a range: {"Dashboard", 30, 0, 40, 8} → "Dashboard!A31:H70".
std::string to_a1(const Range& range);

// Parses "Tab!A1:H17" (or "Tab!A1" for one cell). ErrorKind::internal (these
// ranges are written by the tools, not users) naming the text when malformed.
Result<Range> parse_a1(std::string_view text);

// The text a person sees for a cell: numbers rendered with their number
// format (supported: general, "0", "0.0", "0.00", "#,##0", "#,##0.0", any of
// them followed by a quoted suffix such as "0.0\"%\""), booleans TRUE/FALSE,
// text as is, blank as "".
std::string display_text(const Cell& cell);

// A tab's cells as plain values, row-major, ragged (rows may be short).
using TabValues = std::vector<std::vector<CellValue>>;

// Writes `block` into `tab`: every cell of block.range is replaced (cells the
// block does not give become blank), growing `tab` as needed; with
// block.whole_tab the tab is cut to exactly the block's rows. Trailing blank
// cells and rows are trimmed so equal content gives equal values.
void apply_block(TabValues& tab, const Block& block);

}  // namespace gbpm::sheet
