#pragma once
// The crontab/gbpm.crontab format (/etc/cron.d style) as a shared contract:
// scripts/install copies it, healthd reads schedules from it and
// failover-monitor runs its jobs with execve. Commands are plain argument
// vectors plus an optional trailing ">>FILE 2>&1"; any other shell syntax is
// rejected so no job ever needs a shell.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "schedule/cron.hpp"

namespace gbpm::schedule {

// One job line: "m h dom mon dow user argv... [>>FILE 2>&1]".
struct CrontabJob {
  int line = 0;               // 1-based line number in the file
  std::string schedule_text;  // the five time fields joined by single spaces
  CronExpr schedule;
  std::string user;
  std::vector<std::string> argv;        // argv[0] is the program (absolute or looked up in PATH)
  std::optional<std::string> log_file;  // from ">>FILE 2>&1": append stdout and stderr there

  // A short name for logs: the basename of argv[0].
  [[nodiscard]] std::string name() const;
};

// An environment line "NAME=value" (cron passes these to every job).
struct EnvAssignment {
  int line = 0;
  std::string name;
  std::string value;
};

struct Crontab {
  std::vector<CrontabJob> jobs;
  std::vector<EnvAssignment> env;

  // The value of the last assignment to `name`, if any.
  [[nodiscard]] std::optional<std::string> env_value(std::string_view name) const;
};

// Parses crontab text. `origin` (usually the path) prefixes every error as
// "origin:line: ...". Errors are ErrorKind::config: a bad time field, a missing
// user or command, '@' macros, or shell syntax (; | & $ ` < > ( ) { } * ? [ ] ~
// % # quotes, backslashes) anywhere but the recognised trailing redirection.
Result<Crontab> parse_crontab(std::string_view text, std::string_view origin);

}  // namespace gbpm::schedule
