#pragma once
// The I/O half of healthd's checks: reads the crontab, run records,
// iris-ingest's status file, warehouse freshness, statvfs and /proc/meminfo
// into Observations (checks.hpp), which the pure rules then judge. Each input
// that cannot be read becomes an error in its slot, never a failed cycle.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "health/checks.hpp"

namespace gbpm::health {

// Where healthd looks.
struct Sources {
  std::filesystem::path home;     // $GBPM_HOME: runs/, statvfs target
  std::filesystem::path crontab;  // GBPM_HEALTH_CRONTAB (default /etc/cron.d/gbpm)
  std::string warehouse;          // warehouse URI (default sqlite:$GBPM_HOME/gbpm.db), opened read-only
  std::filesystem::path meminfo = "/proc/meminfo";
};

// The crontab's jobs as tool schedules (one per tool: a tool listed twice
// fires on the union of its schedules). ErrorKind::config naming the line.
Result<std::vector<ToolSchedule>> schedules_from_crontab(std::string_view text, std::string_view origin);

// Free and total bytes of the file system holding `path` (statvfs).
Result<DiskUsage> disk_usage(const std::filesystem::path& path);

// Reads every input once, for the datasets in `thresholds`, as of `now`.
Observations collect(const Sources& sources, const Thresholds& thresholds, core::TimePoint now);

}  // namespace gbpm::health
