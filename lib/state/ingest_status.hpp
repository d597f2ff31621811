#pragma once
// iris-ingest's status file, $GBPM_HOME/runs/iris-ingest.status.json: the
// ingester's heartbeat and counters, rewritten atomically every few seconds
// while it runs and once more when it stops. healthd reads it to tell whether
// ingestion is alive and how old the newest acknowledged message is. This
// file is the format's one owner: the type, its writer and its reader.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::state {

struct IngestStatus {
  std::string state;   // "running", "stopped", "failed"
  std::string source;  // the source as iris-ingest describes it ("dir:/path", "servicebus:ns/queue")
  core::TimePoint updated_at{};
  std::optional<core::TimePoint> started_at;
  std::optional<core::TimePoint> newest_message_at;  // newest enqueued time acknowledged
  std::optional<core::TimePoint> last_batch_at;
  std::int64_t messages = 0;  // acknowledged
  std::int64_t records = 0;
  std::int64_t bytes = 0;
  std::int64_t batches = 0;  // commits
  std::int64_t kept_raw = 0;
  std::int64_t quarantined = 0;
  std::int64_t released = 0;
  std::int64_t store_failures = 0;
  std::int64_t receive_failures = 0;
  std::int64_t locks_renewed = 0;
  std::int64_t locks_lost = 0;
  struct Dataset {
    std::string name;  // "?" when a message named none
    std::int64_t messages = 0;
    std::int64_t records = 0;
    std::int64_t inserted = 0;
    std::int64_t updated = 0;
    std::int64_t ignored = 0;
    std::int64_t kept_raw = 0;
    std::int64_t quarantined = 0;
    std::int64_t released = 0;
  };
  std::vector<Dataset> datasets;  // in name order
  std::string last_error;         // empty until something failed
};

// The largest status file a reader accepts.
inline constexpr std::size_t kMaxIngestStatusBytes = 1 << 20;

std::filesystem::path ingest_status_path(const std::filesystem::path& home);

// One JSON object and a newline.
std::string to_json(const IngestStatus& status);

// ErrorKind::data with the JSON path on a malformed file. Counters a writer
// left out read as 0; `state` and `updated_at` are required.
Result<IngestStatus> parse_ingest_status(std::string_view text);

// Atomic replace (temp + fsync + rename): readers never see half a file.
Status write_ingest_status(const std::filesystem::path& path, const IngestStatus& status);

// nullopt when there is no file at all (iris-ingest never ran here).
Result<std::optional<IngestStatus>> read_ingest_status(const std::filesystem::path& path);

}  // namespace gbpm::state
