#include "cli/tool.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <sstream>

#include "core/exit_codes.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/paths.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

namespace gbpm::cli {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

void print(std::FILE* stream, std::string_view text) {
  if (stream == nullptr) return;
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

std::string lock_name(const ToolInfo& info, const config::Config& config) {
  std::string name = info.name;
  for (const auto& key : info.lock_target_keys) {
    if (auto e = config.find(key)) name += "@" + e->value;
  }
  return name;
}

// Settings whose URL receives credentials (a bearer token, a client secret,
// a secret path): https only, plain http only to a loopback test fake.
Status check_credential_urls(const config::Config& config) {
  static constexpr std::array<std::string_view, 6> kKeys = {"GBPM_FAILOVER_WEBHOOK_URL", "GBPM_GOOGLE_TOKEN_URL",
                                                            "GBPM_BIGQUERY_URL",         "GBPM_SHEETS_URL",
                                                            "GBPM_AZURE_AUTHORITY_URL",  "GBPM_SERVICEBUS_URL"};
  for (const std::string_view key : kKeys) {
    const auto entry = config.find(key);
    if (!entry || entry->value.empty() || core::is_https_or_loopback(entry->value)) continue;
    return make_error(ErrorKind::config,
                      fmt::format("{}=\"{}\" (from {}) must be an https:// URL without user:password@: it receives "
                                  "credentials (plain http:// only to a loopback address)",
                                  key, core::redact_secret_url(entry->value), entry->origin));
  }
  return {};
}

}  // namespace

Tool::Tool(ToolInfo info) : m_info(std::move(info)), m_app(m_info.summary, m_info.name) {
  m_app.set_version_flag("--version", std::string(m_info.name) + " (gbpm) " + GBPM_VERSION);
  m_app.footer(m_info.examples);
  m_app.get_formatter()->column_width(32);
  m_app.add_option("--config", m_config_file,
                   "KEY=VALUE settings file (default: $GBPM_CONFIG, else /etc/gbpm/gbpm.env when present)");
  m_app.add_flag("-v,--verbose", m_verbose, "More log output (debug)");
  m_app.add_flag("-q,--quiet", m_quiet, "Less log output (warnings and errors only; twice: errors only)");
  m_app.add_option("--log-format", m_log_format, "Log line format on stderr: text (logfmt) or json")
      ->check(CLI::IsMember({"text", "json"}));
  m_app.add_flag("--print-config", m_print_config,
                 "Print the effective settings with their sources (secrets redacted) and exit");
}

CLI::Option* Tool::add_setting(const std::string& flags, const std::string& key, const std::string& description) {
  // No bound variable: the value is read back from the option after parsing
  // and placed in the config's flag layer.
  CLI::Option* opt = m_app.add_option(flags)->description(description + " [" + key + "]");
  m_settings.emplace_back(key, opt);
  return opt;
}

CLI::Option* Tool::add_warehouse_option() {
  return add_setting("--warehouse", "GBPM_WAREHOUSE",
                     "Warehouse: sqlite:PATH (default $GBPM_HOME/gbpm.db) or bigquery:PROJECT/DATASET[?location=US]");
}

CLI::Option* Tool::add_sheet_option() {
  return add_setting("--sheet", "GBPM_SHEET",
                     "Dashboard: gsheets:SPREADSHEET_ID, dir:PATH (default $GBPM_HOME/dashboard) or - (stdout)");
}

CLI::Option* Tool::add_as_of_option() {
  return m_app.add_option("--as-of", m_as_of_text,
                          "Compute as if now were TIME (ISO-8601 with zone, e.g. 2026-10-25T01:30:00Z)");
}

CLI::Option* Tool::add_dry_run_option() {
  return m_app.add_flag("--dry-run", m_dry_run, "Compute and print what would be written; write nothing");
}

int Tool::run(int argc, const char* const* argv, const Body& body) {
  if (auto exit_now = parse_command_line(argc, argv)) return *exit_now;

  // Logger first, with what the flags say; the config may refine it below.
  log::Logger logger(log::Logger::Options{.tool = m_info.name,
                                          .sink = m_err,
                                          .clock = m_clock,
                                          .journal_prefix = m_err == stderr && log::stderr_is_journal()});
  auto config = load_configuration();
  if (!config) return finish(config.error(), nullptr, nullptr, logger);
  if (auto st = configure_logger(logger, *config); !st) return finish(st, nullptr, nullptr, logger);
  for (const auto& unknown : config->unknown_keys()) {
    logger.warn("unknown setting ignored; check its spelling", {{"setting", unknown.value}, {"from", unknown.origin}});
  }
  if (m_print_config) {
    print(m_out, config->describe());
    return core::to_int(core::ExitCode::ok);
  }
  if (auto st = check_credential_urls(*config); !st) return finish(st, nullptr, nullptr, logger);

  auto as_of = parse_as_of();
  if (!as_of) return finish(as_of.error(), nullptr, nullptr, logger);
  auto home = core::resolve_home(*config);
  if (!home) return finish(home.error(), nullptr, nullptr, logger);
  if (auto st = core::ensure_directory(*home, 0750); !st) return finish(st, nullptr, nullptr, logger);
  // A run killed mid-write (kill -9, power loss) leaves its temp file beside
  // the record; the next run of any tool sweeps them.
  core::remove_stale_temp_files(core::runs_dir(*home));

  core::SystemClock system_clock;
  core::Clock& clock = m_clock ? *m_clock : system_clock;

  std::optional<core::InstanceLock> lock;
  if (m_info.instances == Instances::single) {
    auto acquired = core::InstanceLock::acquire(core::locks_dir(*home), lock_name(m_info, *config));
    if (!acquired) return finish(acquired.error(), nullptr, nullptr, logger);
    lock.emplace(std::move(*acquired));
  }

  auto record = start_run_record(*home, clock.now());
  if (!record) return finish(record.error(), nullptr, nullptr, logger);

  Context ctx{m_info, *config, logger, clock, *home, *as_of, m_dry_run, {}};
  return finish(run_body(body, ctx), &ctx, &*record, logger);
}

std::optional<int> Tool::parse_command_line(int argc, const char* const* argv) {
  try {
    m_app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    if (e.get_exit_code() == 0) {  // --help, --version
      m_app.exit(e, out, err);
      print(m_out, out.str());
      return core::to_int(core::ExitCode::ok);
    }
    print(m_err, fmt::format("{}: {}\nRun '{} --help' for usage.\n", m_info.name, e.what(), m_info.name));
    return core::to_int(core::ExitCode::usage);
  }
  return std::nullopt;
}

Result<config::Config> Tool::load_configuration() const {
  config::Config config;
  const auto env = m_env ? *m_env : config::process_environment();
  std::string config_file = m_config_file;
  if (config_file.empty()) {
    if (auto it = env.find("GBPM_CONFIG"); it != env.end() && !it->second.empty()) {
      config_file = it->second;
    } else if (std::error_code ec; std::filesystem::exists(m_default_config_file, ec)) {
      config_file = m_default_config_file;
    }
  }
  if (!config_file.empty()) {
    if (auto st = config.load_file(config_file); !st) return st.error();
  }
  config.load_environment(env);
  for (const auto& [key, opt] : m_settings) {
    if (opt->count() > 0 && !opt->results().empty()) config.set_flag(key, opt->results().back(), opt->get_name());
  }
  return config;
}

Status Tool::configure_logger(log::Logger& logger, const config::Config& config) const {
  // Log level: -v/-q flags beat GBPM_LOG_LEVEL.
  log::Level level = log::Level::info;
  if (auto e = config.find("GBPM_LOG_LEVEL"); e && !log::parse_level(e->value, level)) {
    return make_error(ErrorKind::config, fmt::format("GBPM_LOG_LEVEL=\"{}\" (from {}) is not one of "
                                                     "debug, info, warn, error",
                                                     e->value, e->origin));
  }
  if (m_verbose > 0) level = log::Level::debug;
  if (m_quiet > 0) level = m_quiet > 1 ? log::Level::error : log::Level::warn;
  logger.set_level(level);
  log::Format format = log::Format::text;
  if (!m_log_format.empty()) {
    log::parse_format(m_log_format, format);
  } else if (auto e = config.find("GBPM_LOG_FORMAT"); e && !log::parse_format(e->value, format)) {
    return make_error(ErrorKind::config,
                      fmt::format("GBPM_LOG_FORMAT=\"{}\" (from {}) is not text or json", e->value, e->origin));
  }
  logger.set_format(format);
  return {};
}

Result<std::optional<core::TimePoint>> Tool::parse_as_of() const {
  if (m_as_of_text.empty()) return std::optional<core::TimePoint>{};
  auto t = core::parse_utc(m_as_of_text);
  if (!t) return make_error(ErrorKind::usage, fmt::format("--as-of: {}", t.error().message));
  return std::optional<core::TimePoint>{*t};
}

Result<state::RunRecord> Tool::start_run_record(const std::filesystem::path& home, core::TimePoint now) const {
  state::RunRecord record;
  record.tool = m_info.name;
  record.version = GBPM_VERSION;
  record.host = host_name();
  record.pid = static_cast<long>(::getpid());
  record.state = "running";
  record.start = now;
  if (auto previous = state::read_run_record(home, m_info.name)) record.last_success = previous->last_success;
  if (auto st = state::write_run_record(home, record); !st) return st.error();
  return record;
}

Status Tool::run_body(const Body& body, Context& ctx) {
  try {
    return body(ctx);
  } catch (const std::exception& e) {
    // Library code returns errors as values; an exception here is a bug, but
    // it still gets a run record and a defined exit code.
    return make_error(ErrorKind::internal, fmt::format("unexpected exception: {}", e.what()));
  }
}

int Tool::finish(const Status& status, Context* ctx, state::RunRecord* record, log::Logger& logger) {
  const core::ExitCode code = status ? core::ExitCode::ok : core::exit_code_for(status.error().kind);
  if (!status) {
    logger.error(status.error().message, {{"exit_code", core::to_int(code)}, {"exit", core::exit_code_name(code)}});
  }
  if (ctx != nullptr && record != nullptr) {
    record->end = ctx->clock.now();
    record->exit_code = core::to_int(code);
    record->exit_name = std::string(core::exit_code_name(code));
    record->state = status ? "ok" : "failed";
    record->error = status ? std::string() : status.error().message;
    record->stats = ctx->stats;
    if (status) record->last_success = record->end;
    if (auto st = state::write_run_record(ctx->home, *record); !st) {
      logger.error(st.error().message);
      if (status) return core::to_int(core::exit_code_for(st.error().kind));
    }
  }
  return core::to_int(code);
}

}  // namespace gbpm::cli
