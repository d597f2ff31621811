#include "core/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace gbpm::core {
namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return make_error(ErrorKind::output, fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
}

}  // namespace

void UniqueFd::reset(int fd) {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = fd;
}

AtomicFileBatch::AtomicFileBatch(std::filesystem::path dir) : m_dir(std::move(dir)) {
  if (m_dir.empty()) m_dir = ".";
}

AtomicFileBatch::~AtomicFileBatch() {
  for (const Staged& f : m_files) {
    if (!f.temp.empty() && m_dir_fd.valid()) ::unlinkat(m_dir_fd.get(), f.temp.c_str(), 0);
  }
}

Status AtomicFileBatch::open_dir() {
  if (m_dir_fd.valid()) return {};
  // Every later step works relative to this descriptor, and O_NOFOLLOW
  // refuses a directory that is a symlink: nothing is written through one.
  m_dir_fd.reset(retry_eintr([&] { return ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); }));
  if (!m_dir_fd.valid()) {
    const int err = errno;
    // With O_DIRECTORY, a symlink fails with ENOTDIR (or ELOOP).
    struct stat st {};
    const bool link = err == ELOOP || (::lstat(m_dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode));
    return io_error(link ? "write into a symlinked directory" : "open the directory", m_dir, err);
  }
  return {};
}

Status AtomicFileBatch::stage(const std::string& name, std::string_view content, int mode) {
  const std::filesystem::path target = m_dir / name;
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return io_error("write (not a file name)", target, EINVAL);
  }
  // The error names the file being written, not only its directory.
  if (auto opened = open_dir(); !opened) return opened.error().with_context(target.string());
  static std::atomic<unsigned> sequence{0};
  UniqueFd fd;
  std::string temp;
  for (int attempt = 0; attempt < 100 && !fd.valid(); ++attempt) {
    temp = fmt::format(".{}.tmp.{}.{}", name, ::getpid(), sequence.fetch_add(1));
    fd.reset(retry_eintr([&] {
      return ::openat(m_dir_fd.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }));
    if (!fd.valid() && errno != EEXIST) break;
  }
  if (!fd.valid()) return io_error("create a temporary file for", target, errno);
  m_files.push_back(Staged{temp, name});
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return io_error("set permissions on", target, errno);
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", target, errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return io_error("flush", target, errno);
  if (::close(fd.release()) != 0) return io_error("close", target, errno);
  return {};
}

Status AtomicFileBatch::commit() {
  if (m_files.empty()) return {};
  for (Staged& f : m_files) {
    if (f.temp.empty()) continue;
    // renameat replaces a symlink at the target itself, never its target.
    if (::renameat(m_dir_fd.get(), f.temp.c_str(), m_dir_fd.get(), f.target.c_str()) != 0) {
      return io_error("replace", m_dir / f.target, errno);
    }
    f.temp.clear();
  }
  // Make the renames themselves durable.
  ::fsync(m_dir_fd.get());
  return {};
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content, int mode) {
  AtomicFileBatch batch(path.parent_path());
  if (auto staged = batch.stage(path.filename().string(), content, mode); !staged) return staged;
  return batch.commit();
}

Status ensure_directory(const std::filesystem::path& dir, int mode) {
  // The directory itself is checked with lstat and created with mkdir, which
  // never follows a symlink in the last component: a symlink planted where a
  // state directory belongs is refused, not written through.
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) return io_error("use as a directory (it is a symlink)", dir, ELOOP);
    if (!S_ISDIR(st.st_mode)) return io_error("use as a directory", dir, ENOTDIR);
    return {};
  }
  if (errno != ENOENT) return io_error("inspect", dir, errno);
  const auto parent = dir.parent_path();
  if (!parent.empty() && parent != dir && dir.has_relative_path()) {
    if (auto st_parent = ensure_directory(parent, mode); !st_parent) return st_parent;
  }
  if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
    return io_error("create directory", dir, errno);
  }
  if (::lstat(dir.c_str(), &st) != 0) return io_error("inspect", dir, errno);
  if (S_ISLNK(st.st_mode)) return io_error("use as a directory (it is a symlink)", dir, ELOOP);
  if (!S_ISDIR(st.st_mode)) return io_error("use as a directory", dir, ENOTDIR);
  ::chmod(dir.c_str(), static_cast<mode_t>(mode));
  return {};
}

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  UniqueFd fd(retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
  if (fd.get() < 0) return io_error("open", path, errno);
  return read_file(fd.get(), path, max_bytes);
}

Result<std::string> read_file(int fd, const std::filesystem::path& shown, std::size_t max_bytes) {
  std::string out;
  char chunk[65536];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, chunk, sizeof chunk); });
    if (n < 0) return io_error("read", shown, errno);
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return make_error(ErrorKind::data, fmt::format("{} is larger than {} bytes", shown.string(), max_bytes));
    }
    out.append(chunk, static_cast<std::size_t>(n));
  }
  return out;
}

std::size_t remove_stale_temp_files(const std::filesystem::path& dir, std::chrono::seconds min_age) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  const int dir_fd = ::dirfd(d);
  const std::time_t cutoff = std::time(nullptr) - static_cast<std::time_t>(min_age.count());
  std::size_t removed = 0;
  while (const dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    // ".<target>.tmp.XXXXXX": mkostemp's six characters after ".tmp.".
    const auto marker = name.rfind(".tmp.");
    if (name.size() < 2 || name.front() != '.' || marker == std::string_view::npos || marker == 0 ||
        name.size() - marker != 5 + 6) {
      continue;
    }
    struct stat st {};
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_mtime > cutoff) continue;
    if (::unlinkat(dir_fd, entry->d_name, 0) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

}  // namespace gbpm::core
