// Upsert throughput of the SQLite warehouse versus a plain INSERT of the same
// rows, measured in the same run (issue 5 acceptance: ratio >= 0.7).
//
//   warehouse_bench [ROWS] [DIR]     (defaults: 1000000 rows, $TMPDIR or /tmp)
//
// Both loads write the same FUELINST-shaped records into an identical table
// (created by the warehouse: same columns, primary key and index), in one
// transaction each, WAL + synchronous=FULL, values converted the same way.
// Timed: binding and stepping every row plus the commit; not timed: making
// the records in memory.

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "elexon/dataset.hpp"
#include "elexon/record.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace wh = gbpm::warehouse;

std::vector<gbpm::elexon::Record> make_records(std::size_t rows) {
  static const std::vector<std::string> fuels = {
      "BIOMASS", "CCGT",   "COAL",   "INTELEC", "INTEW",   "INTFR", "INTGRNL", "INTIFA2", "INTIRL", "INTNED",
      "INTNEM",  "INTNSL", "INTVKL", "NPSHYD",  "NUCLEAR", "OCGT",  "OIL",     "OTHER",   "PS",     "WIND"};
  const auto* spec = gbpm::elexon::find_dataset("FUELINST");
  const auto base = std::chrono::sys_days{std::chrono::year{2020} / 1 / 1};
  std::vector<gbpm::elexon::Record> out;
  out.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const auto start = gbpm::core::TimePoint{base} + std::chrono::minutes(5) * static_cast<long>(i / fuels.size());
    gbpm::elexon::Record r{spec, {}};
    r.values = {{start + std::chrono::minutes(5)},
                {start},
                {std::chrono::floor<std::chrono::days>(start)},
                {std::int64_t{1 + (start - std::chrono::floor<std::chrono::days>(start)) / std::chrono::minutes(30)}},
                {fuels[i % fuels.size()]},
                {static_cast<std::int64_t>(i % 20000)}};
    out.push_back(std::move(r));
  }
  return out;
}

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "warehouse_bench: {}\n", what);
  std::exit(1);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Plain INSERT (no ON CONFLICT) of the same rows into an identical table.
double plain_insert(const std::filesystem::path& path, const std::vector<gbpm::elexon::Record>& records) {
  {  // the same table as the warehouse makes
    auto w = wh::SqliteWarehouse::open(path, wh::OpenMode::read_write);
    if (!w) die(w.error().message);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) die("open");
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16384", nullptr, nullptr,
               nullptr);
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "INSERT INTO bmrs_fuelinst_iris (publish_time, start_time, settlement_date, settlement_period, fuel_type, "
      "generation, source, message_id, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
  const std::string received = wh::format_timestamp(gbpm::core::TimePoint{});
  const auto t0 = Clock::now();
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  for (const auto& r : records) {
    const std::string publish = wh::format_timestamp(*r.values[0].timestamp());
    const std::string start = wh::format_timestamp(*r.values[1].timestamp());
    const std::string date = wh::format_date(*r.values[2].date());
    const auto fuel = *r.values[4].text();
    sqlite3_bind_text(stmt, 1, publish.data(), static_cast<int>(publish.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, start.data(), static_cast<int>(start.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, date.data(), static_cast<int>(date.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, *r.values[3].integer());
    sqlite3_bind_text(stmt, 5, fuel.data(), static_cast<int>(fuel.size()), SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 6, *r.values[5].integer());
    sqlite3_bind_text(stmt, 7, "IRIS", 4, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, "bench", 5, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, received.data(), static_cast<int>(received.size()), SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE) die(sqlite3_errmsg(db));
    sqlite3_reset(stmt);
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
  const double s = seconds_since(t0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return s;
}

double upsert(wh::SqliteWarehouse& w, const std::vector<gbpm::elexon::Record>& records, wh::TableStats& stats) {
  wh::Batch batch;
  batch.groups.push_back(wh::RecordGroup{wh::Source::iris, "bench", gbpm::core::TimePoint{}, records});
  const auto t0 = Clock::now();
  auto result = w.store(batch);
  const double s = seconds_since(t0);
  if (!result) die(result.error().message);
  stats = result->total();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t rows = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path dir = std::filesystem::path(argc > 2 ? argv[2] : (tmp ? tmp : "/tmp")) /
                                    fmt::format("gbpm-warehouse-bench-{}", ::getpid());
  std::filesystem::create_directories(dir);

  fmt::print("making {} FUELINST-shaped records...\n", rows);
  const auto records = make_records(rows);

  const double plain_s = plain_insert(dir / "plain.db", records);
  fmt::print("plain INSERT, one transaction:  {:>9} rows in {:.3f} s = {:>9.0f} rows/s\n", rows, plain_s,
             static_cast<double>(rows) / plain_s);

  auto w = wh::SqliteWarehouse::open(dir / "upsert.db", wh::OpenMode::read_write);
  if (!w) die(w.error().message);
  wh::TableStats stats;
  const double upsert_s = upsert(**w, records, stats);
  fmt::print("upsert (store), one transaction:{:>9} rows in {:.3f} s = {:>9.0f} rows/s (inserted {})\n", rows, upsert_s,
             static_cast<double>(rows) / upsert_s, stats.inserted);
  const double replay_s = upsert(**w, records, stats);
  fmt::print("upsert replay (all ignored):    {:>9} rows in {:.3f} s = {:>9.0f} rows/s (ignored {})\n", rows, replay_s,
             static_cast<double>(rows) / replay_s, stats.ignored);
  fmt::print("ratio upsert/plain = {:.2f} (goal >= 0.70)\n", plain_s / upsert_s);

  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
