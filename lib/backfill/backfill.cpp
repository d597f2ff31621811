#include "backfill/backfill.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "backfill/journal.hpp"
#include "core/log.hpp"
#include "core/workers.hpp"
#include "elexon/dataset.hpp"

namespace gbpm::backfill {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::seconds;

// A chunk's fetch result, handed from a worker to the writer.
struct Fetched {
  std::size_t index = 0;  // into the run's chunk list
  Result<std::vector<elexon::Record>> records{std::vector<elexon::Record>{}};
};

// The page's rows as `dataset` records. A page that names its datasets
// ({"metadata":{"datasets":[...]}}, e.g. system prices) must name this one:
// rows of another dataset would otherwise be stored under the wrong schema.
Result<std::vector<elexon::Record>> decode_chunk(const elexon::Page& page, const std::string& dataset) {
  const std::vector<std::string>& named = page.metadata_datasets();
  if (!named.empty() && std::find(named.begin(), named.end(), dataset) == named.end()) {
    std::string list;
    for (const std::string& n : named) list += (list.empty() ? "" : ",") + n;
    return make_error(ErrorKind::data,
                      fmt::format("the response holds dataset {} (metadata.datasets), not {}", list, dataset));
  }
  return elexon::decode_page(page, dataset);
}

// The chunk journals of a run, by dataset.
using Journals = std::map<std::string, ChunkJournal, std::less<>>;

// Opens the journal of every dataset in `chunks` and counts each chunk as
// planned; returns the indices (into `chunks`) of those still to fetch. With
// JournalMode::resume a chunk the journal covers is counted as skipped.
Result<std::vector<std::size_t>> plan_fetches(const std::vector<Chunk>& chunks, const BackfillOptions& options,
                                              log::Logger& logger, Journals& journals, BackfillSummary& summary) {
  std::vector<std::size_t> to_fetch;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& chunk = chunks[i];
    const elexon::DatasetSpec* spec = elexon::find_dataset(chunk.dataset);
    if (spec == nullptr) {
      return make_error(ErrorKind::usage, fmt::format("dataset {} has no registry schema", chunk.dataset));
    }
    auto it = journals.find(chunk.dataset);
    if (it == journals.end()) {
      auto opened = ChunkJournal::open(journal_path(options.home, chunk.dataset), options.journal_scope);
      if (!opened) return std::move(opened).error();
      it = journals.emplace(chunk.dataset, std::move(*opened)).first;
    }
    DatasetTotals& totals = summary.datasets[chunk.dataset];
    ++totals.chunks_planned;
    if (options.journal == JournalMode::resume && it->second.covers(chunk.slots)) {
      ++totals.chunks_skipped;
      logger.debug("chunk already stored; skipped", {{"chunk", chunk.request.label}});
      continue;
    }
    to_fetch.push_back(i);
  }
  return to_fetch;
}

// Fetches and decodes chunks[index] (a worker's job; touches no shared state).
Fetched fetch_chunk(elexon::InsightsClient& client, const std::vector<Chunk>& chunks, std::size_t index) {
  const Chunk& chunk = chunks[index];
  Fetched fetched{.index = index};
  // run() of a one-request plan: the client's error messages then name
  // the chunk by its label.
  std::optional<Result<std::vector<elexon::Record>>> decoded;
  auto fetched_one = client.run({chunk.request}, [&](elexon::FetchedChunk& got) -> Status {
    decoded.emplace(decode_chunk(got.page, chunk.dataset));
    return {};
  });
  if (!fetched_one) {
    fetched.records = std::move(fetched_one).error();
  } else if (!decoded) {
    fetched.records = make_error(ErrorKind::internal, fmt::format("{}: no page delivered", chunk.request.label));
  } else if (!*decoded) {
    fetched.records = std::move(*decoded).error().with_context(fmt::format("Elexon Insights {}", chunk.request.label));
  } else {
    fetched.records = std::move(**decoded);
  }
  return fetched;
}

// Where the writer stores, what time it stamps, where it logs.
struct Writer {
  warehouse::Warehouse& warehouse;
  core::Clock& clock;
  log::Logger& logger;
};

// Stores the rows of everything that arrived in one transaction (group
// commit), then journals the chunks: a chunk is journaled only once its rows
// are durable. Failed chunks are counted and listed in `summary`.
Status store_arrived(std::vector<Fetched>& arrived, const std::vector<Chunk>& chunks, const BackfillOptions& options,
                     const Writer& writer, Journals& journals, BackfillSummary& summary) {
  warehouse::Batch batch;
  std::map<std::string, std::vector<std::pair<elexon::TimeWindow, std::size_t>>> stored;
  const core::TimePoint received_at = writer.clock.now();
  for (Fetched& f : arrived) {
    const Chunk& chunk = chunks[f.index];
    DatasetTotals& totals = summary.datasets[chunk.dataset];
    if (!f.records) {
      ++totals.chunks_failed;
      writer.logger.warn("chunk failed", {{"chunk", chunk.request.label},
                                          {"error", f.records.error().message},
                                          {"retryable", f.records.error().retryable()}});
      summary.failures.push_back(ChunkFailure{chunk, f.records.error()});
      continue;
    }
    const std::size_t rows = f.records->size();
    totals.rows_received += rows;
    const DatasetRule* rule = find_rule(chunk.dataset);
    const core::TimePoint request_end = chunk.slots.to + (rule != nullptr ? rule->request_offset : seconds(0));
    if (options.settled_before && request_end > *options.settled_before) {
      ++totals.chunks_fetched;  // stored, but fetched again next time
    } else {
      stored[chunk.dataset].emplace_back(chunk.slots, rows);
    }
    if (rows == 0) continue;
    batch.groups.push_back(warehouse::RecordGroup{.source = warehouse::Source::api,
                                                  .message_id = chunk.request.path,
                                                  .received_at = received_at,
                                                  .records = std::move(*f.records)});
  }
  if (!batch.empty()) {
    auto stats = writer.warehouse.store(batch);
    if (!stats) return std::move(stats).error().with_context("backfill: cannot store fetched rows");
    for (auto& [dataset, totals] : summary.datasets) {
      const elexon::DatasetSpec* spec = elexon::find_dataset(dataset);
      const auto table = stats->tables.find(warehouse::table_name(*spec, warehouse::Source::api));
      if (table == stats->tables.end()) continue;
      totals.rows_inserted += table->second.inserted;
      totals.rows_updated += table->second.updated;
      totals.rows_unchanged += table->second.ignored;
    }
  }
  for (auto& [dataset, windows] : stored) {
    if (auto ok = journals.at(dataset).record(windows); !ok) return std::move(ok).error();
    summary.datasets[dataset].chunks_fetched += windows.size();
  }
  return {};
}

int failure_rank(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::temporary: return 0;
    case ErrorKind::unavailable:
    case ErrorKind::usage: return 1;
    case ErrorKind::data: return 2;
    default: return 3;
  }
}

}  // namespace

DatasetTotals BackfillSummary::total() const {
  DatasetTotals t;
  for (const auto& [name, d] : datasets) {
    t.chunks_planned += d.chunks_planned;
    t.chunks_fetched += d.chunks_fetched;
    t.chunks_skipped += d.chunks_skipped;
    t.chunks_failed += d.chunks_failed;
    t.rows_received += d.rows_received;
    t.rows_inserted += d.rows_inserted;
    t.rows_updated += d.rows_updated;
    t.rows_unchanged += d.rows_unchanged;
  }
  return t;
}

double BackfillSummary::chunks_per_second() const {
  const DatasetTotals t = total();
  const double seconds = static_cast<double>(fetch_elapsed.count()) / 1000.0;
  if (seconds <= 0.0) return 0.0;
  return static_cast<double>(t.chunks_fetched + t.chunks_failed) / seconds;
}

Status outcome(const BackfillSummary& summary) {
  if (summary.failures.empty()) return {};
  int worst = -1;
  ErrorKind kind = ErrorKind::temporary;
  for (const ChunkFailure& f : summary.failures) {
    const int rank = failure_rank(f.error.kind);
    if (rank > worst) {
      worst = rank;
      kind = f.error.kind;
    }
  }
  // A 400/422 is the client's request refused (ErrorKind::usage from the
  // Insights client); for the person running the tool it is the service
  // refusing this chunk for good, not a bad command line.
  if (kind == ErrorKind::usage) kind = ErrorKind::unavailable;
  std::string message =
      fmt::format("{} chunk{} failed", summary.failures.size(), summary.failures.size() == 1 ? "" : "s");
  message += kind == ErrorKind::temporary ? " (transient: re-run to fetch just those)" : " (refused for good)";
  const std::size_t shown = std::min<std::size_t>(summary.failures.size(), 3);
  for (std::size_t i = 0; i < shown; ++i) message += "; " + summary.failures[i].error.message;
  if (shown < summary.failures.size()) message += fmt::format("; ... and {} more", summary.failures.size() - shown);
  return make_error(kind, std::move(message));
}

Result<BackfillSummary> run_backfill(elexon::InsightsClient& client, warehouse::Warehouse& warehouse,
                                     const std::vector<Chunk>& chunks, const BackfillOptions& options,
                                     core::Clock& clock, log::Logger& logger, ProgressReporter* progress) {
  BackfillSummary summary;
  Journals journals;
  auto planned = plan_fetches(chunks, options, logger, journals, summary);
  if (!planned) return std::move(planned).error();
  const std::vector<std::size_t>& to_fetch = *planned;

  const std::size_t n = to_fetch.size();
  const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(std::max(options.concurrency, 1)), n);
  const std::size_t ahead = 2 * std::max<std::size_t>(workers, 1);

  std::mutex mutex;
  std::condition_variable changed;
  std::size_t next = 0;      // next position in to_fetch to start
  std::size_t consumed = 0;  // results taken by the writer
  bool stop = false;
  std::deque<Fetched> ready;

  auto worker = [&] {
    for (;;) {
      std::size_t position = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || next >= n || next < consumed + ahead; });
        if (stop || next >= n) return;
        position = next++;
      }
      Fetched fetched = fetch_chunk(client, chunks, to_fetch[position]);
      {
        std::lock_guard lock(mutex);
        ready.push_back(std::move(fetched));
      }
      changed.notify_all();
    }
  };

  const auto started = SteadyClock::now();
  auto snapshot = [&] {
    const DatasetTotals t = summary.total();
    return ProgressSnapshot{
        .chunks_done = t.chunks_fetched + t.chunks_failed,
        .chunks_total = n,
        .chunks_failed = t.chunks_failed,
        .rows = t.rows_received,
        .elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started)};
  };

  // Stops and joins the workers on every way out.
  const core::WorkerThreads pool(workers, worker, mutex, changed, stop);

  std::size_t handled = 0;
  while (handled < n) {
    std::vector<Fetched> arrived;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return !ready.empty(); });
      while (!ready.empty()) {
        arrived.push_back(std::move(ready.front()));
        ready.pop_front();
      }
    }
    if (auto st = store_arrived(arrived, chunks, options, {warehouse, clock, logger}, journals, summary); !st) {
      return std::move(st).error();
    }
    handled += arrived.size();
    {
      std::lock_guard lock(mutex);
      consumed += arrived.size();
    }
    changed.notify_all();
    summary.fetch_elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
    if (progress != nullptr) progress->update(snapshot());
  }
  summary.fetch_elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
  if (progress != nullptr) progress->finish(snapshot());
  return summary;
}

}  // namespace gbpm::backfill
