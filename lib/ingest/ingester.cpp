#include "ingest/ingester.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/fs.hpp"
#include "core/time.hpp"
#include "core/workers.hpp"
#include "elexon/decode.hpp"

namespace gbpm::ingest {

namespace {

std::string dataset_label(const Message& message) {
  if (!message.subject.empty()) return message.subject;
  if (!message.fallback_dataset.empty()) return message.fallback_dataset;
  return "?";
}

// Clamps to at least 1 ms so a sleep always makes progress.
core::Duration at_least_1ms(core::Duration d) {
  return std::max(d, core::Duration{1});
}

}  // namespace

MessageLimits message_limits_for(std::uint64_t memory_bytes) {
  return MessageLimits{.max_bytes = static_cast<std::size_t>(memory_bytes / 6),
                       .max_json_values = static_cast<std::size_t>(memory_bytes / 64)};
}

state::IngestStatus to_status(const IngestStats& stats, std::string_view state, std::string_view source,
                              core::TimePoint now) {
  state::IngestStatus s;
  s.state = std::string(state);
  s.source = std::string(source);
  s.updated_at = now;
  s.started_at = stats.started;
  s.newest_message_at = stats.newest_message;
  s.last_batch_at = stats.last_batch_at;
  s.messages = stats.messages;
  s.records = stats.records;
  s.bytes = stats.bytes;
  s.batches = stats.batches;
  s.kept_raw = stats.kept_raw;
  s.quarantined = stats.quarantined;
  s.released = stats.released;
  s.store_failures = stats.store_failures;
  s.receive_failures = stats.receive_failures;
  s.locks_renewed = stats.locks.locks_renewed;
  s.locks_lost = stats.locks.locks_lost;
  s.last_error = stats.last_error;
  for (const auto& [name, c] : stats.datasets) {
    s.datasets.push_back(state::IngestStatus::Dataset{name, c.messages, c.records, c.inserted, c.updated, c.ignored,
                                                      c.kept_raw, c.quarantined, c.released});
  }
  return s;
}

std::string status_json(const IngestStats& stats, std::string_view state, std::string_view source,
                        core::TimePoint now) {
  return state::to_json(to_status(stats, state, source, now));
}

Ingester::Ingester(MessageSource& source, warehouse::Warehouse& warehouse, core::Clock& clock, log::Logger& log,
                   IngestOptions options, const std::atomic<bool>* stop)
    : m_source(source),
      m_warehouse(warehouse),
      m_clock(clock),
      m_log(log),
      m_options(std::move(options)),
      m_stop(stop),
      m_backoff(m_options.backoff) {
  m_stats.started = m_clock.now();
}

struct Ingester::Prepared {
  // What one message of the batch turned into, until it is settled.
  struct Pending {
    Outcome outcome = Outcome::stored;
    std::string dataset;
    std::string error;
    std::size_t records = 0;
  };
  std::vector<Message> messages;
  warehouse::Batch batch;
  std::vector<Pending> pending;                      // one per message
  std::map<std::string, std::string> table_dataset;  // table name → dataset
  std::int64_t bytes = 0;
};

namespace {

// The committer thread of Pipeline::on: stores one batch at a time while the
// caller decodes the next. Destroying it waits for the batch in progress.
class Committer {
 public:
  explicit Committer(warehouse::Warehouse& warehouse)
      : m_warehouse(warehouse),
        m_threads(
            1, [this] { work(); }, m_mutex, m_changed, m_stop) {}

  // Starts storing `batch`, which must stay alive and unchanged until
  // wait_for() has returned its result (or this Committer is destroyed).
  void submit(const warehouse::Batch& batch) {
    {
      std::lock_guard lock(m_mutex);
      m_batch = &batch;
      m_result.reset();
    }
    m_changed.notify_all();
  }

  // The store's result and its duration, or nothing yet after `timeout`.
  std::optional<std::pair<Result<warehouse::BatchStats>, core::Duration>> wait_for(core::Duration timeout) {
    std::unique_lock lock(m_mutex);
    if (!m_done.wait_for(lock, timeout, [this] { return m_result.has_value(); })) return std::nullopt;
    auto out = std::make_pair(std::move(*m_result), m_took);
    m_result.reset();
    return out;
  }

 private:
  void work() {
    std::unique_lock lock(m_mutex);
    while (true) {
      m_changed.wait(lock, [this] { return m_stop || m_batch != nullptr; });
      if (m_stop) return;  // a batch not started is simply not committed (never acknowledged)
      const warehouse::Batch* batch = m_batch;
      m_batch = nullptr;
      lock.unlock();
      const auto start = std::chrono::steady_clock::now();
      Result<warehouse::BatchStats> result = make_error(ErrorKind::internal, "store did not run");
      try {
        result = m_warehouse.store(*batch);
      } catch (const std::exception& e) {
        result = make_error(ErrorKind::internal, std::string("store threw: ") + e.what());
      }
      const auto took = std::chrono::duration_cast<core::Duration>(std::chrono::steady_clock::now() - start);
      lock.lock();
      m_result.emplace(std::move(result));
      m_took = took;
      m_done.notify_all();
    }
  }

  warehouse::Warehouse& m_warehouse;
  std::mutex m_mutex;
  std::condition_variable m_changed;  // a batch was submitted, or stop
  std::condition_variable m_done;     // a result is ready
  bool m_stop = false;
  const warehouse::Batch* m_batch = nullptr;
  std::optional<Result<warehouse::BatchStats>> m_result;
  core::Duration m_took{0};
  core::WorkerThreads m_threads;  // last: started after, and joined before, the state above goes
};

}  // namespace

Result<std::unique_ptr<Ingester::Prepared>> Ingester::prepare() {
  const auto elapsed = [this](core::TimePoint since) {
    return std::chrono::duration_cast<core::Duration>(m_clock.now() - since);
  };
  auto phase = m_clock.now();
  auto received = m_source.receive(m_options.limits);
  m_stats.receive_time += elapsed(phase);
  if (!received) {
    ++m_stats.receive_failures;
    m_stats.last_error = received.error().message;
    return received.error().with_context("receiving from " + m_source.describe());
  }
  auto prepared = std::make_unique<Prepared>();
  prepared->messages = std::move(*received);
  std::vector<Message>& messages = prepared->messages;
  if (messages.empty()) return prepared;

  const core::TimePoint now = m_clock.now();
  phase = now;
  warehouse::Batch& batch = prepared->batch;
  std::vector<Prepared::Pending>& pending = prepared->pending;
  pending.resize(messages.size());
  auto last_keep_alive = now;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (m_clock.now() - last_keep_alive >= m_options.keep_alive_interval) {
      m_source.keep_alive(messages);
      last_keep_alive = m_clock.now();
    }
    Message& message = messages[i];
    Prepared::Pending& p = pending[i];
    prepared->bytes += static_cast<std::int64_t>(message.body.size());
    if (message.read_error.empty() && message.body.size() > m_options.message.max_bytes) {
      mark_over_limit(message, message.body.size(), m_options.message.max_bytes);
    }
    if (!message.read_error.empty()) {
      p = {Outcome::quarantined, dataset_label(message), message.read_error, 0};
    } else {
      auto decoded = elexon::decode_message(
          message.body, message.subject, message.fallback_dataset,
          json::Limits{.max_bytes = m_options.message.max_bytes, .max_values = m_options.message.max_json_values});
      if (!decoded) {
        p = {Outcome::quarantined, dataset_label(message), decoded.error().message, 0};
      } else if (!decoded->known()) {
        p = {Outcome::kept_raw, decoded->dataset, {}, decoded->record_count};
        batch.raw.push_back({.dataset = decoded->dataset,
                             .message_id = message.id,
                             .body = std::move(message.body),
                             .source = warehouse::Source::iris,
                             .received_at = message.enqueued_at,
                             .record_count = decoded->record_count});
      } else {
        p = {Outcome::stored, decoded->dataset, {}, decoded->record_count};
        prepared->table_dataset[warehouse::table_name(*decoded->spec, warehouse::Source::iris)] = decoded->dataset;
        batch.groups.push_back({.source = warehouse::Source::iris,
                                .message_id = message.id,
                                .received_at = message.enqueued_at,
                                .records = std::move(decoded->records)});
        // The typed records carry everything now; free the body early.
        std::string().swap(message.body);
      }
    }
    if (p.outcome == Outcome::quarantined) {
      batch.quarantined.push_back(
          {.source_ref = message.source_ref, .body = std::move(message.body), .error = p.error, .quarantined_at = now});
    }
  }
  m_stats.decode_time += elapsed(phase);
  return prepared;
}

void Ingester::release_all(Prepared& batch) {
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    m_source.release(batch.messages[i]);
    ++m_stats.released;
    ++m_stats.datasets[batch.pending[i].dataset].released;
  }
  m_stats.locks = m_source.counters();
}

Result<std::size_t> Ingester::finish(Prepared& prepared, Result<warehouse::BatchStats> stored) {
  const auto elapsed = [this](core::TimePoint since) {
    return std::chrono::duration_cast<core::Duration>(m_clock.now() - since);
  };
  std::vector<Message>& messages = prepared.messages;
  if (!stored) {
    ++m_stats.store_failures;
    m_stats.last_error = stored.error().message;
    release_all(prepared);
    return stored.error().with_context("storing a batch of " + std::to_string(messages.size()) + " messages");
  }
  ++m_stats.batches;
  m_stats.last_batch_at = m_clock.now();
  m_stats.bytes += prepared.bytes;
  for (const auto& [table, ts] : stored->tables) {
    auto it = prepared.table_dataset.find(table);
    if (it == prepared.table_dataset.end()) continue;
    DatasetCounters& c = m_stats.datasets[it->second];
    c.inserted += static_cast<std::int64_t>(ts.inserted);
    c.updated += static_cast<std::int64_t>(ts.updated);
    c.ignored += static_cast<std::int64_t>(ts.ignored);
  }

  const auto phase = m_clock.now();
  std::size_t acknowledged = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Message& message = messages[i];
    const Prepared::Pending& p = prepared.pending[i];
    DatasetCounters& c = m_stats.datasets[p.dataset];
    if (p.outcome == Outcome::quarantined) {
      ++c.quarantined;
      ++m_stats.quarantined;
      m_log.warn(
          "message quarantined",
          {{"message_id", message.id}, {"dataset", p.dataset}, {"source", message.source_ref}, {"error", p.error}});
    } else if (p.outcome == Outcome::kept_raw) {
      ++c.kept_raw;
      ++m_stats.kept_raw;
      if (c.kept_raw == 1) {
        m_log.warn("unknown dataset kept raw", {{"dataset", p.dataset}, {"message_id", message.id}});
      }
    }
    c.records += static_cast<std::int64_t>(p.records);
    m_stats.records += static_cast<std::int64_t>(p.records);
    if (!m_stats.newest_message || message.enqueued_at > *m_stats.newest_message) {
      m_stats.newest_message = message.enqueued_at;
    }
    // The commit is durable: a failed acknowledge only means a redelivery,
    // which the warehouse's upsert absorbs.
    if (auto st = m_source.acknowledge(message, p.outcome, p.error); !st) {
      m_stats.last_error = st.error().message;
      m_log.warn("acknowledge failed; the message will be redelivered and deduplicated",
                 {{"message_id", message.id}, {"error", st.error().message}});
      continue;
    }
    ++c.messages;
    ++m_stats.messages;
    ++acknowledged;
  }
  m_stats.settle_time += elapsed(phase);
  m_stats.locks = m_source.counters();
  if (acknowledged < messages.size()) {
    m_log.warn("some acknowledgements failed", {{"failed", messages.size() - acknowledged}});
  }
  return messages.size();
}

Result<std::size_t> Ingester::step() {
  auto prepared = prepare();
  if (!prepared) return std::move(prepared).error();
  Prepared& batch = **prepared;
  if (batch.messages.empty()) return std::size_t{0};
  m_source.keep_alive(batch.messages);
  const auto phase = m_clock.now();
  auto stored = m_warehouse.store(batch.batch);
  m_stats.store_time += std::chrono::duration_cast<core::Duration>(m_clock.now() - phase);
  return finish(batch, std::move(stored));
}

std::optional<Error> Ingester::back_off_or_fail(const Error& error) {
  if (!error.retryable()) {
    m_log.error("ingest stopped", {{"error", error.message}});
    write_status("failed");
    return error;
  }
  if (m_options.mode == RunMode::once && m_backoff.count() >= 8) {
    write_status("failed");
    return error;
  }
  const auto delay = m_backoff.next_delay();
  m_log.warn("temporary failure; backing off",
             {{"error", error.message}, {"delay_ms", static_cast<long long>(delay.count())}});
  tick();
  sleep(at_least_1ms(delay));
  return std::nullopt;
}

Status Ingester::run() {
  m_stats.started = m_clock.now();
  m_log.info("ingest started", {{"source", m_source.describe()}});
  write_status("running");
  if (auto ran = m_options.pipeline == Pipeline::on ? run_pipelined() : run_serial(); !ran) return ran;
  m_log.info("ingest finished", {{"messages", m_stats.messages},
                                 {"records", m_stats.records},
                                 {"kept_raw", m_stats.kept_raw},
                                 {"quarantined", m_stats.quarantined},
                                 {"stopped", stopping()}});
  write_status("stopped");
  return {};
}

Status Ingester::run_serial() {
  while (!stopping()) {
    auto processed = step();
    if (!processed) {
      if (auto fatal = back_off_or_fail(processed.error())) return *fatal;
      continue;
    }
    if (m_backoff.count() > 0) m_backoff = net::BackoffPolicy(m_options.backoff);
    tick();
    if (*processed == 0) {
      if (m_options.mode == RunMode::once && !m_source.has_pending()) break;
      sleep(at_least_1ms(m_options.idle_poll));
    }
  }
  return {};
}

Status Ingester::run_pipelined() {
  // Declared before the committer, so the committer (and its thread) is
  // gone before the batch it may still be reading.
  std::unique_ptr<Prepared> committing;
  Committer committer(m_warehouse);
  while (true) {
    // 1. Receive and decode the next batch while `committing` commits.
    std::unique_ptr<Prepared> next;
    std::optional<Error> receive_error;
    if (!stopping()) {
      auto prepared = prepare();
      if (prepared) {
        if (!(*prepared)->messages.empty()) next = std::move(*prepared);
      } else {
        receive_error = std::move(prepared).error();
      }
    }
    // 2. Settle `committing` once durable; keep the next batch's locks and
    // the heartbeat alive while waiting for a slow commit.
    if (committing) {
      auto last_keep_alive = m_clock.now();
      std::optional<std::pair<Result<warehouse::BatchStats>, core::Duration>> stored;
      while (!(stored = committer.wait_for(at_least_1ms(m_options.sleep_slice)))) {
        if (next && m_clock.now() - last_keep_alive >= m_options.keep_alive_interval) {
          m_source.keep_alive(next->messages);
          last_keep_alive = m_clock.now();
        }
        tick();
      }
      m_stats.store_time += stored->second;
      auto done = finish(*committing, std::move(stored->first));
      committing.reset();
      if (!done) {
        if (next) release_all(*next);
        if (auto fatal = back_off_or_fail(done.error())) return *fatal;
        continue;
      }
      tick();
    }
    if (receive_error) {
      if (auto fatal = back_off_or_fail(*receive_error)) return *fatal;
      continue;
    }
    if (m_backoff.count() > 0) m_backoff = net::BackoffPolicy(m_options.backoff);
    if (stopping()) {
      if (next) release_all(*next);
      return {};
    }
    // 3. Commit the next batch on the committer thread.
    if (next) {
      m_source.keep_alive(next->messages);
      committing = std::move(next);
      committer.submit(committing->batch);
      continue;
    }
    tick();
    if (m_options.mode == RunMode::once && !m_source.has_pending()) return {};
    sleep(at_least_1ms(m_options.idle_poll));
  }
}

void Ingester::sleep(core::Duration total) {
  while (total.count() > 0 && !stopping()) {
    const auto slice = std::min(total, at_least_1ms(m_options.sleep_slice));
    m_clock.sleep_for(slice);
    total -= slice;
    tick();
  }
}

void Ingester::tick() {
  if (m_on_tick) m_on_tick(m_stats);
  if (!m_options.status_path.empty() &&
      (!m_last_status || m_clock.now() - *m_last_status >= m_options.heartbeat_interval)) {
    write_status("running");
  }
}

void Ingester::write_status(std::string_view state) {
  if (m_options.status_path.empty()) return;
  const auto now = m_clock.now();
  m_last_status = now;
  if (auto dir = core::ensure_directory(m_options.status_path.parent_path()); !dir) {
    m_log.warn("cannot write the status file", {{"error", dir.error().message}});
    return;
  }
  auto st = state::write_ingest_status(m_options.status_path, to_status(m_stats, state, m_source.describe(), now));
  if (!st) m_log.warn("cannot write the status file", {{"error", st.error().message}});
}

}  // namespace gbpm::ingest
