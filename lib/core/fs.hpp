#pragma once
// Durable file operations. Writers of state that other processes read
// (run records, workbook CSVs) use write_file_atomic so a reader sees either the
// old file or the new one, never a torn one, even if we crash mid-write.

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace gbpm::core {

// Owns a file descriptor: closed on scope exit unless released.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = other.release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  [[nodiscard]] int get() const { return m_fd; }
  [[nodiscard]] bool valid() const { return m_fd >= 0; }
  int release() { return std::exchange(m_fd, -1); }
  void reset(int fd = -1);

 private:
  int m_fd = -1;
};

// Calls `call` (a system call returning -1 with errno) again while it fails
// with EINTR.
template <typename Call>
auto retry_eintr(Call call) {
  for (;;) {
    auto result = call();
    if (result != -1 || errno != EINTR) return result;
  }
}

// Writes `content` to a temp file beside `path`, fsyncs it, renames it over
// `path` and fsyncs the directory. On any failure the temp file is removed,
// `path` is untouched, and the error (ErrorKind::output) names the path and the
// system's reason (e.g. "No space left on device").
Status write_file_atomic(const std::filesystem::path& path, std::string_view content, int mode = 0644);

// Several files of one directory replaced together, each atomically: stage()
// writes a file's new content to a temp file beside it and fsyncs it;
// commit() renames every staged file over its target and fsyncs the
// directory once. The directory is opened once, without following a symlink
// (a symlinked directory is an error), and every file is created and renamed
// relative to it. A reader sees each file old or new, never torn. Staged
// files not committed (an error, or the batch dropped) are removed. Errors
// as write_file_atomic's.
class AtomicFileBatch {
 public:
  explicit AtomicFileBatch(std::filesystem::path dir);
  ~AtomicFileBatch();
  AtomicFileBatch(const AtomicFileBatch&) = delete;
  AtomicFileBatch& operator=(const AtomicFileBatch&) = delete;

  // `name` is a file name within the directory.
  Status stage(const std::string& name, std::string_view content, int mode = 0644);
  Status commit();

 private:
  struct Staged {
    std::string temp;    // a name in the directory; empty once renamed
    std::string target;  // a name in the directory
  };
  Status open_dir();

  std::filesystem::path m_dir;
  UniqueFd m_dir_fd;
  std::vector<Staged> m_files;
};

// Removes the temp files atomic writes left in `dir` when their process died
// between creating and renaming them (".<name>.tmp.XXXXXX"), if they are at
// least `min_age` old: a younger one may belong to a writer still at work.
// Symlinks and anything but regular files are left alone. Returns how many
// were removed; a missing or unreadable `dir` removes nothing.
std::size_t remove_stale_temp_files(const std::filesystem::path& dir,
                                    std::chrono::seconds min_age = std::chrono::minutes(10));

// Creates `dir` and its parents (mode 0755, or `mode`); ErrorKind::output when
// that fails or `dir` (or a parent it had to create) exists and is not a
// directory, a symlink to one included (never followed).
Status ensure_directory(const std::filesystem::path& dir, int mode = 0755);

// Reads a whole file up to `max_bytes`. ErrorKind::output for I/O errors
// (naming the path), ErrorKind::data when the file is larger than max_bytes.
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = 64u << 20);
// The same from an open descriptor (read from its current offset); `shown`
// names it in errors.
Result<std::string> read_file(int fd, const std::filesystem::path& shown, std::size_t max_bytes = 64u << 20);

}  // namespace gbpm::core
