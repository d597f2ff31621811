#include "auth/google_credentials.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <memory>

#include "core/log.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "net/http.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

core::TimePoint t0() {
  return sys_days{2026y / 11 / 28} + 10h;
}

struct RsaKey {
  std::string private_pem;
  std::string public_pem;
};

RsaKey generate_rsa() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), &BIO_free);
  REQUIRE(PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  REQUIRE(PEM_write_bio_PUBKEY(pub.get(), key.get()) == 1);
  const auto text = [](BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  return {text(priv.get()), text(pub.get())};
}

// One RSA key for the whole test binary: generating keys is slow.
const RsaKey& test_key() {
  static const RsaKey key = generate_rsa();
  return key;
}

std::string key_json(const std::string& email, const std::string& token_uri) {
  json::Writer w;
  w.begin_object()
      .key("type")
      .string("service_account")
      .key("project_id")
      .string("my-project")
      .key("private_key_id")
      .string("kid-123")
      .key("private_key")
      .string(test_key().private_pem)
      .key("client_email")
      .string(email)
      .key("token_uri")
      .string(token_uri)
      .end_object();
  return w.finish().value();
}

bool verify(const std::string& public_pem, std::string_view signed_part, std::string_view signature) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size())),
                                                &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
                                                          &EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Decodes an application/x-www-form-urlencoded body into name → value.
std::map<std::string, std::string> form(const std::string& body) {
  std::map<std::string, std::string> out;
  for (const auto& pair : split(body, '&')) {
    const auto eq = pair.find('=');
    std::string value;
    const std::string raw = pair.substr(eq + 1);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size()) {
        value += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        value += raw[i] == '+' ? ' ' : raw[i];
      }
    }
    out[pair.substr(0, eq)] = value;
  }
  return out;
}

std::string token_reply(std::string_view token, std::string_view expires_in = "3600") {
  return fmt::format(R"({{"access_token":"{}","expires_in":{},"token_type":"Bearer"}})", token, expires_in);
}

// A logger writing into a memory buffer.
struct CapturedLog {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* file = open_memstream(&data, &size);
  log::Logger logger{log::Logger::Options{.tool = "test", .level = log::Level::debug, .sink = file}};
  ~CapturedLog() {
    std::fclose(file);
    std::free(data);
  }
  std::string text() {
    std::fflush(file);
    return std::string(data, size);
  }
};

auth::GoogleAuthOptions no_metadata() {
  auth::GoogleAuthOptions o;
  o.metadata_url.clear();
  return o;
}

}  // namespace

TEST_CASE("base64url has no padding and uses the URL-safe alphabet", "[auth][google]") {
  CHECK(auth::base64url_encode("") == "");
  CHECK(auth::base64url_encode("f") == "Zg");
  CHECK(auth::base64url_encode("fo") == "Zm8");
  CHECK(auth::base64url_encode("foo") == "Zm9v");
  CHECK(auth::base64url_encode("\xfb\xff") == "-_8");
  for (const std::string s : {"", "a", "ab", "abc", "abcd", "\x00\xff\xfe\x10\x80"}) {
    CHECK(auth::base64url_decode(auth::base64url_encode(s)).value() == s);
  }
  CHECK(auth::base64url_decode("Zm9v==").value() == "foo");
  CHECK_FALSE(auth::base64url_decode("Zm+v").ok());
  CHECK_FALSE(auth::base64url_decode("Z").ok());
}

TEST_CASE("the JWT assertion has Google's header and claims and verifies with the public key", "[auth][google]") {
  auto key = auth::parse_service_account_key(key_json("loader@p.iam.gserviceaccount.com", "https://t.example/token"),
                                             "key.json");
  REQUIRE(key.ok());
  CHECK(key->token_uri == "https://t.example/token");
  CHECK(key->project_id == "my-project");
  auto jwt = auth::make_jwt_assertion(*key, auth::JwtClaims{.issuer = key->client_email,
                                                            .scope = std::string(auth::kSheetsScope),
                                                            .audience = "https://t.example/token",
                                                            .issued_at = t0()});
  REQUIRE(jwt.ok());
  CHECK(jwt->find('=') == std::string::npos);
  CHECK(jwt->find('+') == std::string::npos);
  CHECK(jwt->find('/') == std::string::npos);
  const auto parts = split(*jwt, '.');
  REQUIRE(parts.size() == 3);

  auto header = json::parse(auth::base64url_decode(parts[0]).value());
  REQUIRE(header.ok());
  CHECK(header->root().field("alg").as_string().value() == "RS256");
  CHECK(header->root().field("typ").as_string().value() == "JWT");
  CHECK(header->root().field("kid").as_string().value() == "kid-123");

  auto claims = json::parse(auth::base64url_decode(parts[1]).value());
  REQUIRE(claims.ok());
  const auto iat = duration_cast<seconds>(t0().time_since_epoch()).count();
  CHECK(claims->root().field("iss").as_string().value() == "loader@p.iam.gserviceaccount.com");
  CHECK(claims->root().field("aud").as_string().value() == "https://t.example/token");
  CHECK(claims->root().field("scope").as_string().value() == auth::kSheetsScope);
  CHECK(claims->root().field("iat").as_int64().value() == iat);
  CHECK(claims->root().field("exp").as_int64().value() == iat + 3600);
  CHECK(claims->root().field("sub").is_missing());

  const std::string signed_part = parts[0] + "." + parts[1];
  const std::string signature = auth::base64url_decode(parts[2]).value();
  CHECK(signature.size() == 256);  // RSA-2048
  CHECK(verify(test_key().public_pem, signed_part, signature));
  // A tampered claim set no longer verifies.
  std::string tampered = auth::base64url_decode(parts[1]).value();
  tampered.replace(tampered.find("loader"), 6, "loadeR");
  CHECK_FALSE(verify(test_key().public_pem, parts[0] + "." + auth::base64url_encode(tampered), signature));
}

TEST_CASE("service-account key errors name the field and never the key", "[auth][google]") {
  const auto bad = auth::parse_service_account_key(
      R"({"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n"})", "/etc/k.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::config);
  CHECK(bad.error().message.find("client_email") != std::string::npos);
  CHECK(bad.error().message.find("/etc/k.json") != std::string::npos);
  CHECK(bad.error().message.find("SECRETSTUFF") == std::string::npos);

  auto garbage = auth::parse_service_account_key(
      R"({"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----\n"})",
      "k.json");
  REQUIRE(garbage.ok());
  CHECK(garbage->token_uri == auth::kGoogleTokenUrl);
  auto jwt = auth::make_jwt_assertion(*garbage, auth::JwtClaims{.issuer = "a@b", .issued_at = t0()});
  REQUIRE_FALSE(jwt.ok());
  CHECK(jwt.error().kind == ErrorKind::config);
  CHECK(jwt.error().message.find("a@b") != std::string::npos);
  CHECK(jwt.error().message.find("SECRETSTUFF") == std::string::npos);
}

TEST_CASE("the service-account fetcher posts a JWT-bearer grant to the overridden token URL", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(200, R"({"access_token":"ya29.A","expires_in":"3599","token_type":"Bearer"})");
  auto key = auth::parse_service_account_key(key_json("sa@p.iam.gserviceaccount.com", "https://oauth2.example/token"),
                                             "k.json");
  REQUIRE(key.ok());
  auth::GoogleAuthOptions options;
  options.scopes = {std::string(auth::kBigQueryScope), std::string(auth::kSheetsScope)};
  options.token_url_override = "https://fake.local/token";
  auto fetch = auth::service_account_fetcher(transport, clock, *key, options);
  auto token = fetch();
  REQUIRE(token.ok());
  CHECK(token->value == "ya29.A");
  CHECK(token->expires_at == t0() + 3599s);  // expires_in as a numeric string is accepted
  CHECK(token->authorization() == "Bearer ya29.A");

  const auto sent = transport.requests();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].method == "POST");
  CHECK(sent[0].url == "https://fake.local/token");
  CHECK(sent[0].header("Content-Type") == "application/x-www-form-urlencoded");
  const auto fields = form(sent[0].body);
  CHECK(fields.at("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const auto parts = split(fields.at("assertion"), '.');
  REQUIRE(parts.size() == 3);
  auto claims = json::parse(auth::base64url_decode(parts[1]).value());
  CHECK(claims->root().field("aud").as_string().value() == "https://fake.local/token");
  CHECK(claims->root().field("scope").as_string().value() ==
        std::string(auth::kBigQueryScope) + " " + std::string(auth::kSheetsScope));
}

TEST_CASE("token endpoint errors are explained and classified", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  auto key = auth::parse_service_account_key(key_json("sa@p.iam.gserviceaccount.com", "https://o.example/token"), "k");
  REQUIRE(key.ok());
  auto fetch = auth::service_account_fetcher(transport, clock, *key, {});

  transport.push(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  auto e = fetch();
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().kind == ErrorKind::unavailable);
  CHECK(e.error().message.find("sa@p.iam.gserviceaccount.com") != std::string::npos);
  CHECK(e.error().message.find("https://o.example/token") != std::string::npos);
  CHECK(e.error().message.find("invalid_grant: Invalid JWT Signature.") != std::string::npos);
  const std::string assertion = form(transport.requests().back().body).at("assertion");
  CHECK(e.error().message.find(assertion.substr(0, 40)) == std::string::npos);

  transport.push(503, "upstream busy");
  CHECK(fetch().error().kind == ErrorKind::temporary);
  transport.push(400, R"({"error":"internal_failure"})");
  CHECK(fetch().error().kind == ErrorKind::temporary);
  transport.push(200, R"({"access_token":"x","token_type":"Bearer"})");
  auto no_expiry = fetch();
  REQUIRE_FALSE(no_expiry.ok());
  CHECK(no_expiry.error().kind == ErrorKind::data);
  CHECK(no_expiry.error().message.find("expires_in") != std::string::npos);
  transport.push(Result<net::Response>(make_error(ErrorKind::temporary, "connection refused")));
  auto refused = fetch();
  CHECK(refused.error().kind == ErrorKind::temporary);
  CHECK(refused.error().message.find("connection refused") != std::string::npos);
}

TEST_CASE("cached service-account tokens are refreshed 5 minutes before expiry", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  int issued = 0;
  transport.set_handler([&](const net::Request&) -> Result<net::Response> {
    ++issued;
    return net::Response{200, {}, token_reply("ya29.t" + std::to_string(issued))};
  });
  testing::TempDir dir;
  testing::write_file(dir / "key.json", key_json("sa@p.iam.gserviceaccount.com", "https://o.example/token"));
  std::filesystem::permissions(dir / "key.json",
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto creds =
      auth::load_credentials_file(transport, clock, dir / "key.json", "test", no_metadata(), log::null_logger());
  REQUIRE(creds.ok());
  CHECK(creds->client_email == "sa@p.iam.gserviceaccount.com");
  CHECK(creds->project_id == "my-project");
  CHECK(transport.requests().empty());  // lazily fetched

  CHECK(creds->tokens->token()->value == "ya29.t1");
  clock.advance(54min);
  CHECK(creds->tokens->token()->value == "ya29.t1");
  CHECK(transport.requests().size() == 1);
  clock.advance(1min + 1s);  // inside the 5-minute margin
  CHECK(creds->tokens->token()->value == "ya29.t2");
  CHECK(transport.requests().size() == 2);
}

TEST_CASE("ADC: GOOGLE_APPLICATION_CREDENTIALS wins and a bad one is a hard error", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  testing::TempDir dir;
  testing::write_file(dir / "sa.json", key_json("env@p.iam.gserviceaccount.com", "https://o.example/token"));
  ::chmod((dir / "sa.json").c_str(), 0600);
  testing::write_file(dir / "gcloud" / "application_default_credentials.json",
                      R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})");

  auth::GoogleAuthOptions options;
  options.credentials_file = dir / "sa.json";
  options.cloudsdk_config = dir / "gcloud";
  auto creds = auth::find_default_credentials(transport, clock, options, log::null_logger());
  REQUIRE(creds.ok());
  CHECK(creds->client_email == "env@p.iam.gserviceaccount.com");
  CHECK(creds->description.find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
  CHECK(transport.requests().empty());  // no metadata probe

  options.credentials_file = dir / "missing.json";
  auto missing = auth::find_default_credentials(transport, clock, options, log::null_logger());
  REQUIRE_FALSE(missing.ok());  // not a fall-through to the gcloud file
  CHECK(missing.error().kind == ErrorKind::config);
  CHECK(missing.error().message.find("missing.json") != std::string::npos);
  CHECK(missing.error().message.find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
}

TEST_CASE("ADC: gcloud's authorized_user file refreshes with the refresh_token grant", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  testing::TempDir dir;
  testing::write_file(dir / "home" / ".config" / "gcloud" / "application_default_credentials.json",
                      R"({"type":"authorized_user","client_id":"cid.apps.googleusercontent.com",
                          "client_secret":"SECRET-CS","refresh_token":"SECRET-RT","quota_project_id":"qp"})");
  auth::GoogleAuthOptions options;
  options.home = dir / "home";
  options.token_url_override = "https://fake.local/token";
  auto creds = auth::find_default_credentials(transport, clock, options, log::null_logger());
  REQUIRE(creds.ok());
  CHECK(creds->quota_project_id == "qp");
  CHECK(creds->description.find("application_default_credentials.json") != std::string::npos);

  transport.push(200, token_reply("ya29.user"));
  CHECK(creds->tokens->token()->value == "ya29.user");
  const auto sent = transport.requests();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].url == "https://fake.local/token");
  const auto fields = form(sent[0].body);
  CHECK(fields.at("grant_type") == "refresh_token");
  CHECK(fields.at("client_id") == "cid.apps.googleusercontent.com");
  CHECK(fields.at("client_secret") == "SECRET-CS");
  CHECK(fields.at("refresh_token") == "SECRET-RT");

  creds->tokens->invalidate();
  transport.push(400, R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})");
  auto revoked = creds->tokens->token();
  REQUIRE_FALSE(revoked.ok());
  CHECK(revoked.error().message.find("Token has been expired or revoked.") != std::string::npos);
  CHECK(revoked.error().message.find("SECRET") == std::string::npos);
}

TEST_CASE("ADC: the metadata server is used when there is no file", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.set_handler([](const net::Request& r) -> Result<net::Response> {
    if (r.header("Metadata-Flavor") != "Google") return net::Response{403, {}, "missing header"};
    if (r.url.find("/default/email") != std::string::npos) {
      return net::Response{200, {{"Metadata-Flavor", "Google"}}, "vm@p.iam.gserviceaccount.com"};
    }
    return net::Response{200, {{"Metadata-Flavor", "Google"}}, token_reply("ya29.vm", "3599")};
  });
  testing::TempDir dir;
  auth::GoogleAuthOptions options;
  options.cloudsdk_config = dir.path();  // exists, but has no credentials file
  options.metadata_url = "http://169.254.169.254";
  options.scopes = {std::string(auth::kBigQueryScope), std::string(auth::kSheetsScope)};
  auto creds = auth::find_default_credentials(transport, clock, options, log::null_logger());
  REQUIRE(creds.ok());
  CHECK(creds->client_email == "vm@p.iam.gserviceaccount.com");
  auto token = creds->tokens->token();
  REQUIRE(token.ok());
  CHECK(token->value == "ya29.vm");
  CHECK(token->expires_at == t0() + 3599s);
  const auto sent = transport.requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].url ==
        "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token?scopes="
        "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fbigquery%2Chttps%3A%2F%2Fwww.googleapis.com%2Fauth%2Fspreadsheets");
  CHECK(sent[1].header("Metadata-Flavor") == "Google");

  // A server that does not say Metadata-Flavor: Google is not a metadata server.
  net::FakeTransport impostor;
  impostor.set_handler([](const net::Request&) -> Result<net::Response> { return net::Response{200, {}, "hi"}; });
  auto none = auth::find_default_credentials(impostor, clock, options, log::null_logger());
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("Metadata-Flavor") != std::string::npos);
}

TEST_CASE("ADC: nothing found lists every source tried", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  transport.push(Result<net::Response>(make_error(ErrorKind::temporary, "Could not resolve host")));
  testing::TempDir dir;
  auth::GoogleAuthOptions options;
  options.home = dir.path();
  auto none = auth::find_default_credentials(transport, clock, options, log::null_logger());
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().kind == ErrorKind::config);
  const std::string& m = none.error().message;
  CHECK(m.find("GOOGLE_APPLICATION_CREDENTIALS is not set") != std::string::npos);
  CHECK(m.find((dir.path() / ".config/gcloud/application_default_credentials.json").string()) != std::string::npos);
  CHECK(m.find("metadata server http://metadata.google.internal not reachable") != std::string::npos);
  CHECK(m.find("Could not resolve host") != std::string::npos);
}

TEST_CASE("a key file readable by group or others is warned about, without its content", "[auth][google]") {
  core::FakeClock clock(t0());
  net::FakeTransport transport;
  testing::TempDir dir;
  testing::write_file(dir / "key.json", key_json("sa@p.iam.gserviceaccount.com", "https://o.example/token"));

  ::chmod((dir / "key.json").c_str(), 0644);
  CapturedLog loose;
  REQUIRE(auth::load_credentials_file(transport, clock, dir / "key.json", "test", no_metadata(), loose.logger).ok());
  const std::string text = loose.text();
  CHECK(text.find("level=warn") != std::string::npos);
  CHECK(text.find("chmod 600") != std::string::npos);
  CHECK(text.find((dir / "key.json").string()) != std::string::npos);
  CHECK(text.find("PRIVATE KEY") == std::string::npos);

  ::chmod((dir / "key.json").c_str(), 0600);
  CapturedLog tight;
  REQUIRE(auth::load_credentials_file(transport, clock, dir / "key.json", "test", no_metadata(), tight.logger).ok());
  CHECK(tight.text().find("level=warn") == std::string::npos);
}
