#include "core/fs.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include "support/temp_dir.hpp"

using namespace gbpm;
namespace fs = std::filesystem;

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
