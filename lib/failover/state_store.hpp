#pragma once
// failover-state.json in $GBPM_HOME: the role, counters, last probe and job
// counters, written atomically after every check so a restart resumes the
// same role (a restart while ACTIVE stays ACTIVE) and `failover-monitor
// status` can report without talking to the daemon.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "failover/jobs.hpp"
#include "failover/probe.hpp"
#include "failover/state_machine.hpp"

namespace gbpm::failover {

struct PersistedState {
  MachineState machine;
  std::optional<ProbeResult> last_probe;
  std::vector<JobStats> jobs;
  core::TimePoint updated_at{};
  long pid = 0;  // the daemon that wrote it
};

std::filesystem::path state_path(const std::filesystem::path& home);

// Serialises / parses the JSON form. Parsing errors are ErrorKind::data with
// the JSON path.
std::string state_to_json(const PersistedState& state);
Result<PersistedState> state_from_json(std::string_view text);

// Atomic write (temp file, fsync, rename): readers never see a torn file.
Status save_state(const std::filesystem::path& home, const PersistedState& state);
// nullopt when there is no state file yet.
Result<std::optional<PersistedState>> load_state(const std::filesystem::path& home);

// The human-readable report `failover-monitor status` prints.
std::string format_status(const PersistedState& state, core::TimePoint now);

}  // namespace gbpm::failover
