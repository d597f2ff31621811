#include <catch2/catch.hpp>

#include "auth/token_source.hpp"
#include "google/sheets.hpp"
#include "json/json.hpp"
#include "net/http.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/static_token_source.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

core::TimePoint t0() {
  return sys_days{2026y / 11 / 28} + 10h;
}

net::Response reply(long status, std::string body) {
  return net::Response{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

google::SheetsOptions fast_options(int attempts = 5) {
  google::SheetsOptions o;
  o.base_url = "https://sheets.test/";
  o.retry = net::RetryPolicy(net::RetryOptions{.max_attempts = attempts});
  o.backoff = net::BackoffPolicy(net::BackoffOptions{.random = [] { return 1.0; }});
  o.client_email = "loader@p.iam.gserviceaccount.com";
  return o;
}

constexpr const char* kQuota429 =
    R"({"error":{"code":429,"message":"Quota exceeded for quota metric 'Write requests'","status":"RESOURCE_EXHAUSTED"}})";

}  // namespace

TEST_CASE("cell values are typed: text is never a formula", "[google][sheets]") {
  google::UpdateCells update{
      .range = {.sheet_id = 7, .start_row = 30, .end_row = 70, .start_column = 0, .end_column = 8},
      .rows = {{{google::CellValue::text("=HYPERLINK(\"evil\")")},
                {google::CellValue::number(1234.5), google::CellFormat{.number_pattern = "#,##0.0"}},
                {google::CellValue::boolean(true)},
                {google::CellValue::formula("=SUM(B1:B2)")},
                {google::CellValue::blank()}}}};
  auto body = google::batch_update_body({update});
  REQUIRE(body.ok());
  auto doc = json::parse(*body);
  REQUIRE(doc.ok());
  const json::View u = doc->root().field("requests").index(0).field("updateCells");
  CHECK(u.field("range").field("sheetId").as_int().value() == 7);
  CHECK(u.field("range").field("startRowIndex").as_int().value() == 30);
  CHECK(u.field("range").field("endRowIndex").as_int().value() == 70);
  CHECK(u.field("range").field("endColumnIndex").as_int().value() == 8);
  CHECK(u.field("fields").as_string().value() == "userEnteredValue,userEnteredFormat");
  const json::View cells = u.field("rows").index(0).field("values");
  CHECK(cells.index(0).field("userEnteredValue").field("stringValue").as_string().value() == "=HYPERLINK(\"evil\")");
  CHECK(cells.index(0).field("userEnteredValue").field("formulaValue").is_missing());
  CHECK(cells.index(1).field("userEnteredValue").field("numberValue").as_double().value() == 1234.5);
  CHECK(cells.index(1).field("userEnteredFormat").field("numberFormat").field("pattern").as_string().value() ==
        "#,##0.0");
  CHECK(cells.index(2).field("userEnteredValue").field("boolValue").as_bool().value());
  CHECK(cells.index(3).field("userEnteredValue").field("formulaValue").as_string().value() == "=SUM(B1:B2)");
  CHECK(cells.index(4).size() == 0);  // blank: nothing set, so the mask clears it

  google::UpdateCells values_only{.range = {.sheet_id = 0}, .rows = {{{google::CellValue::number(1)}}}};
  auto body2 =
      google::batch_update_body({values_only, google::UpdateSheetProperties{.sheet_id = 3, .frozen_row_count = 1}});
  auto doc2 = json::parse(body2.value());
  const json::View r = doc2->root().field("requests");
  CHECK(r.index(0).field("updateCells").field("fields").as_string().value() == "userEnteredValue");
  CHECK(r.index(0).field("updateCells").field("range").field("startRowIndex").is_missing());
  CHECK(r.index(1).field("updateSheetProperties").field("fields").as_string().value() ==
        "gridProperties.frozenRowCount");
}

TEST_CASE("Google error bodies become clear errors of the right kind", "[google][sheets]") {
  const std::string email = "loader@p.iam.gserviceaccount.com";
  auto denied = google::sheets_error(
      reply(403,
            R"({"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}})"),
      "updating spreadsheet X", email);
  CHECK(denied.kind == ErrorKind::unavailable);
  CHECK(denied.message.find("HTTP 403 PERMISSION_DENIED: The caller does not have permission") != std::string::npos);
  CHECK(denied.message.find("share the spreadsheet with " + email) != std::string::npos);

  auto unauth = google::sheets_error(reply(401, R"({"error":{"code":401,"message":"bad","status":"UNAUTHENTICATED"}})"),
                                     "x", email);
  CHECK(unauth.kind == ErrorKind::unavailable);
  CHECK(unauth.message.find("UNAUTHENTICATED") != std::string::npos);

  auto quota = google::sheets_error(reply(429, kQuota429), "x", email);
  CHECK(quota.kind == ErrorKind::temporary);
  CHECK(quota.message.find("RESOURCE_EXHAUSTED") != std::string::npos);

  CHECK(google::sheets_error(reply(503, "<html>busy</html>"), "x", email).kind == ErrorKind::temporary);
  CHECK(google::sheets_error(reply(503, "<html>busy</html>"), "x", email).message.find("<html>busy</html>") !=
        std::string::npos);

  auto bad = google::sheets_error(
      reply(400,
            R"({"error":{"code":400,"message":"Unable to parse range: Sheet1!B1:B3","status":"INVALID_ARGUMENT"}})"),
      "x", email);
  CHECK(bad.kind == ErrorKind::data);
  CHECK(bad.message.find("Unable to parse range: Sheet1!B1:B3") != std::string::npos);

  CHECK(google::sheets_error(
            reply(404, R"({"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}})"),
            "x", email)
            .kind == ErrorKind::unavailable);
}

TEST_CASE("the client sends authorised requests to the configured base URL", "[google][sheets]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  gbpm::testing::StaticTokenSource tokens{"ya29.static", t0() + 1h};
  auto options = fast_options();
  options.quota_project = "qp";
  google::SheetsClient client(transport, tokens, clock, options);
  transport.push(200, R"({"spreadsheetId":"abc","properties":{"title":"Ops"},"sheets":[
      {"properties":{"title":"Dashboard","index":0,"gridProperties":{"rowCount":100,"columnCount":8}}},
      {"properties":{"sheetId":55,"title":"GSP","index":1,"gridProperties":{"rowCount":10,"columnCount":5}}}]})");
  auto book = client.get_spreadsheet("abc");
  REQUIRE(book.ok());
  CHECK(book->title == "Ops");
  REQUIRE(book->sheets.size() == 2);
  CHECK(book->sheets[0].sheet_id == 0);  // omitted sheetId means 0
  CHECK(book->find("GSP")->sheet_id == 55);
  CHECK(book->find("GSP")->column_count == 5);
  CHECK(book->find("Nope") == nullptr);

  const auto sent = transport.requests();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].url.rfind("https://sheets.test/v4/spreadsheets/abc?fields=spreadsheetId%2Cproperties.title%2Csheets.",
                          0) == 0);
  CHECK(sent[0].header("Authorization") == "Bearer ya29.static");
  CHECK(sent[0].header("x-goog-user-project") == "qp");

  transport.push(200, R"({"range":"'Jon''s'!A1:B2","values":[["x",1.5],[true]]})");
  auto values = client.get_values("abc", google::A1Range::box("Jon's", 0, 0, 2, 2));
  REQUIRE(values.ok());
  CHECK(
      transport.requests().back().url ==
      "https://sheets.test/v4/spreadsheets/abc/values/%27Jon%27%27s%27%21A1%3AB2?valueRenderOption=UNFORMATTED_VALUE");
  REQUIRE(values->size() == 2);
  CHECK((*values)[0][0] == google::CellValue::text("x"));
  CHECK((*values)[0][1] == google::CellValue::number(1.5));
  CHECK((*values)[1][0] == google::CellValue::boolean(true));
}

TEST_CASE("429 storms are retried within bounds, then reported as temporary", "[google][sheets]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  gbpm::testing::StaticTokenSource tokens{"ya29.static", t0() + 1h};
  google::SheetsClient client(transport, tokens, clock, fast_options(4));
  const std::vector<google::SheetRequest> requests{google::AddSheet{.title = "New"}};

  transport.push(429, kQuota429);
  transport.push(429, kQuota429);
  transport.push(
      200,
      R"({"spreadsheetId":"abc","replies":[{"addSheet":{"properties":{"sheetId":9,"title":"New","index":2,"gridProperties":{"rowCount":1000,"columnCount":26}}}}]})");
  auto ok = client.batch_update("abc", requests);
  REQUIRE(ok.ok());
  REQUIRE(ok->added.size() == 1);
  CHECK(ok->added[0]->sheet_id == 9);
  CHECK(client.api_calls() == 3);
  CHECK(clock.sleeps().size() == 2);

  for (int i = 0; i < 10; ++i) transport.push(429, kQuota429);
  auto storm = client.batch_update("abc", requests);
  REQUIRE_FALSE(storm.ok());
  CHECK(storm.error().kind == ErrorKind::temporary);
  CHECK(storm.error().message.find("RESOURCE_EXHAUSTED") != std::string::npos);
  CHECK(client.api_calls() == 3 + 4);  // exactly max_attempts more
  CHECK(transport.pending() == 6);

  // A 400 is not retried.
  while (transport.pending() > 0) (void)transport.send({});
  transport.push(
      400,
      R"({"error":{"code":400,"message":"Invalid requests[0].addSheet: A sheet with the name \"New\" already exists.","status":"INVALID_ARGUMENT"}})");
  auto dup = client.batch_update("abc", requests);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().kind == ErrorKind::data);
  CHECK(dup.error().message.find("already exists") != std::string::npos);
}
