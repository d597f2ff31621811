#pragma once
// Run records: $GBPM_HOME/runs/<tool>.json, written atomically at the start
// (state "running") and at the end of every run. healthd and people read them
// to know when each tool last ran, last succeeded, and why it last failed.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::state {

// Counters a tool fills in while it works.
struct RunStats {
  std::int64_t rows_read = 0;
  std::int64_t rows_written = 0;
  std::int64_t api_calls = 0;
  std::int64_t bytes_scanned = 0;
  std::optional<core::TimePoint> watermark;  // newest data time the run saw
};

struct RunRecord {
  std::string tool;
  std::string version;
  std::string host;
  long pid = 0;
  std::string state;  // "running", "ok", "failed"
  core::TimePoint start{};
  std::optional<core::TimePoint> end;
  std::optional<int> exit_code;
  std::string exit_name;  // "ok", "temp_fail", ...
  std::string error;      // the failure's message, empty on success
  RunStats stats;
  // Carried over from earlier records so one failure does not hide when the
  // tool last worked.
  std::optional<core::TimePoint> last_success;

  [[nodiscard]] Result<std::string> to_json() const;
  static Result<RunRecord> from_json(std::string_view text);
};

std::filesystem::path run_record_path(const std::filesystem::path& home, std::string_view tool);

// Atomic write (temp + fsync + rename): a crash mid-write leaves the previous
// record intact, never a truncated one.
Status write_run_record(const std::filesystem::path& home, const RunRecord& record);
Result<RunRecord> read_run_record(const std::filesystem::path& home, std::string_view tool);

}  // namespace gbpm::state
