#include "state/run_record.hpp"

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "core/fs.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;

TEST_CASE("run records round-trip through JSON", "[runs]") {
  state::RunRecord r;
  r.tool = "daily-kpi";
  r.version = "0.1.0";
  r.host = "primary";
  r.pid = 4242;
  r.state = "failed";
  r.start = sys_days{2026y / 10 / 25} + 1h + 30min;
  r.end = r.start + 1500ms;
  r.exit_code = 75;
  r.exit_name = "temp_fail";
  r.error = "Sheets answered 429 \"quota\"\nretry later";
  r.stats = {.rows_read = 50, .rows_written = 0, .api_calls = 3, .bytes_scanned = 1 << 20, .watermark = r.start - 5min};
  r.last_success = r.start - 30min;
  const auto back = state::RunRecord::from_json(*r.to_json());
  REQUIRE(back.ok());
  CHECK(back->tool == r.tool);
  CHECK(back->pid == 4242);
  CHECK(back->state == "failed");
  CHECK(back->start == r.start);
  CHECK(back->end == r.end);
  CHECK(back->exit_code == 75);
  CHECK(back->error == r.error);
  CHECK(back->stats.bytes_scanned == 1 << 20);
  CHECK(back->stats.watermark == r.stats.watermark);
  CHECK(back->last_success == r.last_success);
}

TEST_CASE("a damaged run record is a data error naming the file", "[runs]") {
  testing::TempDir dir;
  testing::write_file(state::run_record_path(dir.path(), "gsp-update"), R"({"tool":"gsp-update","start":12})");
  const auto r = state::read_run_record(dir.path(), "gsp-update");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::data);
  CHECK(r.error().message.find("gsp-update.json") != std::string::npos);
  CHECK(r.error().message.find("$.start") != std::string::npos);
}

TEST_CASE("write_file_atomic replaces the file whole and reports failures", "[fs]") {
  testing::TempDir dir;
  const auto path = dir / "state.json";
  REQUIRE(core::write_file_atomic(path, "first").ok());
  REQUIRE(core::write_file_atomic(path, "second").ok());
  CHECK(testing::read_file(path) == "second");

  testing::write_file(dir / "not-a-dir", "x");
  const auto st = core::write_file_atomic(dir / "not-a-dir" / "state.json", "data");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::output);
  CHECK(st.error().message.find("not-a-dir/state.json") != std::string::npos);
  CHECK(st.error().message.find("Not a directory") != std::string::npos);
}

// A writer killed with SIGKILL at random moments must leave either the old or
// the new content — never a prefix of the new one.
TEST_CASE("a crash mid-write never leaves a truncated file", "[fs][crash]") {
  testing::TempDir dir;
  const auto path = dir / "runs" / "layout-update.json";
  REQUIRE(core::ensure_directory(path.parent_path()).ok());
  // Each version is a complete, self-checking record: "<n>:" + payload + ":end".
  const auto version = [](int n) { return std::to_string(n) + ":" + std::string(2 << 20, 'a' + n % 26) + ":end"; };
  REQUIRE(core::write_file_atomic(path, version(0)).ok());

  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(0, 20000);
  int kills = 0;
  for (int round = 0; round < 15; ++round) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      for (int n = 1;; ++n) (void)core::write_file_atomic(path, version(n));
    }
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) ++kills;
    const std::string content = testing::read_file(path);
    const auto colon = content.find(':');
    REQUIRE(colon != std::string::npos);
    const int n = std::stoi(content.substr(0, colon));
    INFO("round " << round << " found version " << n << " of size " << content.size());
    CHECK(content == version(n));
  }
  CHECK(kills == 15);
}
