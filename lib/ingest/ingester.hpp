#pragma once
// The Ingester: messages from a MessageSource → decode → one durable warehouse
// commit per batch (group commit) → only then acknowledge.
//
//   - Known datasets become typed rows; unknown datasets are kept raw and
//     counted; undecodable bodies are quarantined (raw bytes + error) and
//     acknowledged, so one bad message never blocks the rest.
//   - Latency is bounded by the source's receive (≤ about 1 s) plus one
//     commit; memory by ReceiveLimits (messages and bytes per batch).
//   - A temporary store failure releases every message of the batch and backs
//     off on the Clock (exponential with jitter, no busy loop); any other
//     store failure releases them and ends the run with that error.
//   - A stop request (SIGTERM) is honoured between batches: the in-flight
//     batch is committed and acknowledged first.
//   - Every outcome is counted per dataset; a status file (heartbeat for
//     healthd) is rewritten atomically at least every heartbeat interval.
//   - Broker locks are kept alive while a batch is decoded (every
//     keep_alive_interval), while it waits for the previous commit, and once
//     more just before its own commit.
//   - Pipeline::on (run()): batch N+1 is received and decoded on the calling
//     thread while batch N commits on one committer thread, so decode and
//     SQLite use both cores. Per message the order stays decode → durable
//     commit → acknowledge; at most two batches are in memory (the one
//     committing and the next, decoded); N+1 is submitted only after N is
//     settled, so commits never overlap acknowledgements. Every source call,
//     clock read, tick and status write stays on the calling thread. The
//     rows of N are visible once committed; its acknowledgements follow the
//     receive of N+1 (a broker may wait up to ReceiveLimits::max_wait).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "ingest/message_source.hpp"
#include "net/retry.hpp"
#include "state/ingest_status.hpp"
#include "warehouse/warehouse.hpp"

namespace gbpm::ingest {

// Stop once the source has nothing more (--once), or keep polling.
enum class RunMode { continuous, once };

// Whether run() decodes the next batch while the previous one commits.
enum class Pipeline { off, on };

// Bounds on one message that keep the ingester within a memory budget
// whatever it is fed (see message_limits_for).
struct MessageLimits {
  // A larger body is quarantined by reference (size, id, first bytes), unparsed.
  std::size_t max_bytes = std::size_t{32} << 20;
  // A body with more JSON values and keys is quarantined by the parser before
  // its tree is built ("[0,0,...]" costs about 16 times its size as a tree).
  std::size_t max_json_values = std::size_t{3} << 20;
};

// The limits for a process allowed `memory_bytes` (iris-ingest.service's
// MemoryMax=, GBPM_IRIS_MEMORY_MAX): a valid message peaks at about 4 times
// its size (body, parse tree, decoded records), so a sixth of the budget per
// message leaves room for the runtime and the batch committing meanwhile; a
// parsed value costs about 32 bytes, so max_json_values = budget / 64 keeps
// any tree within half of it.
MessageLimits message_limits_for(std::uint64_t memory_bytes);

struct IngestOptions {
  RunMode mode = RunMode::continuous;
  ReceiveLimits limits;
  MessageLimits message;
  // Wait between polls of an idle source (continuous mode).
  core::Duration idle_poll{500};
  // Backoff after a temporary store or receive failure.
  net::BackoffOptions backoff{.initial = std::chrono::milliseconds{1000}, .max = std::chrono::milliseconds{60000}};
  // The heartbeat/status file (written atomically); empty: none.
  std::filesystem::path status_path;
  core::Duration heartbeat_interval{10000};
  // Longest single sleep, so stop requests and ticks are seen promptly.
  core::Duration sleep_slice{250};
  // While a batch is decoded, the source's keep_alive (lock renewal) is
  // called at least this often, and once more before the commit.
  core::Duration keep_alive_interval{5000};
  // Pipeline::on: decode batch N+1 while batch N commits (see above).
  Pipeline pipeline = Pipeline::on;
};

// What happened to the messages of one dataset.
struct DatasetCounters {
  std::int64_t messages = 0;     // messages acknowledged
  std::int64_t records = 0;      // records in them (typed or raw)
  std::int64_t inserted = 0;     // typed rows new to the warehouse
  std::int64_t updated = 0;      // typed rows that replaced an older version
  std::int64_t ignored = 0;      // typed rows already there (replays)
  std::int64_t kept_raw = 0;     // messages of an unknown dataset, stored raw
  std::int64_t quarantined = 0;  // undecodable messages
  std::int64_t released = 0;     // messages given back after a failed commit
};

struct IngestStats {
  std::int64_t messages = 0;  // acknowledged
  std::int64_t records = 0;
  std::int64_t bytes = 0;
  std::int64_t batches = 0;  // commits
  std::int64_t kept_raw = 0;
  std::int64_t quarantined = 0;
  std::int64_t released = 0;
  std::int64_t store_failures = 0;
  std::int64_t receive_failures = 0;
  SourceCounters locks;                             // from the source: renewed, lost (broker sources)
  std::map<std::string, DatasetCounters> datasets;  // by dataset name ("?" when none)
  std::optional<core::TimePoint> newest_message;    // newest enqueued_at acknowledged
  std::optional<core::TimePoint> last_batch_at;
  std::string last_error;  // empty until something failed
  // Time spent per phase, on the Clock (for benchmarks and tuning).
  // With Pipeline::on, store_time is measured on the committer thread with a
  // steady clock (the Clock is only read on run()'s thread) and overlaps
  // receive and decode.
  core::Duration receive_time{0};
  core::Duration decode_time{0};
  core::Duration store_time{0};
  core::Duration settle_time{0};
  core::TimePoint started;
};

// What the status file says (state/ingest_status.hpp owns its format), and
// that record as the file's JSON.
state::IngestStatus to_status(const IngestStats& stats, std::string_view state, std::string_view source,
                              core::TimePoint now);
std::string status_json(const IngestStats& stats, std::string_view state, std::string_view source, core::TimePoint now);

class Ingester {
 public:
  // `source`, `warehouse`, `clock` and `log` must outlive the Ingester. When
  // `stop` is given, setting it makes run() return after the in-flight batch.
  Ingester(MessageSource& source, warehouse::Warehouse& warehouse, core::Clock& clock, log::Logger& log,
           IngestOptions options, const std::atomic<bool>* stop = nullptr);

  // Runs until stopped, or (RunMode::once) until the source is empty.
  // Returns ok after a graceful stop or a drain; the error of a non-temporary
  // store or receive failure otherwise (the batch was released). A stop
  // request commits and settles the batch committing; a batch already
  // decoded behind it is released (received again later), not committed.
  Status run();

  // One receive → decode → commit → acknowledge cycle, on this thread (no
  // pipelining). Returns the number of messages committed and settled (0
  // only when the source was empty). A failed receive or store comes back as
  // the error, the batch released (no sleeping here).
  Result<std::size_t> step();

  [[nodiscard]] const IngestStats& stats() const { return m_stats; }

  // Called after every batch and at least every sleep slice while idle or
  // backing off, from run()'s thread: feed a watchdog, draw progress.
  void set_on_tick(std::function<void(const IngestStats&)> on_tick) { m_on_tick = std::move(on_tick); }

  // Writes the status file now (no-op without a status path).
  void write_status(std::string_view state);

 private:
  struct Prepared;  // a received, decoded batch (ingester.cpp)

  bool stopping() const { return m_stop != nullptr && m_stop->load(); }
  void sleep(core::Duration total);
  void tick();
  Status run_serial();
  Status run_pipelined();
  // Receives and decodes the next batch (no messages: the source is empty).
  Result<std::unique_ptr<Prepared>> prepare();
  // After the commit of `batch`: counts and acknowledges every message, or
  // (the store failed) releases them and returns the error.
  Result<std::size_t> finish(Prepared& batch, Result<warehouse::BatchStats> stored);
  // Gives every message of `batch` back to the source, counted as released.
  void release_all(Prepared& batch);
  // After a failed cycle: the error to end run() with, or nothing after
  // backing off (temporary failures).
  std::optional<Error> back_off_or_fail(const Error& error);

  MessageSource& m_source;
  warehouse::Warehouse& m_warehouse;
  core::Clock& m_clock;
  log::Logger& m_log;
  IngestOptions m_options;
  const std::atomic<bool>* m_stop;
  net::BackoffPolicy m_backoff;
  IngestStats m_stats;
  std::optional<core::TimePoint> m_last_status;
  std::function<void(const IngestStats&)> m_on_tick;
};

}  // namespace gbpm::ingest
