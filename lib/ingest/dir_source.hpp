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
//   - Whoever writes the drop (often another user) must not reach outside
//     it: the root is opened once and everything below is reached through
//     directory descriptors, never following a symlink. A symlinked dataset
//     folder or message file, a FIFO or other non-regular file, and a
//     symlinked `.quarantine`/`.processed` are refused with a log line and
//     left where they are; a message is read only through a descriptor that
//     fstat shows to be a regular file (opened O_NONBLOCK, so a FIFO swapped
//     in cannot block). A file over `max_file_bytes` is handed out unread
//     but for its first bytes, with read_error saying so (the Ingester
//     quarantines it by reference).

#include <chrono>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <queue>
#include <set>
#include <string>

#include "core/fs.hpp"
#include "core/log.hpp"
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
  // Larger files are quarantined unread but for their first bytes (with an
  // error saying so).
  std::size_t max_file_bytes = 64u << 20;
  // Where refusals (symlinks, FIFOs, unreadable files) are logged; nullptr:
  // nowhere.
  log::Logger* log = nullptr;
};

class DirSource final : public MessageSource {
 public:
  explicit DirSource(std::filesystem::path root, DirSourceOptions options = {});
  DirSource(const DirSource&) = delete;
  DirSource& operator=(const DirSource&) = delete;

  Result<std::vector<Message>> receive(const ReceiveLimits& limits) override;
  Status acknowledge(const Message& message, Outcome outcome, std::string_view error) override;
  void release(const Message& message) override;
  [[nodiscard]] bool has_pending() const override;
  [[nodiscard]] std::string describe() const override;

  // Ready files remembered from the last scan and not handed out yet.
  [[nodiscard]] std::size_t queued() const { return m_queue.size(); }
  // Entries refused so far ("<folder>/<name>", or a folder name), each
  // logged once.
  [[nodiscard]] const std::set<std::string>& refused() const { return m_refused; }

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
  Status open_root();
  Status scan();
  void scan_folder(const std::string& folder_name, std::chrono::system_clock::time_point now, std::size_t window,
                   std::priority_queue<Entry>& oldest);
  // Logs "<what> refused" for `where` once and remembers it.
  void refuse(const std::string& where, std::string_view what, std::string_view reason);
  // `.quarantine`/`.processed` (and its <folder>) under the root, created if
  // missing; an error when either is a symlink or not a directory.
  Result<core::UniqueFd> settle_dir(std::string_view top, const std::string& folder);

  std::filesystem::path m_root;
  DirSourceOptions m_options;
  log::Logger* m_log;
  core::UniqueFd m_root_fd;
  std::deque<Entry> m_queue;          // oldest first
  std::set<std::string> m_in_flight;  // "<folder>/<name>" handed out, not settled
  bool m_unready_seen = false;        // the last scan skipped files still being written
  std::set<std::string> m_refused;    // logged refusals, bounded by kMaxRemembered
  // Files whose message was committed but could not be moved or removed
  // (a refused `.quarantine`): never handed out again by this process.
  std::set<std::string> m_stuck;
};

}  // namespace gbpm::ingest
