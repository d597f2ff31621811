#include "failover/jobs.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/log.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using gbpm::core::TimePoint;
using gbpm::failover::JobRunner;
using gbpm::failover::JobRunnerOptions;
using gbpm::testing::TempDir;
using namespace std::chrono;

namespace {

const TimePoint t0 = sys_days{2026y / 11 / 28} + 10h + 30s;  // 10:00:30

std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  const auto path = dir / name;
  gbpm::testing::write_file(path, "#!/bin/sh\n" + body + "\n");
  ::chmod(path.c_str(), 0755);
  return path.string();
}

std::vector<gbpm::schedule::CrontabJob> jobs_from(const std::string& text) {
  auto tab = gbpm::schedule::parse_crontab(text, "test.crontab");
  INFO((tab.ok() ? "" : tab.error().message));
  REQUIRE(tab.ok());
  return tab->jobs;
}

std::vector<std::string> lines(const std::filesystem::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Ticks at the fixed timeline instant `t` until no job runs (real time, 10 s max).
void wait_idle(JobRunner& runner, TimePoint t) {
  const auto deadline = steady_clock::now() + 10s;
  while (runner.running_count() > 0 && steady_clock::now() < deadline) {
    runner.tick(t);
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(runner.running_count() == 0);
}

template <typename Pred>
bool eventually(Pred pred, milliseconds limit = 10s) {
  const auto deadline = steady_clock::now() + limit;
  while (!pred()) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

bool process_alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  // A zombie waiting for init to reap it is dead for our purposes.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  std::getline(stat, content);
  const auto close = content.rfind(')');
  return close == std::string::npos || content.size() < close + 3 || content[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("a */1 job runs on every scheduled minute, once per minute, output appended to its log", "[failover][jobs]") {
  TempDir dir;
  const std::string job = script(dir, "stamp.sh", "echo \"$1\" >> \"$2\"\necho ran");
  const auto out = dir / "stamps.txt";
  const auto log = dir / "job.log";
  JobRunner runner(jobs_from(fmt::format("*/1 * * * * gbpm {} tick {} >>{} 2>&1\n", job, out.string(), log.string())),
                   {}, gbpm::log::null_logger());
  runner.start(t0);
  CHECK(runner.next_fire() == sys_days{2026y / 11 / 28} + 10h + 1min);
  runner.tick(t0 + 10s);  // before the first fire time: nothing
  CHECK(runner.running_count() == 0);
  for (int minute = 1; minute <= 5; ++minute) {
    const TimePoint fire = sys_days{2026y / 11 / 28} + 10h + minutes{minute};
    runner.tick(fire);
    wait_idle(runner, fire);
    runner.tick(fire + 20s);  // later in the same minute: not again
    runner.tick(fire + 59s);
    CHECK(runner.running_count() == 0);
  }
  CHECK(lines(out).size() == 5);
  CHECK(lines(log) == std::vector<std::string>(5, "ran"));
  const auto stats = runner.stats();
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].name == "stamp.sh");
  CHECK(stats[0].started == 5);
  CHECK(stats[0].skipped_overlap == 0);
  CHECK(stats[0].last_exit == std::optional<int>(0));
}

TEST_CASE("a job still running at its next fire time is skipped, not doubled", "[failover][jobs]") {
  TempDir dir;
  const auto out = dir / "starts.txt";
  const std::string job = script(dir, "slow.sh", "echo start >> \"$1\"\nexec sleep 30");
  JobRunner runner(jobs_from(fmt::format("*/1 * * * * gbpm {} {}\n", job, out.string())),
                   JobRunnerOptions{.timeout = 10min}, gbpm::log::null_logger());
  runner.start(t0);
  runner.tick(t0 + 30s);  // 10:01:00 → starts
  REQUIRE(eventually([&] { return lines(out).size() == 1; }));
  runner.tick(t0 + 90s);   // 10:02:00 → still running: skipped
  runner.tick(t0 + 150s);  // 10:03:00 → skipped
  CHECK(runner.running_count() == 1);
  auto stats = runner.stats();
  CHECK(stats[0].started == 1);
  CHECK(stats[0].skipped_overlap == 2);
  CHECK(stats[0].running);
  runner.terminate(t0 + 160s);
  wait_idle(runner, t0 + 160s);
  CHECK(lines(out).size() == 1);
  CHECK(runner.stats()[0].last_exit == std::optional<int>(128 + SIGTERM));
}

TEST_CASE("a job over its timeout is terminated with everything in its process group", "[failover][jobs]") {
  TempDir dir;
  const auto pidfile = dir / "child.pid";
  const std::string job = script(dir, "hang.sh", "sleep 300 &\necho $! > \"$1\"\nwait");
  JobRunner runner(jobs_from(fmt::format("*/1 * * * * gbpm {} {}\n", job, pidfile.string())),
                   JobRunnerOptions{.timeout = 2min, .kill_after = 10s}, gbpm::log::null_logger());
  runner.start(t0);
  runner.tick(t0 + 30s);  // starts at 10:01
  REQUIRE(eventually([&] { return !gbpm::testing::read_file(pidfile).empty(); }));
  const pid_t grandchild = std::stoi(gbpm::testing::read_file(pidfile));
  CHECK(process_alive(grandchild));
  runner.tick(t0 + 90s);  // 10:02: running for 1 min: skipped, not timed out
  CHECK(runner.running_count() == 1);
  runner.tick(t0 + 151s);  // 10:03:01: over the 2 min timeout → SIGTERM to the group
  wait_idle(runner, t0 + 151s);
  CHECK(eventually([&] { return !process_alive(grandchild); }));
  const auto stats = runner.stats();
  CHECK(stats[0].timed_out == 1);
  CHECK(stats[0].failed == 1);
}

TEST_CASE("a job that ignores SIGTERM is killed after kill_after", "[failover][jobs]") {
  TempDir dir;
  const auto ready = dir / "ready";
  const std::string job = script(dir, "stubborn.sh", "trap '' TERM\ntouch \"$1\"\nwhile :; do sleep 1; done");
  JobRunner runner(jobs_from(fmt::format("*/1 * * * * gbpm {} {}\n", job, ready.string())),
                   JobRunnerOptions{.timeout = 1min, .kill_after = 5s}, gbpm::log::null_logger());
  runner.start(t0);
  runner.tick(t0 + 30s);
  REQUIRE(eventually([&] { return std::filesystem::exists(ready); }));
  runner.tick(t0 + 91s);  // timeout → SIGTERM (ignored)
  std::this_thread::sleep_for(200ms);
  runner.tick(t0 + 92s);
  CHECK(runner.running_count() == 1);
  runner.tick(t0 + 97s);  // kill_after passed → SIGKILL
  wait_idle(runner, t0 + 97s);
  CHECK(runner.stats()[0].last_exit == std::optional<int>(128 + SIGKILL));
}

TEST_CASE("wait_all sleeps on the given clock and kills a stubborn job once kill_after passed on it",
          "[failover][jobs]") {
  TempDir dir;
  const auto ready = dir / "ready";
  const std::string job = script(dir, "stubborn.sh", "trap '' TERM\ntouch \"$1\"\nwhile :; do sleep 1; done");
  JobRunner runner(jobs_from(fmt::format("*/1 * * * * gbpm {} {}\n", job, ready.string())),
                   JobRunnerOptions{.timeout = 1min, .kill_after = 5s}, gbpm::log::null_logger());
  runner.start(t0);
  runner.tick(t0 + 30s);
  REQUIRE(eventually([&] { return std::filesystem::exists(ready); }));
  runner.terminate(t0 + 31s);  // SIGTERM, ignored
  gbpm::core::FakeClock clock(t0 + 31s);
  const auto real_start = steady_clock::now();
  runner.wait_all(clock, 5s);
  // Sleeping on the wall clock, kill_after (5 s) would take 5 s of real time;
  // on the fake clock that time passes at once and the SIGKILL follows.
  CHECK(steady_clock::now() - real_start < 4s);
  wait_idle(runner, t0 + 40s);  // reaps the killed job
  CHECK(runner.stats()[0].last_exit == std::optional<int>(128 + SIGKILL));
  const auto sleeps = clock.sleeps();
  REQUIRE_FALSE(sleeps.empty());
  CHECK(sleeps.front() == 50ms);
  CHECK(clock.now() - (t0 + 31s) >= 5s);
}

TEST_CASE("stop: no new runs, running jobs get the grace period, then are terminated", "[failover][jobs]") {
  TempDir dir;
  const auto out = dir / "starts.txt";
  const std::string job = script(dir, "slow.sh", "echo start >> \"$1\"\nexec sleep 30");
  JobRunner runner(jobs_from(fmt::format("*/1 * * * * gbpm {} {}\n", job, out.string())),
                   JobRunnerOptions{.timeout = 10min, .stop_grace = 2min}, gbpm::log::null_logger());
  runner.start(t0);
  runner.tick(t0 + 30s);
  REQUIRE(eventually([&] { return lines(out).size() == 1; }));
  runner.stop(t0 + 40s);
  CHECK_FALSE(runner.scheduling());
  runner.tick(t0 + 90s);  // a fire time passes: nothing new starts, the old run continues
  CHECK(runner.running_count() == 1);
  CHECK(runner.stats()[0].skipped_overlap == 0);
  runner.tick(t0 + 161s);  // grace (2 min from 10:01:10) is over → SIGTERM
  wait_idle(runner, t0 + 161s);
  CHECK(lines(out).size() == 1);
  CHECK(runner.stats()[0].started == 1);
}

TEST_CASE("jobs get only allowed environment names: the crontab's GBPM_*, not LD_PRELOAD or systemd's socket",
          "[failover][jobs]") {
  TempDir dir;
  const auto out = dir / "env.txt";
  const std::string job = script(
      dir, "env.sh",
      "echo \"foo=$GBPM_FOO other=$OTHER preload=$LD_PRELOAD notify=$NOTIFY_SOCKET wd=$WATCHDOG_USEC\" > \"$1\"");
  gbpm::testing::ScopedEnv notify("NOTIFY_SOCKET", "/run/systemd/notify");
  gbpm::testing::ScopedEnv watchdog("WATCHDOG_USEC", "1000000");
  gbpm::testing::ScopedEnv inherited("LD_LIBRARY_PATH", "/tmp/evil");
  auto tab = gbpm::schedule::parse_crontab(
      fmt::format("GBPM_FOO=bar\nOTHER=x\nLD_PRELOAD={}/evil.so\n*/1 * * * * gbpm {} {}\n", dir.path().string(), job,
                  out.string()),
      "t");
  REQUIRE(tab.ok());
  JobRunnerOptions options;
  for (const auto& e : tab->env) options.env.emplace_back(e.name, e.value);
  JobRunner runner(tab->jobs, options, gbpm::log::null_logger());
  runner.start(t0);
  runner.tick(t0 + 30s);
  wait_idle(runner, t0 + 30s);
  CHECK(gbpm::testing::read_file(out) == "foo=bar other= preload= notify= wd=\n");
  CHECK(gbpm::failover::is_job_variable("PATH"));
  CHECK(gbpm::failover::is_job_variable("LC_ALL"));
  CHECK_FALSE(gbpm::failover::is_job_variable("LD_PRELOAD"));
  CHECK_FALSE(gbpm::failover::is_job_variable("LD_LIBRARY_PATH"));
  CHECK_FALSE(gbpm::failover::is_job_variable("NOTIFY_SOCKET"));
  CHECK_FALSE(gbpm::failover::is_job_variable("BASH_ENV"));
}

TEST_CASE("a job whose program is missing is counted as failed and retried next time", "[failover][jobs]") {
  JobRunner runner(jobs_from("*/1 * * * * gbpm /nonexistent/gbpm-tool --x\n"), {}, gbpm::log::null_logger());
  runner.start(t0);
  runner.tick(t0 + 30s);
  runner.tick(t0 + 90s);
  wait_idle(runner, t0 + 90s);
  const auto stats = runner.stats();
  CHECK(stats[0].failed == 2);
  CHECK(stats[0].last_exit.has_value());
  CHECK(*stats[0].last_exit != 0);
}
