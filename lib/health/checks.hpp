#pragma once
// healthd's checks as pure functions: each takes what was observed
// (run records, the crontab's schedules, iris-ingest's status file, warehouse
// freshness, disk and memory figures) plus "now" and thresholds, and returns
// pass|warn|fail with the observed value and the threshold it was held to.
// Nothing here reads a file or a clock, so every rule is tested with fixtures.
//
// Overall status: any fail → unhealthy; else any warn → degraded; else
// healthy. /health answers 200 only when healthy (a stale pipeline is never
// healthy); degraded and unhealthy are both 503.
//
// The schedule rule (cron tools). A scheduled fire time f is *due* once
// f + grace has passed (grace covers start-up jitter, retries and run time).
// `missed` counts the due fire times after the tool's last success (a success
// at or after f covers slot f). missed >= run_fail_missed → fail,
// missed >= run_warn_missed → warn, else pass. Counting slots instead of
// comparing against "2 × period" stays exact for irregular schedules (9,39 or
// a daily 04:49 job) and never needs the period. No run record or no success
// ever recorded → fail.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "market/model.hpp"
#include "state/ingest_status.hpp"
#include "state/run_record.hpp"

namespace gbpm::config {
class Config;
}

namespace gbpm::health {

enum class CheckStatus { pass, warn, fail };
enum class Overall { healthy, degraded, unhealthy };

std::string_view to_string(CheckStatus status);
std::string_view to_string(Overall overall);

// A reading or a limit: a number with a unit ("s", "bytes", "runs"), or
// absent (null in JSON) when nothing could be observed.
struct Measure {
  std::optional<double> value;
  std::string unit;
};

struct CheckResult {
  std::string name;  // "run:layout-update", "ingest:heartbeat", "data:FUELINST", "disk", "memory"
  CheckStatus status = CheckStatus::fail;
  Measure observed;
  Measure threshold;    // the limit that decides fail (warn limits are in the message)
  std::string message;  // one line for a person: what is wrong and, where known, what to do
};

// Every limit, configurable through GBPM_HEALTH_* keys (thresholds_from_config).
struct Thresholds {
  std::chrono::seconds run_grace{std::chrono::minutes{3}};
  int run_warn_missed = 1;
  int run_fail_missed = 2;
  std::chrono::seconds ingest_heartbeat{30};
  std::chrono::seconds ingest_message_age{std::chrono::minutes{15}};
  // Key datasets and the oldest their newest record may be (registry codes).
  std::vector<std::pair<std::string, std::chrono::seconds>> datasets = {
      {"FUELINST", std::chrono::minutes{20}}, {"FREQ", std::chrono::minutes{10}}, {"MID", std::chrono::minutes{90}}};
  std::uint64_t disk_warn_free_bytes = std::uint64_t{2048} << 20;
  std::uint64_t disk_fail_free_bytes = std::uint64_t{512} << 20;
  std::uint64_t memory_warn_available_bytes = std::uint64_t{256} << 20;
  std::uint64_t memory_fail_available_bytes = std::uint64_t{100} << 20;
};

// Reads GBPM_HEALTH_* (see known_keys()); unset keys keep the defaults above.
// ErrorKind::config naming the key for malformed values, an unknown dataset
// code, or a warn limit stricter-than-fail inversion.
Result<Thresholds> thresholds_from_config(const config::Config& config);

// "FUELINST=20m,FREQ=10m" → pairs; codes must be in the dataset registry.
Result<std::vector<std::pair<std::string, std::chrono::seconds>>> parse_dataset_ages(std::string_view text);

// The next fire time strictly after an instant (nullopt: never again).
using NextFire = std::function<std::optional<core::TimePoint>(core::TimePoint)>;

// One crontab job as healthd sees it.
struct ToolSchedule {
  std::string tool;        // basename of the job's argv[0]
  std::string expression;  // "1-59/10 * * * *", for messages
  NextFire next_after;
};

// A tool's schedule and its run record (or why it could not be read).
struct ToolObservation {
  ToolSchedule schedule;
  std::optional<state::RunRecord> record;
  std::string record_error;  // empty when the record was read, or simply absent
};

// iris-ingest's status file is state::IngestStatus (state/ingest_status.hpp).
using state::IngestStatus;

struct DiskUsage {
  std::uint64_t free_bytes = 0;  // available to an unprivileged user (f_bavail)
  std::uint64_t total_bytes = 0;
};

struct MemoryInfo {
  std::uint64_t available_bytes = 0;  // MemAvailable
  std::uint64_t total_bytes = 0;      // MemTotal
};

// Parses /proc/meminfo text; ErrorKind::data when MemAvailable is missing.
Result<MemoryInfo> parse_meminfo(std::string_view text);

// Everything one check cycle observed. A Result in error means the input
// could not be observed; its check then fails with that message.
struct Observations {
  core::TimePoint now{};
  Result<std::vector<ToolObservation>> tools = std::vector<ToolObservation>{};
  std::optional<Result<IngestStatus>> ingest;  // nullopt: no status file at all
  Result<std::vector<market::DatasetFreshness>> freshness = std::vector<market::DatasetFreshness>{};
  Result<DiskUsage> disk = DiskUsage{};
  Result<MemoryInfo> memory = MemoryInfo{};
};

// The individual rules (exposed for tests).
CheckResult check_tool(const ToolObservation& tool, core::TimePoint now, const Thresholds& t);
std::vector<CheckResult> check_ingest(const std::optional<Result<IngestStatus>>& status, core::TimePoint now,
                                      const Thresholds& t);
std::vector<CheckResult> check_freshness(const Result<std::vector<market::DatasetFreshness>>& freshness,
                                         core::TimePoint now, const Thresholds& t);
CheckResult check_disk(const Result<DiskUsage>& disk, const Thresholds& t);
CheckResult check_memory(const Result<MemoryInfo>& memory, const Thresholds& t);

struct Report {
  core::TimePoint checked_at{};
  Overall overall = Overall::unhealthy;
  std::vector<CheckResult> checks;
  std::chrono::milliseconds duration{0};  // how long collecting took (set by the caller)
};

// Runs every rule over `obs`.
Report evaluate(const Observations& obs, const Thresholds& t);
Overall overall_of(const std::vector<CheckResult>& checks);
// /health's status code: 200 only when healthy, else 503.
int http_status(Overall overall);

// /health's body: {"status", "checked_at", "checks": {name: {status, observed,
// threshold, unit, message}}}.
std::string render_health_json(const Report& report);

// /metrics's body (Prometheus text exposition format 0.0.4): check states,
// per-tool last success time and last run duration, per-dataset freshness,
// iris-ingest counters by outcome, disk and memory.
std::string render_metrics(const Report& report, const Observations& obs);

}  // namespace gbpm::health
