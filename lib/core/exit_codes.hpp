#pragma once
// Process exit codes (sysexits.h values). Cron and systemd see them.

#include <string_view>

#include "core/result.hpp"

namespace gbpm::core {

enum class ExitCode : int {
  ok = 0,
  usage = 64,        // EX_USAGE
  data_error = 65,   // EX_DATAERR: bad upstream data
  unavailable = 69,  // EX_UNAVAILABLE: service unavailable
  software = 70,     // EX_SOFTWARE: internal error (a bug)
  cant_create = 73,  // EX_CANTCREAT: cannot write output
  temp_fail = 75,    // EX_TEMPFAIL: retry next run (429/5xx/lock held)
  config = 78,       // EX_CONFIG: configuration error
};

// The exit code a tool returns when it stops on `kind`.
constexpr ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return ExitCode::usage;
    case ErrorKind::data: return ExitCode::data_error;
    case ErrorKind::unavailable: return ExitCode::unavailable;
    case ErrorKind::internal: return ExitCode::software;
    case ErrorKind::output: return ExitCode::cant_create;
    case ErrorKind::temporary: return ExitCode::temp_fail;
    case ErrorKind::config: return ExitCode::config;
  }
  return ExitCode::software;
}

constexpr int to_int(ExitCode code) {
  return static_cast<int>(code);
}

// Short stable name for logs and run records, e.g. "temp_fail".
std::string_view exit_code_name(ExitCode code);

}  // namespace gbpm::core
