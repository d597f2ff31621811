#pragma once
// Where a dashboard goes (the --sheet URI):
//   gsheets:SPREADSHEET_ID   Google Sheets, one spreadsheets.batchUpdate per run
//   dir:PATH                 a local workbook: one CSV per tab + index.html
//   -                        a text grid on stdout (also what --dry-run prints)
// Every sink writes an Update all or nothing: on error the destination is
// unchanged.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "sheet/grid.hpp"

namespace gbpm::config {
class Config;
}
namespace gbpm::core {
class Clock;
}
namespace gbpm::log {
class Logger;
}

namespace gbpm::sheet {

class SheetSink {
 public:
  virtual ~SheetSink() = default;
  // Writes every block of `update` atomically. Errors: temporary (429/5xx,
  // lock held), output (cannot write), unavailable (no access), config.
  virtual Status write(const Update& update) = 0;
  // Requests made to a remote API by this sink so far (for run records).
  [[nodiscard]] virtual int api_calls() const { return 0; }
};

// Which kind of destination a --sheet URI names.
enum class SinkKind { google, directory, stdout_text };

struct SheetUri {
  SinkKind kind = SinkKind::stdout_text;
  std::string target;  // spreadsheet id, or directory path; empty for "-"
};

// Parses "gsheets:ID", "dir:PATH" or "-". ErrorKind::config naming the text
// for anything else (unknown scheme, empty id or path).
Result<SheetUri> parse_sheet_uri(std::string_view text);

struct SinkOptions {
  std::FILE* out = stdout;  // where "-" writes
  // What gsheets: is built from (see open_google_sink in google_sink.hpp);
  // all three must be set for a gsheets: URI and outlive the sink.
  const config::Config* config = nullptr;
  core::Clock* clock = nullptr;
  log::Logger* logger = nullptr;
  // How long a dir: sink waits for another tool's workbook lock before giving
  // up with ErrorKind::temporary (the next cron run retries).
  std::chrono::milliseconds lock_timeout{30000};
};

// The sink a URI names. gsheets: is open_google_sink over options.config
// (ErrorKind::config when credentials are missing); dir: creates the
// directory on first write.
Result<std::unique_ptr<SheetSink>> open_sheet(std::string_view uri, const SinkOptions& options = {});

// The text grid of an update, one section per block: a header line with the
// A1 range, column letters, and each row with its 1-based row number; cells
// shown with display_text, emoji kept. This is what "-" and --dry-run print.
std::string render_text(const Update& update);

// A local workbook sink over `dir`: one CSV per tab (<dir>/<tab>.csv) and
// index.html. write() takes an exclusive flock on <dir>/.lock (waiting up to
// the lock timeout), reads the tabs it touches, replaces only the update's
// ranges, and replaces each file atomically, so concurrent tools writing
// different ranges never lose each other's cells.
std::unique_ptr<SheetSink> make_dir_sink(std::filesystem::path dir, std::chrono::milliseconds lock_timeout);

}  // namespace gbpm::sheet
