#include "ingest/iris_ingest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "auth/azure_entra.hpp"
#include "auth/azure_sas.hpp"
#include "azure/servicebus.hpp"
#include "core/paths.hpp"
#include "core/service.hpp"
#include "core/time.hpp"
#include "ingest/servicebus_source.hpp"
#include "net/curl_transport.hpp"
#include "net/retry.hpp"
#include "state/ingest_status.hpp"
#include "warehouse/open.hpp"
#include "warehouse/uri.hpp"

namespace gbpm::ingest {

namespace {

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

// GBPM_IRIS_MEMORY_MAX: bytes with an optional K, M or G suffix (powers of
// 1024, as systemd's MemoryMax= reads them); default 192M, the unit's value.
Result<std::uint64_t> memory_budget(const config::Config& config) {
  constexpr std::string_view key = "GBPM_IRIS_MEMORY_MAX";
  const std::string text = config.get_string_or(key, "192M");
  std::uint64_t value = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && value < (std::uint64_t{1} << 50); ++i) {
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  const std::string_view suffix = std::string_view(text).substr(i);
  int shift = -1;
  if (suffix.empty()) shift = 0;
  if (suffix == "K" || suffix == "k") shift = 10;
  if (suffix == "M" || suffix == "m") shift = 20;
  if (suffix == "G" || suffix == "g") shift = 30;
  constexpr std::uint64_t kMost = std::uint64_t{1} << 40;  // 1 TiB: anything above is a typo
  if (i == 0 || shift < 0 || value > (kMost >> shift) || (value << shift) < (std::uint64_t{16} << 20)) {
    return make_error(ErrorKind::config,
                      fmt::format("{}=\"{}\" is not valid: expected a size of at least 16M such as 192M (the "
                                  "MemoryMax= of iris-ingest.service)",
                                  key, text));
  }
  return value << shift;
}

// The servicebus: source and everything it needs, owned together.
struct ServiceBusStack {
  std::unique_ptr<net::CurlTransport> curl;
  std::unique_ptr<net::RetryingTransport> retrying;
  std::unique_ptr<auth::CachingTokenSource> tokens;
  std::unique_ptr<azure::ServiceBusClient> client;
  std::unique_ptr<ServiceBusSource> source;
};

Result<std::unique_ptr<ServiceBusStack>> open_servicebus(cli::Context& ctx, const ServiceBusSourceSpec& spec) {
  auto stack = std::make_unique<ServiceBusStack>();
  const auto& config = ctx.config;
  const std::string credentials_dir = config.get_string_or("CREDENTIALS_DIRECTORY", "");
  const std::string url =
      config.get_string_or("GBPM_SERVICEBUS_URL", "https://" + spec.namespace_name + ".servicebus.windows.net");
  auto curl = net::CurlTransport::create({.ca_file = config.get_string_or("GBPM_CA_FILE", "")});
  if (!curl) return curl.error();
  stack->curl = std::move(*curl);
  stack->retrying = std::make_unique<net::RetryingTransport>(*stack->curl, ctx.clock, net::RetryPolicy(),
                                                             net::BackoffPolicy(), &ctx.log);
  const azure::ServiceBusOptions options{
      .namespace_url = url, .queue = spec.queue, .receive_wait = std::chrono::seconds{1}};
  const std::string sas_key_name = config.get_string_or("GBPM_SERVICEBUS_SAS_KEY_NAME", "");
  if (!sas_key_name.empty()) {
    // SAS: tokens signed locally for the queue's URL with the policy key.
    auto key = auth::read_secret(config.get_string_or("GBPM_SERVICEBUS_SAS_KEY_FILE", ""), credentials_dir,
                                 "servicebus-sas-key");
    if (!key) return key.error();
    stack->tokens = auth::make_sas_token_source(url + "/" + spec.queue, {sas_key_name, std::move(*key)}, ctx.clock);
  } else {
    const std::string client_id = config.get_string_or("GBPM_IRIS_CLIENT_ID", "");
    if (client_id.empty()) {
      return make_error(ErrorKind::config,
                        "the servicebus: source needs GBPM_IRIS_CLIENT_ID (the IRIS client id) or, for SAS, "
                        "GBPM_SERVICEBUS_SAS_KEY_NAME");
    }
    auto secret = auth::read_secret(config.get_string_or("GBPM_IRIS_CLIENT_SECRET_FILE", ""), credentials_dir,
                                    "iris-client-secret");
    if (!secret) return secret.error();
    auth::EntraOptions entra;
    entra.authority_url = config.get_string_or("GBPM_AZURE_AUTHORITY_URL", std::string(auth::kEntraAuthorityUrl));
    stack->tokens = auth::make_entra_token_source(
        *stack->retrying, ctx.clock,
        {config.get_string_or("GBPM_IRIS_TENANT_ID", "4203b7a0-7773-4de5-b830-8b263a20426e"), client_id,
         std::move(*secret)},
        entra);
  }
  stack->client = std::make_unique<azure::ServiceBusClient>(*stack->retrying, *stack->tokens, options);
  stack->source = std::make_unique<ServiceBusSource>(*stack->client, ctx.clock, ctx.log,
                                                     "servicebus:" + spec.namespace_name + "/" + spec.queue);
  return stack;
}

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

Status run_iris_ingest(cli::Context& ctx, const ToolOptions& options, const std::atomic<bool>& stop) {
  const std::string source_text = ctx.config.get_string_or("GBPM_IRIS_SOURCE", "");
  if (source_text.empty()) {
    return make_error(ErrorKind::config,
                      "no source: give --source dir:PATH or servicebus:NAMESPACE/QUEUE "
                      "(or set GBPM_IRIS_SOURCE)");
  }
  auto spec = parse_source_spec(source_text);
  if (!spec) return spec.error();

  auto budget = memory_budget(ctx.config);
  if (!budget) return budget.error();
  const MessageLimits message_limits = message_limits_for(*budget);

  std::unique_ptr<DirSource> dir_source;
  std::unique_ptr<ServiceBusStack> servicebus;
  MessageSource* source = nullptr;
  if (const auto* dir = std::get_if<DirSourceSpec>(&*spec)) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir->path, ec)) {
      return make_error(ErrorKind::config, "source directory " + dir->path.string() + " does not exist");
    }
    dir_source = std::make_unique<DirSource>(
        dir->path, DirSourceOptions{.keep = options.keep, .max_file_bytes = message_limits.max_bytes, .log = &ctx.log});
    source = dir_source.get();
  } else {
    auto opened = open_servicebus(ctx, std::get<ServiceBusSourceSpec>(*spec));
    if (!opened) return opened.error();
    servicebus = std::move(*opened);
    source = servicebus->source.get();
  }

  const std::string warehouse_text =
      ctx.config.get_string_or("GBPM_WAREHOUSE", "sqlite:" + (ctx.home / "gbpm.db").string());
  auto uri = warehouse::parse_warehouse_uri(warehouse_text);
  if (!uri) return uri.error();
  auto warehouse = warehouse::open_warehouse(*uri, warehouse::OpenMode::read_write,
                                             warehouse::OpenContext{ctx.config, ctx.clock, ctx.log, ctx.home});
  if (!warehouse) return warehouse.error();

  IngestOptions ingest_options;
  ingest_options.mode = options.mode;
  ingest_options.message = message_limits;
  // Overlap decode with the commit only for the drop: reading files is
  // local and cheap. A broker's next receive long-polls (up to about a
  // second) before the previous batch could be completed, and every crash in
  // that window charges each committed-but-uncompleted message a delivery
  // (IRIS dead-letters after 5); completing right after the commit matters
  // more there than overlap, as Service Bus throughput is bound by one
  // request per message anyway.
  ingest_options.pipeline = dir_source ? Pipeline::on : Pipeline::off;
  ingest_options.status_path = state::ingest_status_path(ctx.home);
  Ingester ingester(*source, **warehouse, ctx.clock, ctx.log, ingest_options, &stop);

  core::SystemdNotifier notifier = core::SystemdNotifier::from_environment();
  Progress progress(ctx.log, ctx.clock, ::isatty(STDERR_FILENO) == 1);
  ingester.set_on_tick([&](const IngestStats& s) {
    notifier.ping_if_due(ctx.clock.now(), summary(s));
    progress.update(s);
  });
  notifier.notify("READY=1\nSTATUS=ingesting from " + source->describe());
  ctx.log.info("ready", {{"source", source->describe()}, {"warehouse", warehouse::to_string(*uri)}});

  Status result = ingester.run();
  // Rows a backend staged (BigQuery) go out before exit; if that fails they
  // stay staged, durably, and ship on the next run.
  if (auto flushed = (*warehouse)->flush(); !flushed) {
    ctx.log.warn("warehouse flush failed; rows stay staged", {{"error", flushed.error().message}});
  }
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
