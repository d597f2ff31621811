#pragma once
// The gsheets: sink over a Sheets client (google/sheets.hpp): tab ids are
// resolved with one spreadsheets.get (cached for the life of the sink), then
// the whole Update is written in ONE spreadsheets.batchUpdate — addSheet for
// missing tabs, a grid resize where a tab is too small or a block owns the
// whole tab, and updateCells over each full owned range with values and
// formats — so a failure changes nothing and stale cells are cleared in the
// same request. Text is always sent as stringValue: it can never become a
// formula (a cause starting with '=' stays text).
//
// Requests per write: one metadata read (first write of the sink only) and
// one batchUpdate. The one exception: when another tool created a missing tab
// between our read and our write (two tools' first runs on a fresh
// spreadsheet), the batch is refused whole with "already exists"; the sink
// then re-reads the tabs and sends the batch once more.

#include <memory>
#include <string>

#include "sheet/sheet.hpp"

namespace gbpm::config {
class Config;
}
namespace gbpm::core {
class Clock;
}
namespace gbpm::log {
class Logger;
}
namespace gbpm::google {
class SheetsClient;
}

namespace gbpm::sheet {

// `client` must outlive the sink. api_calls() counts HTTP requests the client
// sent (retries included).
std::unique_ptr<SheetSink> make_google_sink(google::SheetsClient& client, std::string spreadsheet_id);

// The production gsheets: sink, built from configuration: Application Default
// Credentials for the Sheets scope (GOOGLE_APPLICATION_CREDENTIALS, gcloud's
// file, the metadata server; GBPM_GOOGLE_TOKEN_URL), HTTPS trusting
// GBPM_CA_FILE, the API at GBPM_SHEETS_URL (default sheets.googleapis.com),
// retries of 429/5xx bounded by GBPM_RETRY_ATTEMPTS (default 5) and
// GBPM_RETRY_DEADLINE (default 120s) with exponential backoff that honours
// Retry-After, GBPM_HTTP_TIMEOUT per request (default 30s). The sink owns all
// of it. No request is made here. Errors: ErrorKind::config — no usable
// credentials (the message lists what was tried and says how to provide a
// key), a malformed setting. Write errors: temporary (429/5xx after the
// retries: exit 75, the sheet unchanged), unavailable (403: names the service
// account to share the sheet with; 404: names the spreadsheet id), data (400).
// `clock` and `logger` must outlive the sink.
Result<std::unique_ptr<SheetSink>> open_google_sink(const config::Config& config, core::Clock& clock,
                                                    log::Logger& logger, std::string spreadsheet_id);

}  // namespace gbpm::sheet
