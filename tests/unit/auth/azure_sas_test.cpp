#include "auth/azure_sas.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <memory>

#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

// HMAC-SHA256 + Base64 computed by the openssl and base64 command-line
// tools: an implementation independent of ours. The key and message are
// written to files so no shell quoting is involved.
std::string openssl_hmac_base64(const std::string& key, const std::string& message) {
  testing::TempDir dir;
  testing::write_file(dir / "msg", message);
  testing::write_file(dir / "key", key);
  const std::string command = "openssl dgst -sha256 -hmac \"$(cat '" + (dir / "key").string() + "')\" -binary < '" +
                              (dir / "msg").string() + "' | base64 -w0";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  REQUIRE(pipe);
  std::string out;
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe.get()) != nullptr) out += buf.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("URL encoding keeps only RFC 3986 unreserved characters", "[auth][sas]") {
  CHECK(auth::azure_url_encode("https://contoso.servicebus.windows.net/orders") ==
        "https%3A%2F%2Fcontoso.servicebus.windows.net%2Forders");
  CHECK(auth::azure_url_encode("a+b/c=d e~_-.") == "a%2Bb%2Fc%3Dd%20e~_-.");
  CHECK(auth::azure_url_decode("a%2Bb%2fc%3Dd%20e").value() == "a+b/c=d e");
  CHECK_FALSE(auth::azure_url_decode("bad%2").ok());
  CHECK_FALSE(auth::azure_url_decode("bad%zz").ok());
}

TEST_CASE("the SAS signature is HMAC-SHA256 over the encoded URI, a newline and the expiry", "[auth][sas]") {
  const std::string encoded = "https%3A%2F%2Fcontoso.servicebus.windows.net%2Forders";
  const std::string key = "Ze3aUvq1Gh5iZ1JmQ2ZsQ3hMaXZpbmdLZXk9PQ==";  // used as written, not base64-decoded
  const std::string sig = auth::sas_signature(encoded, 1735689600, key);
  CHECK(sig == openssl_hmac_base64(key, encoded + "\n1735689600"));
  // A different expiry or key changes the signature.
  CHECK(auth::sas_signature(encoded, 1735689601, key) != sig);
  CHECK(auth::sas_signature(encoded, 1735689600, key + "x") != sig);
}

TEST_CASE("a SAS token has sr, the URL-encoded sig, se and skn, in that order", "[auth][sas]") {
  const auth::SasKey key{"RootManageSharedAccessKey", "s3cr3t+key/with=symbols"};
  const std::string token = auth::make_sas_token("https://contoso.servicebus.windows.net/orders", key, 1735689600);
  const std::string encoded = "https%3A%2F%2Fcontoso.servicebus.windows.net%2Forders";
  const std::string expected_sig =
      auth::azure_url_encode(openssl_hmac_base64(key.key, encoded + "\n" + std::to_string(1735689600)));
  CHECK(token == "sr=" + encoded + "&sig=" + expected_sig + "&se=1735689600&skn=RootManageSharedAccessKey");
}

TEST_CASE("the SAS token source signs for its lifetime and re-signs before expiry", "[auth][sas]") {
  core::FakeClock clock(sys_days{2026y / 11 / 28} + 10h);
  auto source = auth::make_sas_token_source("https://ns.servicebus.windows.net/q", {"policy", "k"}, clock, 1h);
  auto first = source->token();
  REQUIRE(first.ok());
  const auto se = duration_cast<seconds>((clock.now() + 1h).time_since_epoch()).count();
  CHECK(first->authorization().rfind("SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net%2Fq&sig=", 0) ==
        0);
  CHECK(first->value.find("&se=" + std::to_string(se) + "&skn=policy") != std::string::npos);
  clock.advance(50min);
  CHECK(source->token()->value == first->value);
  clock.advance(6min);  // within 5 minutes of expiry
  auto second = source->token();
  CHECK(second->value != first->value);
  CHECK(source->fetch_count() == 2);
}

TEST_CASE("connection strings are parsed without exposing the key in errors", "[auth][sas]") {
  auto parsed = auth::parse_servicebus_connection_string(
      "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abc=;EntityPath=orders");
  REQUIRE(parsed.ok());
  CHECK(parsed->namespace_url == "https://contoso.servicebus.windows.net");
  CHECK(parsed->key.name == "Root");
  CHECK(parsed->key.key == "abc=");
  CHECK(parsed->entity_path == "orders");
  auto missing = auth::parse_servicebus_connection_string("Endpoint=sb://x/;SharedAccessKey=topsecret");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::config);
  CHECK(missing.error().message.find("topsecret") == std::string::npos);
}
