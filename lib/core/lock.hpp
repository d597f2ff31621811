#pragma once
// Single instance per tool and target: an advisory flock(2) on
// $GBPM_HOME/locks/<name>.lock. The kernel drops the lock when the process
// dies, so a crash never leaves a stale lock behind.

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gbpm::core {

class InstanceLock {
 public:
  // Takes the lock without waiting. When another process holds it, returns
  // ErrorKind::temporary naming the holder's pid and start time; other
  // failures are ErrorKind::output. `name` is made file-name safe.
  static Result<InstanceLock> acquire(const std::filesystem::path& dir, std::string_view name);

  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock();

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

 private:
  InstanceLock(int fd, std::filesystem::path path) : m_fd(fd), m_path(std::move(path)) {}
  int m_fd = -1;
  std::filesystem::path m_path;
};

// "layout-update@gsheets:1AbC" → "layout-update@gsheets_1AbC": only
// [A-Za-z0-9._@-] survive.
std::string lock_file_name(std::string_view name);

}  // namespace gbpm::core
