#include "backfill/tool.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

#include "backfill/backfill.hpp"
#include "backfill/journal.hpp"
#include "backfill/plan.hpp"
#include "backfill/progress.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "elexon/insights_client.hpp"
#include "market/settlement.hpp"
#include "net/curl_transport.hpp"
#include "warehouse/open.hpp"
#include "warehouse/sql.hpp"
#include "warehouse/uri.hpp"
#include "warehouse/warehouse.hpp"

namespace gbpm::backfill {
namespace {

// Counts every HTTP attempt (retries included) for the run record.
class CountingTransport final : public net::HttpTransport {
 public:
  CountingTransport(std::unique_ptr<net::HttpTransport> inner, std::shared_ptr<std::atomic<std::int64_t>> count)
      : m_inner(std::move(inner)), m_count(std::move(count)) {}
  Result<net::Response> send(const net::Request& request) override {
    ++*m_count;
    return m_inner->send(request);
  }

 private:
  std::unique_ptr<net::HttpTransport> m_inner;
  std::shared_ptr<std::atomic<std::int64_t>> m_count;
};

Result<std::vector<std::string>> parse_datasets(const config::Config& config) {
  const std::string text = config.get_string_or("GBPM_BACKFILL_DATASETS", kDefaultDatasets);
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? text.size() + 1 : comma + 1;
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    for (char& c : item) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (find_rule(item) == nullptr) {
      std::string known;
      for (const DatasetRule& r : all_rules()) known += (known.empty() ? "" : ",") + std::string(r.dataset);
      return make_error(ErrorKind::usage,
                        fmt::format("--dataset: \"{}\" cannot be backfilled; known: {}", item, known));
    }
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  if (out.empty()) return make_error(ErrorKind::usage, "--dataset: no dataset given");
  return out;
}

Result<std::chrono::year_month_day> parse_day(std::string_view flag, std::string_view text) {
  auto date = market::parse_date(text);
  if (!date) return make_error(ErrorKind::usage, fmt::format("{}: {}", flag, date.error().message));
  return *date;
}

Result<elexon::InsightsOptions> insights_options(const config::Config& config, log::Logger& logger) {
  elexon::InsightsOptions options;
  options.base_url = config.get_string_or("GBPM_ELEXON_URL", elexon::kInsightsDefaultUrl);
  options.logger = &logger;
  net::RetryOptions retry;
  if (config.has("GBPM_RETRY_ATTEMPTS")) {
    auto attempts = config.get_int("GBPM_RETRY_ATTEMPTS", 1, 20);
    if (!attempts) return std::move(attempts).error();
    retry.max_attempts = static_cast<int>(*attempts);
  }
  if (config.has("GBPM_RETRY_DEADLINE")) {
    auto deadline = config.get_duration("GBPM_RETRY_DEADLINE");
    if (!deadline) return std::move(deadline).error();
    retry.max_total = *deadline;
  }
  options.retry = net::RetryPolicy(retry);
  if (config.has("GBPM_HTTP_TIMEOUT")) {
    auto timeout = config.get_duration("GBPM_HTTP_TIMEOUT");
    if (!timeout) return std::move(timeout).error();
    options.request_timeout = *timeout;
  }
  return options;
}

void log_summary(log::Logger& logger, const BackfillSummary& summary) {
  for (const auto& [dataset, t] : summary.datasets) {
    logger.info("backfill summary", {{"dataset", dataset},
                                     {"rows_received", t.rows_received},
                                     {"rows_inserted", t.rows_inserted},
                                     {"rows_updated", t.rows_updated},
                                     {"rows_unchanged", t.rows_unchanged},
                                     {"chunks_fetched", t.chunks_fetched},
                                     {"chunks_skipped", t.chunks_skipped},
                                     {"chunks_failed", t.chunks_failed}});
  }
  const DatasetTotals t = summary.total();
  logger.info("backfill done",
              {{"rows_received", t.rows_received},
               {"rows_written", t.rows_inserted + t.rows_updated},
               {"chunks_fetched", t.chunks_fetched},
               {"chunks_skipped", t.chunks_skipped},
               {"chunks_failed", t.chunks_failed},
               {"seconds", fmt::format("{:.3f}", static_cast<double>(summary.fetch_elapsed.count()) / 1000.0)},
               {"chunks_per_s", fmt::format("{:.2f}", summary.chunks_per_second())}});
}

struct DayRange {
  std::chrono::year_month_day first{};
  std::chrono::year_month_day last{};
};

// The settlement days to cover: --from/--to as given, or the --days whole
// days before today's settlement day for --gaps.
Result<DayRange> days_to_cover(const ToolRequest& request, core::TimePoint now) {
  if (request.gaps == !request.from.empty()) {
    return make_error(ErrorKind::usage, "give either --from DATE [--to DATE] or --gaps [--days N]");
  }
  if (request.gaps) {
    if (request.days < 1 || request.days > 366) {
      return make_error(ErrorKind::usage, fmt::format("--days {} is not in 1..366", request.days));
    }
    const std::chrono::sys_days today = std::chrono::sys_days(market::period_at(now).date);
    return DayRange{std::chrono::year_month_day(today - std::chrono::days(request.days)),
                    std::chrono::year_month_day(today - std::chrono::days(1))};
  }
  auto from = parse_day("--from", request.from);
  if (!from) return std::move(from).error();
  auto to = request.to.empty() ? from : parse_day("--to", request.to);
  if (!to) return std::move(to).error();
  return DayRange{*from, *to};
}

// --gaps: the chunks that refill what the warehouse is missing of `dataset`.
Result<std::vector<Chunk>> plan_gaps(cli::Context& ctx, warehouse::Warehouse& wh, const warehouse::WarehouseUri& uri,
                                     const std::string& dataset, const DayRange& days) {
  warehouse::SqlRunner* runner = wh.sql();
  if (runner == nullptr) {
    return make_error(ErrorKind::config,
                      fmt::format("--gaps: warehouse {} cannot be queried for coverage", warehouse::to_string(uri)));
  }
  auto gaps = find_gaps(*runner, dataset, days.first, days.last);
  if (!gaps) return std::move(gaps).error();
  std::chrono::seconds missing{0};
  for (const auto& w : *gaps) missing += std::chrono::duration_cast<std::chrono::seconds>(w.to - w.from);
  ctx.log.info("gaps found", {{"dataset", dataset},
                              {"ranges", gaps->size()},
                              {"missing_minutes", missing.count() / 60},
                              {"from", market::format_date(days.first)},
                              {"to", market::format_date(days.last)}});
  return plan_slots(dataset, std::move(*gaps));
}

Result<std::vector<Chunk>> plan_chunks(cli::Context& ctx, warehouse::Warehouse& wh, const warehouse::WarehouseUri& uri,
                                       const std::vector<std::string>& datasets, const ToolRequest& request,
                                       const DayRange& days) {
  std::vector<Chunk> chunks;
  for (const std::string& dataset : datasets) {
    auto planned = request.gaps ? plan_gaps(ctx, wh, uri, dataset, days) : plan_range(dataset, days.first, days.last);
    if (!planned) return std::move(planned).error();
    chunks.insert(chunks.end(), std::make_move_iterator(planned->begin()), std::make_move_iterator(planned->end()));
  }
  return chunks;
}

// The Insights client over libcurl, counting every HTTP attempt into `calls`.
Result<std::unique_ptr<elexon::InsightsClient>> make_client(cli::Context& ctx, int concurrency,
                                                            const std::shared_ptr<std::atomic<std::int64_t>>& calls) {
  auto options = insights_options(ctx.config, ctx.log);
  if (!options) return std::move(options).error();
  net::CurlTransportOptions curl{.ca_file = ctx.config.get_string_or("GBPM_CA_FILE", ""),
                                 .user_agent = fmt::format("gbpm-bmrs-backfill/{} (GB power market dashboard; "
                                                           "historical backfill)",
                                                           GBPM_VERSION)};
  if (ctx.config.has("GBPM_HTTP_CONNECT_TIMEOUT")) {
    auto connect = ctx.config.get_duration("GBPM_HTTP_CONNECT_TIMEOUT");
    if (!connect) return std::move(connect).error();
    curl.connect_timeout = *connect;
  }
  // Fail early on a bad CA file rather than once per chunk.
  if (auto probe = net::CurlTransport::create(curl); !probe) return std::move(probe).error();
  elexon::TransportFactory inner = elexon::InsightsClient::curl(curl);
  elexon::TransportFactory counted = [inner, calls]() -> Result<std::unique_ptr<net::HttpTransport>> {
    auto made = inner();
    if (!made) return std::move(made).error();
    return std::unique_ptr<net::HttpTransport>(std::make_unique<CountingTransport>(std::move(*made), calls));
  };
  options->concurrency = concurrency;
  return std::make_unique<elexon::InsightsClient>(counted, ctx.clock, *options);
}

}  // namespace

Status run_tool(cli::Context& ctx, const ToolRequest& request) {
  auto datasets = parse_datasets(ctx.config);
  if (!datasets) return std::move(datasets).error();
  auto concurrency = ctx.config.has("GBPM_BACKFILL_CONCURRENCY")
                         ? ctx.config.get_int("GBPM_BACKFILL_CONCURRENCY", 1, 32)
                         : Result<long long>(4);
  if (!concurrency) return std::move(concurrency).error();
  auto days = days_to_cover(request, ctx.now());
  if (!days) return std::move(days).error();

  const std::string wh_text = ctx.config.get_string_or("GBPM_WAREHOUSE", "sqlite:" + (ctx.home / "gbpm.db").string());
  auto uri = warehouse::parse_warehouse_uri(wh_text);
  if (!uri) return std::move(uri).error();
  auto wh = warehouse::open_warehouse(*uri, warehouse::OpenMode::read_write,
                                      warehouse::OpenContext{ctx.config, ctx.clock, ctx.log, ctx.home});
  if (!wh) return std::move(wh).error();

  auto chunks = plan_chunks(ctx, **wh, *uri, *datasets, request, *days);
  if (!chunks) return std::move(chunks).error();
  if (ctx.dry_run) {
    for (const Chunk& chunk : *chunks) std::printf("%s\t%s\n", chunk.request.label.c_str(), chunk.request.path.c_str());
    ctx.log.info("dry run: nothing fetched", {{"chunks", chunks->size()}});
    return {};
  }

  auto calls = std::make_shared<std::atomic<std::int64_t>>(0);
  auto client = make_client(ctx, static_cast<int>(*concurrency), calls);
  if (!client) return std::move(client).error();
  ctx.log.info("backfill starting", {{"datasets", ctx.config.get_string_or("GBPM_BACKFILL_DATASETS", kDefaultDatasets)},
                                     {"from", market::format_date(days->first)},
                                     {"to", market::format_date(days->last)},
                                     {"mode", request.gaps ? "gaps" : "range"},
                                     {"chunks", chunks->size()},
                                     {"concurrency", *concurrency},
                                     {"url", core::redact_url((*client)->options().base_url)}});
  ProgressReporter progress(progress_style_for(stderr), stderr, ctx.log, ctx.clock);
  BackfillOptions run_options{.concurrency = static_cast<int>(*concurrency),
                              // --gaps plans from the warehouse itself, so the journal is not
                              // consulted (a journaled chunk whose rows were deleted since is a gap).
                              .journal = request.refetch || request.gaps ? JournalMode::refetch : JournalMode::resume,
                              .home = ctx.home,
                              .journal_scope = warehouse::to_string(*uri),
                              // Recent chunks may still gain rows; leave them for the next run.
                              .settled_before = ctx.clock.now() - std::chrono::hours(2)};
  auto summary = run_backfill(**client, **wh, *chunks, run_options, ctx.clock, ctx.log, &progress);
  ctx.stats.api_calls = calls->load();
  // BigQuery: what was staged ships now, not at some later run; the rows are
  // committed locally either way, so a failed ship is retried next time.
  if (auto flushed = (*wh)->flush(); !flushed) {
    ctx.log.warn("warehouse flush failed; rows stay staged", {{"error", flushed.error().message}});
  }
  if (!summary) return std::move(summary).error();
  const DatasetTotals totals = summary->total();
  ctx.stats.rows_read = static_cast<std::int64_t>(totals.rows_received);
  ctx.stats.rows_written = static_cast<std::int64_t>(totals.rows_inserted + totals.rows_updated);
  if (totals.chunks_fetched > 0) ctx.stats.watermark = market::day_end_utc(days->last);
  // Each failed chunk was logged (warn) as it failed; outcome() names the
  // first few again in the run's error.
  log_summary(ctx.log, *summary);
  return outcome(*summary);
}

}  // namespace gbpm::backfill
