#pragma once
// Synthetic demo data for scripts/demo: one settlement day of IRIS messages
// in the official clients' drop layout (<dir>/<DATASET>/<message-id>.json),
// shaped on the real fixtures (fixtures/elexon/iris/) but with made-up values.
//
// Everything is labelled synthetic: message ids start with "demo-", REMIT
// participants are "DEMO" with causes starting "DEMO:", and the drop folder
// gets a README.txt saying so. Values are deterministic functions of the
// seed and the instant (no wall clock, no std:: distributions, whose output
// differs between standard libraries), so a given seed always gives the same
// bytes.
//
// Datasets (the ones the dashboard queries read, warehouse/market_queries.hpp):
//   FUELINST  every 5 minutes, all ten fuel types and the ten interconnectors
//   FREQ      15-second samples, one message per 5 minutes
//   MID       per SP: APXMIDP (the price) and N2EXMIDP (0/0, "no trades")
//   DISEBSP   per SP: system sell/buy price, 15 minutes after the SP ends
//   INDO, ITSDO  per SP, published when the SP ends
//   INDGEN, INDDEM  hourly forecasts at :47 for N and B1..B17, the next 8 SPs
//                   of the day (a real publish covers today and tomorrow)
//   REMIT     outages with revisions, an interconnector's import+export
//             units, dismissed, ended, future and small (<100 MW) ones

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::demo {

// 2025-10-26: the autumn clock change, a 50-period settlement day.
inline constexpr std::chrono::year_month_day kDefaultDate{std::chrono::year{2025}, std::chrono::October,
                                                          std::chrono::day{26}};
inline constexpr std::uint64_t kDefaultSeed = 20251026;

struct DemoOptions {
  std::chrono::year_month_day date = kDefaultDate;  // the settlement (Europe/London) day
  // Only messages published at or before this instant (a dashboard run
  // --as-of it then sees what it would have seen live). nullopt: the whole
  // day, up to the last message about it.
  std::optional<core::TimePoint> until;
  std::uint64_t seed = kDefaultSeed;
};

// One IRIS message as the official clients store it.
struct DemoMessage {
  std::string dataset;     // subject and folder: "FUELINST"
  std::string message_id;  // file name: "demo-FUELINST_202510261750_00042.json"
  std::string body;        // a JSON array of records, each with "dataset"
  core::TimePoint published;
};

// Every message of the day, ordered by publish time (then dataset, id).
// ErrorKind::usage for an unsupported date or an `until` before the day.
Result<std::vector<DemoMessage>> generate_day(const DemoOptions& options);

// The README.txt written into the drop folder.
std::string notice_text(const DemoOptions& options, std::size_t messages);

// Writes `messages` under `dir` (created when missing) as
// <dir>/<dataset>/<message_id> with mtime = publish time (so a dir: source
// reads them oldest first and at once), plus <dir>/README.txt. Existing
// demo-* files of other runs are removed first, so re-running gives exactly
// this set; other files are left alone. ErrorKind::output on I/O errors.
Status write_drop(const std::filesystem::path& dir, const std::vector<DemoMessage>& messages,
                  const DemoOptions& options);

}  // namespace gbpm::demo
