#include "backfill/plan.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

#include "backfill/journal.hpp"
#include "backfill/progress.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "market/settlement.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace gbpm::backfill;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

core::TimePoint at(std::string_view text) {
  auto t = core::parse_utc(text);
  REQUIRE(t.ok());
  return *t;
}

std::chrono::year_month_day day(std::string_view text) {
  auto d = market::parse_date(text);
  REQUIRE(d.ok());
  return *d;
}

std::vector<Chunk> range(std::string_view dataset, std::string_view first, std::string_view last) {
  auto plan = plan_range(dataset, day(first), day(last));
  REQUIRE(plan.ok());
  return *plan;
}

}  // namespace

TEST_CASE("FUELINST chunks are settlement days shifted by the 5-minute publication offset", "[backfill][plan]") {
  const auto chunks = range("FUELINST", "2026-05-06", "2026-05-07");
  REQUIRE(chunks.size() == 2);
  // BST: the settlement day starts at 23:00Z the day before.
  CHECK(chunks[0].slots.from == at("2026-05-05T23:00:00Z"));
  CHECK(chunks[0].slots.to == at("2026-05-06T23:00:00Z"));
  CHECK(chunks[0].request.path ==
        "/datasets/FUELINST?publishDateTimeFrom=2026-05-05T23:05:00Z&publishDateTimeTo=2026-05-06T23:04:59Z");
  CHECK(chunks[1].slots.from == chunks[0].slots.to);
}

TEST_CASE("a 25-hour autumn day is two FREQ requests because FREQ is capped at 24 hours", "[backfill][plan]") {
  const auto chunks = range("FREQ", "2026-10-25", "2026-10-25");
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0].slots.from == at("2026-10-24T23:00:00Z"));
  CHECK(chunks[0].slots.to == at("2026-10-25T23:00:00Z"));
  CHECK(chunks[1].slots.to == at("2026-10-26T00:00:00Z"));
  // The 23-hour spring day fits one request.
  CHECK(range("FREQ", "2026-03-29", "2026-03-29").size() == 1);
}

TEST_CASE("MID groups whole days up to its 7-day maximum and splits a week holding the long day", "[backfill][plan]") {
  const auto chunks = range("MID", "2026-01-01", "2026-01-20");
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].slots.to - chunks[0].slots.from == hours(24 * 7));
  CHECK(chunks[2].slots.to == at("2026-01-21T00:00:00Z"));
  for (const Chunk& c : range("MID", "2026-10-20", "2026-10-31")) {
    CHECK(c.slots.to - c.slots.from <= hours(24 * 7));
    // Every piece ends on a settlement-day boundary.
    CHECK(market::day_start_utc(market::period_at(c.slots.to).date) == c.slots.to);
  }
}

TEST_CASE("missing slots become requests for exactly those slots, adjacent ones merged", "[backfill][plan]") {
  const core::TimePoint sp = at("2026-01-15T10:00:00Z");
  auto chunks = plan_slots(
      "MID", {{sp + minutes(60), sp + minutes(90)}, {sp, sp + minutes(30)}, {sp + minutes(30), sp + minutes(60)}});
  REQUIRE(chunks.ok());
  REQUIRE(chunks->size() == 1);
  CHECK(chunks->front().request.path == "/datasets/MID?from=2026-01-15T10:00:00Z&to=2026-01-15T11:29:59Z");
  auto fuelhh = plan_slots("FUELHH", {{sp, sp + minutes(30)}, {sp + hours(3), sp + hours(3) + minutes(30)}});
  REQUIRE(fuelhh.ok());
  REQUIRE(fuelhh->size() == 2);
  // FUELHH rows are published at the period's end.
  CHECK(fuelhh->at(0).request.path ==
        "/datasets/FUELHH?publishDateTimeFrom=2026-01-15T10:30:00Z&publishDateTimeTo=2026-01-15T10:59:59Z");
}

TEST_CASE("unknown datasets and reversed dates are usage errors", "[backfill][plan]") {
  auto unknown = plan_range("NOPE", day("2026-01-01"), day("2026-01-02"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::usage);
  CHECK_THAT(unknown.error().message, Catch::Contains("FUELINST"));
  auto reversed = plan_range("MID", day("2026-01-02"), day("2026-01-01"));
  REQUIRE_FALSE(reversed.ok());
  CHECK(reversed.error().kind == ErrorKind::usage);
}

TEST_CASE("the journal remembers stored chunks across opens, per warehouse, ignoring a torn line",
          "[backfill][journal]") {
  testing::TempDir dir;
  const auto path = journal_path(dir.path(), "MID");
  const elexon::TimeWindow a{at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z")};
  const elexon::TimeWindow b{at("2026-01-02T00:00:00Z"), at("2026-01-03T00:00:00Z")};
  {
    auto journal = ChunkJournal::open(path, "sqlite:/a.db");
    REQUIRE(journal.ok());
    CHECK_FALSE(journal->covers(a));
    REQUIRE(journal->record({{a, 96}, {b, 96}}).ok());
    CHECK(journal->covers(a));
  }
  // A crash mid-append leaves a line without its newline.
  {
    std::string text = testing::read_file(path);
    text += "v1\tsqlite:/a.db\t2026-01-05T00:00:00Z\t2026-01";
    testing::write_file(path, text);
  }
  auto again = ChunkJournal::open(path, "sqlite:/a.db");
  REQUIRE(again.ok());
  // Two neighbouring chunks cover a window planned differently.
  CHECK(again->covers({at("2026-01-01T12:00:00Z"), at("2026-01-02T12:00:00Z")}));
  CHECK_FALSE(again->covers({at("2026-01-02T12:00:00Z"), at("2026-01-03T12:00:00Z")}));
  CHECK_FALSE(again->covers({at("2026-01-05T00:00:00Z"), at("2026-01-05T00:30:00Z")}));
  const elexon::TimeWindow c{at("2026-01-07T00:00:00Z"), at("2026-01-08T00:00:00Z")};
  REQUIRE(again->record({{c, 1}}).ok());
  auto third = ChunkJournal::open(path, "sqlite:/a.db");
  REQUIRE(third.ok());
  CHECK(third->covers(c));  // the record after the torn line is intact
  auto other = ChunkJournal::open(path, "sqlite:/b.db");
  REQUIRE(other.ok());
  CHECK_FALSE(other->covers(a));
}

TEST_CASE("the progress bar shows done/total, rate and ETA", "[backfill][progress]") {
  const ProgressSnapshot s{.chunks_done = 30,
                           .chunks_total = 120,
                           .chunks_failed = 2,
                           .rows = 45'000,
                           .elapsed = std::chrono::milliseconds(10'000)};
  CHECK(chunk_rate(s) == Approx(3.0));
  REQUIRE(eta(s).has_value());
  CHECK(eta(s)->count() == 30);
  const std::string bar = format_bar(s, 8);
  CHECK_THAT(bar, Catch::StartsWith("[##......]"));
  CHECK_THAT(bar, Catch::Contains("30/120 chunks") && Catch::Contains("45.0k rows") &&
                      Catch::Contains("3.0 chunks/s") && Catch::Contains("2 failed") && Catch::Contains("ETA 0:30"));
  CHECK_THAT(format_bar(ProgressSnapshot{.chunks_total = 5}), Catch::Contains("ETA --:--"));
  CHECK(format_duration(std::chrono::seconds(3725)) == "1:02:05");
}

TEST_CASE("without a terminal, progress is a log line per interval, not per chunk", "[backfill][progress]") {
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink != nullptr);
  core::FakeClock clock(at("2026-11-28T04:49:00Z"));
  log::Logger logger(log::Logger::Options{.tool = "bmrs-backfill", .sink = sink, .clock = &clock});
  ProgressReporter progress(ProgressStyle::log_lines, sink, logger, clock, std::chrono::seconds(10));
  for (std::size_t i = 1; i <= 5; ++i) progress.update(ProgressSnapshot{.chunks_done = i, .chunks_total = 10});
  clock.advance(std::chrono::seconds(10));
  progress.update(ProgressSnapshot{.chunks_done = 6, .chunks_total = 10});
  progress.finish(ProgressSnapshot{.chunks_done = 10, .chunks_total = 10});
  std::fflush(sink);
  std::rewind(sink);
  std::string text;
  for (int c = std::fgetc(sink); c != EOF; c = std::fgetc(sink)) text += static_cast<char>(c);
  std::fclose(sink);
  std::size_t lines = 0;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  CHECK(lines == 2);
  CHECK_THAT(text, Catch::Contains("chunks_done=1 ") && Catch::Contains("chunks_done=6 "));
  CHECK(text.find('\r') == std::string::npos);
}

TEST_CASE("DISEBSP is backfillable by settlement period: whole days are one request, a partial day one per period",
          "[backfill][plan][disebsp]") {
  const DatasetRule* rule = find_rule("DISEBSP");
  REQUIRE(rule != nullptr);
  CHECK(rule->cadence == Cadence::settlement);
  CHECK(rule->step == minutes(30));

  // Days: the 46-period spring day is one request like any other.
  const auto days = range("DISEBSP", "2026-03-28", "2026-03-30");
  REQUIRE(days.size() == 3);
  CHECK(days[1].request.path == "/balancing/settlement/system-prices/2026-03-29");
  CHECK(days[1].slots.from == at("2026-03-29T00:00:00Z"));
  CHECK(days[1].slots.to == at("2026-03-29T23:00:00Z"));
  CHECK(days[0].slots.to == days[1].slots.from);
  CHECK(days[2].slots.to == at("2026-03-30T23:00:00Z"));  // BST from the 29th

  // Gaps: SP21-22 of one day and the whole next day (GMT).
  auto chunks = plan_slots("DISEBSP", {{at("2026-01-15T10:00:00Z"), at("2026-01-15T11:00:00Z")},
                                       {at("2026-01-16T00:00:00Z"), at("2026-01-17T00:00:00Z")}});
  REQUIRE(chunks.ok());
  REQUIRE(chunks->size() == 3);
  CHECK(chunks->at(0).request.path == "/balancing/settlement/system-prices/2026-01-15/21");
  CHECK(chunks->at(0).slots.from == at("2026-01-15T10:00:00Z"));
  CHECK(chunks->at(0).slots.to == at("2026-01-15T10:30:00Z"));
  CHECK(chunks->at(1).request.path == "/balancing/settlement/system-prices/2026-01-15/22");
  CHECK(chunks->at(2).request.path == "/balancing/settlement/system-prices/2026-01-16");
  CHECK(chunks->at(2).slots.to - chunks->at(2).slots.from == hours(24));
  for (const Chunk& c : *chunks) CHECK(c.dataset == "DISEBSP");
}
