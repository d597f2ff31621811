#include "ingest/dir_source.hpp"

#include <catch2/catch.hpp>

#include "ingest/ingester.hpp"
#include "ingest_test_support.hpp"
#include "support/fake_clock.hpp"

using namespace gbpm;
using namespace gbpm::ingest;
using namespace gbpm::ingest::testing;
namespace fs = std::filesystem;

namespace {

// Writes a message file and sets its mtime `age` into the past.
void drop(const fs::path& path, std::string_view body, std::chrono::seconds age) {
  gbpm::testing::write_file(path, body);
  fs::last_write_time(path, fs::file_time_type::clock::now() - age);
}

DirSourceOptions ready_now(KeepFiles keep = KeepFiles::remove) {
  return DirSourceOptions{.keep = keep, .min_age = std::chrono::milliseconds{0}};
}

std::vector<std::string> ids(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("dir source hands out the oldest files first across dataset folders", "[ingest][dir]") {
  gbpm::testing::TempDir dir;
  drop(dir / "FUELINST" / "f3.json", "[]", std::chrono::seconds{10});
  drop(dir / "FREQ" / "q1.json", "[]", std::chrono::seconds{50});
  drop(dir / "FUELINST" / "f1.json", "[]", std::chrono::seconds{40});
  drop(dir / "BOALF" / "b1.json", "[]", std::chrono::seconds{30});
  DirSource source(dir.path(), ready_now());
  auto batch = source.receive({.max_messages = 3});
  REQUIRE(batch.ok());
  CHECK(ids(*batch) == std::vector<std::string>{"q1.json", "f1.json", "b1.json"});
  CHECK((*batch)[0].fallback_dataset == "FREQ");
  CHECK((*batch)[0].subject.empty());
  auto rest = source.receive({});
  REQUIRE(rest.ok());
  CHECK(ids(*rest) == std::vector<std::string>{"f3.json"});
}

TEST_CASE("dir source skips files that may still be being written", "[ingest][dir]") {
  gbpm::testing::TempDir dir;
  drop(dir / "FREQ" / "done.json", "[]", std::chrono::seconds{5});
  drop(dir / "FREQ" / "fresh.json", "[]", std::chrono::seconds{0});
  drop(dir / "FREQ" / ".hidden.json", "[]", std::chrono::seconds{5});
  drop(dir / "FREQ" / "x.json.tmp", "[]", std::chrono::seconds{5});
  drop(dir / "FREQ" / "y.json.part", "[]", std::chrono::seconds{5});
  drop(dir / "top-level.json", "[]", std::chrono::seconds{5});
  DirSource source(dir.path(), DirSourceOptions{.min_age = std::chrono::milliseconds{2000}});
  auto batch = source.receive({});
  REQUIRE(batch.ok());
  CHECK(ids(*batch) == std::vector<std::string>{"done.json"});
  CHECK(source.has_pending());  // fresh.json is not ready yet
}

TEST_CASE("dir source settles files: delete, keep, quarantine, release", "[ingest][dir]") {
  gbpm::testing::TempDir dir;
  drop(dir / "FREQ" / "a.json", "[1]", std::chrono::seconds{40});
  drop(dir / "FREQ" / "b.json", "[2]", std::chrono::seconds{30});
  drop(dir / "unknown" / "c.json", "[3]", std::chrono::seconds{20});
  SECTION("delete and quarantine") {
    DirSource source(dir.path(), ready_now());
    auto batch = source.receive({});
    REQUIRE(batch.ok());
    REQUIRE(batch->size() == 3);
    CHECK((*batch)[2].fallback_dataset.empty());  // "unknown" names no dataset
    REQUIRE(source.acknowledge((*batch)[0], Outcome::stored, "").ok());
    REQUIRE(source.acknowledge((*batch)[1], Outcome::quarantined, "at $[0]: expected object").ok());
    source.release((*batch)[2]);
    CHECK_FALSE(fs::exists(dir / "FREQ" / "a.json"));
    CHECK_FALSE(fs::exists(dir / "FREQ" / "b.json"));
    CHECK(gbpm::testing::read_file(dir / ".quarantine" / "FREQ" / "b.json") == "[2]");
    CHECK(gbpm::testing::read_file(dir / ".quarantine" / "FREQ" / "b.json.error.txt") == "at $[0]: expected object\n");
    CHECK(fs::exists(dir / "unknown" / "c.json"));
    // The released file comes back; settled and quarantined ones do not.
    auto again = source.receive({});
    REQUIRE(again.ok());
    CHECK(ids(*again) == std::vector<std::string>{"c.json"});
    CHECK((*again)[0].body == "[3]");
  }
  SECTION("keep") {
    DirSource source(dir.path(), ready_now(KeepFiles::keep));
    auto batch = source.receive({.max_messages = 1});
    REQUIRE(batch.ok());
    REQUIRE(source.acknowledge((*batch)[0], Outcome::kept_raw, "").ok());
    CHECK_FALSE(fs::exists(dir / "FREQ" / "a.json"));
    CHECK(gbpm::testing::read_file(dir / ".processed" / "FREQ" / "a.json") == "[1]");
  }
}

TEST_CASE("dir source bounds batches and its scan memory", "[ingest][dir]") {
  gbpm::testing::TempDir dir;
  for (int i = 0; i < 20; ++i) {
    drop(dir / "FREQ" / ("m" + std::to_string(100 + i) + ".json"), std::string(100, ' ') + "[]",
         std::chrono::seconds{100 - i});
  }
  DirSourceOptions options = ready_now();
  options.scan_window = 5;
  DirSource source(dir.path(), options);
  auto batch = source.receive({.max_messages = 100, .max_bytes = 250});
  REQUIRE(batch.ok());
  CHECK(ids(*batch) == std::vector<std::string>{"m100.json", "m101.json"});  // 2 × 102 bytes fit in 250
  CHECK(source.queued() == 3);                                               // the scan kept only 5
  for (const auto& m : *batch) REQUIRE(source.acknowledge(m, Outcome::stored, "").ok());
  // One message over the byte cap still goes, alone.
  auto single = source.receive({.max_messages = 100, .max_bytes = 10});
  REQUIRE(single.ok());
  CHECK(ids(*single) == std::vector<std::string>{"m102.json"});
}

TEST_CASE("dir drain end to end: fixtures into SQLite, the drop emptied, the bad one quarantined", "[ingest][dir]") {
  gbpm::testing::TempDir dir;
  const auto drop_dir = dir / "drop";
  int age = 100;
  const std::vector<std::pair<std::string, std::string>> files = {{"FUELINST", "FUELINST.json"},
                                                                  {"FREQ", "FREQ.json"},
                                                                  {"BOALF", "BOALF.json"},
                                                                  {"MELS", "MELS.json"},
                                                                  {"REMIT", "REMIT.json"}};
  for (const auto& [folder, fixture] : files) {
    drop(drop_dir / folder / (folder + "_202510271650_1.json"), iris_fixture(fixture), std::chrono::seconds{age--});
  }
  drop(drop_dir / "ZZNEW" / "ZZNEW_1.json", R"([{"dataset":"ZZNEW","x":1}])", std::chrono::seconds{age--});
  drop(drop_dir / "FREQ" / "FREQ_bad.json", "[{\"dataset\":", std::chrono::seconds{age--});

  auto opened = warehouse::SqliteWarehouse::open(dir / "gbpm.db", warehouse::OpenMode::read_write);
  REQUIRE(opened.ok());
  auto& wh = **opened;
  DirSource source(drop_dir, ready_now());
  core::FakeClock clock;
  log::Logger log{log::Logger::Options{.level = log::Level::off}};
  IngestOptions options;
  options.mode = RunMode::once;
  Ingester ingester(source, wh, clock, log, options);
  REQUIRE(ingester.run().ok());

  CHECK(count_rows(wh, "SELECT count(*) FROM bmrs_fuelinst_iris") == 19);
  CHECK(count_rows(wh, "SELECT count(*) FROM bmrs_freq_iris") == 2);
  CHECK(count_rows(wh, "SELECT count(*) FROM bmrs_boalf_iris") == 1);
  CHECK(count_rows(wh, "SELECT count(*) FROM bmrs_mels_iris") == 2);
  CHECK(count_rows(wh, "SELECT count(*) FROM bmrs_remit_iris") == 1);
  CHECK(count_rows(wh, "SELECT count(*) FROM raw_messages WHERE dataset = 'ZZNEW'") == 1);
  CHECK(count_rows(wh, "SELECT count(*) FROM quarantine") == 1);
  CHECK(count_rows(wh, "SELECT count(*) FROM bmrs_fuelinst_iris WHERE message_id = 'FUELINST_202510271650_1.json'") ==
        19);
  for (const auto& [folder, fixture] : files) CHECK(fs::is_empty(drop_dir / folder));
  CHECK(fs::exists(drop_dir / ".quarantine" / "FREQ" / "FREQ_bad.json"));
  CHECK(fs::exists(drop_dir / ".quarantine" / "FREQ" / "FREQ_bad.json.error.txt"));
}
