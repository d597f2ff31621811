#include "elexon/insights_query.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/time.hpp"
#include "market/settlement.hpp"

using namespace gbpm;
using namespace gbpm::elexon;
using namespace std::chrono;

namespace {

core::TimePoint at(const char* text) {
  auto t = core::parse_utc(text);
  REQUIRE(t.ok());
  return *t;
}

std::vector<PlannedRequest> plan_ok(const DatasetQuery& query) {
  auto plan = plan_dataset(query);
  INFO((plan.ok() ? std::string() : plan.error().message));
  REQUIRE(plan.ok());
  return *plan;
}

// Checks the plan's windows are consecutive and cover `window` exactly.
void check_covers_exactly(const std::vector<PlannedRequest>& plan, TimeWindow window) {
  REQUIRE_FALSE(plan.empty());
  CHECK(plan.front().window.from == window.from);
  CHECK(plan.back().window.to == window.to);
  for (std::size_t i = 1; i < plan.size(); ++i) {
    INFO("chunk " << i);
    CHECK(plan[i - 1].window.to == plan[i].window.from);
    CHECK(plan[i].window.from < plan[i].window.to);
  }
}

}  // namespace

TEST_CASE("10 days of a dataset limited to 1 day become 10 requests with exact boundaries", "[elexon][insights]") {
  const TimeWindow window{at("2026-05-01T00:00:00Z"), at("2026-05-11T00:00:00Z")};
  const auto plan = plan_ok({.dataset = "INDGEN", .window = window});
  REQUIRE(plan.size() == 10);
  check_covers_exactly(plan, window);
  CHECK(plan[0].path ==
        "/datasets/INDGEN?publishDateTimeFrom=2026-05-01T00:00:00Z&publishDateTimeTo=2026-05-01T23:59:59Z");
  CHECK(plan[9].path ==
        "/datasets/INDGEN?publishDateTimeFrom=2026-05-10T00:00:00Z&publishDateTimeTo=2026-05-10T23:59:59Z");
  CHECK(plan[3].label == "INDGEN 2026-05-04T00:00:00Z..2026-05-04T23:59:59Z");
  for (std::size_t i = 0; i < plan.size(); ++i) CHECK(plan[i].window.to - plan[i].window.from == hours(24));
}

TEST_CASE("an unaligned window is cut at from + k x maximum and the last chunk is short", "[elexon][insights]") {
  const TimeWindow window{at("2026-05-01T06:30:00Z"), at("2026-05-03T01:00:00Z")};
  const auto plan = plan_ok({.dataset = "FREQ", .window = window});
  REQUIRE(plan.size() == 2);
  check_covers_exactly(plan, window);
  CHECK(plan[0].path ==
        "/datasets/FREQ?measurementDateTimeFrom=2026-05-01T06:30:00Z&measurementDateTimeTo=2026-05-02T06:29:59Z");
  CHECK(plan[1].path ==
        "/datasets/FREQ?measurementDateTimeFrom=2026-05-02T06:30:00Z&measurementDateTimeTo=2026-05-03T00:59:59Z");
}

TEST_CASE("a window within the maximum is one request, and an empty one is none", "[elexon][insights]") {
  const TimeWindow hour{at("2026-05-06T00:00:00Z"), at("2026-05-06T01:00:00Z")};
  CHECK(plan_ok({.dataset = "FUELINST", .window = hour}).size() == 1);
  const TimeWindow day{at("2026-05-06T00:00:00Z"), at("2026-05-07T00:00:00Z")};
  CHECK(plan_ok({.dataset = "NDF", .window = day}).size() == 1);
  CHECK(plan_ok({.dataset = "FUELINST", .window = {hour.from, hour.from}}).empty());
}

TEST_CASE("each dataset uses its own window parameters", "[elexon][insights]") {
  const TimeWindow w{at("2026-05-06T00:00:00Z"), at("2026-05-06T03:00:00Z")};
  const auto first_path = [&](std::string dataset, Endpoint endpoint = Endpoint::base) {
    return plan_ok({.dataset = std::move(dataset), .endpoint = endpoint, .window = w}).front().path;
  };
  CHECK(first_path("FUELINST").find("/datasets/FUELINST?publishDateTimeFrom=") == 0);
  CHECK(first_path("FUELHH").find("/datasets/FUELHH?publishDateTimeFrom=") == 0);
  CHECK(first_path("REMIT").find("/datasets/REMIT?publishDateTimeFrom=") == 0);
  CHECK(first_path("FREQ").find("/datasets/FREQ?measurementDateTimeFrom=") == 0);
  CHECK(first_path("MID") == "/datasets/MID?from=2026-05-06T00:00:00Z&to=2026-05-06T02:59:59Z");
  CHECK(first_path("BOALF").find("/datasets/BOALF?from=") == 0);
  CHECK(first_path("DISBSAD").find("/datasets/DISBSAD?from=") == 0);
  CHECK(first_path("FUELINST", Endpoint::stream).find("/datasets/FUELINST/stream?publishDateTimeFrom=") == 0);
  CHECK(first_path("PN", Endpoint::stream).find("/datasets/PN/stream?from=") == 0);
  // 00:00Z on a BST day is 01:00 local: SP3.
  CHECK(first_path("PN") == "/datasets/PN?settlementDate=2026-05-06&settlementPeriod=3");
}

TEST_CASE("PN/QPN base requests are one settlement period each, clock changes included", "[elexon][insights]") {
  // 01:00Z..03:00Z on a GMT day: SP3..SP6.
  const auto two_hours =
      plan_ok({.dataset = "QPN", .window = {at("2026-01-15T01:00:00Z"), at("2026-01-15T03:00:00Z")}});
  REQUIRE(two_hours.size() == 4);
  CHECK(two_hours[0].path == "/datasets/QPN?settlementDate=2026-01-15&settlementPeriod=3");
  CHECK(two_hours[3].path == "/datasets/QPN?settlementDate=2026-01-15&settlementPeriod=6");
  CHECK(two_hours[3].window.to == at("2026-01-15T03:00:00Z"));

  for (const auto& [date, periods] : {std::pair{year{2025} / October / 26, 50}, std::pair{year{2025} / March / 30, 46},
                                      std::pair{year{2026} / August / 1, 48}}) {
    const TimeWindow day{market::day_start_utc(date), market::day_end_utc(date)};
    const auto plan = plan_ok({.dataset = "PN", .window = day});
    INFO(market::format_date(date));
    REQUIRE(plan.size() == static_cast<std::size_t>(periods));
    check_covers_exactly(plan, day);
    const std::string d = market::format_date(date);
    CHECK(plan.front().path == "/datasets/PN?settlementDate=" + d + "&settlementPeriod=1");
    CHECK(plan.back().path == "/datasets/PN?settlementDate=" + d + "&settlementPeriod=" + std::to_string(periods));
  }
  // A BST day's SP1 starts the previous UTC evening.
  const auto bst = plan_ok({.dataset = "PN", .window = {at("2026-07-31T23:00:00Z"), at("2026-07-31T23:30:00Z")}});
  REQUIRE(bst.size() == 1);
  CHECK(bst[0].path == "/datasets/PN?settlementDate=2026-08-01&settlementPeriod=1");
}

TEST_CASE("MID is chunked to its 7-day maximum, and streams by the day", "[elexon][insights]") {
  const TimeWindow w{at("2026-05-01T00:00:00Z"), at("2026-05-16T00:00:00Z")};
  const auto mid = plan_ok({.dataset = "MID", .window = w});
  REQUIRE(mid.size() == 3);
  check_covers_exactly(mid, w);
  CHECK(mid[1].window.from == at("2026-05-08T00:00:00Z"));
  const auto stream = plan_ok({.dataset = "MID", .endpoint = Endpoint::stream, .window = w});
  CHECK(stream.size() == 15);
  check_covers_exactly(stream, w);
}

TEST_CASE("a smaller chunk may be asked for, a larger one only where the cap is assumed", "[elexon][insights]") {
  const TimeWindow day{at("2026-05-06T00:00:00Z"), at("2026-05-07T00:00:00Z")};
  const auto six_hourly = plan_ok({.dataset = "FREQ", .window = day, .chunk = hours(6)});
  REQUIRE(six_hourly.size() == 4);
  check_covers_exactly(six_hourly, day);

  const auto too_big = plan_dataset({.dataset = "FREQ", .window = day, .chunk = hours(48)});
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().kind == ErrorKind::usage);
  CHECK_THAT(too_big.error().message, Catch::Contains("maximum range"));

  const TimeWindow week{at("2026-05-01T00:00:00Z"), at("2026-05-08T00:00:00Z")};
  CHECK(plan_ok({.dataset = "FUELINST", .window = week, .chunk = hours(72)}).size() == 3);
  CHECK_FALSE(plan_dataset({.dataset = "FUELINST", .window = week, .chunk = seconds(0)}).ok());
  CHECK_FALSE(plan_dataset({.dataset = "PN", .window = week, .chunk = hours(1)}).ok());
}

TEST_CASE("filters are appended, repeated and percent-encoded", "[elexon][insights]") {
  const TimeWindow w{at("2026-05-06T00:00:00Z"), at("2026-05-06T01:00:00Z")};
  const auto plan = plan_ok({.dataset = "FUELINST",
                             .window = w,
                             .filters = {{"fuelType", "WIND"}, {"fuelType", "CCGT"}, {"note", "a b&c=(d)"}}});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].path.ends_with("&fuelType=WIND&fuelType=CCGT&note=a%20b%26c%3D%28d%29"));
}

TEST_CASE("bad queries are usage errors that say what is wrong", "[elexon][insights]") {
  const TimeWindow w{at("2026-05-06T00:00:00Z"), at("2026-05-06T01:00:00Z")};
  const auto error_of = [](const DatasetQuery& q) {
    auto plan = plan_dataset(q);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().kind == ErrorKind::usage);
    return plan.error().message;
  };
  CHECK_THAT(error_of({.dataset = "NOPE", .window = w}), Catch::Contains("NOPE"));
  CHECK_THAT(error_of({.dataset = "INDO", .endpoint = Endpoint::stream, .window = w}), Catch::Contains("no /stream"));
  CHECK_THAT(error_of({.dataset = "FUELINST", .window = {w.to, w.from}}), Catch::Contains("after it ends"));
  CHECK_THAT(error_of({.dataset = "MID", .window = w, .filters = {{"from", "2026-01-01"}}}),
             Catch::Contains("\"from\""));
  CHECK_THAT(error_of({.dataset = "BOD", .window = w, .filters = {{"settlementPeriodFrom", "3"}}}),
             Catch::Contains("settlementPeriodFrom"));
}

TEST_CASE("split_window rounds bounds up to whole seconds", "[elexon][insights]") {
  const core::TimePoint t0 = at("2026-05-06T00:00:00Z");
  const auto parts = split_window({t0 + milliseconds(1), t0 + seconds(10) + milliseconds(1)}, seconds(4));
  REQUIRE(parts.size() == 3);
  CHECK(parts[0] == TimeWindow{t0 + seconds(1), t0 + seconds(5)});
  CHECK(parts[1] == TimeWindow{t0 + seconds(5), t0 + seconds(9)});
  CHECK(parts[2] == TimeWindow{t0 + seconds(9), t0 + seconds(11)});
  CHECK(split_window({t0, t0 + seconds(10)}, seconds(0)).empty());
}

TEST_CASE("system prices: one request per settlement date, periods checked against the day", "[elexon][insights]") {
  auto plan = plan_system_prices(year{2025} / March / 29, year{2025} / March / 31);
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 3);
  CHECK((*plan)[0].path == "/balancing/settlement/system-prices/2025-03-29");
  CHECK((*plan)[1].path == "/balancing/settlement/system-prices/2025-03-30");
  CHECK((*plan)[1].window.to - (*plan)[1].window.from == hours(23));
  CHECK((*plan)[2].path == "/balancing/settlement/system-prices/2025-03-31");

  CHECK_FALSE(plan_system_prices(year{2025} / March / 31, year{2025} / March / 29).ok());
  auto sp50 = system_prices_request(year{2025} / October / 26, 50);
  REQUIRE(sp50.ok());
  CHECK(sp50->path == "/balancing/settlement/system-prices/2025-10-26/50");
  CHECK(sp50->window.from == at("2025-10-26T23:30:00Z"));
  auto sp47 = system_prices_request(year{2025} / March / 30, 47);
  REQUIRE_FALSE(sp47.ok());
  CHECK(sp47.error().kind == ErrorKind::usage);
  CHECK_THAT(sp47.error().message, Catch::Contains("46 periods"));
}

TEST_CASE("DISEBSP is asked for by settlement day in the path, a partial day period by period",
          "[elexon][insights][disebsp]") {
  const DatasetEndpoint* endpoint = find_endpoint("DISEBSP");
  REQUIRE(endpoint != nullptr);
  CHECK(endpoint->base_style == WindowStyle::settlement_day_path);
  CHECK(endpoint->path == "/balancing/settlement/system-prices");

  // The last hour of a BST day (SP47, SP48), the whole 50-period autumn day,
  // then the first hour of a GMT day (SP1, SP2).
  const TimeWindow w{at("2025-10-25T22:00:00Z"), at("2025-10-27T01:00:00Z")};
  const auto plan = plan_ok({.dataset = "DISEBSP", .window = w});
  std::vector<std::string> paths;
  for (const auto& r : plan) paths.push_back(r.path);
  CHECK(paths == std::vector<std::string>{"/balancing/settlement/system-prices/2025-10-25/47",
                                          "/balancing/settlement/system-prices/2025-10-25/48",
                                          "/balancing/settlement/system-prices/2025-10-26",
                                          "/balancing/settlement/system-prices/2025-10-27/1",
                                          "/balancing/settlement/system-prices/2025-10-27/2"});
  check_covers_exactly(plan, w);
  REQUIRE(plan.size() == 5);
  CHECK(plan[2].window == TimeWindow{at("2025-10-25T23:00:00Z"), at("2025-10-27T00:00:00Z")});  // 25 hours
  CHECK(plan[2].label == "DISEBSP 2025-10-26");
  CHECK(plan[0].label == "DISEBSP 2025-10-25 SP47");

  // A 23-hour spring day is one request; three whole days are three.
  const auto spring = plan_ok(
      {.dataset = "DISEBSP",
       .window = {market::day_start_utc(year{2026} / March / 28), market::day_end_utc(year{2026} / March / 30)}});
  REQUIRE(spring.size() == 3);
  CHECK(spring[1].path == "/balancing/settlement/system-prices/2026-03-29");
  CHECK(spring[1].window.to - spring[1].window.from == hours(23));

  // A period is planned when its start lies in the window; a BST day's SP1
  // starts the previous UTC evening.
  const auto bst = plan_ok({.dataset = "DISEBSP", .window = {at("2026-07-31T23:00:00Z"), at("2026-07-31T23:30:00Z")}});
  REQUIRE(bst.size() == 1);
  CHECK(bst[0].path == "/balancing/settlement/system-prices/2026-08-01/1");
  const auto unaligned =
      plan_ok({.dataset = "DISEBSP", .window = {at("2026-01-15T10:10:00Z"), at("2026-01-15T10:40:00Z")}});
  REQUIRE(unaligned.size() == 1);
  CHECK(unaligned[0].path == "/balancing/settlement/system-prices/2026-01-15/22");
  CHECK(plan_ok({.dataset = "DISEBSP", .window = {at("2026-01-15T10:10:00Z"), at("2026-01-15T10:20:00Z")}}).empty());
}

TEST_CASE("DISEBSP takes no stream, filters or chunk size", "[elexon][insights][disebsp]") {
  const TimeWindow w{at("2026-08-01T00:00:00Z"), at("2026-08-02T00:00:00Z")};
  for (const DatasetQuery& q : {DatasetQuery{.dataset = "DISEBSP", .endpoint = Endpoint::stream, .window = w},
                                DatasetQuery{.dataset = "DISEBSP", .window = w, .filters = {{"format", "json"}}},
                                DatasetQuery{.dataset = "DISEBSP", .window = w, .filters = {{"bmUnit", "T_X"}}},
                                DatasetQuery{.dataset = "DISEBSP", .window = w, .chunk = hours(1)}}) {
    auto plan = plan_dataset(q);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().kind == ErrorKind::usage);
  }
  CHECK_THAT(plan_dataset({.dataset = "DISEBSP", .endpoint = Endpoint::stream, .window = w}).error().message,
             Catch::Contains("no /stream"));
  CHECK_THAT(plan_dataset({.dataset = "DISEBSP", .window = w, .filters = {{"bmUnit", "T_X"}}}).error().message,
             Catch::Contains("takes no filters"));
  // The single-day helpers and the dataset plan agree.
  auto by_helper = system_prices_request(year{2026} / August / 1, 5);
  REQUIRE(by_helper.ok());
  const auto by_plan =
      plan_ok({.dataset = "DISEBSP", .window = {at("2026-08-01T01:00:00Z"), at("2026-08-01T01:30:00Z")}});
  REQUIRE(by_plan.size() == 1);
  CHECK(by_plan[0].path == by_helper->path);
  CHECK(by_plan[0].window == by_helper->window);
}
