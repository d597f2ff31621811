#include "core/lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fs.hpp"
#include "core/time.hpp"

namespace gbpm::core {

std::string lock_file_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-' || c == '@';
    out += safe ? c : '_';
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
  return out + ".lock";
}

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& dir, std::string_view name) {
  if (auto st = ensure_directory(dir); !st) return std::move(st).error();
  const std::filesystem::path path = dir / lock_file_name(name);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorKind::output,
                      fmt::format("cannot open lock file {}: {}", path.string(), std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    char buf[256] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) holder.assign(buf, static_cast<std::size_t>(n));
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return make_error(ErrorKind::temporary,
                        fmt::format("another instance of {} is running ({}); lock {} is held", name,
                                    holder.empty() ? "pid unknown" : holder, path.string()));
    }
    return make_error(ErrorKind::output, fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
  // Record who holds it, for the error message a second instance prints.
  const std::string who = fmt::format("pid {} since {}\n", ::getpid(), format_utc(std::chrono::system_clock::now()));
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) < 0) {
    // The lock itself is held; a missing holder note only degrades messages.
  }
  return InstanceLock(fd, path);
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_path(std::move(other.m_path)) {}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_path = std::move(other.m_path);
  }
  return *this;
}

InstanceLock::~InstanceLock() {
  // Closing releases the flock. The file stays: unlinking would race with a
  // process that has just opened it and is about to lock it.
  if (m_fd >= 0) ::close(m_fd);
}

}  // namespace gbpm::core
