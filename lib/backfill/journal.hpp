#pragma once
// The chunk journal: which chunks of a dataset a backfill has already stored,
// so an interrupted run (kill -9, power cut, a failed chunk) continues where
// it stopped instead of fetching everything again.
//
// One file per dataset, $GBPM_HOME/backfill/<DATASET>.chunks, one line per
// stored chunk:
//   v1<TAB><scope><TAB><slots from><TAB><slots to><TAB><rows>
// appended and fdatasync'ed only after the chunk's rows are committed to the
// warehouse, so the journal never claims data that is not stored (a crash in
// between only means the chunk is fetched again; the upsert makes that
// harmless). `scope` names the warehouse, so loading a second warehouse does
// not skip chunks stored in the first. A torn last line (crash mid-append)
// and lines of other scopes are ignored.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "elexon/insights_query.hpp"

namespace gbpm::backfill {

class ChunkJournal {
 public:
  // Opens (creating it and its directory) the journal at `path` for
  // `scope` and reads the chunks already recorded. ErrorKind::output when
  // the file cannot be opened or read.
  static Result<ChunkJournal> open(const std::filesystem::path& path, std::string scope);

  ChunkJournal(ChunkJournal&& other) noexcept;
  ChunkJournal& operator=(ChunkJournal&& other) noexcept;
  ChunkJournal(const ChunkJournal&) = delete;
  ChunkJournal& operator=(const ChunkJournal&) = delete;
  ~ChunkJournal();

  // True when every slot of `slots` lies in chunks already recorded (in any
  // combination: a range planned differently by another run still counts).
  [[nodiscard]] bool covers(elexon::TimeWindow slots) const;

  // Appends one line per window and makes them durable (one fdatasync for
  // all). ErrorKind::output when the write or the sync fails.
  Status record(const std::vector<std::pair<elexon::TimeWindow, std::size_t>>& chunks);

  // The recorded ranges, merged, in time order.
  [[nodiscard]] const std::vector<elexon::TimeWindow>& done() const { return m_done; }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

 private:
  ChunkJournal(std::filesystem::path path, std::string scope, int fd);

  std::filesystem::path m_path;
  std::string m_scope;
  int m_fd = -1;
  std::vector<elexon::TimeWindow> m_done;
};

// $GBPM_HOME/backfill/<DATASET>.chunks.
std::filesystem::path journal_path(const std::filesystem::path& home, std::string_view dataset);

}  // namespace gbpm::backfill
