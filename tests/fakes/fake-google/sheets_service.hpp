#pragma once
// fake-google's Sheets API v4: in-memory spreadsheets
// with tabs and cell grids (values and formats), served over the real wire
// protocol:
//   POST /v4/spreadsheets                         create
//   GET  /v4/spreadsheets/{id}[?fields=...]        get (fields mask applied)
//   POST /v4/spreadsheets/{id}:batchUpdate         addSheet, deleteSheet,
//        updateSheetProperties, updateCells, repeatCell, appendDimension —
//        all requests applied in order to a copy, committed only if every one
//        is valid (all or nothing; otherwise 400 INVALID_ARGUMENT, nothing changed)
//   GET  /v4/spreadsheets/{id}/values/{range}     values.get
//   PUT  /v4/spreadsheets/{id}/values/{range}     values.update
//   POST /v4/spreadsheets/{id}/values/{range}:clear
//   GET  /v4/spreadsheets/{id}/values:batchGet?ranges=..
//   POST /v4/spreadsheets/{id}/values:batchUpdate | values:batchClear
//   GET  /_fake/sheets/{id}                       admin: JSON dump of every cell
//   GET  /_fake/sheets/{id}/stats                 admin: {"writeRequests", "metadataReads"
//        (spreadsheets.get), "valueReads", "quotaRejections"} — for black-box
//        checks of "one write, at most one metadata read per run"
//   GET  /_fake/sheets/{id}/render?range=Tab!A1:H17  admin: the range as text,
//        exactly as gbpm's --dry-run prints a block (values with number formats)
//   POST /_fake/sheets                            admin: {"title", "sheets":["Dashboard",..]}
//        creates a spreadsheet without a token → {"spreadsheetId"}
// Every API call needs a bearer token from the TokenService. Write requests
// count against a per-minute quota (429 RESOURCE_EXHAUSTED when exceeded).
// Formulas are stored, not evaluated: reads return their text.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace httplib {
class Server;
}

namespace gbpm::fakes::google {

class TokenService;

struct SheetsServiceOptions {
  // Write requests accepted per minute (across all spreadsheets); 0: no limit.
  int write_quota_per_minute = 0;
  const core::Clock* clock = nullptr;  // nullptr: wall clock
};

// One stored cell.
struct FakeCell {
  enum class Kind { empty, number, string, boolean, formula };
  Kind kind = Kind::empty;
  double number = 0;
  std::string text;  // string value or formula text
  bool boolean = false;
  // userEnteredFormat: member name → its JSON text, e.g.
  // "numberFormat" → {"type":"NUMBER","pattern":"0.0"}.
  std::map<std::string, std::string> format;

  // The value as a reader sees it: "20.5", "TRUE", the text, the formula text.
  [[nodiscard]] std::string display() const;
  [[nodiscard]] bool blank() const { return kind == Kind::empty && format.empty(); }
};

class SheetsService {
 public:
  // `tokens` must outlive the service.
  SheetsService(TokenService& tokens, SheetsServiceOptions options);
  ~SheetsService();
  SheetsService(const SheetsService&) = delete;
  SheetsService& operator=(const SheetsService&) = delete;

  void install(httplib::Server& server);

  // Creates a spreadsheet whose tabs are `sheet_titles` (sheet ids 0, 1, ...)
  // and returns its id.
  std::string create_spreadsheet(const std::string& title, const std::vector<std::string>& sheet_titles = {"Sheet1"},
                                 int rows = 1000, int columns = 26);

  // The cell at `a1` ("B3") of tab `sheet`; nullopt when the spreadsheet or
  // tab does not exist. A never-written cell is an empty FakeCell.
  [[nodiscard]] std::optional<FakeCell> cell(const std::string& spreadsheet_id, const std::string& sheet,
                                             const std::string& a1) const;
  // Displayed values of an A1 range ("Dashboard!A1:H17"), rows × columns of
  // the range exactly (blank cells are ""); empty when it cannot be resolved.
  [[nodiscard]] std::vector<std::vector<std::string>> read_values(const std::string& spreadsheet_id,
                                                                  const std::string& range) const;
  // Tab titles in index order.
  [[nodiscard]] std::vector<std::string> sheet_titles(const std::string& spreadsheet_id) const;
  // Write requests accepted for this spreadsheet (batchUpdate, values writes).
  [[nodiscard]] int write_requests(const std::string& spreadsheet_id) const;
  // spreadsheets.get requests answered for this spreadsheet.
  [[nodiscard]] int metadata_reads(const std::string& spreadsheet_id) const;
  // Write requests refused with 429, across all spreadsheets.
  [[nodiscard]] int quota_rejections() const;
  // The admin dump (same JSON as GET /_fake/sheets/{id}); nullopt when unknown.
  [[nodiscard]] std::optional<std::string> dump(const std::string& spreadsheet_id) const;
  // Changes the per-minute write quota (0: unlimited) and restarts the window.
  void set_write_quota(int per_minute);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace gbpm::fakes::google
