#include "core/exit_codes.hpp"

namespace gbpm::core {

std::string_view exit_code_name(ExitCode code) {
  switch (code) {
    case ExitCode::ok: return "ok";
    case ExitCode::usage: return "usage";
    case ExitCode::data_error: return "data_error";
    case ExitCode::unavailable: return "unavailable";
    case ExitCode::software: return "software";
    case ExitCode::cant_create: return "cant_create";
    case ExitCode::temp_fail: return "temp_fail";
    case ExitCode::config: return "config";
  }
  return "unknown";
}

}  // namespace gbpm::core
