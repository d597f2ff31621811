#pragma once
// Where gbpm keeps its state ($GBPM_HOME) and what lives under it.

#include <filesystem>

#include "core/config.hpp"
#include "core/result.hpp"

namespace gbpm::core {

// $GBPM_HOME if set; else $XDG_STATE_HOME/gbpm; else $HOME/.local/state/gbpm.
// systemd units set GBPM_HOME=/var/lib/gbpm (StateDirectory=gbpm).
// ErrorKind::config when none of them is set or GBPM_HOME is relative.
Result<std::filesystem::path> resolve_home(const config::Config& config);

inline std::filesystem::path runs_dir(const std::filesystem::path& home) {
  return home / "runs";
}
inline std::filesystem::path locks_dir(const std::filesystem::path& home) {
  return home / "locks";
}

}  // namespace gbpm::core
