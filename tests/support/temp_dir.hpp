#pragma once
// A directory under $TMPDIR removed with everything in it when the test ends.

#include <filesystem>
#include <string>
#include <string_view>

namespace gbpm::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] std::filesystem::path operator/(std::string_view name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

// Writes `content` to `path`, creating parent directories.
void write_file(const std::filesystem::path& path, std::string_view content);
// Reads a whole file; empty string when it does not exist.
std::string read_file(const std::filesystem::path& path);

// Sets an environment variable for the lifetime of the guard and restores the
// previous value (or absence) afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string m_name;
  bool m_had_old = false;
  std::string m_old;
};

}  // namespace gbpm::testing
