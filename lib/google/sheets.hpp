#pragma once
// Google Sheets API v4 client: spreadsheets.get with a
// fields mask, spreadsheets.batchUpdate (updateCells, addSheet, repeatCell,
// updateSheetProperties) and values.get. Cell values are typed, so text is
// always sent as stringValue — a cause starting with '=' stays text — and
// formulas exist only where gbpm writes its own (CellValue::formula).
//
// Every request goes through a RetryingTransport owned by the client (429
// RESOURCE_EXHAUSTED and 5xx are retried with backoff within the policy's
// budget); what still fails is decoded from Google's error body into an Error:
//   401/403 → unavailable (with advice: share the sheet with the service account),
//   404 → unavailable, 429/5xx → temporary, 400 → data, other 4xx → unavailable.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "google/a1.hpp"
#include "net/retry.hpp"

namespace gbpm::auth {
class TokenSource;
}
namespace gbpm::log {
class Logger;
}
namespace gbpm::net {
class HttpTransport;
struct Response;
}  // namespace gbpm::net

namespace gbpm::google {

inline constexpr std::string_view kSheetsUrl = "https://sheets.googleapis.com";

// A formula gbpm itself wrote, e.g. "=HYPERLINK(\"#gid=0\",\"chart\")".
struct Formula {
  std::string text;
  friend bool operator==(const Formula&, const Formula&) = default;
};

// One cell's userEnteredValue. Blank clears the cell's value.
class CellValue {
 public:
  using Variant = std::variant<std::monostate, double, std::string, bool, Formula>;

  CellValue() = default;
  static CellValue blank() { return CellValue(); }
  static CellValue number(double v) { return CellValue(Variant(v)); }
  // Sent as stringValue: never interpreted, even when it starts with '='.
  static CellValue text(std::string v) { return CellValue(Variant(std::move(v))); }
  static CellValue boolean(bool v) { return CellValue(Variant(v)); }
  // Sent as formulaValue. Only for formulas gbpm composes itself.
  static CellValue formula(std::string v) { return CellValue(Variant(Formula{std::move(v)})); }

  [[nodiscard]] bool is_blank() const { return std::holds_alternative<std::monostate>(m_value); }
  [[nodiscard]] const Variant& get() const { return m_value; }
  friend bool operator==(const CellValue&, const CellValue&) = default;

 private:
  explicit CellValue(Variant v) : m_value(std::move(v)) {}
  Variant m_value;
};

struct Color {
  double red = 0, green = 0, blue = 0;  // 0..1
};

enum class HorizontalAlign { left, center, right };

// The subset of userEnteredFormat gbpm uses. Unset members are not sent.
struct CellFormat {
  std::optional<std::string> number_pattern;  // numberFormat {type NUMBER, pattern}, e.g. "0.00"
  std::optional<bool> bold;
  std::optional<Color> background;
  std::optional<HorizontalAlign> align;
};

struct Cell {
  CellValue value;
  std::optional<CellFormat> format;  // set on any cell: the request then also writes formats
};

using CellRow = std::vector<Cell>;

// A GridRange: sheet id plus zero-based half-open indexes; unset = unbounded.
struct GridRange {
  int sheet_id = 0;
  std::optional<int> start_row, end_row, start_column, end_column;
};

// Replaces `range` with `rows`: cells of the range not covered by rows are
// cleared in the same request (a tool's owned ranges are replaced whole).
// fields is "userEnteredValue", or "userEnteredValue,userEnteredFormat" when
// any cell carries a format (or `write_formats` is set, which also clears
// formats of uncovered cells).
struct UpdateCells {
  GridRange range;
  std::vector<CellRow> rows;
  bool write_formats = false;
};
// A new tab; the reply carries its sheetId.
struct AddSheet {
  std::string title;
  std::optional<int> sheet_id;
  int row_count = 1000;
  int column_count = 26;
};
// Applies `format` to every cell of `range` (fields "userEnteredFormat").
struct RepeatCell {
  GridRange range;
  CellFormat format;
};
// Changes the named properties of a tab; only set members are sent (and listed in fields).
struct UpdateSheetProperties {
  int sheet_id = 0;
  std::optional<std::string> title;
  std::optional<int> row_count, column_count, frozen_row_count;
};

using SheetRequest = std::variant<UpdateCells, AddSheet, RepeatCell, UpdateSheetProperties>;

struct SheetProperties {
  int sheet_id = 0;
  std::string title;
  int index = 0;
  int row_count = 0;
  int column_count = 0;
};

struct Spreadsheet {
  std::string id;
  std::string title;
  std::vector<SheetProperties> sheets;

  // The tab called `title`, if any.
  [[nodiscard]] const SheetProperties* find(std::string_view sheet_title) const;
};

struct BatchUpdateResult {
  // One entry per request: the new tab's properties for AddSheet, else nullopt.
  std::vector<std::optional<SheetProperties>> added;
};

// Values as read by values.get with UNFORMATTED_VALUE: numbers, strings,
// bools; a missing cell (trimmed trailing blanks) is blank.
using ValueGrid = std::vector<std::vector<CellValue>>;

struct SheetsOptions {
  std::string base_url{kSheetsUrl};  // GBPM_SHEETS_URL
  net::RetryPolicy retry{};
  net::BackoffPolicy backoff{};
  std::chrono::milliseconds timeout{30000};
  // For advice in permission errors: "share the spreadsheet with <email>".
  std::string client_email;
  // Sent as x-goog-user-project (gcloud user credentials); empty: not sent.
  std::string quota_project;
  log::Logger* logger = nullptr;
};

// The JSON body of spreadsheets.batchUpdate for `requests` (exposed for tests).
Result<std::string> batch_update_body(const std::vector<SheetRequest>& requests);

// An Error for a failed Sheets response: the status, Google's error message
// and status (RESOURCE_EXHAUSTED, PERMISSION_DENIED, ...), the kind as in the
// top-of-file table, and advice naming `client_email` for 403/404.
Error sheets_error(const net::Response& response, std::string_view what, std::string_view client_email);

class SheetsClient {
 public:
  // `transport`, `tokens` and `clock` must outlive the client. Retries sleep on `clock`.
  SheetsClient(net::HttpTransport& transport, auth::TokenSource& tokens, core::Clock& clock, SheetsOptions options);
  ~SheetsClient();
  SheetsClient(const SheetsClient&) = delete;
  SheetsClient& operator=(const SheetsClient&) = delete;

  // spreadsheets.get with fields=spreadsheetId,properties.title,
  // sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount)).
  Result<Spreadsheet> get_spreadsheet(std::string_view spreadsheet_id);

  // One spreadsheets.batchUpdate: all requests are applied atomically or
  // none is. Retried on 429/5xx (gbpm's batches replace fixed ranges, so a
  // repeat is harmless; an addSheet repeated after a lost reply fails with
  // "already exists").
  Result<BatchUpdateResult> batch_update(std::string_view spreadsheet_id, const std::vector<SheetRequest>& requests);

  // values.get of `range` (valueRenderOption=UNFORMATTED_VALUE).
  Result<ValueGrid> get_values(std::string_view spreadsheet_id, const A1Range& range);

  // Requests sent (attempts included), for run records.
  [[nodiscard]] int api_calls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace gbpm::google
