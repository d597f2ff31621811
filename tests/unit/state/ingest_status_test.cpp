// iris-ingest's status file: what the writer puts in is what the reader gets
// back, and a bad file is an error naming the field, not a silent zero.
#include "state/ingest_status.hpp"

#include <catch2/catch.hpp>

#include "core/time.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;

namespace {

core::TimePoint utc(const char* text) {
  auto t = core::parse_utc(text);
  REQUIRE(t);
  return *t;
}

state::IngestStatus full_status() {
  state::IngestStatus s;
  s.state = "running";
  s.source = "servicebus:elexon-iris/iris.0001";
  s.updated_at = utc("2026-12-07T10:00:00.250Z");
  s.started_at = utc("2026-12-07T09:00:00Z");
  s.newest_message_at = utc("2026-12-07T09:59:58.125Z");
  s.last_batch_at = utc("2026-12-07T09:59:59Z");
  s.messages = 1200;
  s.records = 34000;
  s.bytes = 9876543;
  s.batches = 40;
  s.kept_raw = 3;
  s.quarantined = 2;
  s.released = 1;
  s.store_failures = 4;
  s.receive_failures = 5;
  s.locks_renewed = 6;
  s.locks_lost = 7;
  s.datasets.push_back({"FREQ", 600, 30000, 29000, 10, 990, 0, 0, 0});
  s.datasets.push_back({"FUELINST", 500, 4000, 3900, 50, 50, 0, 1, 1});
  s.last_error = "warehouse busy";
  return s;
}

}  // namespace

TEST_CASE("ingest status: every field survives the writer and the reader", "[state][ingest_status]") {
  const state::IngestStatus in = full_status();
  auto out = state::parse_ingest_status(state::to_json(in));
  REQUIRE(out);
  CHECK(out->state == in.state);
  CHECK(out->source == in.source);
  CHECK(out->updated_at == in.updated_at);
  CHECK(out->started_at == in.started_at);
  CHECK(out->newest_message_at == in.newest_message_at);
  CHECK(out->last_batch_at == in.last_batch_at);
  CHECK(out->messages == 1200);
  CHECK(out->records == 34000);
  CHECK(out->bytes == 9876543);
  CHECK(out->batches == 40);
  CHECK(out->kept_raw == 3);
  CHECK(out->quarantined == 2);
  CHECK(out->released == 1);
  CHECK(out->store_failures == 4);
  CHECK(out->receive_failures == 5);
  CHECK(out->locks_renewed == 6);
  CHECK(out->locks_lost == 7);
  CHECK(out->last_error == "warehouse busy");
  REQUIRE(out->datasets.size() == 2);
  const auto& f = out->datasets[1];
  CHECK(f.name == "FUELINST");
  CHECK(f.messages == 500);
  CHECK(f.records == 4000);
  CHECK(f.inserted == 3900);
  CHECK(f.updated == 50);
  CHECK(f.ignored == 50);
  CHECK(f.quarantined == 1);
  CHECK(f.released == 1);
  // Written twice, the same bytes: the format is deterministic.
  CHECK(state::to_json(*out) == state::to_json(in));
}

TEST_CASE("ingest status: absent times stay absent, missing counters read as zero", "[state][ingest_status]") {
  auto s = state::parse_ingest_status(R"({"state":"stopped","updated_at":"2026-12-07T10:00:00Z"})");
  REQUIRE(s);
  CHECK(s->state == "stopped");
  CHECK_FALSE(s->newest_message_at.has_value());
  CHECK_FALSE(s->started_at.has_value());
  CHECK(s->messages == 0);
  CHECK(s->datasets.empty());
}

TEST_CASE("ingest status: a malformed file is an error naming the field", "[state][ingest_status]") {
  for (const char* bad : {R"({"updated_at":"2026-12-07T10:00:00Z"})",         // no state
                          R"({"state":"running"})",                           // no updated_at
                          R"({"state":"running","updated_at":"yesterday"})",  // bad time
                          R"({"state":"running","updated_at":"2026-12-07T10:00:00Z","messages":"x"})",
                          R"({"state":"running","updated_at":"2026-12-07T10:00:00Z","datasets":[]})", "{"}) {
    INFO(bad);
    auto s = state::parse_ingest_status(bad);
    REQUIRE_FALSE(s);
    CHECK(s.error().kind == ErrorKind::data);
  }
  auto s = state::parse_ingest_status(R"({"state":"running","updated_at":"2026-12-07T10:00:00Z","messages":"x"})");
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("messages") != std::string::npos);
}

TEST_CASE("ingest status: written atomically and read back, no file is nullopt", "[state][ingest_status]") {
  testing::TempDir dir;
  const auto path = state::ingest_status_path(dir.path());
  CHECK(path == dir.path() / "runs" / "iris-ingest.status.json");
  auto none = state::read_ingest_status(path);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  std::filesystem::create_directories(path.parent_path());
  REQUIRE(state::write_ingest_status(path, full_status()));
  auto back = state::read_ingest_status(path);
  REQUIRE(back);
  REQUIRE(back->has_value());
  CHECK((*back)->messages == 1200);
  testing::write_file(path, "{\"state\":");
  auto broken = state::read_ingest_status(path);
  REQUIRE_FALSE(broken);
}
