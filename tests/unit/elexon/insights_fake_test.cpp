// End to end: the Insights client over HTTPS (CurlTransport) against
// fake-elexon hosted in-process.

#include <catch2/catch.hpp>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/time.hpp"
#include "elexon/insights_client.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-elexon/elexon_service.hpp"
#include "net/curl_transport.hpp"
#include "support/fake_clock.hpp"

using namespace gbpm;
using namespace gbpm::elexon;
using namespace std::chrono;
namespace fe = gbpm::fakes::elexon;

namespace {

core::TimePoint at(const char* text) {
  auto t = core::parse_utc(text);
  REQUIRE(t.ok());
  return *t;
}

std::filesystem::path elexon_fixtures() {
  const char* dir = std::getenv("GBPM_FIXTURES");
  INFO("GBPM_FIXTURES must point at tests/fixtures (ctest sets it)");
  REQUIRE(dir != nullptr);
  return std::filesystem::path(dir) / "elexon";
}

// fake-elexon on a background thread, and a client pointed at it whose
// retry waits happen on a FakeClock (no real waiting).
struct Hosted {
  fe::ElexonService service;
  fakes::ServerHost host;
  core::FakeClock clock;

  explicit Hosted(fe::ElexonServiceOptions options = {})
      : service(with_fixtures(std::move(options))),
        host(fakes::ServeOptions{}, [this](httplib::Server& s) { service.install(s); }) {
    host.start();
  }

  static fe::ElexonServiceOptions with_fixtures(fe::ElexonServiceOptions options) {
    options.fixtures_dir = elexon_fixtures();
    return options;
  }

  InsightsClient client(int concurrency = 2) {
    InsightsOptions options;
    options.base_url = host.url() + "/bmrs/api/v1";
    options.concurrency = concurrency;
    options.request_timeout = seconds(20);
    options.backoff = net::BackoffPolicy(net::BackoffOptions{.random = [] { return 1.0; }});
    return InsightsClient(InsightsClient::curl({.ca_file = host.ca_file().string()}), clock, options);
  }
};

std::string text(const json::View& v, const char* field) {
  return std::string(v.field(field).as_string().value());
}

}  // namespace

TEST_CASE("e2e: 10 days of FUELINST in 1-day chunks, every row exactly once", "[elexon][insights][e2e]") {
  fe::ElexonServiceOptions options;
  options.max_window["FUELINST"] = hours(24);  // enforce the client's assumed cap
  Hosted h(options);
  InsightsClient client = h.client(3);
  const core::TimePoint from = at("2026-05-01T00:00:00Z");
  const core::TimePoint to = at("2026-05-11T00:00:00Z");

  std::set<std::pair<std::string, std::string>> keys;
  std::size_t rows = 0;
  std::size_t mismatched = 0;
  auto done = client.fetch({.dataset = "FUELINST", .window = {from, to}}, [&](FetchedChunk& chunk) {
    CHECK(chunk.page.envelope() == Envelope::data);
    for (const json::View row : chunk.page.rows()) {
      ++rows;
      const std::string publish = text(row, "publishTime");
      const std::string fuel = text(row, "fuelType");
      keys.emplace(publish, fuel);
      const auto start = core::parse_utc(text(row, "startTime"));
      if (!start || row.field("generation").as_int().value() != fe::generated_generation(*start, fuel)) ++mismatched;
    }
    return Status{};
  });
  INFO((done.ok() ? std::string() : done.error().message));
  REQUIRE(done.ok());

  // 10 requests, in order, with the planned query strings.
  const auto seen = h.service.requests();
  REQUIRE(seen.size() == 10);
  std::set<std::string> queries;
  for (const auto& r : seen) {
    CHECK(r.status == 200);
    CHECK(r.path == "/bmrs/api/v1/datasets/FUELINST");
    queries.insert(r.query);
  }
  CHECK(queries.count("publishDateTimeFrom=2026-05-01T00:00:00Z&publishDateTimeTo=2026-05-01T23:59:59Z") == 1);
  CHECK(queries.count("publishDateTimeFrom=2026-05-10T00:00:00Z&publishDateTimeTo=2026-05-10T23:59:59Z") == 1);

  // Every 5-minute publish instant in [from, to), 20 fuel types each, once.
  const std::size_t instants = 10 * 24 * 12;
  CHECK(rows == instants * 20);
  CHECK(keys.size() == rows);
  CHECK(done->rows == rows);
  CHECK(keys.begin()->first == "2026-05-01T00:00:00Z");
  CHECK(keys.rbegin()->first == "2026-05-10T23:55:00Z");
  CHECK(mismatched == 0);
}

TEST_CASE("e2e: the fake refuses a window over the limit with Elexon's problem body", "[elexon][insights][e2e]") {
  Hosted h;
  InsightsClient client = h.client(1);
  auto too_long = client.get(
      "/datasets/FREQ?measurementDateTimeFrom=2026-05-01T00:00:00Z&measurementDateTimeTo=2026-05-03T00:00:00Z");
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().kind == ErrorKind::usage);
  CHECK_THAT(
      too_long.error().message,
      Catch::Contains("HTTP 400 One or more validation errors occurred.: The date range must not exceed 1 day."));

  auto missing = client.get("/datasets/MID?from=2026-05-01T00:00:00Z");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::usage);
  CHECK_THAT(missing.error().message, Catch::Contains("to: The to field is required."));

  auto wrong_style = client.get("/datasets/MID?publishDateTimeFrom=2026-05-01T00:00:00Z");
  REQUIRE_FALSE(wrong_style.ok());
  CHECK(wrong_style.error().kind == ErrorKind::unavailable);
  CHECK_THAT(wrong_style.error().message, Catch::Contains("Resource not found"));

  // The same window through fetch() is chunked to fit: 2 requests, no error.
  auto chunked =
      client.fetch_pages({.dataset = "FREQ", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-03T00:00:00Z")}});
  REQUIRE(chunked.ok());
  REQUIRE(chunked->size() == 2);
  std::set<std::string> times;
  for (const Page& page : *chunked) {
    for (const json::View row : page.rows()) times.insert(text(row, "measurementTime"));
  }
  CHECK(times.size() == 2 * 86400 / 15);
  CHECK(*times.begin() == "2026-05-01T00:00:00Z");
  CHECK(*times.rbegin() == "2026-05-02T23:59:45Z");
}

TEST_CASE("e2e: the fake never sees more than `concurrency` requests in flight", "[elexon][insights][e2e]") {
  fe::ElexonServiceOptions options;
  options.response_delay = milliseconds(150);
  Hosted h(options);
  InsightsClient client = h.client(3);
  auto done = client.fetch({.dataset = "FUELHH", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-10T00:00:00Z")}},
                           [](FetchedChunk&) { return Status{}; });
  REQUIRE(done.ok());
  CHECK(h.service.request_count() == 9);
  CHECK(h.service.max_in_flight() <= 3);
  CHECK(h.service.max_in_flight() >= 2);
}

TEST_CASE("e2e: injected 429 and 503 are retried and the pull completes", "[elexon][insights][e2e]") {
  Hosted h;
  h.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/INDGEN",
                             .count = 1,
                             .status = 429,
                             .body = "",
                             .headers = {{"Retry-After", "3"}}});
  h.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/INDGEN", .count = 2, .status = 503, .body = "busy"});
  InsightsClient client = h.client(1);
  auto done = client.fetch({.dataset = "INDGEN", .window = {at("2026-05-06T00:00:00Z"), at("2026-05-08T00:00:00Z")}},
                           [](FetchedChunk& chunk) {
                             CHECK(chunk.page.size() == 2);  // the fixture's rows
                             return Status{};
                           });
  INFO((done.ok() ? std::string() : done.error().message));
  REQUIRE(done.ok());
  CHECK(done->chunks == 2);
  CHECK(done->http_attempts == 5);        // 2 chunks + 3 retried failures
  CHECK(h.service.request_count() == 2);  // the failures never reached the service
  const auto sleeps = h.clock.sleeps();
  REQUIRE(sleeps.size() == 3);
  CHECK(sleeps[0] >= seconds(3));  // Retry-After honoured
}

TEST_CASE("e2e: a dropped connection is retried", "[elexon][insights][e2e]") {
  Hosted h;
  h.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/datasets/FUELINST/stream", .drop = true});
  InsightsClient client = h.client(1);
  auto pages = client.fetch_pages({.dataset = "FUELINST",
                                   .endpoint = Endpoint::stream,
                                   .window = {at("2024-02-12T17:50:00Z"), at("2024-02-12T17:50:01Z")}});
  INFO((pages.ok() ? std::string() : pages.error().message));
  REQUIRE(pages.ok());
  REQUIRE(pages->size() == 1);
  CHECK((*pages)[0].envelope() == Envelope::bare_array);
  CHECK((*pages)[0].size() == 20);
  CHECK(h.clock.sleeps().size() == 1);
}

TEST_CASE("e2e: the three envelope shapes as the endpoints serve them", "[elexon][insights][e2e]") {
  Hosted h;
  InsightsClient client = h.client(2);

  auto prices = client.system_prices(year{2026} / August / 1, 5);
  REQUIRE(prices.ok());
  CHECK(prices->envelope() == Envelope::data_with_metadata);
  CHECK(prices->metadata_datasets() == std::vector<std::string>{"DISEBSP"});
  REQUIRE(prices->size() == 1);
  CHECK(prices->rows_array().index(0).field("netImbalanceVolume").as_double().value() == 344.249492314814801830);

  auto autumn = client.system_prices(year{2025} / October / 26);
  REQUIRE(autumn.ok());
  CHECK(autumn->size() == 50);
  CHECK(text(autumn->rows_array().index(0), "startTime") == "2025-10-25T23:00:00Z");

  auto stream = client.fetch_pages({.dataset = "QPN",
                                    .endpoint = Endpoint::stream,
                                    .window = {at("2026-08-18T00:00:00Z"), at("2026-08-18T02:00:00Z")}});
  REQUIRE(stream.ok());
  REQUIRE(stream->size() == 1);
  CHECK((*stream)[0].envelope() == Envelope::bare_array);
  CHECK((*stream)[0].size() == 4);

  auto fuels = client.get("/reference/fueltypes/all");
  REQUIRE(fuels.ok());
  CHECK(fuels->envelope() == Envelope::bare_array);
  CHECK(fuels->size() == 20);

  auto base =
      client.fetch_pages({.dataset = "BOALF", .window = {at("2026-05-06T00:00:00Z"), at("2026-05-06T03:00:00Z")}});
  REQUIRE(base.ok());
  CHECK((*base)[0].envelope() == Envelope::data);
}

TEST_CASE("e2e: PN by settlement period and system prices over days", "[elexon][insights][e2e]") {
  Hosted h;
  InsightsClient client = h.client(2);
  auto pn = client.fetch_pages({.dataset = "PN", .window = {at("2026-07-31T23:00:00Z"), at("2026-08-01T01:00:00Z")}});
  REQUIRE(pn.ok());
  REQUIRE(pn->size() == 4);
  for (std::size_t i = 0; i < pn->size(); ++i) {
    REQUIRE((*pn)[i].size() == 3);
    const json::View row = (*pn)[i].rows_array().index(0);
    CHECK(text(row, "settlementDate") == "2026-08-01");
    CHECK(row.field("settlementPeriod").as_int().value() == static_cast<int>(i) + 1);
  }

  std::vector<std::size_t> per_day;
  auto days = client.system_prices(year{2026} / March / 28, year{2026} / March / 30, [&](FetchedChunk& chunk) {
    per_day.push_back(chunk.page.size());
    return Status{};
  });
  REQUIRE(days.ok());
  CHECK(per_day == std::vector<std::size_t>{48, 46, 48});
}

TEST_CASE("e2e: fetched pages decode into typed records through the registry", "[elexon][insights][e2e]") {
  Hosted h;
  InsightsClient client = h.client(2);
  auto pages =
      client.fetch_pages({.dataset = "FUELINST", .window = {at("2026-05-06T00:00:00Z"), at("2026-05-06T00:10:00Z")}});
  REQUIRE(pages.ok());
  REQUIRE(pages->size() == 1);
  auto records = decode_page((*pages)[0], "FUELINST");
  INFO((records.ok() ? std::string() : records.error().message));
  REQUIRE(records.ok());
  REQUIRE(records->size() == 2 * 20);  // publish instants 00:00 and 00:05
  const Record& ccgt = (*records)[1];
  CHECK(ccgt.text("fuel_type") == "CCGT");
  CHECK(ccgt.integer("generation") == fe::generated_generation(at("2026-05-05T23:55:00Z"), "CCGT"));
  CHECK(key_of(ccgt) == "FUELINST|2026-05-05T23:55:00Z|CCGT");

  auto prices = client.system_prices(year{2026} / August / 1, 5);
  REQUIRE(prices.ok());
  auto sp = decode_page(*prices, "DISEBSP");
  INFO((sp.ok() ? std::string() : sp.error().message));
  REQUIRE(sp.ok());
  REQUIRE(sp->size() == 1);
  CHECK((*sp)[0].number("net_imbalance_volume") == 344.249492314814801830);

  auto unknown = decode_page((*pages)[0], "NOPE");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::usage);
}

TEST_CASE("e2e: fake-elexon serves system prices as Elexon does, errors and throttling included",
          "[elexon][insights][e2e][disebsp]") {
  Hosted h;
  InsightsClient client = h.client(1);

  // The day holds the real payload's period too, so day and period agree.
  auto day = client.system_prices(year{2026} / August / 1);
  REQUIRE(day.ok());
  REQUIRE(day->size() == 48);
  CHECK(day->metadata_datasets() == std::vector<std::string>{"DISEBSP"});
  const json::View sp5 = day->rows_array().index(4);
  CHECK(sp5.field("settlementPeriod").as_int().value() == 5);
  CHECK(sp5.field("netImbalanceVolume").as_double().value() == 344.249492314814801830);
  CHECK(text(sp5, "createdDateTime") == "2026-08-02T01:44:33Z");
  auto decoded = decode_page(*day, "DISEBSP");
  INFO((decoded.ok() ? std::string() : decoded.error().message));
  REQUIRE(decoded.ok());
  CHECK(decoded->size() == 48);

  // A period the day does not have: 200 with no rows.
  auto none = client.get("/balancing/settlement/system-prices/2026-08-01/49");
  REQUIRE(none.ok());
  CHECK(none->size() == 0);
  // A bad date: a 400 problem body, reported with its field.
  auto bad = client.get("/balancing/settlement/system-prices/2026-13-01");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::usage);
  CHECK_THAT(bad.error().message, Catch::Contains("HTTP 400") && Catch::Contains("settlementDate"));
  // There is no stream variant.
  auto stream = client.get("/balancing/settlement/system-prices/2026-08-01/stream");
  REQUIRE_FALSE(stream.ok());
  CHECK_THAT(stream.error().message, Catch::Contains("HTTP 404"));

  // Throttling and outages on this route are retried like any other.
  h.host.inject(fakes::Fault{.path_prefix = "/bmrs/api/v1/balancing/settlement/system-prices",
                             .count = 1,
                             .status = 429,
                             .headers = {{"Retry-After", "1"}}});
  h.host.inject(
      fakes::Fault{.path_prefix = "/bmrs/api/v1/balancing/settlement/system-prices", .count = 1, .status = 503});
  auto retried = client.system_prices(year{2026} / August / 2, 10);
  REQUIRE(retried.ok());
  CHECK(retried->size() == 1);
  CHECK(h.clock.sleeps().size() == 2);
}
