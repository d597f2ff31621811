#include "core/paths.hpp"

#include <fmt/format.h>

namespace gbpm::core {

Result<std::filesystem::path> resolve_home(const config::Config& config) {
  if (auto home = config.find("GBPM_HOME"); home && !home->value.empty()) {
    std::filesystem::path p(home->value);
    if (p.is_relative()) {
      return make_error(ErrorKind::config,
                        fmt::format("GBPM_HOME=\"{}\" (from {}) must be an absolute path", home->value, home->origin));
    }
    return p;
  }
  if (auto xdg = config.find("XDG_STATE_HOME"); xdg && !xdg->value.empty() && xdg->value.front() == '/') {
    return std::filesystem::path(xdg->value) / "gbpm";
  }
  if (auto h = config.find("HOME"); h && !h->value.empty()) {
    return std::filesystem::path(h->value) / ".local" / "state" / "gbpm";
  }
  return make_error(ErrorKind::config, "cannot choose a state directory: set GBPM_HOME (e.g. /var/lib/gbpm)");
}

}  // namespace gbpm::core
