// The gsheets sink against fake-google hosted in-process over HTTPS: one
// batchUpdate per write, missing tabs created, literal text, stale cells
// cleared, and a refused write leaves the sheet unchanged.

#include "sheet/google_sink.hpp"

#include <catch2/catch.hpp>

#include "auth/google_credentials.hpp"
#include "core/log.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/fake_google.hpp"
#include "fakes/fake-google/test_keys.hpp"
#include "google/sheets.hpp"
#include "net/curl_transport.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;
namespace fg = gbpm::fakes::google;

namespace {

constexpr const char* kEmail = "dash@gbpm-test.iam.gserviceaccount.com";

const testing::TempDir& key_dir() {
  static const testing::TempDir dir;
  return dir;
}
const fg::TestServiceAccount& key() {
  static const auto k = fg::write_test_service_account(key_dir().path(), "sa.json", kEmail, "https://unused.invalid/t");
  return k;
}

struct Env {
  core::FakeClock clock{sys_days{2026y / 11 / 28} + 10h};
  fg::FakeGoogle google;
  fakes::ServerHost host;
  std::unique_ptr<net::CurlTransport> curl;
  auth::GoogleCredentials creds;
  std::unique_ptr<google::SheetsClient> client;
  std::string id;

  Env() : google(options()), host(fakes::ServeOptions{}, google.installer()) {
    host.start();
    auto c = net::CurlTransport::create({.ca_file = host.ca_file().string()});
    REQUIRE(c.ok());
    curl = std::move(*c);
    auth::GoogleAuthOptions ao;
    ao.scopes = {std::string(auth::kSheetsScope)};
    ao.token_url_override = host.url() + "/token";
    auto loaded = auth::load_credentials_file(*curl, clock, key().file, "test", ao, log::null_logger());
    REQUIRE(loaded.ok());
    creds = std::move(*loaded);
    google::SheetsOptions so;
    so.base_url = host.url();
    so.retry = net::RetryPolicy(net::RetryOptions{.max_attempts = 3});
    so.backoff = net::BackoffPolicy(net::BackoffOptions{.random = [] { return 1.0; }});
    so.client_email = creds.client_email;
    client = std::make_unique<google::SheetsClient>(*curl, *creds.tokens, clock, so);
    id = google.sheets().create_spreadsheet("Ops", {"GSP"}, 100, 8);
  }
  fg::FakeGoogleOptions options() {
    fg::FakeGoogleOptions o;
    o.key_files = {key().file};
    o.clock = &clock;
    return o;
  }
};

sheet::Update dashboard(std::vector<std::vector<sheet::Cell>> top) {
  sheet::Update u;
  u.blocks.push_back({sheet::Range{"Dashboard", 0, 0, 17, 8}, std::move(top), false});
  u.blocks.push_back({sheet::Range{"Dashboard", 29, 0, 1, 8}, {{sheet::Cell::text("Asset")}}, false});
  return u;
}

}  // namespace

TEST_CASE("gsheets sink: one batchUpdate creates the tab and writes every block", "[sheet][google]") {
  Env env;
  auto sink = sheet::make_google_sink(*env.client, env.id);
  auto s = sink->write(dashboard({{sheet::Cell::text("GB DASHBOARD - Power")},
                                  {sheet::Cell::number(28.55, {.number_format = "0.00"}), sheet::Cell::text("=1+1")},
                                  {sheet::Cell::text("stale")}}));
  INFO((s.ok() ? "" : s.error().message));
  REQUIRE(s.ok());
  CHECK(env.google.sheets().write_requests(env.id) == 1);
  CHECK(sink->api_calls() == 2);  // one metadata read + one write
  CHECK(env.google.sheets().sheet_titles(env.id) == std::vector<std::string>{"GSP", "Dashboard"});
  CHECK(env.google.sheets().cell(env.id, "Dashboard", "A1")->display() == "GB DASHBOARD - Power");
  const auto b2 = env.google.sheets().cell(env.id, "Dashboard", "A2");
  CHECK(b2->kind == fg::FakeCell::Kind::number);
  CHECK(b2->number == Approx(28.55));
  const auto formula = env.google.sheets().cell(env.id, "Dashboard", "B2");
  CHECK(formula->kind == fg::FakeCell::Kind::string);
  CHECK(formula->text == "=1+1");
  CHECK(env.google.sheets().cell(env.id, "Dashboard", "A30")->display() == "Asset");

  // A second run: tab ids cached (no new metadata read), stale row cleared, still one write.
  REQUIRE(sink->write(dashboard({{sheet::Cell::text("GB DASHBOARD - Power")}})).ok());
  CHECK(env.google.sheets().write_requests(env.id) == 2);
  CHECK(sink->api_calls() == 3);
  CHECK(env.google.sheets().cell(env.id, "Dashboard", "A3")->display().empty());
  CHECK(env.google.sheets().cell(env.id, "Dashboard", "A2")->display().empty());
}

TEST_CASE("gsheets sink: a refused write leaves the sheet byte-for-byte unchanged", "[sheet][google]") {
  Env env;
  auto sink = sheet::make_google_sink(*env.client, env.id);
  REQUIRE(sink->write(dashboard({{sheet::Cell::text("before")}})).ok());
  env.google.sheets().set_write_quota(1);  // the next writes in this minute get 429
  REQUIRE(sink->write(dashboard({{sheet::Cell::text("first in window")}})).ok());
  const auto after_first = env.google.sheets().dump(env.id);
  REQUIRE(after_first.has_value());
  const auto s = sink->write(dashboard({{sheet::Cell::text("after")}}));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::temporary);
  // The dump's content (everything from "sheets") is unchanged; only the fake's counters moved.
  const auto content = [](const std::string& dump) { return dump.substr(dump.find("\"sheets\"")); };
  const auto now = env.google.sheets().dump(env.id);
  REQUIRE(now.has_value());
  CHECK(content(*now) == content(*after_first));
  CHECK(content(*now).find("first in window") != std::string::npos);
  CHECK(env.google.sheets().write_requests(env.id) == 2);
  CHECK(env.google.sheets().quota_rejections() >= 1);
}
