#pragma once
// The backfill runner: fetches planned chunks (plan.hpp) from the Insights
// API up to `concurrency` at a time, stores each chunk's rows in the
// warehouse's API tables (bmrs_<dataset>) with the natural-key upsert, and
// records stored chunks in the journal (journal.hpp) so a re-run skips them.
//
// Threads: `concurrency` workers each send through the InsightsClient (one
// transport per worker, retries per the client's policies) and decode the
// rows; the calling thread is the only one touching the warehouse and the
// journals. It stores whatever chunks have arrived in one transaction (group
// commit), then journals them, so a slow disk does not serialise the
// requests. Workers run at most 2 x concurrency chunks ahead of the writer.
//
// A chunk that fails (after the client's retries) is reported and left
// unjournaled; the others continue. The run as a whole fails (an Error) only
// when the warehouse or a journal cannot be written.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backfill/plan.hpp"
#include "backfill/progress.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "elexon/insights_client.hpp"
#include "warehouse/warehouse.hpp"

namespace gbpm::log {
class Logger;
}

namespace gbpm::backfill {

// Whether chunks already in the journal are skipped.
enum class JournalMode {
  resume,   // skip chunks the journal covers (the default)
  refetch,  // fetch everything planned (still journaling what is stored)
};

struct BackfillOptions {
  int concurrency = 4;  // requests in flight at most (clamped to >= 1)
  JournalMode journal = JournalMode::resume;
  // Where the journals live ($GBPM_HOME) and the warehouse they belong to.
  std::filesystem::path home;
  std::string journal_scope;
  // Chunks whose request window ends after this instant are stored but not
  // journaled: Elexon may still publish rows for them, so a later run must
  // fetch them again. nullopt: journal every stored chunk.
  std::optional<core::TimePoint> settled_before;
};

// Per dataset.
struct DatasetTotals {
  std::size_t chunks_planned = 0;
  std::size_t chunks_fetched = 0;
  std::size_t chunks_skipped = 0;  // already in the journal
  std::size_t chunks_failed = 0;
  std::size_t rows_received = 0;
  std::size_t rows_inserted = 0;   // new natural keys
  std::size_t rows_updated = 0;    // replaced by a newer version (or a re-fetch of the same one)
  std::size_t rows_unchanged = 0;  // already stored
};

// A chunk that did not make it, and why (the message carries Elexon's
// problem detail for a 400).
struct ChunkFailure {
  Chunk chunk;
  Error error;
};

struct BackfillSummary {
  std::map<std::string, DatasetTotals> datasets;
  std::vector<ChunkFailure> failures;
  std::chrono::milliseconds fetch_elapsed{0};  // first request to last chunk done

  [[nodiscard]] DatasetTotals total() const;
  // Chunks fetched or failed per second of fetch_elapsed.
  [[nodiscard]] double chunks_per_second() const;
};

// The run's outcome from its summary: ok when no chunk failed. Otherwise an
// Error listing the failed chunks, whose kind decides the exit code:
//   data (65)         a response could not be decoded
//   unavailable (69)  Elexon refused a request for good (400 problem body,
//                     404, other 4xx) — re-running will not help
//   temporary (75)    only transient failures (429/5xx/timeouts after the
//                     retries) — a re-run resumes with just those chunks
// A permanent failure wins over transient ones (data over unavailable).
Status outcome(const BackfillSummary& summary);

// Fetches and stores `chunks` (any datasets, any order; stored in arrival
// order). `progress` may be null. Errors: the warehouse's store() errors
// (output/temporary) and journal write errors (output); chunk failures are
// in the summary instead.
Result<BackfillSummary> run_backfill(elexon::InsightsClient& client, warehouse::Warehouse& warehouse,
                                     const std::vector<Chunk>& chunks, const BackfillOptions& options,
                                     core::Clock& clock, log::Logger& logger, ProgressReporter* progress = nullptr);

}  // namespace gbpm::backfill
