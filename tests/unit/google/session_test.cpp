// open_google_session: configuration → transport trusting GBPM_CA_FILE →
// Application Default Credentials → a token from fake-google's endpoint.

#include "google/session.hpp"

#include <catch2/catch.hpp>

#include "core/config.hpp"
#include "core/log.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/fake_google.hpp"
#include "fakes/fake-google/test_keys.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;
namespace fg = gbpm::fakes::google;

namespace {

constexpr const char* kEmail = "session@gbpm-test.iam.gserviceaccount.com";

config::Config config_of(const std::map<std::string, std::string>& env) {
  config::Config c;
  c.load_environment(env);
  return c;
}

}  // namespace

TEST_CASE("auth options come from the configuration", "[session]") {
  const auto c = config_of({{"GBPM_GOOGLE_TOKEN_URL", "https://127.0.0.1:9/token"},
                            {"GOOGLE_APPLICATION_CREDENTIALS", "/etc/gbpm/key.json"},
                            {"CLOUDSDK_CONFIG", "/home/a/.gcloud"},
                            {"HOME", "/home/a"},
                            {"GCE_METADATA_HOST", "127.0.0.1:8999"}});
  const auto o = google::auth_options_from(c, {std::string(auth::kSheetsScope)});
  CHECK(o.token_url_override == "https://127.0.0.1:9/token");
  CHECK(o.credentials_file == "/etc/gbpm/key.json");
  CHECK(o.cloudsdk_config == "/home/a/.gcloud");
  CHECK(o.home == "/home/a");
  CHECK(o.metadata_url == "http://127.0.0.1:8999");
  CHECK(o.scopes == std::vector<std::string>{std::string(auth::kSheetsScope)});

  const auto defaults = google::auth_options_from(config_of({}), {});
  CHECK(defaults.metadata_url == auth::kMetadataUrl);
  CHECK(defaults.token_url_override.empty());
}

TEST_CASE("a session from a service-account key fetches a token over TLS", "[session]") {
  const testing::TempDir dir;
  const auto key = fg::write_test_service_account(dir.path(), "sa.json", kEmail, "https://unused.invalid/token");
  fg::FakeGoogle google(fg::FakeGoogleOptions{.key_files = {key.file}});
  fakes::ServerHost host(fakes::ServeOptions{}, google.installer());
  host.start();

  const core::SystemClock clock;
  const auto c = config_of({{"GOOGLE_APPLICATION_CREDENTIALS", key.file.string()},
                            {"GBPM_GOOGLE_TOKEN_URL", host.url() + "/token"},
                            {"GBPM_CA_FILE", host.ca_file().string()},
                            {"GCE_METADATA_HOST", "127.0.0.1:1"}});
  auto session = google::open_google_session(c, clock, log::null_logger(), {std::string(auth::kSheetsScope)});
  REQUIRE(session.ok());
  CHECK((*session)->credentials.client_email == kEmail);
  CHECK_THAT((*session)->credentials.description, Catch::Contains("GOOGLE_APPLICATION_CREDENTIALS"));
  auto token = (*session)->credentials.tokens->token();
  REQUIRE(token.ok());
  CHECK_FALSE(token->value.empty());
}

TEST_CASE("a session without usable credentials or CA is a configuration error", "[session]") {
  const testing::TempDir dir;
  const core::SystemClock clock;
  SECTION("no credentials anywhere") {
    const auto c = config_of({{"HOME", dir.path().string()}, {"GCE_METADATA_HOST", "127.0.0.1:1"}});
    auto session = google::open_google_session(c, clock, log::null_logger(), {});
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().kind == ErrorKind::config);
    CHECK_THAT(session.error().message, Catch::Contains("GOOGLE_APPLICATION_CREDENTIALS"));
  }
  SECTION("a missing CA file") {
    const auto c = config_of({{"GBPM_CA_FILE", (dir.path() / "nope.pem").string()}});
    auto session = google::open_google_session(c, clock, log::null_logger(), {});
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().kind == ErrorKind::config);
    CHECK_THAT(session.error().message, Catch::Contains("nope.pem"));
  }
}
