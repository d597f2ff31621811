#include "ingest/iris_ingest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "core/paths.hpp"
#include "core/time.hpp"
#include "ingest/systemd_notify.hpp"
#include "warehouse/uri.hpp"

namespace gbpm::ingest {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop.store(true);
}

// The one-line summary shared by the progress line, the systemd STATUS= and
// the periodic log line.
std::string summary(const IngestStats& s) {
  std::string text =
      fmt::format("{} messages, {} records, {} raw, {} quarantined", s.messages, s.records, s.kept_raw, s.quarantined);
  if (s.newest_message) text += ", newest " + core::format_utc(*s.newest_message);
  return text;
}

// Progress while draining: a single rewritten line on a terminal, a log line
// every 30 s otherwise.
class Progress {
 public:
  Progress(log::Logger& log, core::Clock& clock, bool tty) : m_log(log), m_clock(clock), m_tty(tty) {}

  void update(const IngestStats& s) {
    const auto now = m_clock.now();
    const auto every = m_tty ? std::chrono::milliseconds{250} : std::chrono::milliseconds{30000};
    if (m_last && now - *m_last < every) return;
    if (s.messages == m_last_messages && m_last) return;
    m_last = now;
    m_last_messages = s.messages;
    const double seconds = std::chrono::duration<double>(now - s.started).count();
    const double rate = seconds > 0 ? static_cast<double>(s.messages) / seconds : 0.0;
    if (m_tty) {
      std::fprintf(stderr, "\r\033[K%s (%.0f msg/s)", summary(s).c_str(), rate);
      std::fflush(stderr);
      m_drawn = true;
    } else {
      m_log.info("progress", {{"messages", s.messages},
                              {"records", s.records},
                              {"kept_raw", s.kept_raw},
                              {"quarantined", s.quarantined},
                              {"msg_per_s", rate}});
    }
  }
  void finish() {
    if (m_drawn) std::fputs("\n", stderr);
    m_drawn = false;
  }

 private:
  log::Logger& m_log;
  core::Clock& m_clock;
  bool m_tty;
  bool m_drawn = false;
  std::optional<core::TimePoint> m_last;
  std::int64_t m_last_messages = -1;
};

}  // namespace

Result<SourceSpec> parse_source_spec(std::string_view text) {
  if (text.rfind("dir:", 0) == 0) {
    const auto path = text.substr(4);
    if (path.empty()) return make_error(ErrorKind::config, "source \"" + std::string(text) + "\": empty path");
    return SourceSpec{DirSourceSpec{std::filesystem::path(std::string(path))}};
  }
  if (text.rfind("servicebus:", 0) == 0) {
    const auto rest = text.substr(11);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size() ||
        rest.find('/', slash + 1) != std::string_view::npos) {
      return make_error(ErrorKind::config, "source \"" + std::string(text) + "\": expected servicebus:NAMESPACE/QUEUE");
    }
    return SourceSpec{ServiceBusSourceSpec{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))}};
  }
  return make_error(ErrorKind::config,
                    "source \"" + std::string(text) + "\": expected dir:PATH or servicebus:NAMESPACE/QUEUE");
}

const std::atomic<bool>& install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  return g_stop;
}

Status run_iris_ingest(cli::Context& ctx, const ToolOptions& options, const std::atomic<bool>& stop) {
  const std::string source_text = ctx.config.get_string_or("GBPM_IRIS_SOURCE", "");
  if (source_text.empty()) {
    return make_error(ErrorKind::config,
                      "no source: give --source dir:PATH or servicebus:NAMESPACE/QUEUE "
                      "(or set GBPM_IRIS_SOURCE)");
  }
  auto spec = parse_source_spec(source_text);
  if (!spec) return spec.error();

  std::unique_ptr<MessageSource> source;
  if (const auto* dir = std::get_if<DirSourceSpec>(&*spec)) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir->path, ec)) {
      return make_error(ErrorKind::config, "source directory " + dir->path.string() + " does not exist");
    }
    source = std::make_unique<DirSource>(dir->path, DirSourceOptions{.keep = options.keep});
  } else {
    return make_error(ErrorKind::config,
                      "the servicebus: source is not available in this build yet; run an official IRIS client "
                      "and use --source dir:PATH on its download directory");
  }

  const std::string warehouse_text =
      ctx.config.get_string_or("GBPM_WAREHOUSE", "sqlite:" + (ctx.home / "gbpm.db").string());
  auto uri = warehouse::parse_warehouse_uri(warehouse_text);
  if (!uri) return uri.error();
  auto warehouse = warehouse::open_warehouse(*uri, warehouse::OpenMode::read_write);
  if (!warehouse) return warehouse.error();

  IngestOptions ingest_options;
  ingest_options.mode = options.mode;
  ingest_options.status_path = core::runs_dir(ctx.home) / "iris-ingest.status.json";
  Ingester ingester(*source, **warehouse, ctx.clock, ctx.log, ingest_options, &stop);

  SystemdNotifier notifier = SystemdNotifier::from_environment();
  Progress progress(ctx.log, ctx.clock, ::isatty(STDERR_FILENO) == 1);
  ingester.set_on_tick([&](const IngestStats& s) {
    notifier.ping_if_due(ctx.clock.now(), summary(s));
    progress.update(s);
  });
  notifier.notify("READY=1\nSTATUS=ingesting from " + source->describe());
  ctx.log.info("ready", {{"source", source->describe()}, {"warehouse", warehouse::to_string(*uri)}});

  Status result = ingester.run();
  progress.finish();
  notifier.notify("STOPPING=1\nSTATUS=" + summary(ingester.stats()));

  const IngestStats& s = ingester.stats();
  ctx.stats.rows_read = s.records;
  ctx.stats.rows_written = s.records;
  ctx.stats.bytes_scanned = s.bytes;
  ctx.stats.watermark = s.newest_message;
  return result;
}

}  // namespace gbpm::ingest
