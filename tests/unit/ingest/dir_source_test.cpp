#include "ingest/dir_source.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <map>
#include <set>

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

namespace {

// Every file under `root` (symlinks not followed) with its content, for
// "nothing outside the drop changed" checks.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_symlink()) {
      out[fs::relative(e.path(), root).string()] = "-> " + fs::read_symlink(e.path()).string();
    } else if (e.is_regular_file()) {
      out[fs::relative(e.path(), root).string()] = gbpm::testing::read_file(e.path());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("dir source never follows a symlink or reads a FIFO, and leaves them in place", "[ingest][dir][harden]") {
  gbpm::testing::TempDir dir;
  const fs::path root = dir / "drop";
  const fs::path outside = dir / "outside";
  gbpm::testing::write_file(outside / "secret.json", "[\"only the service may read this\"]");
  fs::permissions(outside / "secret.json", fs::perms::owner_read | fs::perms::owner_write);
  drop(outside / "FREQ" / "x.json", "[]", std::chrono::seconds{60});
  const auto before = snapshot(outside);

  drop(root / "FREQ" / "good.json", "[1]", std::chrono::seconds{30});
  fs::create_symlink(outside / "secret.json", root / "FREQ" / "link.json");  // a message file that is a symlink
  fs::create_symlink(outside / "FREQ", root / "LINKED");                     // a dataset folder that is a symlink
  REQUIRE(::mkfifo((root / "FREQ" / "fifo.json").c_str(), 0600) == 0);       // nobody ever writes it
  fs::create_directory(root / "FREQ" / "dir.json");

  DirSource source(root, ready_now());
  auto batch = source.receive({});
  REQUIRE(batch.ok());
  CHECK(ids(*batch) == std::vector<std::string>{"good.json"});
  for (const auto& m : *batch) REQUIRE(source.acknowledge(m, Outcome::stored, "").ok());
  CHECK(source.refused() == std::set<std::string>{"FREQ/dir.json", "FREQ/fifo.json", "FREQ/link.json", "LINKED"});
  // Nothing read, moved or removed outside the drop; the refused entries stay.
  CHECK(snapshot(outside) == before);
  CHECK(fs::is_symlink(root / "FREQ" / "link.json"));
  CHECK(fs::is_symlink(root / "LINKED"));
  CHECK(fs::is_fifo(root / "FREQ" / "fifo.json"));
  auto again = source.receive({});
  REQUIRE(again.ok());
  CHECK(again->empty());
}

TEST_CASE("dir source refuses a drop root that is a symlink", "[ingest][dir][harden]") {
  gbpm::testing::TempDir dir;
  drop(dir / "real" / "FREQ" / "a.json", "[]", std::chrono::seconds{30});
  fs::create_symlink(dir / "real", dir / "link");
  DirSource source(dir / "link", ready_now());
  auto batch = source.receive({});
  REQUIRE_FALSE(batch.ok());
  CHECK(batch.error().kind == ErrorKind::config);
  CHECK(batch.error().message.find("is a symlink") != std::string::npos);
}

TEST_CASE("a message swapped for a FIFO or a symlink after the scan is refused without blocking",
          "[ingest][dir][harden]") {
  gbpm::testing::TempDir dir;
  gbpm::testing::write_file(dir / "outside" / "target.json", "[\"outside\"]");
  drop(dir / "drop" / "FREQ" / "a.json", "[1]", std::chrono::seconds{50});
  drop(dir / "drop" / "FREQ" / "b.json", "[2]", std::chrono::seconds{40});
  drop(dir / "drop" / "FREQ" / "c.json", "[3]", std::chrono::seconds{30});
  DirSource source(dir / "drop", ready_now());
  auto first = source.receive({.max_messages = 1});  // scans all three, hands out one
  REQUIRE(first.ok());
  CHECK(ids(*first) == std::vector<std::string>{"a.json"});
  REQUIRE(source.queued() == 2);
  fs::remove(dir / "drop" / "FREQ" / "b.json");
  REQUIRE(::mkfifo((dir / "drop" / "FREQ" / "b.json").c_str(), 0600) == 0);
  fs::remove(dir / "drop" / "FREQ" / "c.json");
  fs::create_symlink(dir / "outside" / "target.json", dir / "drop" / "FREQ" / "c.json");
  auto rest = source.receive({});  // a blocking open of the FIFO would hang here
  REQUIRE(rest.ok());
  CHECK(rest->empty());
  CHECK(source.refused() == std::set<std::string>{"FREQ/b.json", "FREQ/c.json"});
  CHECK(fs::is_fifo(dir / "drop" / "FREQ" / "b.json"));
  CHECK(fs::is_symlink(dir / "drop" / "FREQ" / "c.json"));
}

TEST_CASE("a symlinked .quarantine or .processed is refused: nothing moves through it, the file stays, once",
          "[ingest][dir][harden]") {
  gbpm::testing::TempDir dir;
  const fs::path root = dir / "drop";
  const fs::path home = dir / "home";
  gbpm::testing::write_file(home / "runs" / "FREQ" / "a.json", "{\"run\":\"record\"}");
  const auto before = snapshot(home);
  drop(root / "FREQ" / "a.json", "[1]", std::chrono::seconds{30});
  const bool keep = GENERATE(false, true);
  fs::create_symlink(home / "runs", root / (keep ? ".processed" : ".quarantine"));
  DirSource source(root, ready_now(keep ? KeepFiles::keep : KeepFiles::remove));
  auto batch = source.receive({});
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 1);
  auto settled = source.acknowledge((*batch)[0], keep ? Outcome::stored : Outcome::quarantined, "bad");
  REQUIRE_FALSE(settled.ok());
  CHECK(settled.error().message.find("is a symlink") != std::string::npos);
  CHECK(snapshot(home) == before);                                     // runs/FREQ/a.json not replaced
  CHECK(gbpm::testing::read_file(root / "FREQ" / "a.json") == "[1]");  // left in place
  CHECK(fs::is_symlink(root / (keep ? ".processed" : ".quarantine")));
  auto again = source.receive({});  // its rows are committed: not handed out again
  REQUIRE(again.ok());
  CHECK(again->empty());
}

TEST_CASE("a file over the size limit is handed out as its first bytes with an error, unread beyond them",
          "[ingest][dir][harden]") {
  gbpm::testing::TempDir dir;
  drop(dir / "FREQ" / "big.json", "[" + std::string(5000, ' ') + "]", std::chrono::seconds{30});
  DirSourceOptions options = ready_now();
  options.max_file_bytes = 2000;
  DirSource source(dir.path(), options);
  auto batch = source.receive({});
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 1);
  const Message& m = (*batch)[0];
  CHECK(m.body.size() == kQuarantineHeadBytes);
  CHECK(m.body.front() == '[');
  CHECK(m.read_error.find("message of 5002 bytes is over the limit of 2000 bytes") != std::string::npos);
  REQUIRE(source.acknowledge(m, Outcome::quarantined, m.read_error).ok());
  CHECK(fs::file_size(dir / ".quarantine" / "FREQ" / "big.json") == 5002);  // moved whole
}
