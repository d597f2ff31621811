#pragma once
// The `dir:PATH` source: the official IRIS clients' file drop
// (as the Python, Node and .NET clients write it), one file per message:
//   <PATH>/<DATASET or "unknown">/<message-id>.json
//
//   - Oldest first (by mtime) across all dataset folders, so a busy dataset
//     never starves a quiet one. Each scan remembers at most `scan_window`
//     of the oldest ready files, so memory does not grow with the backlog.
//   - A file is read only when it looks finished: its name ends in `.json`,
//     does not start with '.', and it was last modified at least `min_age`
//     ago (the official clients write in place, not via a rename).
//   - Acknowledged files are deleted, or moved to <PATH>/.processed/<DATASET>/
//     with KeepFiles::keep; quarantined ones go to <PATH>/.quarantine/<DATASET>/
//     with `<name>.error.txt` beside them. Released files stay where they are.
//   - The message id is the file name; the folder is only the fallback
//     dataset (the body's `dataset` field wins), "unknown" being none.

#include <chrono>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <set>
#include <string>

#include "ingest/message_source.hpp"

namespace gbpm::ingest {

enum class KeepFiles { remove, keep };

struct DirSourceOptions {
  KeepFiles keep = KeepFiles::remove;
  // Files modified more recently than this are not read yet (wall time: it
  // is compared with file mtimes).
  std::chrono::milliseconds min_age{1000};
  // The most files one directory scan remembers (the oldest ones).
  std::size_t scan_window = 10000;
  // Larger files are quarantined unread (with an error saying so).
  std::size_t max_file_bytes = 64u << 20;
};

class DirSource final : public MessageSource {
 public:
  explicit DirSource(std::filesystem::path root, DirSourceOptions options = {});

  Result<std::vector<Message>> receive(const ReceiveLimits& limits) override;
  Status acknowledge(const Message& message, Outcome outcome, std::string_view error) override;
  void release(const Message& message) override;
  [[nodiscard]] bool has_pending() const override;
  [[nodiscard]] std::string describe() const override;

  // Ready files remembered from the last scan and not handed out yet.
  [[nodiscard]] std::size_t queued() const { return m_queue.size(); }

  struct Entry {
    std::chrono::system_clock::time_point mtime;
    std::string folder;
    std::string name;
    std::size_t size = 0;
    friend bool operator<(const Entry& a, const Entry& b) {
      if (a.mtime != b.mtime) return a.mtime < b.mtime;
      if (a.folder != b.folder) return a.folder < b.folder;
      return a.name < b.name;
    }
  };

 private:
  Status scan();

  std::filesystem::path m_root;
  DirSourceOptions m_options;
  std::deque<Entry> m_queue;          // oldest first
  std::set<std::string> m_in_flight;  // "<folder>/<name>" handed out, not settled
  bool m_unready_seen = false;        // the last scan skipped files still being written
};

}  // namespace gbpm::ingest
