#pragma once
// The gsheets: sink over a Sheets client (google/sheets.hpp): tab ids are
// resolved with one spreadsheets.get (cached for the life of the sink), then
// the whole Update is written in ONE spreadsheets.batchUpdate — addSheet for
// missing tabs, a row-count change for whole-tab blocks, and updateCells over
// each full owned range with values and formats — so a failure changes
// nothing and stale cells are cleared in the same request. Text is always
// sent as stringValue: it can never become a formula.

#include <memory>
#include <string>

#include "sheet/sheet.hpp"

namespace gbpm::google {
class SheetsClient;
}

namespace gbpm::sheet {

// `client` must outlive the sink.
std::unique_ptr<SheetSink> make_google_sink(google::SheetsClient& client, std::string spreadsheet_id);

}  // namespace gbpm::sheet
