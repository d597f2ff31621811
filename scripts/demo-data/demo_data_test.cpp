// The demo day: every message decodes against the dataset registry, the
// settlement-day shapes (46/48/50 periods) hold, values are plausible and
// deterministic, everything is labelled synthetic, --until cuts by publish
// time, and the drop layout is what iris-ingest's dir: source reads.

#include "demo_data.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/fs.hpp"
#include "core/time.hpp"
#include "elexon/decode.hpp"
#include "market/fuels.hpp"
#include "market/settlement.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono;
using gbpm::demo::DemoMessage;
using gbpm::demo::DemoOptions;

std::vector<DemoMessage> generate(DemoOptions options) {
  auto messages = gbpm::demo::generate_day(options);
  REQUIRE(messages.ok());
  return std::move(messages).value();
}

std::vector<gbpm::elexon::Record> decode(const DemoMessage& m) {
  auto decoded = gbpm::elexon::decode_message(m.body, "", "");
  INFO(m.message_id << ": " << (decoded ? std::string() : decoded.error().message));
  REQUIRE(decoded.ok());
  REQUIRE(decoded->known());
  REQUIRE(decoded->dataset == m.dataset);
  return std::move(decoded->records);
}

std::map<std::string, int> count_by_dataset(const std::vector<DemoMessage>& messages) {
  std::map<std::string, int> counts;
  for (const auto& m : messages) ++counts[m.dataset];
  return counts;
}

year_month_day ymd(int y, unsigned m, unsigned d) {
  return year_month_day{year{y}, month{m}, day{d}};
}

}  // namespace

TEST_CASE("demo day: every message decodes and is labelled synthetic", "[demo]") {
  const auto messages = generate({});
  REQUIRE_FALSE(messages.empty());
  std::set<std::string> ids;
  for (const auto& m : messages) {
    CHECK(m.message_id.rfind("demo-" + m.dataset + "_", 0) == 0);
    CHECK(m.message_id.size() > 5);
    CHECK(m.message_id.substr(m.message_id.size() - 5) == ".json");
    CHECK(ids.insert(m.message_id).second);
    const auto records = decode(m);
    CHECK_FALSE(records.empty());
    if (m.dataset == "REMIT") {
      CHECK(records.front().text("participant_id") == "DEMO");
      CHECK(records.front().text("cause").value_or("").rfind("DEMO:", 0) == 0);
    }
  }
  CHECK(std::is_sorted(messages.begin(), messages.end(),
                       [](const DemoMessage& a, const DemoMessage& b) { return a.published < b.published; }));
}

TEST_CASE("demo day: 2025-10-26 has 50 periods of every per-period dataset", "[demo]") {
  const auto messages = generate({});
  const auto counts = count_by_dataset(messages);
  // 25 hours of 5-minute instants.
  CHECK(counts.at("FUELINST") == 300);
  CHECK(counts.at("FREQ") == 300);
  for (const char* ds : {"INDO", "ITSDO", "MID", "DISEBSP"}) {
    INFO(ds);
    CHECK(counts.at(ds) == 50);
  }
  CHECK(counts.at("INDGEN") == counts.at("INDDEM"));
  CHECK(counts.at("REMIT") > 20);
  std::set<std::int64_t> periods;
  for (const auto& m : messages) {
    if (m.dataset != "INDO") continue;
    for (const auto& r : decode(m)) {
      CHECK(r.date("settlement_date") == sys_days{ymd(2025, 10, 26)});
      periods.insert(r.integer("settlement_period").value_or(0));
    }
  }
  CHECK(periods.size() == 50);
  CHECK(*periods.begin() == 1);
  CHECK(*periods.rbegin() == 50);
}

TEST_CASE("demo day: clock-change days in spring and a normal day", "[demo]") {
  DemoOptions spring;
  spring.date = ymd(2025, 3, 30);
  CHECK(count_by_dataset(generate(spring)).at("INDO") == 46);
  DemoOptions normal;
  normal.date = ymd(2025, 6, 12);
  const auto counts = count_by_dataset(generate(normal));
  CHECK(counts.at("INDO") == 48);
  CHECK(counts.at("FUELINST") == 288);
}

TEST_CASE("demo day: FUELINST carries every fuel type and interconnector with plausible values", "[demo]") {
  const auto messages = generate({});
  std::map<std::string, std::pair<double, double>> range;  // min, max per fuel
  double demand_4am = 0;
  double demand_peak = 0;
  for (const auto& m : messages) {
    if (m.dataset == "FUELINST") {
      const auto records = decode(m);
      CHECK(records.size() == 20);
      std::set<std::string> fuels;
      for (const auto& r : records) {
        const std::string fuel(r.text("fuel_type").value_or(""));
        fuels.insert(fuel);
        const double mw = static_cast<double>(r.integer("generation").value_or(-99999));
        auto [it, inserted] = range.try_emplace(fuel, mw, mw);
        it->second.first = std::min(it->second.first, mw);
        it->second.second = std::max(it->second.second, mw);
        // The period is the one containing the start time.
        const auto start = r.timestamp("start_time");
        REQUIRE(start);
        CHECK(r.integer("settlement_period") == gbpm::market::period_at(*start).period);
        CHECK(r.timestamp("publish_time") == *start + minutes{5});
      }
      CHECK(fuels.size() == 20);
    }
    if (m.dataset == "INDO") {
      const auto r = decode(m).front();
      const double mw = static_cast<double>(r.integer("demand").value_or(0));
      // SP 11-12 on this day are 04:00-05:00 GMT; SP 37 is 17:00 GMT.
      if (r.integer("settlement_period") == 11) demand_4am = mw;
      if (r.integer("settlement_period") == 37) demand_peak = mw;
    }
    if (m.dataset == "FREQ") {
      for (const auto& r : decode(m)) {
        CHECK(r.real("frequency").value_or(0) > 49.8);
        CHECK(r.real("frequency").value_or(0) < 50.2);
      }
    }
  }
  for (const auto& f : gbpm::market::fuel_types()) CHECK(range.count(std::string(f.code)) == 1);
  for (const auto& ic : gbpm::market::interconnectors()) {
    INFO(ic.code);
    REQUIRE(range.count(std::string(ic.code)) == 1);
    CHECK(std::abs(range.at(std::string(ic.code)).first) <= ic.capacity_mw);
    CHECK(std::abs(range.at(std::string(ic.code)).second) <= ic.capacity_mw);
  }
  CHECK(range.at("INTIRL").first < 0);  // exports are negative
  CHECK(range.at("INTFR").second > 0);  // imports positive
  CHECK(range.at("PS").first < 0);      // pumping overnight
  CHECK(range.at("PS").second > 0);
  CHECK(range.at("WIND").second - range.at("WIND").first > 2000);  // wind varies
  CHECK(range.at("CCGT").first > 0);
  CHECK(range.at("COAL").second == 0);
  CHECK(demand_4am > 14000);
  CHECK(demand_peak > demand_4am + 5000);  // the diurnal shape
}

TEST_CASE("demo day: deterministic per seed", "[demo]") {
  const auto a = generate({});
  const auto b = generate({});
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].message_id == b[i].message_id);
    CHECK(a[i].body == b[i].body);
  }
  DemoOptions other;
  other.seed = 7;
  const auto c = generate(other);
  REQUIRE(c.size() == a.size());
  int different = 0;
  for (std::size_t i = 0; i < a.size(); ++i) different += a[i].body != c[i].body ? 1 : 0;
  CHECK(different > static_cast<int>(a.size()) / 2);
}

TEST_CASE("demo day: --until keeps only what was published by then", "[demo]") {
  DemoOptions options;
  options.until = gbpm::core::parse_utc("2025-10-26T18:00:00Z").value();
  const auto messages = generate(options);
  for (const auto& m : messages) CHECK(m.published <= *options.until);
  const auto counts = count_by_dataset(messages);
  // Instants 23:00Z (the day before) .. 17:55Z, published 5 minutes later.
  CHECK(counts.at("FUELINST") == 19 * 12);
  // SP 38 (17:30-18:00 GMT) ends at 18:00 and is published then.
  CHECK(counts.at("INDO") == 38);
  DemoOptions before;
  before.until = gbpm::core::parse_utc("2025-10-25T12:00:00Z").value();
  const auto error = gbpm::demo::generate_day(before);
  REQUIRE_FALSE(error.ok());
  CHECK(error.error().kind == gbpm::ErrorKind::usage);
}

TEST_CASE("demo day: the drop layout, mtimes, notice and re-runs", "[demo]") {
  gbpm::testing::TempDir tmp;
  const auto dir = tmp.path() / "drop";
  DemoOptions options;
  options.until = gbpm::core::parse_utc("2025-10-26T06:00:00Z").value();
  const auto messages = generate(options);
  REQUIRE(gbpm::demo::write_drop(dir, messages, options).ok());
  std::size_t files = 0;
  for (const auto& folder : std::filesystem::directory_iterator(dir)) {
    if (!folder.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(folder)) {
      ++files;
      CHECK(f.path().filename().string().rfind("demo-" + folder.path().filename().string() + "_", 0) == 0);
    }
  }
  CHECK(files == messages.size());
  const auto& first = messages.front();
  const auto path = dir / first.dataset / first.message_id;
  CHECK(gbpm::core::read_file(path).value() == first.body);
  CHECK(std::filesystem::file_time_type::clock::to_sys(std::filesystem::last_write_time(path)) == first.published);
  const auto notice = gbpm::core::read_file(dir / "README.txt");
  REQUIRE(notice.ok());
  CHECK(notice->find("SYNTHETIC DEMO DATA") != std::string::npos);
  CHECK(notice->find("2025-10-26") != std::string::npos);

  // A re-run with a later --until replaces the demo files, keeps others.
  REQUIRE(gbpm::core::write_file_atomic(dir / "FUELINST" / "real.json", "[]").ok());
  DemoOptions later;
  later.until = gbpm::core::parse_utc("2025-10-26T07:00:00Z").value();
  const auto more = generate(later);
  REQUIRE(gbpm::demo::write_drop(dir, more, later).ok());
  std::size_t demo_files = 0;
  for (const auto& folder : std::filesystem::directory_iterator(dir)) {
    if (!folder.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(folder)) {
      demo_files += f.path().filename().string().rfind("demo-", 0) == 0 ? 1 : 0;
    }
  }
  CHECK(demo_files == more.size());
  CHECK(std::filesystem::exists(dir / "FUELINST" / "real.json"));
}
