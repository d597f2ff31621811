#include "core/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace gbpm::core {
namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return make_error(ErrorKind::output, fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
}

// Closes a file descriptor on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : m_fd(fd) {}
  ~FdGuard() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  [[nodiscard]] int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

 private:
  int m_fd;
};

}  // namespace

AtomicFileBatch::AtomicFileBatch(std::filesystem::path dir) : m_dir(std::move(dir)) {
  if (m_dir.empty()) m_dir = ".";
}

AtomicFileBatch::~AtomicFileBatch() {
  for (const Staged& f : m_files) {
    if (!f.temp.empty()) ::unlink(f.temp.c_str());
  }
}

Status AtomicFileBatch::stage(const std::string& name, std::string_view content, int mode) {
  const std::filesystem::path target = m_dir / name;
  std::string templ = (m_dir / ("." + name + ".tmp.XXXXXX")).string();
  FdGuard fd(::mkostemp(templ.data(), O_CLOEXEC));
  if (fd.get() < 0) return io_error("create a temporary file for", target, errno);
  m_files.push_back(Staged{templ, target});
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
    if (::rename(f.temp.c_str(), f.target.c_str()) != 0) return io_error("replace", f.target, errno);
    f.temp.clear();
  }
  // Make the renames themselves durable.
  FdGuard dfd(::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
  return {};
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content, int mode) {
  AtomicFileBatch batch(path.parent_path());
  if (auto staged = batch.stage(path.filename().string(), content, mode); !staged) return staged;
  return batch.commit();
}

Status ensure_directory(const std::filesystem::path& dir, int mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (std::filesystem::exists(dir, ec)) return io_error("use as a directory", dir, ENOTDIR);
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("create directory", dir, ec.value());
  ::chmod(dir.c_str(), static_cast<mode_t>(mode));
  return {};
}

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open", path, errno);
  std::string out;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path, errno);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return make_error(ErrorKind::data, fmt::format("{} is larger than {} bytes", path.string(), max_bytes));
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
