// Kill -9 of a writer mid-batch leaves a valid database with every batch
// either fully present or absent.

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "warehouse_fixtures.hpp"

using namespace gbpm::warehouse;
using namespace gbpm::warehouse::test;
using gbpm::testing::TempDir;

namespace {

constexpr int kRowsPerBatch = 1000;
const std::vector<std::string> kFuels = {"CCGT", "WIND", "NUCLEAR", "BIOMASS"};

// A FUELINST batch whose rows all carry message id "b<n>" and have keys no
// other batch uses.
Batch make_batch(int n) {
  const auto* spec = gbpm::elexon::find_dataset("FUELINST");
  Batch b;
  RecordGroup g{Source::iris, fmt::format("b{}", n), utc("2026-01-01T00:00:00Z") + std::chrono::seconds(n), {}};
  const auto base = utc("2020-01-01T00:00:00Z");
  for (int i = 0; i < kRowsPerBatch; ++i) {
    const int slot = n * (kRowsPerBatch / 4) + i / 4;
    const auto start = base + std::chrono::minutes(5) * slot;
    gbpm::elexon::Record r{spec, {}};
    r.values = {{start + std::chrono::minutes(5)},
                {start},
                {std::chrono::floor<std::chrono::days>(start)},
                {std::int64_t{1}},
                {kFuels[static_cast<std::size_t>(i % 4)]},
                {std::int64_t{i}}};
    g.records.push_back(std::move(r));
  }
  b.groups.push_back(std::move(g));
  return b;
}

// The child: writes batches first..first+99 until killed.
[[noreturn]] void writer(const std::filesystem::path& path, int first) {
  auto w = SqliteWarehouse::open(path, OpenMode::read_write);
  if (!w) _exit(3);
  for (int n = first; n < first + 100; ++n) {
    if (!(*w)->store(make_batch(n))) _exit(4);
  }
  _exit(0);
}

}  // namespace

TEST_CASE("kill -9 of a writer mid-batch leaves every batch whole or absent", "[warehouse][crash]") {
  TempDir dir;
  const auto path = dir / "gbpm.db";
  { auto w = open_rw(path); }  // schema first, so the child's time goes to batches
  std::mt19937 rng(20260519);
  std::uniform_int_distribution<int> delay_ms(100, 700);
  std::size_t complete_batches = 0;
  for (int round = 0; round < 6; ++round) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) writer(path, round * 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("round " << round);
    // Killed, or finished all its batches cleanly — never failed.
    CHECK((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)));

    auto w = open_rw(path);
    auto integrity = w->query("PRAGMA integrity_check", {});
    REQUIRE(integrity.ok());
    CHECK(*integrity->at(0).at(0).as_text() == "ok");
    auto counts = w->query("SELECT message_id, count(*) FROM bmrs_fuelinst_iris GROUP BY message_id", {});
    REQUIRE(counts.ok());
    for (const auto& row : *counts) {
      INFO("batch " << *row[0].as_text());
      CHECK(*row[1].as_integer() == kRowsPerBatch);
    }
    complete_batches = counts->size();
  }
  // The test only means something if writers got batches in before dying.
  CHECK(complete_batches > 0);
}
