#include "elexon/insights_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/time.hpp"
#include "elexon/decode.hpp"
#include "market/settlement.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/fixtures.hpp"

using namespace gbpm;
using namespace gbpm::elexon;
using namespace std::chrono;

namespace {

core::TimePoint at(const char* text) {
  auto t = core::parse_utc(text);
  REQUIRE(t.ok());
  return *t;
}

// No real or fake waiting between retries unless a test asks for it.
InsightsOptions quick_options(int concurrency = 1) {
  InsightsOptions o;
  o.base_url = "https://elexon.test/bmrs/api/v1";
  o.concurrency = concurrency;
  o.backoff = net::BackoffPolicy(net::BackoffOptions{.random = [] { return 1.0; }});
  return o;
}

std::string query_value(const std::string& url, const std::string& key) {
  const std::string needle = key + "=";
  auto pos = url.find("?" + needle);
  if (pos == std::string::npos) pos = url.find("&" + needle);
  if (pos == std::string::npos) return {};
  pos += needle.size() + 1;
  return url.substr(pos, url.find('&', pos) - pos);
}

// Answers FUELINST base requests with one row per request, stamped with the
// request's publishDateTimeFrom, so tests can tell chunks apart.
net::FakeTransport::Handler echo_window() {
  return [](const net::Request& r) -> Result<net::Response> {
    return net::Response{
        200,
        {},
        fmt::format(R"({{"data":[{{"publishTime":"{}","to":"{}"}}]}})", query_value(r.url, "publishDateTimeFrom"),
                    query_value(r.url, "publishDateTimeTo"))};
  };
}

}  // namespace

TEST_CASE("a 3-day pull sends 3 chunk requests with exact boundaries and delivers them in order",
          "[elexon][insights]") {
  net::FakeTransport transport;
  transport.set_handler(echo_window());
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options());

  std::vector<std::string> delivered;
  std::vector<FetchProgress> progress;
  auto done = client.fetch(
      {.dataset = "FUELINST", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-04T00:00:00Z")}},
      [&](FetchedChunk& chunk) {
        CHECK(chunk.count == 3);
        CHECK(chunk.index == delivered.size());
        delivered.emplace_back(chunk.page.rows_array().index(0).field("publishTime").as_string().value());
        return Status{};
      },
      [&](const FetchProgress& p) { progress.push_back(p); });
  REQUIRE(done.ok());
  CHECK(done->chunks == 3);
  CHECK(done->rows == 3);
  CHECK(done->http_attempts == 3);

  const auto sent = transport.requests();
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].url ==
        "https://elexon.test/bmrs/api/v1/datasets/"
        "FUELINST?publishDateTimeFrom=2026-05-01T00:00:00Z&publishDateTimeTo=2026-05-01T23:59:59Z");
  CHECK(sent[1].url.ends_with("publishDateTimeFrom=2026-05-02T00:00:00Z&publishDateTimeTo=2026-05-02T23:59:59Z"));
  CHECK(sent[2].url.ends_with("publishDateTimeFrom=2026-05-03T00:00:00Z&publishDateTimeTo=2026-05-03T23:59:59Z"));
  CHECK(sent[0].method == "GET");
  CHECK(sent[0].header("Accept") == "application/json");
  CHECK(delivered == std::vector<std::string>{"2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z", "2026-05-03T00:00:00Z"});
  REQUIRE(progress.size() == 3);
  CHECK(progress[2].chunks_done == 3);
  CHECK(progress[2].chunks_total == 3);
  CHECK(progress[2].rows_total == 3);
  CHECK(progress[1].label == "FUELINST 2026-05-02T00:00:00Z..2026-05-02T23:59:59Z");
  CHECK(progress[1].window.from == at("2026-05-02T00:00:00Z"));
}

TEST_CASE("chunks reach the sink in plan order even when later ones finish first", "[elexon][insights]") {
  net::FakeTransport transport;
  std::atomic<int> calls{0};
  transport.set_handler([&](const net::Request& r) -> Result<net::Response> {
    // Early chunks are slow, later ones fast.
    const std::string from = query_value(r.url, "publishDateTimeFrom");
    const int day = std::stoi(from.substr(8, 2));
    std::this_thread::sleep_for(milliseconds(std::max(0, 12 - day) * 3));
    ++calls;
    return net::Response{200, {}, fmt::format(R"([{{"day":{}}}])", day)};
  });
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options(4));
  std::vector<int> days;
  auto done = client.fetch({.dataset = "FUELINST",
                            .endpoint = Endpoint::stream,
                            .window = {at("2026-05-01T00:00:00Z"), at("2026-05-11T00:00:00Z")}},
                           [&](FetchedChunk& chunk) {
                             days.push_back(chunk.page.rows_array().index(0).field("day").as_int().value());
                             return Status{};
                           });
  REQUIRE(done.ok());
  CHECK(calls == 10);
  CHECK(days == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("no more than `concurrency` requests are in flight, and that many are", "[elexon][insights]") {
  for (const int limit : {1, 3}) {
    INFO("limit " << limit);
    net::FakeTransport transport;
    std::mutex mutex;
    std::condition_variable changed;
    int in_flight = 0;
    int peak = 0;
    // Each request waits (up to 5 s) until `limit` requests are in flight
    // together, so the test sees full parallelism however slowly threads are
    // scheduled, then holds a little so any excess would overlap.
    transport.set_handler([&](const net::Request& r) -> Result<net::Response> {
      {
        std::unique_lock lock(mutex);
        peak = std::max(peak, ++in_flight);
        changed.notify_all();
        changed.wait_for(lock, seconds(5), [&] { return peak >= limit; });
      }
      std::this_thread::sleep_for(milliseconds(5));
      {
        std::lock_guard lock(mutex);
        --in_flight;
      }
      return net::Response{200, {}, fmt::format(R"([{{"from":"{}"}}])", query_value(r.url, "publishDateTimeFrom"))};
    });
    core::FakeClock clock;
    int factory_calls = 0;
    InsightsClient client(
        [&]() -> Result<std::unique_ptr<net::HttpTransport>> {
          ++factory_calls;
          return InsightsClient::share(transport)();
        },
        clock, quick_options(limit));
    const DatasetQuery query{.dataset = "FUELINST", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-13T00:00:00Z")}};
    auto pages = client.fetch_pages(query);
    REQUIRE(pages.ok());
    CHECK(pages->size() == 12);
    CHECK(peak == limit);
    // One transport per worker, kept for the next fetch.
    CHECK(factory_calls == limit);
    REQUIRE(client.fetch_pages(query).ok());
    CHECK(factory_calls == limit);
  }
}

TEST_CASE("429 and 503 are retried with backoff on the clock, then succeed", "[elexon][insights]") {
  net::FakeTransport transport;
  transport.push(429, "", {{"Retry-After", "7"}});
  transport.push(503, "Service Unavailable");
  transport.push(200, R"({"data":[{"frequency":50.01}]})");
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options());
  auto done = client.fetch({.dataset = "FREQ", .window = {at("2026-05-06T00:00:00Z"), at("2026-05-06T01:00:00Z")}},
                           [](FetchedChunk& chunk) {
                             CHECK(chunk.page.size() == 1);
                             return Status{};
                           });
  REQUIRE(done.ok());
  CHECK(done->rows == 1);
  CHECK(done->http_attempts == 3);
  CHECK(transport.requests().size() == 3);
  const auto sleeps = clock.sleeps();
  REQUIRE(sleeps.size() == 2);
  CHECK(sleeps[0] >= seconds(7));  // Retry-After honoured
  CHECK(sleeps[1] > milliseconds(0));
}

TEST_CASE("a 503 that never clears is a temporary error naming the chunk", "[elexon][insights]") {
  net::FakeTransport transport;
  transport.set_handler([](const net::Request&) -> Result<net::Response> { return net::Response{503, {}, "busy"}; });
  core::FakeClock clock;
  InsightsOptions options = quick_options();
  options.retry = net::RetryPolicy(net::RetryOptions{.max_attempts = 3});
  InsightsClient client(InsightsClient::share(transport), clock, options);
  auto done = client.fetch({.dataset = "MID", .window = {at("2026-05-06T00:00:00Z"), at("2026-05-06T01:00:00Z")}},
                           [](FetchedChunk&) { return Status{}; });
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().kind == ErrorKind::temporary);
  CHECK_THAT(done.error().message,
             Catch::Contains("MID 2026-05-06T00:00:00Z..2026-05-06T00:59:59Z") && Catch::Contains("HTTP 503: busy"));
  CHECK(transport.requests().size() == 3);
}

TEST_CASE("a 400 problem stops the pull with the field messages, and earlier chunks were delivered",
          "[elexon][insights]") {
  net::FakeTransport transport;
  transport.set_handler([](const net::Request& r) -> Result<net::Response> {
    if (query_value(r.url, "publishDateTimeFrom") == "2026-05-03T00:00:00Z") {
      return net::Response{400,
                           {{"Content-Type", "application/problem+json"}},
                           R"({"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1",)"
                           R"("title":"One or more validation errors occurred.","status":400,)"
                           R"("errors":{"publishDateTimeTo":["The date range must not exceed 1 day."]}})"};
    }
    return net::Response{200, {}, R"({"data":[{}]})"};
  });
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options(2));
  std::vector<std::size_t> delivered;
  auto done = client.fetch({.dataset = "INDO", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-06T00:00:00Z")}},
                           [&](FetchedChunk& chunk) {
                             delivered.push_back(chunk.index);
                             return Status{};
                           });
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().kind == ErrorKind::usage);
  CHECK_THAT(done.error().message,
             Catch::Contains("INDO 2026-05-03T00:00:00Z..2026-05-03T23:59:59Z") &&
                 Catch::Contains("HTTP 400 One or more validation errors occurred.: publishDateTimeTo: The date range "
                                 "must not exceed 1 day."));
  CHECK(delivered == std::vector<std::size_t>{0, 1});
  CHECK(clock.sleeps().empty());  // a 400 is not retried
}

TEST_CASE("a sink error stops the pull and is returned", "[elexon][insights]") {
  net::FakeTransport transport;
  transport.set_handler(echo_window());
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options(1));
  int calls = 0;
  auto done = client.fetch({.dataset = "FUELINST", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-11T00:00:00Z")}},
                           [&](FetchedChunk&) -> Status {
                             if (++calls == 2) return make_error(ErrorKind::output, "disk full");
                             return {};
                           });
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().kind == ErrorKind::output);
  CHECK(done.error().message == "disk full");
  CHECK(calls == 2);
  // Workers stop: at most 2 x concurrency chunks were fetched ahead.
  CHECK(transport.requests().size() <= 4);
}

TEST_CASE("an unexpected body and a transport error are reported with the request", "[elexon][insights]") {
  net::FakeTransport transport;
  transport.push(200, R"({"rows":[]})");
  transport.push(make_error(ErrorKind::unavailable, "TLS certificate not trusted (GBPM_CA_FILE?)"));
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options());
  auto odd = client.get("/reference/fueltypes/all");
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error().kind == ErrorKind::data);
  CHECK_THAT(odd.error().message, Catch::Contains("GET https://elexon.test/bmrs/api/v1/reference/fueltypes/all") &&
                                      Catch::Contains("no \"data\" member"));
  auto tls = client.get("/reference/fueltypes/all");
  REQUIRE_FALSE(tls.ok());
  CHECK(tls.error().kind == ErrorKind::unavailable);
  CHECK_THAT(tls.error().message, Catch::Contains("GBPM_CA_FILE"));
}

TEST_CASE("a factory failure is returned, not swallowed", "[elexon][insights]") {
  core::FakeClock clock;
  InsightsClient client(
      []() -> Result<std::unique_ptr<net::HttpTransport>> {
        return make_error(ErrorKind::config, "CA file /nope.pem cannot be read");
      },
      clock, quick_options(2));
  auto done = client.fetch({.dataset = "FUELINST", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-03T00:00:00Z")}},
                           [](FetchedChunk&) { return Status{}; });
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().kind == ErrorKind::config);
  CHECK_THAT(done.error().message, Catch::Contains("/nope.pem"));
}

TEST_CASE("system prices: one day, one period, a range of days, and base URL from the caller", "[elexon][insights]") {
  net::FakeTransport transport;
  transport.set_handler([](const net::Request& r) -> Result<net::Response> {
    const std::string date = r.url.substr(r.url.find("system-prices/") + 14, 10);
    return net::Response{
        200, {}, fmt::format(R"({{"metadata":{{"datasets":["DISEBSP"]}},"data":[{{"settlementDate":"{}"}}]}})", date)};
  });
  core::FakeClock clock;
  InsightsOptions options = quick_options(2);
  options.base_url = "https://127.0.0.1:8443/bmrs/api/v1/";  // GBPM_ELEXON_URL, trailing slash tolerated
  InsightsClient client(InsightsClient::share(transport), clock, options);

  auto one = client.system_prices(year{2026} / August / 1, 5);
  REQUIRE(one.ok());
  CHECK(one->envelope() == Envelope::data_with_metadata);
  CHECK(one->metadata_datasets() == std::vector<std::string>{"DISEBSP"});
  CHECK(transport.requests().back().url ==
        "https://127.0.0.1:8443/bmrs/api/v1/balancing/settlement/system-prices/2026-08-01/5");
  CHECK_FALSE(client.system_prices(year{2026} / August / 1, 49).ok());

  std::vector<std::string> dates;
  auto range = client.system_prices(year{2026} / October / 24, year{2026} / October / 26, [&](FetchedChunk& chunk) {
    dates.emplace_back(chunk.page.rows_array().index(0).field("settlementDate").as_string().value());
    return Status{};
  });
  REQUIRE(range.ok());
  CHECK(dates == std::vector<std::string>{"2026-10-24", "2026-10-25", "2026-10-26"});
}

TEST_CASE("after a failed chunk no further chunk is requested", "[elexon][insights]") {
  net::FakeTransport transport;
  transport.set_handler([](const net::Request&) -> Result<net::Response> {
    return net::Response{400, {}, R"({"title":"One or more validation errors occurred.","errors":{"":["Bad."]}})"};
  });
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options(1));
  auto done = client.fetch({.dataset = "FUELINST", .window = {at("2026-05-01T00:00:00Z"), at("2026-05-11T00:00:00Z")}},
                           [](FetchedChunk&) { return Status{}; });
  REQUIRE_FALSE(done.ok());
  CHECK(transport.requests().size() == 1);
}

TEST_CASE("DISEBSP fetched by dataset decodes the real payload exactly as the IRIS message",
          "[elexon][insights][disebsp]") {
  const std::filesystem::path dir = testing::elexon_fixtures();
  const std::string payload =
      testing::read_fixture_file(dir / "api" / "balancing_settlement_system-prices_2026-08-01_5.json");
  net::FakeTransport transport;
  transport.set_handler([&payload](const net::Request& r) -> Result<net::Response> {
    if (r.url.ends_with("/balancing/settlement/system-prices/2026-08-01/5")) return net::Response{200, {}, payload};
    return net::Response{404, {}, R"({"statusCode":404,"message":"Resource not found"})"};
  });
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options());

  // SP5 of the BST day 2026-08-01 starts at 01:00Z.
  std::vector<Record> records;
  auto done = client.fetch({.dataset = "DISEBSP", .window = {at("2026-08-01T01:00:00Z"), at("2026-08-01T01:30:00Z")}},
                           [&](FetchedChunk& chunk) -> Status {
                             CHECK(chunk.page.metadata_datasets() == std::vector<std::string>{"DISEBSP"});
                             auto decoded = decode_page(chunk.page, "DISEBSP");
                             if (!decoded) return std::move(decoded).error();
                             records = std::move(*decoded);
                             return {};
                           });
  INFO((done.ok() ? std::string() : done.error().message));
  REQUIRE(done.ok());
  REQUIRE(transport.requests().size() == 1);
  CHECK(transport.requests()[0].url ==
        "https://elexon.test/bmrs/api/v1/balancing/settlement/system-prices/2026-08-01/5");
  REQUIRE(records.size() == 1);
  const Record& api = records[0];
  CHECK(key_of(api) == "DISEBSP|2026-08-01|5");
  CHECK(api.number("system_sell_price") == 160.0);
  CHECK(api.number("system_buy_price") == 160.0);
  CHECK(api.number("net_imbalance_volume") == 344.249492314814801830);
  CHECK(api.timestamp("created_date_time") == at("2026-08-02T01:44:33Z"));
  CHECK(api.timestamp("start_time") == at("2026-08-01T01:00:00Z"));
  CHECK(api.text("price_derivation_code") == "P");
  CHECK_FALSE(api.number("replacement_price").has_value());

  // The same period through the IRIS path: the same DatasetSpec, the same values.
  auto iris = decode_message(testing::read_fixture_file(dir / "iris" / "DISEBSP.json"), "DISEBSP", "");
  REQUIRE(iris.ok());
  REQUIRE(iris->records.size() == 1);
  CHECK(iris->spec == api.spec);
  CHECK(iris->records[0] == api);
}

TEST_CASE("a whole settlement day of DISEBSP is one request", "[elexon][insights][disebsp]") {
  net::FakeTransport transport;
  transport.set_handler([](const net::Request&) -> Result<net::Response> {
    return net::Response{200, {}, R"({"metadata":{"datasets":["DISEBSP"]},"data":[]})"};
  });
  core::FakeClock clock;
  InsightsClient client(InsightsClient::share(transport), clock, quick_options(2));
  auto done = client.fetch(
      {.dataset = "DISEBSP",
       .window = {market::day_start_utc(year{2025} / October / 26), market::day_end_utc(year{2025} / October / 27)}},
      [](FetchedChunk&) { return Status{}; });
  REQUIRE(done.ok());
  CHECK(done->chunks == 2);
  std::set<std::string> asked;
  for (const auto& r : transport.requests()) asked.insert(r.url);
  CHECK(asked ==
        std::set<std::string>{"https://elexon.test/bmrs/api/v1/balancing/settlement/system-prices/2025-10-26",
                              "https://elexon.test/bmrs/api/v1/balancing/settlement/system-prices/2025-10-27"});
}
