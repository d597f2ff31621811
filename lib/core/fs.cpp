#include "core/fs.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

Status write_file_atomic(const std::filesystem::path& path, std::string_view content, int mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string templ = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  FdGuard fd(::mkostemp(buf.data(), O_CLOEXEC));
  if (fd.get() < 0) return io_error("create a temporary file for", path, errno);
  const std::string tmp(buf.data());
  const auto fail = [&](std::string_view what, int err) -> Status {
    ::unlink(tmp.c_str());
    return io_error(what, path, err);
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return fail("set permissions on", errno);
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("flush", errno);
  if (::close(fd.release()) != 0) return fail("close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("replace", errno);
  // Make the rename itself durable.
  FdGuard dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
  return {};
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

}  // namespace gbpm::core
