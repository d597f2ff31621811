// Client ⇄ fake-google over HTTPS: the real token exchange, the real Sheets
// wire protocol, the fake's all-or-nothing batchUpdate and write quota.

#include <catch2/catch.hpp>
#include <httplib.h>

#include "auth/google_credentials.hpp"
#include "core/log.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/fake_google.hpp"
#include "fakes/fake-google/test_keys.hpp"
#include "google/sheets.hpp"
#include "json/json.hpp"
#include "net/curl_transport.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;
namespace fg = gbpm::fakes::google;

namespace {

core::TimePoint t0() {
  return sys_days{2026y / 11 / 28} + 10h;
}

constexpr const char* kEmail = "loader@gbpm-test.iam.gserviceaccount.com";

// Key files are slow to generate: each is made once per test binary, and only
// when a test needs it.
const testing::TempDir& key_dir() {
  static const testing::TempDir dir;
  return dir;
}
const fg::TestServiceAccount& good_key() {
  static const auto k =
      fg::write_test_service_account(key_dir().path(), "sa.json", kEmail, "https://unused.invalid/token");
  return k;
}
// Same email as good_key(), different key: its signatures must not verify.
const fg::TestServiceAccount& forged_key() {
  static const auto k =
      fg::write_test_service_account(key_dir().path(), "forged.json", kEmail, "https://unused.invalid/token");
  return k;
}
const fg::TestServiceAccount& stranger_key() {
  static const auto k = fg::write_test_service_account(
      key_dir().path(), "stranger.json", "nobody@elsewhere.iam.gserviceaccount.com", "https://unused.invalid/token");
  return k;
}

struct Env {
  core::FakeClock clock{t0()};
  fg::FakeGoogle google;
  fakes::ServerHost host;
  std::unique_ptr<net::CurlTransport> curl;
  auth::GoogleCredentials creds;
  std::unique_ptr<google::SheetsClient> client;
  std::string sheet_id;

  explicit Env(fg::FakeGoogleOptions options = {}, int attempts = 5, seconds lifetime = 1h)
      : google(with_defaults(std::move(options), lifetime)), host(fakes::ServeOptions{}, google.installer()) {
    host.start();
    auto c = net::CurlTransport::create({.ca_file = host.ca_file().string()});
    REQUIRE(c.ok());
    curl = std::move(*c);
    creds = credentials(good_key().file);
    google::SheetsOptions so;
    so.base_url = host.url();
    so.retry = net::RetryPolicy(net::RetryOptions{.max_attempts = attempts});
    so.backoff = net::BackoffPolicy(net::BackoffOptions{.random = [] { return 1.0; }});
    so.client_email = creds.client_email;
    client = std::make_unique<google::SheetsClient>(*curl, *creds.tokens, clock, so);
    sheet_id = google.sheets().create_spreadsheet("Ops", {"Dashboard", "GSP"}, 100, 8);
  }

  fg::FakeGoogleOptions with_defaults(fg::FakeGoogleOptions o, seconds lifetime) {
    o.key_files = {good_key().file};
    o.clock = &clock;
    o.token_lifetime = lifetime;
    return o;
  }

  auth::GoogleCredentials credentials(const std::filesystem::path& file) {
    auth::GoogleAuthOptions ao;
    ao.scopes = {std::string(auth::kSheetsScope)};
    ao.token_url_override = host.url() + "/token";
    auto c = auth::load_credentials_file(*curl, clock, file, "test", ao, log::null_logger());
    REQUIRE(c.ok());
    return std::move(*c);
  }

  Result<net::Response> raw(std::string method, const std::string& path, std::string body = {}) {
    auto token = creds.tokens->token();
    REQUIRE(token.ok());
    return curl->send(net::Request{.method = std::move(method),
                                   .url = host.url() + path,
                                   .headers = {{"Authorization", token->authorization()}},
                                   .body = std::move(body)});
  }

  std::string cell(const std::string& sheet, const std::string& a1) {
    auto c = google.sheets().cell(sheet_id, sheet, a1);
    REQUIRE(c.has_value());
    return c->display();
  }
};

google::UpdateCells dashboard_block(int sheet_id, const std::vector<std::vector<std::string>>& rows) {
  google::UpdateCells u{
      .range = {.sheet_id = sheet_id, .start_row = 0, .end_row = 5, .start_column = 0, .end_column = 3}};
  for (const auto& row : rows) {
    auto& out = u.rows.emplace_back();
    for (const auto& v : row) out.push_back({google::CellValue::text(v)});
  }
  return u;
}

}  // namespace

TEST_CASE("a service-account key is exchanged for a token at the fake's endpoint", "[google][fake]") {
  Env env;
  auto token = env.creds.tokens->token();
  REQUIRE(token.ok());
  CHECK(token->value.rfind("ya29.", 0) == 0);
  CHECK(token->expires_at == t0() + 1h);
  CHECK(env.google.tokens().tokens_issued() == 1);
  CHECK(env.client->get_spreadsheet(env.sheet_id).ok());

  // A key the fake does not know, and a forged signature, are refused with Google's bodies.
  auto stranger = env.credentials(stranger_key().file).tokens->token();
  REQUIRE_FALSE(stranger.ok());
  CHECK(stranger.error().kind == ErrorKind::unavailable);
  CHECK(stranger.error().message.find("invalid_grant") != std::string::npos);
  auto forged = env.credentials(forged_key().file).tokens->token();
  REQUIRE_FALSE(forged.ok());
  CHECK(forged.error().message.find("Invalid JWT Signature.") != std::string::npos);
  CHECK(env.google.tokens().tokens_issued() == 1);

  // API calls without a valid token get Google's 401.
  auto anon = env.curl->send(net::Request{.url = env.host.url() + "/v4/spreadsheets/" + env.sheet_id});
  REQUIRE(anon.ok());
  CHECK(anon->status == 401);
  CHECK(anon->body.find("UNAUTHENTICATED") != std::string::npos);
}

TEST_CASE("tokens that expire mid-run are refreshed with no failed call", "[google][fake]") {
  Env env({}, 1, 10s);  // 10-second tokens, no retries: any 401 would fail the call
  for (int i = 0; i < 12; ++i) {
    INFO("call " << i);
    auto r = env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"run " + std::to_string(i)}})});
    REQUIRE(r.ok());
    env.clock.advance(3s);
  }
  CHECK(env.cell("Dashboard", "A1") == "run 11");
  CHECK(env.google.tokens().tokens_issued() >= 6);  // 36 s of 10 s tokens
  CHECK(env.client->api_calls() == 12);

  // The fake really does reject an expired token.
  const std::string stale = env.google.tokens().issue_token_for_tests("test");
  env.clock.advance(11s);
  auto expired = env.curl->send(net::Request{.url = env.host.url() + "/v4/spreadsheets/" + env.sheet_id,
                                             .headers = {{"Authorization", "Bearer " + stale}}});
  CHECK(expired->status == 401);
}

TEST_CASE("batchUpdate writes typed values and formats, and text stays text", "[google][fake]") {
  Env env;
  google::UpdateCells u{.range = {.sheet_id = 0, .start_row = 0, .end_row = 2, .start_column = 0, .end_column = 4}};
  u.rows = {{{google::CellValue::text("=1+1")},
             {google::CellValue::number(42.5), google::CellFormat{.number_pattern = "0.0", .bold = true}},
             {google::CellValue::boolean(false)},
             {google::CellValue::formula("=B1*2")}}};
  REQUIRE(env.client->batch_update(env.sheet_id, {u}).ok());
  const auto a1 = env.google.sheets().cell(env.sheet_id, "Dashboard", "A1");
  CHECK(a1->kind == fg::FakeCell::Kind::string);
  CHECK(a1->text == "=1+1");
  const auto b1 = env.google.sheets().cell(env.sheet_id, "Dashboard", "B1");
  CHECK(b1->kind == fg::FakeCell::Kind::number);
  CHECK(b1->number == 42.5);
  CHECK(b1->format.at("numberFormat") == R"({"type":"NUMBER","pattern":"0.0"})");
  CHECK(b1->format.at("textFormat") == R"({"bold":true})");
  CHECK(env.google.sheets().cell(env.sheet_id, "Dashboard", "D1")->kind == fg::FakeCell::Kind::formula);

  auto values = env.client->get_values(env.sheet_id, google::A1Range::box("Dashboard", 0, 0, 2, 4));
  REQUIRE(values.ok());
  REQUIRE(values->size() == 1);  // trailing blank row trimmed
  CHECK((*values)[0][0] == google::CellValue::text("=1+1"));
  CHECK((*values)[0][1] == google::CellValue::number(42.5));
  CHECK((*values)[0][2] == google::CellValue::boolean(false));

  // The owned range is replaced whole: fewer rows this time clear the rest.
  REQUIRE(env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"a", "b", "c"}, {"d"}, {"e"}})}).ok());
  REQUIRE(env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"x"}})}).ok());
  CHECK(env.google.sheets().read_values(env.sheet_id, "Dashboard!A1:C3") ==
        std::vector<std::vector<std::string>>{{"x", "", ""}, {"", "", ""}, {"", "", ""}});
  CHECK(env.cell("Dashboard", "D1") == "=B1*2");  // outside the owned range: untouched
}

TEST_CASE("a batchUpdate that fails validation changes nothing", "[google][fake]") {
  Env env;
  REQUIRE(env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"keep", "me"}})}).ok());
  const int writes = env.google.sheets().write_requests(env.sheet_id);
  const std::string before = env.google.sheets().dump(env.sheet_id).value();

  auto bad = env.client->batch_update(
      env.sheet_id,
      {google::AddSheet{.title = "Archive"}, dashboard_block(0, {{"changed"}}), dashboard_block(999, {{"nowhere"}})});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::data);
  CHECK(bad.error().message.find("INVALID_ARGUMENT") != std::string::npos);
  CHECK(bad.error().message.find("requests[2].updateCells: No grid with id: 999") != std::string::npos);
  CHECK(env.cell("Dashboard", "A1") == "keep");
  CHECK(env.google.sheets().sheet_titles(env.sheet_id) == std::vector<std::string>{"Dashboard", "GSP"});
  CHECK(env.google.sheets().write_requests(env.sheet_id) == writes);
  CHECK(env.google.sheets().dump(env.sheet_id).value() == before);

  // Out of the grid (100 × 8) is refused too.
  google::UpdateCells wide{.range = {.sheet_id = 0, .start_row = 0, .end_row = 1, .start_column = 0, .end_column = 9}};
  auto outside = env.client->batch_update(env.sheet_id, {wide});
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.error().message.find("exceeds grid limits") != std::string::npos);

  // A duplicate tab name fails the whole batch, including the earlier addSheet.
  auto dup = env.client->batch_update(env.sheet_id,
                                      {google::AddSheet{.title = "Live_Raw_Gen"}, google::AddSheet{.title = "GSP"}});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message.find("A sheet with the name \"GSP\" already exists") != std::string::npos);
  CHECK(env.google.sheets().sheet_titles(env.sheet_id).size() == 2);
}

TEST_CASE("addSheet, repeatCell and updateSheetProperties apply in order", "[google][fake]") {
  Env env;
  auto added =
      env.client->batch_update(env.sheet_id, {google::AddSheet{.title = "Jon's", .sheet_id = 42, .row_count = 50}});
  REQUIRE(added.ok());
  REQUIRE(added->added[0].has_value());
  CHECK(added->added[0]->sheet_id == 42);
  CHECK(added->added[0]->index == 2);

  auto r = env.client->batch_update(
      env.sheet_id,
      {google::UpdateSheetProperties{.sheet_id = 42, .title = "Daily Report", .frozen_row_count = 1},
       google::RepeatCell{.range = {.sheet_id = 42, .start_row = 0, .end_row = 1}, .format = {.bold = true}},
       google::UpdateCells{.range = {.sheet_id = 42, .start_row = 0, .end_row = 1, .start_column = 0, .end_column = 1},
                           .rows = {{{google::CellValue::text("Item")}}}}});
  REQUIRE(r.ok());
  auto book = env.client->get_spreadsheet(env.sheet_id);
  REQUIRE(book.ok());
  REQUIRE(book->find("Daily Report") != nullptr);
  CHECK(book->find("Daily Report")->row_count == 50);
  CHECK(book->find("Daily Report")->column_count == 26);
  const auto h1 = env.google.sheets().cell(env.sheet_id, "Daily Report", "A1");
  CHECK(h1->text == "Item");
  CHECK(h1->format.at("textFormat") == R"({"bold":true})");  // values-only update kept the format
  CHECK(env.google.sheets().cell(env.sheet_id, "Daily Report", "Z1")->format.count("textFormat") == 1);

  auto values = env.client->get_values(env.sheet_id, google::A1Range{"Daily Report", 0, 0, 1, 2});
  REQUIRE(values.ok());
  CHECK((*values)[0][0] == google::CellValue::text("Item"));

  // The fields mask trims the response.
  auto masked = env.raw("GET", "/v4/spreadsheets/" + env.sheet_id + "?fields=sheets.properties(sheetId,title)");
  REQUIRE(masked.ok());
  auto doc = json::parse(masked->body);
  REQUIRE(doc.ok());
  CHECK(doc->root().field("spreadsheetId").is_missing());
  CHECK(doc->root().field("sheets").index(2).field("properties").field("title").as_string().value() == "Daily Report");
  CHECK(doc->root().field("sheets").index(2).field("properties").field("gridProperties").is_missing());
}

TEST_CASE("values endpoints: RAW vs USER_ENTERED, trimming, clears, admin dump", "[google][fake]") {
  Env env;
  const std::string base = "/v4/spreadsheets/" + env.sheet_id + "/values/";
  auto raw =
      env.raw("PUT", base + "GSP%21A1%3AC2?valueInputOption=RAW", R"({"values":[["=1+1","2",true],[null,3.5]]})");
  REQUIRE(raw.ok());
  REQUIRE(raw->status == 200);
  CHECK(json::parse(raw->body)->root().field("updatedRange").as_string().value() == "GSP!A1:C2");
  CHECK(env.google.sheets().cell(env.sheet_id, "GSP", "A1")->kind == fg::FakeCell::Kind::string);
  CHECK(env.google.sheets().cell(env.sheet_id, "GSP", "B1")->kind == fg::FakeCell::Kind::string);

  auto user = env.raw("PUT", base + "GSP%21A3?valueInputOption=USER_ENTERED", R"({"values":[["=1+1"]]})");
  REQUIRE(user->status == 200);
  CHECK(env.google.sheets().cell(env.sheet_id, "GSP", "A3")->kind == fg::FakeCell::Kind::formula);

  auto missing_option = env.raw("PUT", base + "GSP%21A1", R"({"values":[["x"]]})");
  CHECK(missing_option->status == 400);

  auto got = env.raw("GET", base + "GSP%21A1%3AH10?valueRenderOption=UNFORMATTED_VALUE");
  REQUIRE(got->status == 200);
  CHECK(got->body ==
        R"({"range":"GSP!A1:H10","majorDimension":"ROWS","values":[["=1+1","2",true],["",3.5],["=1+1"]]})");

  auto cleared =
      env.raw("POST", "/v4/spreadsheets/" + env.sheet_id + "/values:batchClear", R"({"ranges":["GSP!A1:A3"]})");
  REQUIRE(cleared->status == 200);
  CHECK(env.google.sheets().read_values(env.sheet_id, "GSP!A1:C3") ==
        std::vector<std::vector<std::string>>{{"", "2", "TRUE"}, {"", "3.5", ""}, {"", "", ""}});

  auto bad_range = env.raw("GET", base + "Nope%21A1");
  CHECK(bad_range->status == 400);
  CHECK(bad_range->body.find("Unable to parse range: Nope!A1") != std::string::npos);

  auto dump = env.curl->send(net::Request{.url = env.host.url() + "/_fake/sheets/" + env.sheet_id});
  REQUIRE(dump.ok());
  auto doc = json::parse(dump->body);
  REQUIRE(doc.ok());
  CHECK(doc->root()
            .field("sheets")
            .index(1)
            .field("cells")
            .field("B2")
            .field("userEnteredValue")
            .field("numberValue")
            .as_double()
            .value() == 3.5);
  CHECK(doc->root().field("writeRequests").as_int().value() == 3);
}

TEST_CASE("429 storms from the server are retried within bounds", "[google][fake]") {
  // Faults are injected on GETs: ServerHost answers a fault before reading the
  // request body, so a faulted POST leaves its body on the kept-alive
  // connection (reported to the lead). batchUpdate 429s are covered by the
  // write-quota tests below, where the fake itself answers.
  Env env({}, 4);
  const std::string body = R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}})";
  env.host.inject(
      fakes::Fault{.method = "GET", .path_prefix = "/v4/spreadsheets/", .count = 3, .status = 429, .body = body});
  auto calm = env.client->get_spreadsheet(env.sheet_id);
  INFO((calm.ok() ? std::string("ok") : calm.error().message));
  REQUIRE(calm.ok());
  CHECK(calm->sheets.size() == 2);
  CHECK(env.client->api_calls() == 4);
  CHECK(env.clock.sleeps().size() == 3);

  env.host.inject(
      fakes::Fault{.method = "GET", .path_prefix = "/v4/spreadsheets/", .count = 50, .status = 503, .body = "{}"});
  auto storm = env.client->get_spreadsheet(env.sheet_id);
  REQUIRE_FALSE(storm.ok());
  CHECK(storm.error().kind == ErrorKind::temporary);
  CHECK(storm.error().message.find("HTTP 503") != std::string::npos);
  CHECK(env.client->api_calls() == 8);  // exactly max_attempts more
  env.host.clear_faults();
  CHECK(env.client->get_spreadsheet(env.sheet_id).ok());
}

TEST_CASE("the fake's per-minute write quota answers 429 RESOURCE_EXHAUSTED", "[google][fake]") {
  Env env({.sheets_write_quota = 2}, 1);
  REQUIRE(env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"1"}})}).ok());
  REQUIRE(env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"2"}})}).ok());
  auto third = env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"3"}})});
  REQUIRE_FALSE(third.ok());
  CHECK(third.error().kind == ErrorKind::temporary);
  CHECK(third.error().message.find("RESOURCE_EXHAUSTED") != std::string::npos);
  CHECK(env.google.sheets().quota_rejections() == 1);
  CHECK(env.cell("Dashboard", "A1") == "2");
  CHECK(env.client->get_spreadsheet(env.sheet_id).ok());  // reads are not writes

  env.clock.advance(61s);  // the quota refills after a minute
  REQUIRE(env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"4"}})}).ok());
  CHECK(env.cell("Dashboard", "A1") == "4");
}

TEST_CASE("the retry policy rides out the write quota when its budget allows", "[google][fake]") {
  Env env({.sheets_write_quota = 1}, 8);
  REQUIRE(env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"1"}})}).ok());
  auto second = env.client->batch_update(env.sheet_id, {dashboard_block(0, {{"2"}})});
  REQUIRE(second.ok());  // backoff sleeps on the shared fake clock until the minute is over
  CHECK(env.google.sheets().quota_rejections() >= 1);
  CHECK(env.cell("Dashboard", "A1") == "2");
  milliseconds slept{0};
  for (const auto d : env.clock.sleeps()) slept += d;
  CHECK(slept >= 1ms);
}
