#include "elexon/insights_response.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "support/fixtures.hpp"

using namespace gbpm;
using namespace gbpm::elexon;
namespace fs = std::filesystem;

namespace {

fs::path api_fixtures() {
  return testing::elexon_fixtures() / "api";
}

std::string slurp(const fs::path& path) {
  return testing::read_fixture_file(path);
}

struct Expected {
  Envelope envelope;
  std::size_t rows;
  std::vector<std::string> metadata{};
};

}  // namespace

TEST_CASE("every API fixture parses into rows with its envelope shape", "[elexon][insights]") {
  // Every file of fixtures/elexon/api/ must be listed: a new fixture fails here
  // until its shape is stated.
  const std::map<std::string, Expected> expected = {
      {"balancing_settlement_system-prices_2026-08-01_5.json", {Envelope::data_with_metadata, 1, {"DISEBSP"}}},
      {"datasets_BOALF.json", {Envelope::data, 2}},
      {"datasets_BOD.json", {Envelope::data, 1}},
      {"datasets_DISBSAD.json", {Envelope::data, 2}},
      {"datasets_FREQ.json", {Envelope::data, 2}},
      {"datasets_FUELHH.json", {Envelope::data, 2}},
      {"datasets_FUELINST.json", {Envelope::data, 2}},
      {"datasets_FUELINST_stream.json", {Envelope::bare_array, 19}},
      {"datasets_INDDEM.json", {Envelope::data, 2}},
      {"datasets_INDGEN.json", {Envelope::data, 2}},
      {"datasets_INDO.json", {Envelope::data, 3}},
      {"datasets_ITSDO.json", {Envelope::data, 3}},
      {"datasets_MELS_stream.json", {Envelope::bare_array, 2}},
      {"datasets_MID.json", {Envelope::data, 2}},
      {"datasets_NDF_truncated.json", {Envelope::data, 6}},
      {"datasets_NETBSAD.json", {Envelope::data, 2}},
      {"datasets_PN.json", {Envelope::data, 2}},
      {"datasets_QPN_stream.json", {Envelope::bare_array, 4}},
      {"datasets_REMIT.json", {Envelope::data, 4}},
      {"datasets_TSDF.json", {Envelope::data, 2}},
      {"generation_outturn_interconnectors.json", {Envelope::data_with_metadata, 2, {"FUELINST"}}},
      {"reference_fueltypes_all.json", {Envelope::bare_array, 20}},
      {"remit_list_by-publish.json", {Envelope::data_with_metadata, 1, {"REMIT"}}},
  };
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(api_fixtures())) {
    const std::string name = entry.path().filename().string();
    if (name == "error_400_problem.json") continue;
    INFO(name);
    const auto it = expected.find(name);
    REQUIRE(it != expected.end());
    ++seen;
    auto page = parse_page(slurp(entry.path()));
    INFO((page.ok() ? std::string() : page.error().message));
    REQUIRE(page.ok());
    CHECK(page->envelope() == it->second.envelope);
    CHECK(page->size() == it->second.rows);
    CHECK(page->metadata_datasets() == it->second.metadata);
    CHECK(page->rows_array().is_array());
  }
  CHECK(seen == expected.size());
}

TEST_CASE("rows keep their values through each envelope", "[elexon][insights]") {
  const fs::path api = api_fixtures();

  auto base = parse_page(slurp(api / "datasets_FUELINST.json"));
  REQUIRE(base.ok());
  CHECK(base->rows_array().index(0).field("generation").as_int().value() == 2712);
  CHECK(base->rows_array().index(1).field("fuelType").as_string().value() == "CCGT");

  auto stream = parse_page(slurp(api / "datasets_FUELINST_stream.json"));
  REQUIRE(stream.ok());
  CHECK(stream->rows_array().index(1).field("generation").as_int().value() == 15842);
  CHECK(stream->rows_array().index(1).path() == "$[1]");

  auto prices = parse_page(slurp(api / "balancing_settlement_system-prices_2026-08-01_5.json"));
  REQUIRE(prices.ok());
  const json::View row = prices->rows_array().index(0);
  CHECK(row.field("netImbalanceVolume").as_double().value() == 344.249492314814801830);
  CHECK(row.field("settlementPeriod").as_int().value() == 5);
  CHECK(row.path() == "$.data[0]");

  auto fuels = parse_page(slurp(api / "reference_fueltypes_all.json"));
  REQUIRE(fuels.ok());
  CHECK(fuels->rows_array().index(0).as_string().value() == "BIOMASS");

  // The Page can be moved (into a vector) without invalidating its rows.
  std::vector<Page> pages;
  pages.push_back(std::move(*prices));
  pages.push_back(std::move(*stream));
  CHECK(pages[0].rows_array().index(0).field("systemSellPrice").as_double().value() == 160.0);
  std::size_t n = 0;
  for (const json::View r : pages[1].rows()) n += r.field("fuelType").is_string() ? 1 : 0;
  CHECK(n == 19);
}

TEST_CASE("bodies that are not one of the three envelopes are data errors", "[elexon][insights]") {
  const auto error_of = [](std::string_view body) {
    auto page = parse_page(body);
    REQUIRE_FALSE(page.ok());
    CHECK(page.error().kind == ErrorKind::data);
    return page.error().message;
  };
  CHECK_THAT(error_of(R"({"data":5})"), Catch::Contains("$.data") && Catch::Contains("array"));
  CHECK_THAT(error_of(R"({"rows":[]})"), Catch::Contains("no \"data\" member"));
  CHECK_THAT(error_of(R"("text")"), Catch::Contains("array"));
  CHECK_THAT(error_of(R"({"data":[],"metadata":{"datasets":[1]}})"), Catch::Contains("$.metadata.datasets[0]"));
  CHECK_THAT(error_of(R"({"data":[)"), Catch::Contains("invalid JSON at byte"));
  CHECK_THAT(error_of(slurp(api_fixtures() / "error_400_problem.json")),
             Catch::Contains("One or more validation errors occurred."));
  // An empty window is 200 with empty data: not an error.
  auto empty = parse_page(R"({"data":[]})");
  REQUIRE(empty.ok());
  CHECK(empty->size() == 0);
}

TEST_CASE("the fixture's RFC 9110 problem body decodes field by field", "[elexon][insights]") {
  const auto problem = parse_problem(slurp(api_fixtures() / "error_400_problem.json"));
  REQUIRE(problem.has_value());
  CHECK(problem->type == "https://tools.ietf.org/html/rfc9110#section-15.5.1");
  CHECK(problem->title == "One or more validation errors occurred.");
  CHECK(problem->status == 400);
  REQUIRE(problem->errors.count("") == 1);
  CHECK(problem->errors.at("") == std::vector<std::string>{"The date range must not exceed 7 days."});
  CHECK(problem->trace_id == "00-00000000000000000000000000000000-0000000000000000-00");
  CHECK_FALSE(parse_problem(R"({"data":[]})").has_value());
  CHECK_FALSE(parse_problem("not json").has_value());
}

TEST_CASE("a 400 problem response becomes a usage error carrying every field message", "[elexon][insights]") {
  const net::Response fixture{
      400, {{"Content-Type", "application/problem+json"}}, slurp(api_fixtures() / "error_400_problem.json")};
  const Error e = response_error(fixture, "Elexon Insights MID 2026-05-01..2026-05-15");
  CHECK(e.kind == ErrorKind::usage);
  CHECK_THAT(e.message, Catch::StartsWith("Elexon Insights MID 2026-05-01..2026-05-15: HTTP 400 One or more "
                                          "validation errors occurred.: The date range must not exceed 7 days."));

  const net::Response fields{
      400,
      {},
      R"({"title":"One or more validation errors occurred.","status":400,"detail":"Bad window",)"
      R"("errors":{"from":["The from field is required."],"to":["The to field is required.","Too late."]}})"};
  const Error f = response_error(fields, "GET /datasets/MID");
  CHECK(f.kind == ErrorKind::usage);
  CHECK(f.message ==
        "GET /datasets/MID: HTTP 400 One or more validation errors occurred.: Bad window: from: The from field is "
        "required.; to: The to field is required.; to: Too late.");
}

TEST_CASE("other error responses keep their status meaning", "[elexon][insights]") {
  const Error not_found =
      response_error(net::Response{404, {}, R"({"statusCode":404,"message":"Resource not found"})"}, "GET /x");
  CHECK(not_found.kind == ErrorKind::unavailable);
  CHECK_THAT(not_found.message, Catch::Contains("HTTP 404 Resource not found") && Catch::Contains("window parameters"));

  const Error busy = response_error(net::Response{503, {}, "Service Unavailable\n"}, "GET /y");
  CHECK(busy.kind == ErrorKind::temporary);
  CHECK(busy.message == "GET /y: HTTP 503: Service Unavailable");

  const Error throttled = response_error(net::Response{429, {}, ""}, "GET /z");
  CHECK(throttled.kind == ErrorKind::temporary);
  const Error forbidden = response_error(net::Response{403, {}, "<html>no</html>"}, "GET /w");
  CHECK(forbidden.kind == ErrorKind::unavailable);
}
