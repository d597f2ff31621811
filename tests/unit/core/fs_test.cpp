// Durable file operations: atomic replacement and the sweep of temp files a
// killed writer left behind.
#include "core/fs.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

#include "support/temp_dir.hpp"

using namespace gbpm;
namespace fs = std::filesystem;

namespace {

void age(const std::filesystem::path& path, std::time_t seconds) {
  const std::time_t then = std::time(nullptr) - seconds;
  const timespec times[2] = {{then, 0}, {then, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

}  // namespace

TEST_CASE("write_file_atomic replaces the file whole and leaves no temp file", "[core][fs]") {
  testing::TempDir dir;
  const auto path = dir / "record.json";
  REQUIRE(core::write_file_atomic(path, "old\n"));
  REQUIRE(core::write_file_atomic(path, "new\n"));
  CHECK(testing::read_file(path) == "new\n");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("stale temp files of a killed writer are swept, live ones and other files kept", "[core][fs]") {
  testing::TempDir dir;
  const auto stale = dir / ".daily-kpi.json.tmp.Ab12Cd";
  const auto fresh = dir / ".layout-update.json.tmp.Xy34Zw";
  const auto record = dir / "daily-kpi.json";
  const auto lookalike = dir / ".notes.tmp.old";  // not mkostemp's shape
  const auto outside = dir / "outside.txt";
  const auto link = dir / ".gsp-update.json.tmp.Qq11Rr";
  testing::write_file(stale, "{\"half\":");
  testing::write_file(fresh, "{\"in progress\":");
  testing::write_file(record, "{}\n");
  testing::write_file(lookalike, "keep");
  testing::write_file(outside, "keep");
  std::filesystem::create_symlink(outside, link);
  for (const auto& p : {stale, record, lookalike, outside}) age(p, 3600);
  age(link, 3600);

  CHECK(core::remove_stale_temp_files(dir.path(), std::chrono::minutes(10)) == 1);
  CHECK_FALSE(std::filesystem::exists(stale));
  CHECK(std::filesystem::exists(fresh));  // younger than 10 minutes: a writer may be at work
  CHECK(std::filesystem::exists(record));
  CHECK(std::filesystem::exists(lookalike));
  CHECK(std::filesystem::is_symlink(link));  // not a regular file: left alone
  CHECK(testing::read_file(outside) == "keep");

  CHECK(core::remove_stale_temp_files(dir / "missing") == 0);
}

TEST_CASE("ensure_directory creates a tree and never accepts a symlink", "[fs][harden]") {
  testing::TempDir dir;
  REQUIRE(core::ensure_directory(dir / "a" / "b" / "c", 0750).ok());
  CHECK(fs::is_directory(dir / "a" / "b" / "c"));
  CHECK(core::ensure_directory(dir / "a" / "b").ok());  // already there

  fs::create_directory(dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "runs");
  auto linked = core::ensure_directory(dir / "runs");
  REQUIRE_FALSE(linked.ok());
  CHECK(linked.error().kind == ErrorKind::output);
  CHECK(linked.error().message.find("symlink") != std::string::npos);
  // Nor as a parent it would create below.
  REQUIRE_FALSE(core::ensure_directory(dir / "runs" / "x").ok());
  CHECK_FALSE(fs::exists(dir / "elsewhere" / "x"));

  testing::write_file(dir / "file", "x");
  REQUIRE_FALSE(core::ensure_directory(dir / "file").ok());
}

TEST_CASE("atomic writes never go through a symlinked directory, and replace a symlinked file itself", "[fs][harden]") {
  testing::TempDir dir;
  fs::create_directory(dir / "real");
  fs::create_directory_symlink(dir / "real", dir / "link");
  auto through = core::write_file_atomic(dir / "link" / "tool.json", "{}");
  REQUIRE_FALSE(through.ok());
  CHECK(through.error().message.find("symlink") != std::string::npos);
  CHECK(fs::is_empty(dir / "real"));

  // A symlink where the file goes is replaced, its target untouched.
  testing::write_file(dir / "victim", "precious");
  fs::create_directory(dir / "out");
  fs::create_symlink(dir / "victim", dir / "out" / "Dashboard.csv");
  core::AtomicFileBatch batch(dir / "out");
  REQUIRE(batch.stage("Dashboard.csv", "a,b\n").ok());
  REQUIRE(batch.commit().ok());
  CHECK_FALSE(fs::is_symlink(dir / "out" / "Dashboard.csv"));
  CHECK(testing::read_file(dir / "out" / "Dashboard.csv") == "a,b\n");
  CHECK(testing::read_file(dir / "victim") == "precious");
}
