// The gsheets sink against fake-google hosted in-process over HTTPS: one
// batchUpdate per write, missing tabs created, literal text, stale cells
// cleared, and a refused write leaves the sheet unchanged.

#include "sheet/google_sink.hpp"

#include <catch2/catch.hpp>

#include "auth/google_credentials.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/fake_google.hpp"
#include "fakes/fake-google/test_keys.hpp"
#include "google/sheets.hpp"
#include "net/curl_transport.hpp"
#include "support/fake_clock.hpp"
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

TEST_CASE("gsheets sink: two tools adding the same missing tab at once both land", "[sheet][google]") {
  Env env;
  auto first = sheet::make_google_sink(*env.client, env.id);
  auto second = sheet::make_google_sink(*env.client, env.id);
  // `second` reads the tabs (no Dashboard yet) before `first` creates Dashboard.
  sheet::Update gsp;
  gsp.blocks.push_back({sheet::Range{"GSP", 0, 0, 1, 1}, {{sheet::Cell::text("zones")}}, false});
  REQUIRE(second->write(gsp).ok());
  REQUIRE(first->write(dashboard({{sheet::Cell::text("GB DASHBOARD - Power")}})).ok());
  sheet::Update outages;
  outages.blocks.push_back(
      {sheet::Range{"Dashboard", 30, 0, 40, 8}, {{sheet::Cell::text("T_UNIT-0"), sheet::Cell::number(500)}}, false});
  const auto s = second->write(outages);
  INFO((s.ok() ? "" : s.error().message));
  REQUIRE(s.ok());
  CHECK(env.google.sheets().sheet_titles(env.id) == std::vector<std::string>{"GSP", "Dashboard"});
  CHECK(env.google.sheets().cell(env.id, "Dashboard", "A1")->display() == "GB DASHBOARD - Power");
  CHECK(env.google.sheets().cell(env.id, "Dashboard", "A31")->display() == "T_UNIT-0");
  // The refused batch changed nothing and counted nothing: GSP, Dashboard, outages.
  CHECK(env.google.sheets().write_requests(env.id) == 3);
}

TEST_CASE("gsheets sink: different new tabs added at once get different sheet ids", "[sheet][google]") {
  Env env;
  auto a = sheet::make_google_sink(*env.client, env.id);
  auto b = sheet::make_google_sink(*env.client, env.id);
  sheet::Update gsp;
  gsp.blocks.push_back({sheet::Range{"GSP", 0, 0, 1, 1}, {{sheet::Cell::text("x")}}, false});
  REQUIRE(a->write(gsp).ok());  // both now hold the same (stale) tab list
  REQUIRE(b->write(gsp).ok());
  sheet::Update live;
  live.blocks.push_back({sheet::Range{"Live_Raw_Gen", 0, 0, 2, 2}, {{sheet::Cell::text("SP")}}, true});
  sheet::Update daily;
  daily.blocks.push_back({sheet::Range{"Daily_Chart_Data", 0, 0, 50, 3}, {{sheet::Cell::text("date")}}, true});
  REQUIRE(a->write(live).ok());
  REQUIRE(b->write(daily).ok());
  CHECK(env.google.sheets().sheet_titles(env.id) ==
        std::vector<std::string>{"GSP", "Live_Raw_Gen", "Daily_Chart_Data"});
  CHECK(env.google.sheets().cell(env.id, "Daily_Chart_Data", "A1")->display() == "date");
  // A whole-tab block sizes its tab to exactly its rows.
  CHECK(env.google.sheets().read_values(env.id, "Daily_Chart_Data!A1:A50").size() == 50);
  CHECK(env.google.sheets().read_values(env.id, "Daily_Chart_Data!A51:A51").empty());
}

TEST_CASE("gsheets sink: a tab too small for an owned range grows in the same request", "[sheet][google]") {
  Env env;
  const std::string id = env.google.sheets().create_spreadsheet("Small", {"Dashboard"}, 20, 5);
  auto sink = sheet::make_google_sink(*env.client, id);
  sheet::Update outages;
  outages.blocks.push_back({sheet::Range{"Dashboard", 30, 0, 40, 8}, {{sheet::Cell::text("TOTAL")}}, false});
  const auto s = sink->write(outages);
  INFO((s.ok() ? "" : s.error().message));
  REQUIRE(s.ok());
  CHECK(env.google.sheets().write_requests(id) == 1);
  CHECK(env.google.sheets().cell(id, "Dashboard", "A31")->display() == "TOTAL");
  CHECK(env.google.sheets().read_values(id, "Dashboard!H70:H70").size() == 1);
}

namespace {

config::Config google_config(const Env& env, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env_vars = {{"GOOGLE_APPLICATION_CREDENTIALS", key().file.string()},
                                                 {"GBPM_GOOGLE_TOKEN_URL", env.host.url() + "/token"},
                                                 {"GBPM_SHEETS_URL", env.host.url()},
                                                 {"GBPM_CA_FILE", env.host.ca_file().string()}};
  for (auto& [k, v] : extra) env_vars[k] = v;
  config::Config c;
  c.load_environment(env_vars);
  return c;
}

}  // namespace

TEST_CASE("open_google_sink: built from configuration, writes through fake-google over HTTPS", "[sheet][google]") {
  Env env;
  const auto config = google_config(env);
  auto sink = sheet::open_google_sink(config, env.clock, log::null_logger(), env.id);
  REQUIRE(sink.ok());
  auto s = (*sink)->write(dashboard({{sheet::Cell::text("GB DASHBOARD - Power")}}));
  INFO((s.ok() ? "" : s.error().message));
  REQUIRE(s.ok());
  CHECK((*sink)->api_calls() == 2);
  CHECK(env.google.sheets().metadata_reads(env.id) == 1);
  CHECK(env.google.sheets().write_requests(env.id) == 1);
  CHECK(env.google.sheets().cell(env.id, "Dashboard", "A1")->display() == "GB DASHBOARD - Power");
}

TEST_CASE("open_google_sink: 5xx retried GBPM_RETRY_ATTEMPTS times honouring Retry-After, then temporary",
          "[sheet][google]") {
  Env env;
  const auto config = google_config(env, {{"GBPM_RETRY_ATTEMPTS", "3"}, {"GBPM_RETRY_DEADLINE", "60s"}});
  auto sink = sheet::open_google_sink(config, env.clock, log::null_logger(), env.id);
  REQUIRE(sink.ok());
  env.host.inject(fakes::Fault{.method = "POST",
                               .path_prefix = "/v4/spreadsheets/" + env.id + ":batchUpdate",
                               .count = 100,
                               .status = 503,
                               .headers = {{"Retry-After", "7"}}});
  const auto s = (*sink)->write(dashboard({{sheet::Cell::text("x")}}));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::temporary);
  CHECK((*sink)->api_calls() == 4);  // metadata read + 3 write attempts
  CHECK(env.google.sheets().write_requests(env.id) == 0);
  const auto sleeps = env.clock.sleeps();
  REQUIRE(sleeps.size() == 2);
  for (const auto d : sleeps) CHECK(d >= seconds(7));
}

TEST_CASE("open_google_sink: no credentials is a configuration error saying what to set", "[sheet][google]") {
  testing::TempDir dir;
  config::Config c;
  c.load_environment({{"HOME", dir.path().string()}, {"GCE_METADATA_HOST", "127.0.0.1:9"}});
  core::FakeClock clock;
  auto sink = sheet::open_google_sink(c, clock, log::null_logger(), "abc");
  REQUIRE_FALSE(sink.ok());
  CHECK(sink.error().kind == ErrorKind::config);
  CHECK(sink.error().message.find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
  CHECK(sink.error().message.find("gsheets:abc") != std::string::npos);
}

TEST_CASE("open_google_sink: a malformed retry setting is a configuration error", "[sheet][google]") {
  Env env;
  const auto config = google_config(env, {{"GBPM_RETRY_ATTEMPTS", "many"}});
  auto sink = sheet::open_google_sink(config, env.clock, log::null_logger(), env.id);
  REQUIRE_FALSE(sink.ok());
  CHECK(sink.error().kind == ErrorKind::config);
}
