#pragma once
// The command-line contract every gbpm tool shares: --help with
// examples, --version, --config, -v/-q, --log-format, --print-config;
// precedence flag > environment > config file > default; single instance per
// tool and target; a run record per run; errors mapped to sysexits codes.
//
// A tool's main() builds a Tool, adds its own options, and hands run() a body:
//
//   gbpm::cli::Tool tool({.name = "daily-kpi", .summary = "...", .examples = "..."});
//   tool.add_warehouse_option();
//   return tool.run(argc, argv, [&](gbpm::cli::Context& ctx) { return do_work(ctx); });

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "state/run_record.hpp"

namespace gbpm::cli {

enum class Instances { single, many };

struct ToolInfo {
  std::string name;      // "layout-update"
  std::string summary;   // one line for --help
  std::string examples;  // shown under --help
  Instances instances = Instances::single;
  // Config keys whose values name the target: the lock is per tool and
  // target, e.g. {"GBPM_SHEET"} → locks/layout-update@gsheets_1AbC.lock.
  std::vector<std::string> lock_target_keys;
};

// What a tool body sees: effective configuration, logger, clock, state
// directory, and the counters it fills in for the run record.
struct Context {
  const ToolInfo& info;
  const config::Config& config;
  log::Logger& log;
  core::Clock& clock;
  std::filesystem::path home;
  std::optional<core::TimePoint> as_of;  // --as-of, when given
  bool dry_run = false;                  // --dry-run, when the tool offers it
  state::RunStats stats;

  // --as-of if given, else the clock's now.
  [[nodiscard]] core::TimePoint now() const { return as_of ? *as_of : clock.now(); }
};

using Body = std::function<Status(Context&)>;

class Tool {
 public:
  explicit Tool(ToolInfo info);

  // The underlying CLI11 app, for tool-specific options.
  CLI::App& app() { return m_app; }

  // An option whose value becomes config key `key` at the flag layer, so it
  // wins over the environment and the config file.
  CLI::Option* add_setting(const std::string& flags, const std::string& key, const std::string& description);
  // The shared spellings of the common data options.
  CLI::Option* add_warehouse_option();  // --warehouse URI → GBPM_WAREHOUSE
  CLI::Option* add_sheet_option();      // --sheet URI → GBPM_SHEET
  CLI::Option* add_as_of_option();      // --as-of TIME
  CLI::Option* add_dry_run_option();    // --dry-run

  // Parses argv, builds the context, takes the instance lock, runs `body`,
  // writes the run record and returns the process exit code.
  int run(int argc, const char* const* argv, const Body& body);

  // Seams for tests: the environment (default: the process's), the clock,
  // where logs and --help/--version text go, and the default config file.
  void set_environment(std::map<std::string, std::string> env) { m_env = std::move(env); }
  void set_clock(core::Clock& clock) { m_clock = &clock; }
  void set_streams(std::FILE* out, std::FILE* err) {
    m_out = out;
    m_err = err;
  }
  void set_default_config_file(std::string path) { m_default_config_file = std::move(path); }

 private:
  // run()'s steps, in order. parse_command_line returns the exit code when
  // the process should end at once (--help, --version, a usage error).
  std::optional<int> parse_command_line(int argc, const char* const* argv);
  [[nodiscard]] Result<config::Config> load_configuration() const;
  Status configure_logger(log::Logger& logger, const config::Config& config) const;
  [[nodiscard]] Result<std::optional<core::TimePoint>> parse_as_of() const;
  [[nodiscard]] Result<state::RunRecord> start_run_record(const std::filesystem::path& home, core::TimePoint now) const;
  static Status run_body(const Body& body, Context& ctx);
  int finish(const Status& status, Context* ctx, state::RunRecord* record, log::Logger& logger);

  ToolInfo m_info;
  CLI::App m_app;
  std::string m_config_file;
  int m_verbose = 0;
  int m_quiet = 0;
  std::string m_log_format;
  bool m_print_config = false;
  std::string m_as_of_text;
  bool m_dry_run = false;
  std::vector<std::pair<std::string, CLI::Option*>> m_settings;  // key → option
  std::optional<std::map<std::string, std::string>> m_env;
  core::Clock* m_clock = nullptr;
  std::FILE* m_out = stdout;
  std::FILE* m_err = stderr;
  std::string m_default_config_file = "/etc/gbpm/gbpm.env";
};

}  // namespace gbpm::cli
