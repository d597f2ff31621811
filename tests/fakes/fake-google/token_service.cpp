#include "fakes/fake-google/token_service.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <map>
#include <mutex>
#include <random>
#include <stdexcept>

#include "auth/google_jwt.hpp"
#include "core/fs.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::fakes::google {
namespace {

constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::chrono::seconds kMaxSkew{300};
constexpr std::chrono::seconds kMaxAssertionLifetime{3600};

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

void oauth_error(httplib::Response& res, int status, std::string_view error, std::string_view description) {
  json::Writer w;
  w.begin_object().key("error").string(error);
  if (!description.empty()) w.key("error_description").string(description);
  w.end_object();
  res.status = status;
  res.set_content(w.finish().value_or("{}"), "application/json; charset=utf-8");
}

Pkey load_key(const std::filesystem::path& file, std::string& email) {
  auto text = core::read_file(file);
  if (!text) throw std::runtime_error(fmt::format("fake-google: key file {}: {}", file.string(), text.error().message));
  auto key = auth::parse_service_account_key(*text, file.string());
  if (!key) throw std::runtime_error("fake-google: " + key.error().message);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key->private_key.data(), static_cast<int>(key->private_key.size())), &BIO_free);
  Pkey pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!pkey) throw std::runtime_error(fmt::format("fake-google: key file {}: unreadable private key", file.string()));
  email = key->client_email;
  return pkey;
}

bool verify_rs256(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

std::int64_t seconds_since_epoch(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

struct TokenService::Impl {
  TokenServiceOptions options;
  core::SystemClock system_clock;
  const core::Clock* clock = nullptr;
  std::map<std::string, Pkey> keys;  // client_email → key

  struct Issued {
    std::string subject;
    core::TimePoint expires_at;
  };
  mutable std::mutex mutex;
  std::map<std::string, Issued> tokens;
  int issued = 0;
  std::mt19937_64 rng{std::random_device{}()};

  std::string issue(const std::string& subject) {
    std::lock_guard lock(mutex);
    std::string token = "ya29.fake-";
    for (int i = 0; i < 4; ++i) token += fmt::format("{:016x}", rng());
    tokens[token] = Issued{subject, clock->now() + options.token_lifetime};
    ++issued;
    return token;
  }

  void grant(httplib::Response& res, const std::string& subject, std::string_view scope) {
    const std::string token = issue(subject);
    json::Writer w;
    w.begin_object()
        .key("access_token")
        .string(token)
        .key("expires_in")
        .int64(options.token_lifetime.count())
        .key("scope")
        .string(scope)
        .key("token_type")
        .string("Bearer")
        .end_object();
    res.set_content(w.finish().value_or("{}"), "application/json; charset=utf-8");
  }

  void jwt_bearer(const httplib::Request& req, const std::string& assertion, httplib::Response& res) {
    const auto dot1 = assertion.find('.');
    const auto dot2 = dot1 == std::string::npos ? dot1 : assertion.find('.', dot1 + 1);
    if (dot2 == std::string::npos || assertion.find('.', dot2 + 1) != std::string::npos) {
      return oauth_error(res, 400, "invalid_grant", "Invalid JWT: the assertion must have three segments.");
    }
    auto header_text = auth::base64url_decode(std::string_view(assertion).substr(0, dot1));
    auto claims_text = auth::base64url_decode(std::string_view(assertion).substr(dot1 + 1, dot2 - dot1 - 1));
    auto signature = auth::base64url_decode(std::string_view(assertion).substr(dot2 + 1));
    if (!header_text || !claims_text || !signature) {
      return oauth_error(res, 400, "invalid_grant", "Invalid JWT: a segment is not base64url.");
    }
    auto header = json::parse(*header_text);
    auto claims = json::parse(*claims_text);
    if (!header || !claims) return oauth_error(res, 400, "invalid_grant", "Invalid JWT: a segment is not JSON.");
    if (header->root().field("alg").as_string().value_or("") != "RS256") {
      return oauth_error(res, 400, "invalid_grant", "Invalid JWT: alg must be RS256.");
    }
    const json::View c = claims->root();
    const std::string iss(c.field("iss").as_string().value_or(""));
    const auto key = keys.find(iss);
    if (key == keys.end()) return oauth_error(res, 400, "invalid_grant", "Invalid grant: account not found");
    if (!verify_rs256(key->second.get(), std::string_view(assertion).substr(0, dot2), *signature)) {
      return oauth_error(res, 400, "invalid_grant", "Invalid JWT Signature.");
    }
    const std::string expected_aud = "https://" + req.get_header_value("Host") + req.path;
    const std::string aud(c.field("aud").as_string().value_or(""));
    // Google's own auth library signs its public token URL as the audience
    // whatever token endpoint it posts to, and Google accepts that.
    if (aud != expected_aud && aud != "https://oauth2.googleapis.com/token") {
      return oauth_error(res, 400, "invalid_grant",
                         fmt::format("Invalid JWT: aud \"{}\" is not this token endpoint ({}).", aud, expected_aud));
    }
    const std::string scope(c.field("scope").as_string().value_or(""));
    if (scope.empty()) {
      return oauth_error(res, 400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    }
    for (std::size_t start = 0; start < scope.size();) {
      auto end = scope.find(' ', start);
      if (end == std::string::npos) end = scope.size();
      const std::string_view one = std::string_view(scope).substr(start, end - start);
      // gcloud also asks for the OpenID Connect scopes.
      const bool openid = one == "openid" || one == "email" || one == "profile";
      if (!openid && scope.compare(start, 32, "https://www.googleapis.com/auth/") != 0) {
        return oauth_error(res, 400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
      }
      start = end + 1;
    }
    const auto iat = c.field("iat").as_int64();
    const auto exp = c.field("exp").as_int64();
    const std::int64_t now = seconds_since_epoch(clock->now());
    if (!iat || !exp || *exp <= *iat || *exp - *iat > kMaxAssertionLifetime.count() || *iat > now + kMaxSkew.count() ||
        *exp <= now) {
      return oauth_error(res, 400, "invalid_grant",
                         "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                         "Check your iat and exp values in the JWT claim.");
    }
    grant(res, iss, scope);
  }

  void refresh(const httplib::Params& form, httplib::Response& res) {
    const auto get = [&](const char* name) {
      const auto it = form.find(name);
      return it == form.end() ? std::string() : it->second;
    };
    const std::string client = get("client_id");
    const std::string secret = get("client_secret");
    const std::string refresh_token = get("refresh_token");
    bool client_known = false;
    for (const auto& g : options.refresh_grants) {
      if (g.rfind(client + ":" + secret + ":", 0) == 0) {
        client_known = true;
        if (g == client + ":" + secret + ":" + refresh_token) return grant(res, client, get("scope"));
      }
    }
    if (!client_known) return oauth_error(res, 401, "invalid_client", "Unauthorized");
    oauth_error(res, 400, "invalid_grant", "Token has been expired or revoked.");
  }

  void handle_token(const httplib::Request& req, httplib::Response& res) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    const auto grant_type = form.find("grant_type");
    if (grant_type == form.end())
      return oauth_error(res, 400, "invalid_request", "Missing required parameter: grant_type");
    if (grant_type->second == kJwtBearer) {
      const auto assertion = form.find("assertion");
      if (assertion == form.end())
        return oauth_error(res, 400, "invalid_request", "Missing required parameter: assertion");
      return jwt_bearer(req, assertion->second, res);
    }
    if (grant_type->second == "refresh_token") return refresh(form, res);
    oauth_error(res, 400, "unsupported_grant_type", "Invalid grant_type: " + grant_type->second);
  }
};

TokenService::TokenService(TokenServiceOptions options) : m_impl(std::make_unique<Impl>()) {
  m_impl->options = std::move(options);
  m_impl->clock = m_impl->options.clock != nullptr ? m_impl->options.clock : &m_impl->system_clock;
  for (const auto& file : m_impl->options.key_files) {
    std::string email;
    Pkey key = load_key(file, email);
    m_impl->keys[email] = std::move(key);
  }
}

TokenService::~TokenService() = default;

void TokenService::install(httplib::Server& server) {
  Impl* impl = m_impl.get();
  for (const char* path : {"/token", "/oauth2/v4/token"}) {
    server.Post(path, [impl](const httplib::Request& req, httplib::Response& res) { impl->handle_token(req, res); });
  }
}

bool TokenService::authorize(const httplib::Request& req, httplib::Response& res) const {
  const std::string header = req.get_header_value("Authorization");
  bool ok = false;
  if (header.rfind("Bearer ", 0) == 0) {
    const std::string token = header.substr(7);
    std::lock_guard lock(m_impl->mutex);
    const auto it = m_impl->tokens.find(token);
    ok = it != m_impl->tokens.end() && m_impl->clock->now() < it->second.expires_at;
  }
  if (ok) return true;
  res.status = 401;
  res.set_header("WWW-Authenticate", R"(Bearer realm="https://accounts.google.com/", error="invalid_token")");
  res.set_content(
      R"({"error":{"code":401,"message":"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.","status":"UNAUTHENTICATED"}})",
      "application/json; charset=UTF-8");
  return false;
}

std::string TokenService::issue_token_for_tests(const std::string& subject) {
  return m_impl->issue(subject);
}

int TokenService::tokens_issued() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->issued;
}

}  // namespace gbpm::fakes::google
