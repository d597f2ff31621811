#include "auth/azure_entra.hpp"

#include <catch2/catch.hpp>

#include "net/retry.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

core::TimePoint t0() {
  return sys_days{2026y / 11 / 28} + 10h;
}

auth::EntraCredentials creds() {
  return {"4203b7a0-7773-4de5-b830-8b263a20426e", "00000000-0000-0000-0000-000000000000", "p@ss w0rd+/=&x"};
}

std::string token_json(std::string_view token, std::string_view expires_in) {
  return std::string(R"({"token_type":"Bearer","expires_in":)") + std::string(expires_in) +
         R"(,"ext_expires_in":3599,"access_token":")" + std::string(token) + "\"}";
}

}  // namespace

TEST_CASE("the Entra token request is the documented form POST, byte for byte", "[auth][entra]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(200, token_json("eyJ0.a.b", "3599"));
  auto token = auth::fetch_entra_token(transport, clock, creds(), {});
  REQUIRE(token.ok());
  CHECK(token->value == "eyJ0.a.b");
  CHECK(token->authorization() == "Bearer eyJ0.a.b");
  CHECK(token->expires_at == t0() + 3599s);

  const auto requests = transport.requests();
  REQUIRE(requests.size() == 1);
  const net::Request& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.url == "https://login.microsoftonline.com/4203b7a0-7773-4de5-b830-8b263a20426e/oauth2/v2.0/token");
  CHECK(r.header("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(r.body ==
        "client_id=00000000-0000-0000-0000-000000000000"
        "&scope=https%3A%2F%2Fservicebus.azure.net%2F.default"
        "&client_secret=p%40ss%20w0rd%2B%2F%3D%26x"
        "&grant_type=client_credentials");
}

TEST_CASE("the authority URL can be overridden but must be https", "[auth][entra]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(200, token_json("t", "\"3600\""));  // expires_in as a numeric string
  auto token = auth::fetch_entra_token(transport, clock, creds(), {.authority_url = "https://127.0.0.1:8443/"});
  REQUIRE(token.ok());
  CHECK(token->expires_at == t0() + 3600s);
  CHECK(transport.requests()[0].url == "https://127.0.0.1:8443/4203b7a0-7773-4de5-b830-8b263a20426e/oauth2/v2.0/token");

  auto insecure = auth::fetch_entra_token(transport, clock, creds(), {.authority_url = "http://127.0.0.1:8080"});
  REQUIRE_FALSE(insecure.ok());
  CHECK(insecure.error().kind == ErrorKind::config);
  CHECK(transport.requests().size() == 1);
}

TEST_CASE("Entra tokens are cached and refreshed before they expire", "[auth][entra]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(200, token_json("first", "3599"));
  transport.push(200, token_json("second", "3599"));
  auto source = auth::make_entra_token_source(transport, clock, creds());
  CHECK(source->token()->value == "first");
  clock.advance(50min);
  CHECK(source->token()->value == "first");
  CHECK(transport.requests().size() == 1);
  clock.advance(5min);  // 54m59s before expiry passes the 5-minute margin
  CHECK(source->token()->value == "second");
  CHECK(transport.requests().size() == 2);
  CHECK(clock.now() < t0() + 3599s);  // refreshed while the first was still valid
}

TEST_CASE("an expired client secret says IRIS secrets expire after 2 years and how to renew", "[auth][entra]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(
      401,
      R"({"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app '00000000' are expired. Visit the Azure portal to create new keys for your app.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-11-28 10:00:00Z","error_codes":[7000222]})");
  auto token = auth::fetch_entra_token(transport, clock, creds(), {});
  REQUIRE_FALSE(token.ok());
  const std::string& m = token.error().message;
  CHECK(token.error().kind == ErrorKind::config);
  CHECK(m.find("AADSTS7000222") != std::string::npos);
  CHECK(m.find("expire after 2 years") != std::string::npos);
  CHECK(m.find("bmrs.elexon.co.uk/iris") != std::string::npos);
  CHECK(m.find("Trace ID") == std::string::npos);
  CHECK(m.find("p@ss") == std::string::npos);
  CHECK(m.find("p%40ss") == std::string::npos);
}

TEST_CASE("other Entra errors are named, and throttling and outages are temporary", "[auth][entra]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(401,
                 R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})");
  transport.push(400, R"({"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."})");
  transport.push(503, "<html>Service Unavailable</html>");
  auto wrong = auth::fetch_entra_token(transport, clock, creds(), {});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().kind == ErrorKind::config);
  CHECK(wrong.error().message.find("client secret is wrong") != std::string::npos);
  auto tenant = auth::fetch_entra_token(transport, clock, creds(), {});
  REQUIRE_FALSE(tenant.ok());
  CHECK(tenant.error().message.find("tenant does not exist") != std::string::npos);
  auto down = auth::fetch_entra_token(transport, clock, creds(), {});
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().kind == ErrorKind::temporary);
}

TEST_CASE("malformed token replies are data errors", "[auth][entra]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(200, R"({"token_type":"Bearer","access_token":"x"})");
  transport.push(200, R"({"token_type":"Bearer","expires_in":"soon","access_token":"x"})");
  transport.push(200, "not json");
  for (int i = 0; i < 3; ++i) {
    auto token = auth::fetch_entra_token(transport, clock, creds(), {});
    REQUIRE_FALSE(token.ok());
    CHECK(token.error().kind == ErrorKind::data);
  }
}

TEST_CASE("secrets are read from a file or from the credentials directory", "[auth][entra]") {
  testing::TempDir dir;
  testing::write_file(dir / "secret.txt", "  s3cret-value\n");
  testing::write_file(dir / "creds" / "iris-client-secret", "from-systemd\n");
  testing::write_file(dir / "empty", "\n");
  CHECK(auth::read_secret(dir / "secret.txt", dir / "creds", "iris-client-secret").value() == "s3cret-value");
  CHECK(auth::read_secret({}, dir / "creds", "iris-client-secret").value() == "from-systemd");
  auto none = auth::read_secret({}, {}, "iris-client-secret");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().kind == ErrorKind::config);
  auto missing = auth::read_secret(dir / "nope", {}, "x");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("nope") != std::string::npos);
  auto empty = auth::read_secret(dir / "empty", {}, "x");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message.find("empty") != std::string::npos);
}
