#pragma once
// The local workbook's file formats: one CSV per tab and an
// index.html that renders every tab. Exposed for the dir: sink and its tests.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "sheet/grid.hpp"

namespace gbpm::sheet {

// RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, quote,
// CR or LF). Numbers are written plainly (shortest text that reads back as
// the same double), booleans TRUE/FALSE, blanks empty. Text that a
// spreadsheet would read as a number or a formula (it parses as a number, or
// starts with = + - @ or ') is written with a leading apostrophe, the
// spreadsheet convention for "this is text", so it stays text.
std::string to_csv(const TabValues& tab);

// Reads what to_csv wrote back into typed values: a field with a leading
// apostrophe is text (apostrophe removed); a field that parses whole as a
// number is a number; TRUE/FALSE are booleans; empty is blank; anything else
// is text. ErrorKind::data on an unterminated quoted field.
Result<TabValues> parse_csv(std::string_view text);

// A named tab of the workbook.
struct NamedTab {
  std::string name;
  TabValues values;
};

// A self-contained HTML page (no scripts, no external resources) showing
// every tab as a table with row numbers and column letters, all text
// HTML-escaped; with inline SVG charts of the fuel mix (tab Dashboard, rows
// 8-17 columns A-B) and of the daily series (tab Daily_Chart_Data: every
// numeric column after the first two plotted against the SP) when those
// tabs exist.
std::string render_html(const std::vector<NamedTab>& tabs);

// `text` with & < > " ' escaped for HTML.
std::string html_escape(std::string_view text);

}  // namespace gbpm::sheet
