// The market queries, run as one suite against every backend: SQLite, and
// BigQuery over HTTPS to the fake BigQuery (each case runs once per backend
// via GENERATE, on the same data, with the same expectations), plus a direct
// comparison of both backends' answers on the fixture data.

#include <catch2/catch.hpp>

#include "backend_fixture.hpp"
#include "dashboard/dashboard.hpp"
#include "market/settlement.hpp"
#include "warehouse_fixtures.hpp"

using namespace gbpm::warehouse;
using namespace gbpm::warehouse::test;
using gbpm::core::format_utc;
using gbpm::testing::TempDir;
using namespace std::chrono;

// Runs the enclosing test case once per backend; `var` is a unique_ptr<TestBackend>.
#define OPEN_EACH_BACKEND(var, dir)                                                 \
  const std::string var##_kind = GENERATE(as<std::string>{}, "sqlite", "bigquery"); \
  INFO("backend: " << var##_kind);                                                  \
  auto var = make_backend(var##_kind, dir)

namespace {

year_month_day ymd(int y, unsigned m, unsigned d) {
  return year_month_day{year{y}, month{m}, day{d}};
}

void store(TestBackend& w, std::vector<gbpm::elexon::Record> recs, std::string id = "m", Source source = Source::iris) {
  Batch b;
  b.groups.push_back(group(std::move(recs), std::move(id), utc("2026-01-01T00:00:00Z"), source));
  w.store(b);
}

// FUELINST readings for `fuel` every 5 minutes from `first` with the given MW.
std::vector<gbpm::elexon::Record> fuelinst(std::string_view first, std::string_view fuel, const std::vector<int>& mw,
                                           std::string_view date = "2026-05-06", int sp = 1) {
  std::string json = "[";
  const auto start = utc(first);
  for (std::size_t i = 0; i < mw.size(); ++i) {
    const auto t = start + minutes(5) * static_cast<int>(i);
    if (i > 0) json += ",";
    json += fuelinst_row(format_utc(t), format_utc(t + minutes(5)), date, sp, fuel, std::to_string(mw[i]));
  }
  return records("FUELINST", json + "]");
}

std::string freq_rows(std::string_view first, int count, double hz, seconds step = seconds(15)) {
  std::string json;
  for (int i = 0; i < count; ++i) {
    if (!json.empty()) json += ",";
    json += fmt::format(R"({{"dataset":"FREQ","measurementTime":"{}","frequency":{}}})",
                        format_utc(utc(first) + step * i), hz);
  }
  return "[" + json + "]";
}

void store_at(TestBackend& w, std::vector<gbpm::elexon::Record> recs, std::string id, std::string_view received,
              Source source = Source::iris) {
  Batch b;
  b.groups.push_back(group(std::move(recs), std::move(id), utc(received), source));
  w.store(b);
}

std::vector<gbpm::elexon::Record> mid_price(std::string_view date, int sp, double price) {
  return records("MID", fmt::format(R"([{{"dataset":"MID","dataProvider":"APXMIDP","settlementDate":"{}",)"
                                    R"("settlementPeriod":{},"price":{},"volume":100.0}}])",
                                    date, sp, price));
}

}  // namespace

TEST_CASE("half-hour values are the mean of the 5-minute readings, never the sum", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  // SP9 on 2026-05-06 (BST) starts 03:00Z: six readings with a known mean.
  store(*w, fuelinst("2026-05-06T03:00:00Z", "CCGT", {7000, 7100, 7200, 7300, 7400, 7500}, "2026-05-06", 9));
  store(*w, fuelinst("2026-05-06T03:00:00Z", "INTFR", {-1000, -1000, -1000, -1000, -1000, -1000}, "2026-05-06", 9));
  store(*w, fuelinst("2026-05-06T03:00:00Z", "INTIRL", {300, 300, 300, 300, 300, 300}, "2026-05-06", 9));
  // A null reading is skipped, not counted as 0.
  store(*w,
        records("FUELINST",
                "[" + fuelinst_row("2026-05-06T03:00:00Z", "2026-05-06T03:05:00Z", "2026-05-06", 9, "WIND", "null") +
                    "," + fuelinst_row("2026-05-06T03:05:00Z", "2026-05-06T03:10:00Z", "2026-05-06", 9, "WIND", "900") +
                    "]"));
  auto day = w->market().day_series(ymd(2026, 5, 6));
  REQUIRE(day.ok());
  REQUIRE(day->periods.size() == 48);
  const auto& sp9 = day->periods[8];
  CHECK(sp9.period == 9);
  CHECK(format_utc(sp9.start_utc) == "2026-05-06T03:00:00Z");
  CHECK(sp9.fuel_source == gbpm::market::FuelSource::fuelinst);
  CHECK(sp9.fuel_mw.at("CCGT") == Approx(7250.0));
  CHECK(sp9.fuel_mw.at("WIND") == Approx(900.0));
  CHECK(sp9.net_import_mw == Approx(-700.0));
  // Missing periods are blank, never 0.
  const auto& sp8 = day->periods[7];
  CHECK(sp8.fuel_mw.empty());
  CHECK(sp8.fuel_source == gbpm::market::FuelSource::none);
  CHECK_FALSE(sp8.net_import_mw.has_value());
  CHECK_FALSE(sp8.frequency_hz.has_value());
  CHECK_FALSE(sp8.demand_mw.has_value());
  CHECK_FALSE(sp8.market_price.has_value());
}

TEST_CASE("FUELHH fills periods FUELINST does not cover", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  store(*w, fixture_records("FUELHH"));
  auto day = w->market().day_series(ymd(2026, 5, 6));
  REQUIRE(day.ok());
  const auto& sp8 = day->periods[7];
  CHECK(sp8.fuel_source == gbpm::market::FuelSource::fuelhh);
  CHECK(sp8.fuel_mw.at("CCGT") == Approx(7729));
}

TEST_CASE("clock-change days have 46 and 50 periods with correct UTC starts and BST bucketing", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  // Autumn 2025-10-26: SP1 2025-10-25T23:00Z; SP5 01:00Z is the repeated 01:00 (GMT).
  // One frequency sample set per period: 49.9 Hz in SP4 (00:30Z), 50.1 Hz in SP5 (01:00Z).
  store(*w, records("FREQ", freq_rows("2025-10-26T00:30:00Z", 120, 49.9)), "f1");
  store(*w, records("FREQ", freq_rows("2025-10-26T01:00:00Z", 120, 50.1)), "f2");
  // A sample before SP1 (previous settlement day, 22:59:45Z) must not land in SP1.
  store(*w, records("FREQ", freq_rows("2025-10-25T22:59:45Z", 1, 48.0)), "f3");
  auto autumn = w->market().day_series(ymd(2025, 10, 26));
  REQUIRE(autumn.ok());
  REQUIRE(autumn->periods.size() == 50);
  CHECK(format_utc(autumn->periods[0].start_utc) == "2025-10-25T23:00:00Z");
  CHECK(format_utc(autumn->periods[4].start_utc) == "2025-10-26T01:00:00Z");
  CHECK(format_utc(autumn->periods[49].start_utc) == "2025-10-26T23:30:00Z");
  CHECK_FALSE(autumn->periods[0].frequency_hz.has_value());
  CHECK(autumn->periods[3].frequency_hz == Approx(49.9));
  CHECK(autumn->periods[3].frequency_samples == 120);
  CHECK(autumn->periods[4].frequency_hz == Approx(50.1));
  CHECK_FALSE(autumn->periods[5].frequency_hz.has_value());

  // Spring 2025-03-30: SP3 starts 01:00Z (= 02:00 BST), SP46 22:30Z.
  store(*w, fuelinst("2025-03-30T01:00:00Z", "NUCLEAR", {4000, 4100, 4200, 4300, 4400, 4500}, "2025-03-30", 3));
  auto spring = w->market().day_series(ymd(2025, 3, 30));
  REQUIRE(spring.ok());
  REQUIRE(spring->periods.size() == 46);
  CHECK(format_utc(spring->periods[2].start_utc) == "2025-03-30T01:00:00Z");
  CHECK(format_utc(spring->periods[45].start_utc) == "2025-03-30T22:30:00Z");
  CHECK(spring->periods[2].fuel_mw.at("NUCLEAR") == Approx(4250));
  CHECK(spring->periods[1].fuel_mw.empty());
  CHECK(spring->periods[3].fuel_mw.empty());
}

TEST_CASE("per-period demand, prices and system prices", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  store(*w, fixture_records("MID"), "mid");
  store(*w, fixture_records("DISEBSP"), "sp");
  store(*w, fixture_records("INDO"), "indo");
  auto mid_day = w->market().day_series(ymd(2026, 5, 6));
  REQUIRE(mid_day.ok());
  std::size_t priced = 0;
  for (const auto& p : mid_day->periods) priced += p.market_price.has_value() ? 1 : 0;
  CHECK(priced == 1);  // only the one period in the fixture
  CHECK(mid_day->periods[8].market_price.has_value());

  auto sp_day = w->market().day_series(ymd(2026, 8, 1));
  REQUIRE(sp_day.ok());
  CHECK(sp_day->periods[4].system_sell_price.has_value());
  CHECK(sp_day->periods[4].system_buy_price.has_value());
  CHECK_FALSE(sp_day->periods[5].system_sell_price.has_value());

  auto indo_day = w->market().day_series(ymd(2026, 8, 19));
  REQUIRE(indo_day.ok());
  CHECK(indo_day->periods[23].demand_mw == Approx(22748));
}

TEST_CASE("latest complete fuel mix at T skips a half-delivered instant", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  // The fixture: 19 fuel types at 17:45Z. A later instant with only 2 types so far.
  store(*w, fixture_records("FUELINST"));
  store(
      *w,
      records("FUELINST",
              "[" + fuelinst_row("2024-02-12T17:50:00Z", "2024-02-12T17:55:00Z", "2024-02-12", 36, "CCGT", "16000") +
                  "," + fuelinst_row("2024-02-12T17:50:00Z", "2024-02-12T17:55:00Z", "2024-02-12", 36, "WIND", "5000") +
                  "]"),
      "partial");
  auto mix = w->market().latest_fuel_mix(utc("2024-02-12T18:00:00Z"));
  REQUIRE(mix.ok());
  REQUIRE(mix->has_value());
  CHECK(format_utc((*mix)->start_time) == "2024-02-12T17:45:00Z");
  CHECK((*mix)->readings.size() == 19);
  CHECK((*mix)->mw("CCGT") == Approx(15842));
  CHECK((*mix)->mw("BIOMASS") == Approx(2249));

  // As of before the fixture was published: nothing (the fixture's publish time is 17:50Z).
  auto early = w->market().latest_fuel_mix(utc("2024-02-12T17:49:00Z"));
  REQUIRE(early.ok());
  CHECK_FALSE(early->has_value());
  // Hours later: outside the look-back, nothing rather than stale data.
  auto late = w->market().latest_fuel_mix(utc("2024-02-13T18:00:00Z"));
  REQUIRE(late.ok());
  CHECK_FALSE(late->has_value());
}

TEST_CASE("REMIT: latest revision per mrid, active at T", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  store(*w, api_records("REMIT", "datasets_REMIT.json"), "req", Source::api);
  const auto active = [&](std::string_view at) {
    auto r = w->market().active_outages(utc(at), 0.0);
    REQUIRE(r.ok());
    std::vector<std::string> out;
    for (const auto& o : *r) out.push_back(fmt::format("{} r{} {}", o.asset_id, o.revision_number, o.unavailable_mw));
    return out;
  };
  // Rev 4 (published 00:33:52, ends 02:30) is the latest at 00:40.
  CHECK(active("2026-08-19T00:40:00Z") == std::vector<std::string>{"T_ROCK-1 r4 388"});
  // Rev 5 (published 00:59:53) ends at 00:59: no longer active at 01:05 even though rev 4 would be.
  CHECK(active("2026-08-19T01:05:00Z").empty());
  // Rev 6 is Dismissed; LYNE2 rev 2 (published 01:22:52) is active until 02:00.
  CHECK(active("2026-08-19T01:30:00Z") == std::vector<std::string>{"E_LYNE2 r2 43"});
  // Its end is exclusive.
  CHECK(active("2026-08-19T02:00:00Z").empty());
  // The threshold drops small outages.
  auto big = w->market().active_outages(utc("2026-08-19T01:30:00Z"), 100.0);
  REQUIRE(big.ok());
  CHECK(big->empty());
}

TEST_CASE("REMIT: an interconnector's import and export units count once", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  const auto remit = [](std::string_view mrid, std::string_view unit, int mw) {
    return fmt::format(
        R"({{"dataset":"REMIT","mrid":"{}","revisionNumber":1,"publishTime":"2026-08-19T00:00:00Z","createdTime":"2026-08-19T00:00:00Z",
        "assetId":"{}","affectedUnit":"{}","fuelType":"Other","normalCapacity":1000,"availableCapacity":{},"unavailableCapacity":{},
        "eventStatus":"Active","eventStartTime":"2026-08-18T00:00:00Z","eventEndTime":null,"cause":"Planned maintenance"}})",
        mrid, unit, unit, 1000 - mw, mw);
  };
  store(*w, records("REMIT", "[" + remit("A", "I_IED-FRAN1", 1000) + "," + remit("B", "I_IEG-FRAN1", 1000) + "," +
                                 remit("C", "I_IEG-IFA2", 500) + "," + remit("D", "T_DRAXX-1", 645) + "]"));
  auto r = w->market().active_outages(utc("2026-08-19T12:00:00Z"), 100.0);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].cable == std::optional<std::string>("I_IE*-FRAN1"));
  CHECK((*r)[0].merged_units == std::vector<std::string>{"I_IED-FRAN1", "I_IEG-FRAN1"});
  CHECK((*r)[0].unavailable_mw == 1000);
  CHECK((*r)[1].asset_id == "T_DRAXX-1");
  CHECK_FALSE((*r)[1].cable.has_value());
  CHECK((*r)[2].asset_id == "I_IEG-IFA2");
  double total = 0;
  for (const auto& o : *r) total += o.unavailable_mw;
  CHECK(total == 2145);
}

TEST_CASE("boundary forecasts: latest INDGEN/INDDEM per boundary for the current SP", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  const auto row = [](std::string_view code, std::string_view field, std::string_view boundary, int value,
                      std::string_view published) {
    return fmt::format(
        R"({{"dataset":"{}","{}":{},"publishTime":"{}","startTime":"2026-05-06T03:00:00Z","settlementDate":"2026-05-06","settlementPeriod":9,"boundary":"{}"}})",
        code, field, value, published, boundary);
  };
  store(*w, records("INDGEN", "[" + row("INDGEN", "generation", "N", 30000, "2026-05-06T02:17:00Z") + "," +
                                  row("INDGEN", "generation", "N", 31000, "2026-05-06T02:47:00Z") + "," +
                                  row("INDGEN", "generation", "B10", 500, "2026-05-06T02:47:00Z") + "," +
                                  row("INDGEN", "generation", "B2", 700, "2026-05-06T02:47:00Z") + "," +
                                  row("INDGEN", "generation", "N", 32000, "2026-05-06T03:17:00Z") + "]"));
  store(*w, records("INDDEM", "[" + row("INDDEM", "demand", "N", -29000, "2026-05-06T02:47:00Z") + "]"), "d");
  auto snap = w->market().boundary_forecasts(utc("2026-05-06T03:10:00Z"));
  REQUIRE(snap.ok());
  CHECK(snap->period.period == 9);
  REQUIRE(snap->boundaries.size() == 3);
  CHECK(snap->boundaries[0].boundary == "N");
  CHECK(snap->boundaries[0].generation_mw == Approx(31000));  // the 03:17 publish is after T
  CHECK(snap->boundaries[0].demand_mw == Approx(-29000));
  CHECK(snap->boundaries[1].boundary == "B2");
  CHECK_FALSE(snap->boundaries[1].demand_mw.has_value());
  CHECK(snap->boundaries[2].boundary == "B10");
}

TEST_CASE("freshness: newest record and receive time per dataset", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  store(*w, fixture_records("FUELINST"), "f");
  auto f = w->market().freshness({"FUELINST", "FREQ"}, utc("2024-02-12T18:00:00Z"));
  REQUIRE(f.ok());
  REQUIRE(f->size() == 2);
  CHECK((*f)[0].dataset == "FUELINST");
  REQUIRE((*f)[0].newest_record.has_value());
  CHECK(format_utc(*(*f)[0].newest_record) == "2024-02-12T17:50:00Z");
  CHECK((*f)[1].dataset == "FREQ");
  CHECK_FALSE((*f)[1].newest_record.has_value());
  // Far later: outside the freshness look-back.
  auto later = w->market().freshness({"FUELINST"}, utc("2024-03-12T18:00:00Z"));
  REQUIRE(later.ok());
  CHECK_FALSE((*later)[0].newest_record.has_value());
}

TEST_CASE("30-day statistics skip missing values", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  store(*w, fuelinst("2026-05-06T03:00:00Z", "CCGT", {1000, 1000, 1000, 1000, 1000, 1000}, "2026-05-06", 9));
  store(*w, fuelinst("2026-05-06T03:00:00Z", "WIND", {3000, 3000, 3000, 3000, 3000, 3000}, "2026-05-06", 9), "w");
  store(*w, fuelinst("2026-05-05T03:00:00Z", "CCGT", {2000, 2000, 2000, 2000, 2000, 2000}, "2026-05-05", 9), "c");
  auto days = w->market().series_range(ymd(2026, 4, 7), ymd(2026, 5, 6), SeriesPart::all, std::nullopt);
  REQUIRE(days.ok());
  REQUIRE(days->size() == 30);
  CHECK(days->back().date == ymd(2026, 5, 6));
  const auto stats = gbpm::market::summarize(*days, gbpm::market::Classification::defaults());
  CHECK(stats.generation.count == 2);
  CHECK(stats.generation.avg == Approx(3000));
  CHECK(stats.generation.min == Approx(2000));
  CHECK(stats.generation.max == Approx(4000));
  CHECK(stats.renewable_percent.min == Approx(0));
  CHECK(stats.renewable_percent.max == Approx(75));
  CHECK(stats.frequency.count == 0);
  CHECK_FALSE(stats.frequency.avg.has_value());
}

namespace {

std::string opt(const std::optional<double>& v) {
  return v ? fmt::format("{:.6f}", *v) : "-";
}

std::string opt_time(const std::optional<gbpm::core::TimePoint>& t) {
  return t ? format_utc(*t) : "-";
}

// Every answer the dashboard asks for over the fixture data, as text.
std::string render_answers(MarketQueries& q) {
  std::string out;
  for (const auto& day : {ymd(2024, 2, 12), ymd(2026, 5, 6), ymd(2026, 8, 1), ymd(2026, 8, 19)}) {
    auto series = q.day_series(day);
    REQUIRE(series.ok());
    for (const auto& p : series->periods) {
      out += fmt::format("{} SP{} {} fuel={} ", gbpm::market::format_date(day), p.period, format_utc(p.start_utc),
                         static_cast<int>(p.fuel_source));
      for (const auto& [fuel, mw] : p.fuel_mw) out += fmt::format("{}:{:.6f},", fuel, mw);
      out += fmt::format(" net={} demand={} tsd={} mid={} ssp={} sbp={} hz={}/{}\n", opt(p.net_import_mw),
                         opt(p.demand_mw), opt(p.transmission_demand_mw), opt(p.market_price), opt(p.system_sell_price),
                         opt(p.system_buy_price), opt(p.frequency_hz), p.frequency_samples);
    }
  }
  auto mix = q.latest_fuel_mix(utc("2024-02-12T18:00:00Z"));
  REQUIRE(mix.ok());
  REQUIRE(mix->has_value());
  out += "mix " + format_utc((*mix)->start_time) + " " + format_utc((*mix)->publish_time) + "\n";
  for (const auto& r : (*mix)->readings) out += fmt::format("  {} {}\n", r.fuel_type, opt(r.mw));
  for (const auto at : {"2026-08-19T00:40:00Z", "2026-08-19T01:05:00Z", "2026-08-19T01:30:00Z"}) {
    auto outages = q.active_outages(utc(at), 0.0);
    REQUIRE(outages.ok());
    for (const auto& o : *outages) {
      out += fmt::format("outage {} {} r{} {} {:.3f} {} {}\n", at, o.mrid, o.revision_number, o.asset_id,
                         o.unavailable_mw, format_utc(o.event_start), opt_time(o.event_end));
    }
  }
  auto fresh = q.freshness({"FUELINST", "FUELHH", "MID", "INDO", "REMIT", "FREQ"}, utc("2026-08-19T12:00:00Z"));
  REQUIRE(fresh.ok());
  for (const auto& f : *fresh) {
    out += fmt::format("fresh {} {} {}\n", f.dataset, opt_time(f.newest_record), opt_time(f.newest_received));
  }
  return out;
}

void load_fixture_data(TestBackend& w) {
  store(w, fixture_records("FUELINST"), "fuelinst");
  store(w, fixture_records("FUELHH"), "fuelhh");
  store(w, fixture_records("MID"), "mid");
  store(w, fixture_records("DISEBSP"), "disebsp");
  store(w, fixture_records("INDO"), "indo");
  store(w, api_records("REMIT", "datasets_REMIT.json"), "remit", Source::api);
  store(w, fuelinst("2026-05-06T03:00:00Z", "CCGT", {7000, 7100, 7200, 7300, 7400, 7500}, "2026-05-06", 9), "c");
}

}  // namespace

TEST_CASE("SQLite and BigQuery backends answer every market query identically on the same data",
          "[warehouse][market][bigquery]") {
  TempDir sqlite_dir;
  TempDir bigquery_dir;
  auto sqlite = make_backend("sqlite", sqlite_dir);
  auto bigquery = make_backend("bigquery", bigquery_dir);
  load_fixture_data(*sqlite);
  load_fixture_data(*bigquery);
  const std::string expected = render_answers(sqlite->market());
  // Not vacuous: the data is there.
  CHECK(expected.find("CCGT:7250.000000") != std::string::npos);
  CHECK(expected.find("outage") != std::string::npos);
  CHECK(render_answers(bigquery->market()) == expected);
}

TEST_CASE("a settlement-day range: one call fills every day, each period from its own day's rows",
          "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  // 2025-10-25 (BST, 48 periods, starts 2025-10-24T23:00Z): SP9 starts 03:00Z.
  store(*w, fuelinst("2025-10-25T03:00:00Z", "CCGT", {1000, 1000}, "2025-10-25", 9), "a");
  // 2025-10-26 (50 periods): SP5 is the repeated hour, 01:00Z = 01:00 GMT.
  store(*w, fuelinst("2025-10-26T01:00:00Z", "CCGT", {2000, 2200}, "2025-10-26", 5), "b");
  // 2025-10-27 (GMT, 48 periods, starts 00:00Z): SP1.
  store(*w, fuelinst("2025-10-27T00:00:00Z", "CCGT", {3000}, "2025-10-27", 1), "c");
  store(*w, mid_price("2025-10-26", 5, 88.5), "mid");
  store(*w, records("FREQ", freq_rows("2025-10-26T01:00:00Z", 4, 50.1)), "f1");
  store(*w, records("FREQ", freq_rows("2025-10-27T00:00:00Z", 4, 49.9)), "f2");

  auto days = w->market().series_range(ymd(2025, 10, 25), ymd(2025, 10, 27), SeriesPart::all, std::nullopt);
  REQUIRE(days.ok());
  REQUIRE(days->size() == 3);
  CHECK((*days)[0].date == ymd(2025, 10, 25));
  CHECK((*days)[0].periods.size() == 48);
  CHECK((*days)[1].periods.size() == 50);
  CHECK((*days)[2].periods.size() == 48);
  CHECK((*days)[0].periods[8].fuel_mw.at("CCGT") == Approx(1000));
  CHECK((*days)[1].periods[4].fuel_mw.at("CCGT") == Approx(2100));
  CHECK((*days)[1].periods[4].start_utc == utc("2025-10-26T01:00:00Z"));
  CHECK((*days)[1].periods[4].market_price == Approx(88.5));
  CHECK((*days)[1].periods[4].frequency_hz == Approx(50.1));
  CHECK((*days)[1].periods[4].frequency_samples == 4);
  CHECK((*days)[1].periods[3].fuel_mw.empty());
  CHECK_FALSE((*days)[1].periods[3].frequency_hz.has_value());
  CHECK((*days)[2].periods[0].fuel_mw.at("CCGT") == Approx(3000));
  CHECK((*days)[2].periods[0].frequency_hz == Approx(49.9));
  CHECK_FALSE((*days)[2].periods[0].market_price.has_value());

  // The same days asked one at a time give the same values.
  for (std::size_t i = 0; i < days->size(); ++i) {
    auto one = w->market().day_series((*days)[i].date);
    REQUIRE(one.ok());
    for (std::size_t k = 0; k < one->periods.size(); ++k) {
      CHECK(one->periods[k].fuel_mw == (*days)[i].periods[k].fuel_mw);
      CHECK(one->periods[k].frequency_samples == (*days)[i].periods[k].frequency_samples);
      CHECK(one->periods[k].market_price == (*days)[i].periods[k].market_price);
    }
  }

  // Only the parts asked for are filled.
  auto fuel_only = w->market().series_range(ymd(2025, 10, 26), ymd(2025, 10, 26), SeriesPart::fuel, std::nullopt);
  REQUIRE(fuel_only.ok());
  CHECK(fuel_only->front().periods[4].fuel_mw.at("CCGT") == Approx(2100));
  CHECK_FALSE(fuel_only->front().periods[4].market_price.has_value());
  CHECK_FALSE(fuel_only->front().periods[4].frequency_hz.has_value());
  auto price_only = w->market().day_series(ymd(2025, 10, 26), SeriesPart::market_price);
  REQUIRE(price_only.ok());
  CHECK(price_only->periods[4].market_price == Approx(88.5));
  CHECK(price_only->periods[4].fuel_mw.empty());
  CHECK(price_only->periods[4].fuel_source == gbpm::market::FuelSource::none);

  // Ranges are bounded: backwards or longer than kMaxSeriesDays is a usage error.
  auto backwards = w->market().series_range(ymd(2025, 10, 27), ymd(2025, 10, 25), SeriesPart::all, std::nullopt);
  REQUIRE_FALSE(backwards.ok());
  CHECK(backwards.error().kind == gbpm::ErrorKind::usage);
  auto too_long = w->market().series_range(ymd(2024, 1, 1), ymd(2025, 10, 27), SeriesPart::all, std::nullopt);
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().kind == gbpm::ErrorKind::usage);
}

TEST_CASE("re-delivered readings: the latest version wins across both tables and is never counted twice",
          "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  const auto row = [](std::string_view start, std::string_view publish, int mw) {
    return records("FUELINST", "[" + fuelinst_row(start, publish, "2026-05-06", 9, "CCGT", std::to_string(mw)) + "]");
  };
  // 03:00Z: IRIS first, then a later publish of the same reading via the API.
  store_at(*w, row("2026-05-06T03:00:00Z", "2026-05-06T03:05:00Z", 1000), "i1", "2026-05-06T03:05:10Z");
  store_at(*w, row("2026-05-06T03:00:00Z", "2026-05-06T03:06:00Z", 4000), "a1", "2026-05-07T00:00:00Z", Source::api);
  // ... and a replay of the old IRIS message arriving last does not win (greatest publish time).
  store_at(*w, row("2026-05-06T03:00:00Z", "2026-05-06T03:05:00Z", 1000), "i1", "2026-05-08T00:00:00Z");
  // 03:05Z only via the API.
  store_at(*w, row("2026-05-06T03:05:00Z", "2026-05-06T03:10:00Z", 2000), "a2", "2026-05-07T00:00:00Z", Source::api);
  // 03:10Z: re-published on IRIS with a correction (a second row of the key where the backend keeps copies).
  store_at(*w, row("2026-05-06T03:10:00Z", "2026-05-06T03:15:00Z", 1000), "i3", "2026-05-06T03:15:10Z");
  store_at(*w, row("2026-05-06T03:10:00Z", "2026-05-06T03:16:00Z", 6000), "i4", "2026-05-06T03:16:10Z");

  // MID is last-arrival: the API row received later replaces the IRIS one.
  store_at(*w, mid_price("2026-05-06", 9, 50.0), "m1", "2026-05-06T04:00:00Z");
  store_at(*w, mid_price("2026-05-06", 9, 70.0), "m2", "2026-05-07T04:00:00Z", Source::api);
  // FREQ is immutable: the first arrival of a sample stays, and it is one sample.
  store_at(*w, records("FREQ", freq_rows("2026-05-06T03:00:00Z", 1, 50.2)), "f1", "2026-05-06T03:00:20Z");
  store_at(*w, records("FREQ", freq_rows("2026-05-06T03:00:00Z", 1, 49.2)), "f2", "2026-05-07T00:00:00Z", Source::api);

  auto day = w->market().day_series(ymd(2026, 5, 6));
  REQUIRE(day.ok());
  const auto& sp9 = day->periods[8];
  CHECK(sp9.fuel_mw.at("CCGT") == Approx((4000.0 + 2000.0 + 6000.0) / 3.0));
  CHECK(sp9.market_price == Approx(70.0));
  CHECK(sp9.frequency_hz == Approx(50.2));
  CHECK(sp9.frequency_samples == 1);
}

TEST_CASE("REMIT: an outage row names its affected BM unit(s), an interconnector both of its units",
          "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  const auto remit = [](std::string_view mrid, std::string_view asset, std::string_view unit, int mw) {
    return fmt::format(
        R"({{"dataset":"REMIT","mrid":"{}","revisionNumber":1,"publishTime":"2026-08-19T00:00:00Z","createdTime":"2026-08-19T00:00:00Z",
        "assetId":"{}","affectedUnit":"{}","fuelType":"Other","normalCapacity":1000,"availableCapacity":{},"unavailableCapacity":{},
        "eventStatus":"Active","eventStartTime":"2026-08-18T00:00:00Z","eventEndTime":null,"cause":"Planned maintenance"}})",
        mrid, asset, unit, 1000 - mw, mw);
  };
  store(*w, records("REMIT", "[" + remit("A", "I_IED-FRAN1", "FRAN1-D", 800) + "," +
                                 remit("B", "I_IEG-FRAN1", "FRAN1-G", 900) + "," +
                                 remit("C", "T_ROCK-1", "ROCK-1", 500) + "]"));
  auto r = w->market().active_outages(utc("2026-08-19T12:00:00Z"), 100.0);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].asset_id == "I_IEG-FRAN1");
  CHECK((*r)[0].merged_units == std::vector<std::string>{"FRAN1-D", "FRAN1-G"});
  CHECK((*r)[1].asset_id == "T_ROCK-1");
  CHECK((*r)[1].merged_units == std::vector<std::string>{"ROCK-1"});
  // On the dashboard: Asset column the asset, BM Unit column the unit(s).
  const auto update = gbpm::dashboard::build_outages(*r);
  const auto& rows = update.blocks.at(0).cells;
  CHECK(gbpm::sheet::display_text(rows.at(0).at(1)) == "FRAN1-D + FRAN1-G");
  CHECK(gbpm::sheet::display_text(rows.at(1).at(0)).find("T_ROCK-1") != std::string::npos);
  CHECK(gbpm::sheet::display_text(rows.at(1).at(1)) == "ROCK-1");
}

TEST_CASE("a series as known at T: readings published after T do not count", "[warehouse][market]") {
  TempDir dir;
  OPEN_EACH_BACKEND(w, dir);
  const auto row = [](std::string_view start, std::string_view publish, int mw) {
    return records("FUELINST", "[" + fuelinst_row(start, publish, "2026-05-06", 9, "CCGT", std::to_string(mw)) + "]");
  };
  // SP9 (03:00Z-03:30Z): 03:00 published 03:05, 03:10 published 03:15, 03:15 published late at 03:40.
  store(*w, row("2026-05-06T03:00:00Z", "2026-05-06T03:05:00Z", 1000), "a");
  store(*w, row("2026-05-06T03:10:00Z", "2026-05-06T03:15:00Z", 2000), "c");
  store(*w, row("2026-05-06T03:15:00Z", "2026-05-06T03:40:00Z", 6000), "d");
  store(*w, records("FREQ", freq_rows("2026-05-06T03:00:00Z", 4, 50.0, minutes(5))), "f");  // 03:00 .. 03:15
  store(*w,
        records("INDO", R"([{"dataset":"INDO","publishTime":"2026-05-06T03:35:00Z","startTime":"2026-05-06T03:00:00Z",)"
                        R"("settlementDate":"2026-05-06","settlementPeriod":9,"demand":21000}])"),
        "indo");

  const auto sp9_at = [&](std::string_view at) {
    auto day = w->market().day_series(ymd(2026, 5, 6), SeriesPart::all, utc(at));
    REQUIRE(day.ok());
    return day->periods[8];
  };
  const auto early = sp9_at("2026-05-06T03:07:00Z");
  CHECK(early.fuel_mw.at("CCGT") == Approx(1000));  // only 03:00
  CHECK(early.frequency_samples == 2);              // 03:00, 03:05
  CHECK_FALSE(early.demand_mw.has_value());
  const auto mid = sp9_at("2026-05-06T03:16:00Z");
  CHECK(mid.fuel_mw.at("CCGT") == Approx(1500));  // (1000 + 2000) / 2: 03:15 is published at 03:40
  CHECK(mid.frequency_samples == 4);
  const auto late = sp9_at("2026-05-06T04:00:00Z");
  CHECK(late.fuel_mw.at("CCGT") == Approx(3000));  // (1000 + 2000 + 6000) / 3
  CHECK(late.demand_mw == Approx(21000));
  // Without a bound: everything stored.
  auto all = w->market().day_series(ymd(2026, 5, 6));
  REQUIRE(all.ok());
  CHECK(all->periods[8].fuel_mw.at("CCGT") == Approx(3000));
  CHECK(all->periods[8].demand_mw == Approx(21000));
}
