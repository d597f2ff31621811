// healthd's rules over fixture inputs: run records against the real crontab's
// schedules, iris-ingest's status file as iris-ingest writes it, warehouse
// freshness, disk and memory. Time is always a fixed instant (no wall clock).

#include "health/checks.hpp"

#include <catch2/catch.hpp>

#include "../warehouse/warehouse_fixtures.hpp"
#include "core/config.hpp"
#include "core/time.hpp"
#include "health/collect.hpp"
#include "ingest/ingester.hpp"
#include "json/json.hpp"
#include "support/temp_dir.hpp"
#include "warehouse/bigquery_warehouse.hpp"

using gbpm::Result;
using gbpm::core::TimePoint;
using gbpm::state::RunRecord;
using namespace gbpm::health;
using namespace std::chrono_literals;

namespace {

TimePoint utc(const char* text) {
  auto t = gbpm::core::parse_utc(text);
  REQUIRE(t);
  return *t;
}

std::string repo_crontab() {
  const std::string text = gbpm::testing::read_file(GBPM_SHIPPED_CRONTAB);
  REQUIRE(!text.empty());
  return text;
}

// The schedules of the shipped crontab (through lib/schedule's parser).
std::vector<ToolSchedule> shipped_schedules() {
  auto s = schedules_from_crontab(repo_crontab(), "crontab/gbpm.crontab");
  REQUIRE(s);
  return *s;
}

ToolSchedule schedule_of(std::string_view tool) {
  for (auto& s : shipped_schedules()) {
    if (s.tool == tool) return s;
  }
  FAIL("no such tool in the crontab: " << tool);
  return {};
}

RunRecord ok_record(std::string tool, TimePoint start, TimePoint end) {
  RunRecord r;
  r.tool = std::move(tool);
  r.state = "ok";
  r.start = start;
  r.end = end;
  r.exit_code = 0;
  r.exit_name = "ok";
  r.last_success = end;
  return r;
}

RunRecord failed_record(std::string tool, TimePoint start, std::optional<TimePoint> last_success) {
  RunRecord r;
  r.tool = std::move(tool);
  r.state = "failed";
  r.start = start;
  r.end = start + 20s;
  r.exit_code = 75;
  r.exit_name = "temp_fail";
  r.error = "sheets: 429 Too Many Requests";
  r.last_success = last_success;
  return r;
}

IngestStatus running_ingest(TimePoint updated, std::optional<TimePoint> newest) {
  IngestStatus s;
  s.state = "running";
  s.updated_at = updated;
  s.started_at = updated - 1h;
  s.newest_message_at = newest;
  return s;
}

// A complete set of observations where everything is fresh at `now`: every
// tool of the shipped crontab succeeded at its latest fire time.
Observations all_fresh(TimePoint now) {
  Observations obs;
  obs.now = now;
  std::vector<ToolObservation> tools;
  for (auto& s : shipped_schedules()) {
    // The latest fire at or before now: step forward from a day back.
    TimePoint last = now - 48h;
    for (auto f = s.next_after(last); f && *f <= now; f = s.next_after(*f)) last = *f;
    tools.push_back({s, ok_record(s.tool, last, last + 30s), {}});
  }
  obs.tools = std::move(tools);
  obs.ingest = Result<IngestStatus>(running_ingest(now - 5s, now - 40s));
  obs.freshness = std::vector<gbpm::market::DatasetFreshness>{
      {"FUELINST", now - 6min, now - 5min}, {"FREQ", now - 2min, now - 1min}, {"MID", now - 45min, now - 10min}};
  obs.disk = DiskUsage{std::uint64_t{10} << 30, std::uint64_t{40} << 30};
  obs.memory = MemoryInfo{std::uint64_t{2} << 30, std::uint64_t{4} << 30};
  return obs;
}

const CheckResult& find_check(const Report& report, std::string_view name) {
  for (const auto& c : report.checks) {
    if (c.name == name) return c;
  }
  FAIL("no check named " << name);
  return report.checks.front();
}

}  // namespace

TEST_CASE("health: a tool that succeeded at its latest due slot passes", "[health]") {
  const Thresholds t;
  // layout-update fires at 1,11,..,51; at 10:14 the 10:11 slot is due at 10:14 (grace 3m).
  const auto s = schedule_of("layout-update");
  const ToolObservation fresh{
      s, ok_record("layout-update", utc("2026-11-28T10:11:00Z"), utc("2026-11-28T10:11:40Z")), {}};
  const auto r = check_tool(fresh, utc("2026-11-28T10:14:30Z"), t);
  CHECK(r.status == CheckStatus::pass);
  CHECK(r.observed.value == 0.0);
}

TEST_CASE("health: the grace keeps a slot that is still running from counting as missed", "[health]") {
  const Thresholds t;  // grace 3m
  const auto s = schedule_of("layout-update");
  const ToolObservation tool{
      s, ok_record("layout-update", utc("2026-11-28T10:01:00Z"), utc("2026-11-28T10:01:30Z")), {}};
  // 10:11 fired 2m59s ago: not yet due.
  CHECK(check_tool(tool, utc("2026-11-28T10:13:59Z"), t).status == CheckStatus::pass);
  // 10:11 + 3m has passed without a success: one missed run → warn.
  const auto late = check_tool(tool, utc("2026-11-28T10:14:01Z"), t);
  CHECK(late.status == CheckStatus::warn);
  CHECK(late.observed.value == 1.0);
  CHECK_THAT(late.message, Catch::Contains("layout-update is stale") && Catch::Contains("2026-11-28T10:11:00Z"));
}

TEST_CASE("health: two missed scheduled runs fail the tool and name its last error", "[health]") {
  const Thresholds t;
  const auto s = schedule_of("realtime-dashboard");  // */5
  const ToolObservation tool{
      s, failed_record("realtime-dashboard", utc("2026-11-28T10:10:00Z"), utc("2026-11-28T10:00:20Z")), {}};
  // Due since 10:00:20: 10:05 and 10:10 (10:15 is within grace at 10:16).
  const auto r = check_tool(tool, utc("2026-11-28T10:16:00Z"), t);
  CHECK(r.status == CheckStatus::fail);
  CHECK(r.observed.value == 2.0);
  CHECK(r.threshold.value == 2.0);
  CHECK_THAT(r.message, Catch::Contains("realtime-dashboard") && Catch::Contains("429 Too Many Requests"));
}

TEST_CASE("health: the missed-run limits are configurable", "[health]") {
  gbpm::config::Config cfg;
  cfg.set_flag("GBPM_HEALTH_RUN_WARN_MISSED", "2", "test");
  cfg.set_flag("GBPM_HEALTH_RUN_FAIL_MISSED", "3", "test");
  cfg.set_flag("GBPM_HEALTH_RUN_GRACE", "1m", "test");
  auto t = thresholds_from_config(cfg);
  REQUIRE(t);
  const auto s = schedule_of("realtime-dashboard");
  const ToolObservation tool{
      s, ok_record("realtime-dashboard", utc("2026-11-28T10:00:00Z"), utc("2026-11-28T10:00:30Z")), {}};
  CHECK(check_tool(tool, utc("2026-11-28T10:06:30Z"), *t).status == CheckStatus::pass);  // 1 missed
  CHECK(check_tool(tool, utc("2026-11-28T10:11:30Z"), *t).status == CheckStatus::warn);  // 2 missed
  CHECK(check_tool(tool, utc("2026-11-28T10:16:30Z"), *t).status == CheckStatus::fail);  // 3 missed
}

TEST_CASE("health: a daily job is judged by its own slots, not by a period guess", "[health]") {
  const Thresholds t;
  const auto s = schedule_of("bmrs-backfill");  // 49 4 * * *
  const ToolObservation tool{
      s, ok_record("bmrs-backfill", utc("2026-11-27T04:49:00Z"), utc("2026-11-27T04:55:00Z")), {}};
  CHECK(check_tool(tool, utc("2026-11-28T04:51:00Z"), t).status == CheckStatus::pass);
  CHECK(check_tool(tool, utc("2026-11-28T04:53:00Z"), t).status == CheckStatus::warn);
  CHECK(check_tool(tool, utc("2026-11-29T04:53:00Z"), t).status == CheckStatus::fail);
}

TEST_CASE("health: no run record, an unreadable one, or no success ever all fail", "[health]") {
  const Thresholds t;
  const auto s = schedule_of("gsp-update");
  const auto now = utc("2026-11-28T10:00:00Z");
  const auto none = check_tool({s, std::nullopt, {}}, now, t);
  CHECK(none.status == CheckStatus::fail);
  CHECK_THAT(none.message, Catch::Contains("gsp-update has no run record"));
  const auto bad = check_tool({s, std::nullopt, "$.start: not a time"}, now, t);
  CHECK(bad.status == CheckStatus::fail);
  CHECK_THAT(bad.message, Catch::Contains("not a time"));
  const auto never = check_tool({s, failed_record("gsp-update", now - 1min, std::nullopt), {}}, now, t);
  CHECK(never.status == CheckStatus::fail);
  CHECK_THAT(never.message, Catch::Contains("never succeeded") && Catch::Contains("429"));
}

TEST_CASE("health: iris-ingest heartbeat older than the threshold fails", "[health]") {
  const Thresholds t;  // 30 s
  const auto now = utc("2026-11-28T10:00:00Z");
  const auto fresh = check_ingest(Result<IngestStatus>(running_ingest(now - 30s, now - 60s)), now, t);
  REQUIRE(fresh.size() == 2);
  CHECK(fresh[0].name == "ingest:heartbeat");
  CHECK(fresh[0].status == CheckStatus::pass);
  CHECK(fresh[1].status == CheckStatus::pass);
  const auto stale = check_ingest(Result<IngestStatus>(running_ingest(now - 31s, now - 60s)), now, t);
  CHECK(stale[0].status == CheckStatus::fail);
  CHECK(stale[0].observed.value == 31.0);
  CHECK(stale[0].threshold.value == 30.0);
  CHECK_THAT(stale[0].message, Catch::Contains("heartbeat is 31 s old"));
}

TEST_CASE("health: iris-ingest stopped, silent feed, missing or broken status file", "[health]") {
  const Thresholds t;  // message age 15m
  const auto now = utc("2026-11-28T10:00:00Z");
  auto stopped = running_ingest(now - 1s, now - 10s);
  stopped.state = "failed";
  stopped.last_error = "warehouse: disk I/O error";
  const auto a = check_ingest(Result<IngestStatus>(stopped), now, t);
  CHECK(a[0].status == CheckStatus::fail);
  CHECK_THAT(a[0].message, Catch::Contains("failed") && Catch::Contains("disk I/O error"));

  const auto silent = check_ingest(Result<IngestStatus>(running_ingest(now - 1s, now - 16min)), now, t);
  CHECK(silent[0].status == CheckStatus::pass);
  CHECK(silent[1].status == CheckStatus::fail);
  CHECK(silent[1].observed.value == 960.0);

  auto starting = running_ingest(now - 1s, std::nullopt);
  starting.started_at = now - 2min;
  CHECK(check_ingest(Result<IngestStatus>(starting), now, t)[1].status == CheckStatus::pass);
  starting.started_at = now - 20min;
  CHECK(check_ingest(Result<IngestStatus>(starting), now, t)[1].status == CheckStatus::fail);

  const auto missing = check_ingest(std::nullopt, now, t);
  CHECK(missing[0].status == CheckStatus::fail);
  CHECK(missing[1].status == CheckStatus::fail);
  const auto broken = check_ingest(Result<IngestStatus>(gbpm::state::parse_ingest_status("{").error()), now, t);
  CHECK(broken[0].status == CheckStatus::fail);
}

TEST_CASE("health: parses the status file exactly as iris-ingest writes it", "[health]") {
  gbpm::ingest::IngestStats stats;
  stats.started = utc("2026-11-28T09:00:00Z");
  stats.messages = 120;
  stats.kept_raw = 3;
  stats.quarantined = 2;
  stats.released = 1;
  stats.newest_message = utc("2026-11-28T09:59:30Z");
  stats.datasets["FUELINST"].inserted = 400;
  stats.datasets["FUELINST"].ignored = 20;
  const std::string text = gbpm::ingest::status_json(stats, "running", "dir:/x", utc("2026-11-28T10:00:00Z"));
  auto s = gbpm::state::parse_ingest_status(text);
  REQUIRE(s);
  CHECK(s->state == "running");
  CHECK(s->updated_at == utc("2026-11-28T10:00:00Z"));
  CHECK(s->started_at == utc("2026-11-28T09:00:00Z"));
  CHECK(s->newest_message_at == utc("2026-11-28T09:59:30Z"));
  CHECK(s->messages == 120);
  CHECK(s->quarantined == 2);
  REQUIRE(s->datasets.size() == 1);
  CHECK(s->datasets[0].name == "FUELINST");
  CHECK(s->datasets[0].inserted == 400);
  CHECK(s->datasets[0].ignored == 20);
}

TEST_CASE("health: per-dataset freshness against its own limit", "[health]") {
  const Thresholds t;  // FUELINST 20m, FREQ 10m, MID 90m
  const auto now = utc("2026-11-28T10:00:00Z");
  const std::vector<gbpm::market::DatasetFreshness> f = {
      {"FUELINST", now - 21min, now - 1min}, {"FREQ", now - 9min, now - 1min}, {"MID", std::nullopt, std::nullopt}};
  const auto r = check_freshness(f, now, t);
  REQUIRE(r.size() == 3);
  CHECK(r[0].name == "data:FUELINST");
  CHECK(r[0].status == CheckStatus::fail);
  CHECK(r[0].observed.value == 1260.0);
  CHECK(r[1].status == CheckStatus::pass);
  CHECK(r[2].status == CheckStatus::fail);
  const auto err = check_freshness(gbpm::make_error(gbpm::ErrorKind::config, "no warehouse yet"), now, t);
  REQUIRE(err.size() == 3);
  CHECK(err[0].status == CheckStatus::fail);
  CHECK_THAT(err[0].message, Catch::Contains("no warehouse yet"));
}

TEST_CASE("health: GBPM_HEALTH_DATASETS names registry datasets with ages", "[health]") {
  auto ok = parse_dataset_ages("FUELINST=5m, FREQ=90s");
  REQUIRE(ok);
  REQUIRE(ok->size() == 2);
  CHECK(ok->at(1).first == "FREQ");
  CHECK(ok->at(1).second == 90s);
  CHECK(!parse_dataset_ages("NOPE=5m"));
  CHECK(!parse_dataset_ages("FUELINST"));
  CHECK(!parse_dataset_ages("FUELINST=0s"));
  gbpm::config::Config cfg;
  cfg.set_flag("GBPM_HEALTH_DATASETS", "BOGUS=1m", "test");
  auto t = thresholds_from_config(cfg);
  REQUIRE(!t);
  CHECK(t.error().kind == gbpm::ErrorKind::config);
  CHECK_THAT(t.error().message, Catch::Contains("GBPM_HEALTH_DATASETS") && Catch::Contains("BOGUS"));
}

TEST_CASE("health: disk free thresholds", "[health]") {
  Thresholds t;
  t.disk_warn_free_bytes = 2000;
  t.disk_fail_free_bytes = 1000;
  CHECK(check_disk(DiskUsage{2000, 10000}, t).status == CheckStatus::pass);
  CHECK(check_disk(DiskUsage{1999, 10000}, t).status == CheckStatus::warn);
  CHECK(check_disk(DiskUsage{999, 10000}, t).status == CheckStatus::fail);
  CHECK(check_disk(gbpm::make_error(gbpm::ErrorKind::output, "statvfs: EACCES"), t).status == CheckStatus::fail);
  gbpm::config::Config cfg;
  cfg.set_flag("GBPM_HEALTH_DISK_WARN_MB", "100", "test");
  cfg.set_flag("GBPM_HEALTH_DISK_FAIL_MB", "200", "test");
  CHECK(!thresholds_from_config(cfg));  // warn stricter than fail is a mistake
}

TEST_CASE("health: memory from /proc/meminfo against thresholds", "[health]") {
  const auto m = parse_meminfo(
      "MemTotal:        4030000 kB\nMemFree:          120000 kB\nMemAvailable:     204800 kB\nBuffers: 1 kB\n");
  REQUIRE(m);
  CHECK(m->available_bytes == 204800ull * 1024);
  CHECK(m->total_bytes == 4030000ull * 1024);
  CHECK(!parse_meminfo("MemTotal: 1 kB\n"));
  Thresholds t;  // warn < 256 MiB, fail < 100 MiB
  CHECK(check_memory(*m, t).status == CheckStatus::warn);
  CHECK(check_memory(MemoryInfo{99u << 20, 0}, t).status == CheckStatus::fail);
  CHECK(check_memory(MemoryInfo{300u << 20, 0}, t).status == CheckStatus::pass);
}

TEST_CASE("health: all fresh is healthy and 200", "[health]") {
  const auto now = utc("2026-11-28T10:14:00Z");
  const auto report = evaluate(all_fresh(now), Thresholds{});
  for (const auto& c : report.checks) INFO(c.name << ": " << c.message);
  CHECK(report.overall == Overall::healthy);
  CHECK(http_status(report.overall) == 200);
  CHECK(report.checks.size() == 6 + 2 + 3 + 2);  // 6 crontab tools, ingest x2, 3 datasets, disk, memory
}

TEST_CASE("health: one stale tool makes the report unhealthy, 503, and names the tool", "[health]") {
  const auto now = utc("2026-11-28T10:14:00Z");
  auto obs = all_fresh(now);
  for (auto& tool : *obs.tools) {
    if (tool.schedule.tool == "outages-update") tool.record = ok_record("outages-update", now - 2h, now - 2h);
  }
  const auto report = evaluate(obs, Thresholds{});
  CHECK(report.overall == Overall::unhealthy);
  CHECK(http_status(report.overall) == 503);
  auto doc = gbpm::json::parse(render_health_json(report));
  REQUIRE(doc);
  CHECK(doc->root().field("status").as_string().value_or("") == "unhealthy");
  CHECK(doc->root().field("checked_at").as_string().value_or("") == "2026-11-28T10:14:00Z");
  const auto stale = doc->root().field("checks").field("run:outages-update");
  CHECK(stale.field("status").as_string().value_or("") == "fail");
  CHECK(stale.field("threshold").as_int64().value_or(-1) == 2);
  CHECK_THAT(std::string(stale.field("message").as_string().value_or("")), Catch::Contains("outages-update"));
  CHECK(doc->root().field("checks").field("run:layout-update").field("status").as_string().value_or("") == "pass");
}

TEST_CASE("health: a warn alone is degraded, still 503", "[health]") {
  const auto now = utc("2026-11-28T10:14:00Z");
  auto obs = all_fresh(now);
  obs.disk = DiskUsage{std::uint64_t{1} << 30, std::uint64_t{40} << 30};  // 1 GiB < 2 GiB warn
  const auto report = evaluate(obs, Thresholds{});
  CHECK(report.overall == Overall::degraded);
  CHECK(http_status(report.overall) == 503);
  CHECK(find_check(report, "disk").status == CheckStatus::warn);
}

TEST_CASE("health: an unreadable crontab fails rather than passing with no tools", "[health]") {
  const auto now = utc("2026-11-28T10:14:00Z");
  auto obs = all_fresh(now);
  obs.tools = gbpm::make_error(gbpm::ErrorKind::config, "/etc/cron.d/gbpm:3: bad minute");
  const auto report = evaluate(obs, Thresholds{});
  CHECK(report.overall == Overall::unhealthy);
  CHECK_THAT(find_check(report, "crontab").message, Catch::Contains("bad minute"));
}

TEST_CASE("health: metrics expose tool, dataset and ingest figures", "[health]") {
  const auto now = utc("2026-11-28T10:14:00Z");
  auto obs = all_fresh(now);
  auto status = running_ingest(now - 5s, now - 40s);
  status.messages = 1234;
  status.quarantined = 7;
  status.datasets.push_back({.name = "FUELINST", .inserted = 10, .updated = 2, .ignored = 3});
  obs.ingest = Result<IngestStatus>(status);
  const auto report = evaluate(obs, Thresholds{});
  const std::string m = render_metrics(report, obs);
  CHECK_THAT(m, Catch::Contains("# TYPE gbpm_tool_last_success_timestamp_seconds gauge"));
  // layout-update succeeded at 10:11:30 (its 10:11 slot + 30 s).
  CHECK_THAT(m, Catch::Contains("gbpm_tool_last_success_timestamp_seconds{tool=\"layout-update\"} 1795860690\n"));
  CHECK_THAT(m, Catch::Contains("gbpm_tool_last_run_duration_seconds{tool=\"layout-update\"} 30\n"));
  CHECK_THAT(m, Catch::Contains("gbpm_dataset_freshness_seconds{dataset=\"FUELINST\"} 360\n"));
  CHECK_THAT(m, Catch::Contains("gbpm_ingest_messages_total{outcome=\"acknowledged\"} 1234\n"));
  CHECK_THAT(m, Catch::Contains("gbpm_ingest_messages_total{outcome=\"quarantined\"} 7\n"));
  CHECK_THAT(m, Catch::Contains("gbpm_ingest_rows_total{dataset=\"FUELINST\",outcome=\"ignored\"} 3\n"));
  CHECK_THAT(m, Catch::Contains("gbpm_health_status 0\n"));
}

TEST_CASE("health: collect reads run records, the status file and the crontab from disk", "[health]") {
  gbpm::testing::TempDir dir;
  const auto home = dir.path() / "home";
  gbpm::testing::write_file(
      dir / "cron",
      "GBPM_HOME=/var/lib/gbpm\n"
      "*/5 * * * * gbpm /usr/local/bin/realtime-dashboard --config /etc/gbpm/gbpm.env "
      ">>/var/log/gbpm/realtime-dashboard.log 2>&1\n"
      "1-59/10 * * * * gbpm /usr/local/bin/layout-update >>/var/log/gbpm/layout-update.log 2>&1\n");
  const auto now = utc("2026-11-28T10:14:00Z");
  REQUIRE(gbpm::state::write_run_record(
      home, ok_record("realtime-dashboard", utc("2026-11-28T10:10:00Z"), utc("2026-11-28T10:10:20Z"))));
  gbpm::ingest::IngestStats stats;
  stats.started = now - 1h;
  stats.newest_message = now - 50s;
  gbpm::testing::write_file(home / "runs" / "iris-ingest.status.json",
                            gbpm::ingest::status_json(stats, "running", "dir:/x", now - 40s));
  gbpm::testing::write_file(dir / "meminfo", "MemTotal: 4000000 kB\nMemAvailable: 3000000 kB\n");
  Thresholds t;
  t.datasets.clear();  // no warehouse in this test
  const auto obs =
      collect(Sources{home, dir / "cron", "sqlite:" + (home / "gbpm.db").string(), dir / "meminfo"}, t, now);
  const auto report = evaluate(obs, t);
  CHECK(find_check(report, "run:realtime-dashboard").status == CheckStatus::pass);
  const auto& layout = find_check(report, "run:layout-update");
  CHECK(layout.status == CheckStatus::fail);
  CHECK_THAT(layout.message, Catch::Contains("no run record"));
  const auto& beat = find_check(report, "ingest:heartbeat");
  CHECK(beat.status == CheckStatus::fail);  // written 40 s ago > 30 s
  CHECK(beat.observed.value == 40.0);
  CHECK(find_check(report, "memory").observed.value == 3000000.0 * 1024);
  CHECK(find_check(report, "disk").status != CheckStatus::fail);
}

TEST_CASE("health: a BigQuery warehouse's freshness is read from its local staging store", "[health]") {
  namespace wt = gbpm::warehouse::test;
  gbpm::testing::TempDir dir;
  const auto home = dir.path() / "home";
  const auto now = utc("2026-11-28T10:14:00Z");
  const gbpm::warehouse::BigQueryUri uri{"gbpm-prod", "market", ""};
  const auto staging = gbpm::warehouse::staging_path(uri, home);
  std::filesystem::create_directories(staging.parent_path());
  {
    auto store = wt::open_rw(staging);
    gbpm::warehouse::Batch batch;
    batch.groups.push_back(wt::group(
        wt::records(
            "FUELINST",
            "[" + wt::fuelinst_row("2026-11-28T10:05:00Z", "2026-11-28T10:08:00Z", "2026-11-28", 21, "WIND", "5000") +
                "]"),
        "m1", now - 6min));
    REQUIRE(store->store(batch).ok());
  }
  gbpm::testing::write_file(dir / "cron", "");
  gbpm::testing::write_file(dir / "meminfo", "MemTotal: 4000000 kB\nMemAvailable: 3000000 kB\n");
  Thresholds t;
  t.datasets = {{"FUELINST", 20min}};
  const auto obs = collect(Sources{home, dir / "cron", "bigquery:gbpm-prod/market", dir / "meminfo"}, t, now);
  const auto report = evaluate(obs, t);
  const auto& fuel = find_check(report, "data:FUELINST");
  CHECK(fuel.status == CheckStatus::pass);
  CHECK(fuel.observed.value == 360.0);  // publish 10:08 → 6 min old at 10:14
}
