#include "auth/google_credentials.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <charconv>

#include "core/fs.hpp"
#include "core/log.hpp"
#include "json/json.hpp"
#include "net/http.hpp"

namespace gbpm::auth {
namespace {

constexpr std::size_t kMaxCredentialFileBytes = 1 << 20;

std::string form_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += form_escape(name);
    out += '=';
    out += form_escape(value);
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// One line of an untrusted body for an error message, cut short.
std::string snippet(std::string_view body) {
  std::string out(body.substr(0, 300));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

// Parses a successful token response: access_token, expires_in (number
// or numeric string) and token_type are required.
Result<AccessToken> parse_token_response(const net::Response& response, const core::Clock& clock,
                                         std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::data, fmt::format("{}: the token response {}", what, why));
  };
  auto doc = json::parse(response.body);
  if (!doc) return bad("is not JSON");
  const json::View root = doc->root();
  auto token = root.field("access_token").as_string();
  if (!token || token->empty()) return bad("has no access_token");
  std::int64_t expires_in = 0;
  const json::View exp = root.field("expires_in");
  if (exp.is_string()) {
    const std::string_view s = *exp.as_string();
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), expires_in);
    if (ec != std::errc() || ptr != s.data() + s.size()) return bad("has a non-numeric expires_in");
  } else {
    auto n = exp.as_int64();
    if (!n) return bad("has no numeric expires_in");
    expires_in = *n;
  }
  if (expires_in <= 0) return bad("has a non-positive expires_in");
  auto type = root.field("token_type").as_string();
  if (!type) return bad("has no token_type");
  AccessToken out;
  out.value = std::string(*token);
  out.type = (*type == "bearer" || type->empty()) ? std::string("Bearer") : std::string(*type);
  out.expires_at = clock.now() + std::chrono::seconds(expires_in);
  return out;
}

// Turns a failed token-endpoint reply into an Error. google-auth's retry rule:
// temporary for 408, 429, 5xx or an `error` of internal_failure, server_error
// or temporarily_unavailable; anything else (invalid_grant, ...) is permanent.
Error token_endpoint_error(const net::Response& response, std::string_view what) {
  std::string code;
  std::string description;
  if (auto doc = json::parse(response.body); doc) {
    const json::View root = doc->root();
    if (auto e = root.field("error").as_string(); e) code = std::string(*e);
    if (auto d = root.field("error_description").as_string(); d) description = std::string(*d);
    if (code.empty()) {  // Google API-style {"error":{"message":...}}
      if (auto m = root.field("error").field("message").as_string(); m) description = std::string(*m);
      if (auto s = root.field("error").field("status").as_string(); s) code = std::string(*s);
    }
  }
  const bool transient_code = code == "internal_failure" || code == "server_error" || code == "temporarily_unavailable";
  const ErrorKind kind = (transient_code || net::error_kind_for_status(response.status) == ErrorKind::temporary)
                             ? ErrorKind::temporary
                             : ErrorKind::unavailable;
  std::string detail;
  if (!code.empty()) {
    detail = description.empty() ? code : code + ": " + description;
  } else {
    detail = response.body.empty() ? std::string("empty body") : snippet(response.body);
  }
  std::string advice;
  if (code == "invalid_grant") {
    advice = " (check the key is current and not deleted or revoked, and that this machine's clock is right)";
  } else if (code == "invalid_client" || code == "unauthorized_client") {
    advice = " (the credential is not accepted by this endpoint: check the key file)";
  }
  return make_error(kind, fmt::format("{}: HTTP {}: {}{}", what, response.status, detail, advice));
}

Result<AccessToken> exchange(net::HttpTransport& transport, const core::Clock& clock, const std::string& url,
                             std::string body, std::chrono::milliseconds timeout, std::string_view what) {
  net::Request request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = std::move(body);
  request.timeout = timeout;
  auto response = transport.send(request);
  if (!response) return response.error().with_context(what);
  if (!response->success()) return token_endpoint_error(*response, what);
  return parse_token_response(*response, clock, what);
}

bool group_or_other_readable(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return false;
  return (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

Result<AuthorizedUser> parse_authorized_user(const json::View& root, std::string_view origin) {
  AuthorizedUser user;
  for (auto [name, out] : {std::pair<std::string_view, std::string*>{"client_id", &user.client_id},
                           {"client_secret", &user.client_secret},
                           {"refresh_token", &user.refresh_token}}) {
    auto v = root.field(name).as_string();
    if (!v || v->empty()) {
      return make_error(ErrorKind::config,
                        fmt::format("authorized_user credential {}: \"{}\" is missing or empty", origin, name));
    }
    *out = std::string(*v);
  }
  if (auto q = root.field("quota_project_id").as_string(); q) user.quota_project_id = std::string(*q);
  if (auto t = root.field("token_uri").as_string(); t && !t->empty()) user.token_uri = std::string(*t);
  return user;
}

}  // namespace

TokenFetcher service_account_fetcher(net::HttpTransport& transport, const core::Clock& clock, ServiceAccountKey key,
                                     const GoogleAuthOptions& options) {
  const std::string url = options.token_url_override.empty() ? key.token_uri : options.token_url_override;
  const std::string scope = join(options.scopes, " ");
  const auto timeout = options.token_timeout;
  return [&transport, &clock, key = std::move(key), url, scope, timeout]() -> Result<AccessToken> {
    const std::string what =
        fmt::format("getting a Google access token for service account {} from {}", key.client_email, url);
    auto assertion = make_jwt_assertion(
        key, JwtClaims{.issuer = key.client_email, .scope = scope, .audience = url, .issued_at = clock.now()});
    if (!assertion) return assertion.error().with_context(what);
    return exchange(
        transport, clock, url,
        form_body({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", *assertion}}), timeout,
        what);
  };
}

TokenFetcher authorized_user_fetcher(net::HttpTransport& transport, const core::Clock& clock, AuthorizedUser user,
                                     const GoogleAuthOptions& options) {
  const std::string url = options.token_url_override.empty() ? user.token_uri : options.token_url_override;
  const auto timeout = options.token_timeout;
  return [&transport, &clock, user = std::move(user), url, timeout]() -> Result<AccessToken> {
    const std::string what = fmt::format("refreshing gcloud user credentials (client {}) at {}", user.client_id, url);
    return exchange(transport, clock, url,
                    form_body({{"grant_type", "refresh_token"},
                               {"client_id", user.client_id},
                               {"client_secret", user.client_secret},
                               {"refresh_token", user.refresh_token}}),
                    timeout, what);
  };
}

TokenFetcher metadata_fetcher(net::HttpTransport& transport, const core::Clock& clock,
                              const GoogleAuthOptions& options) {
  std::string url = options.metadata_url + "/computeMetadata/v1/instance/service-accounts/default/token";
  if (!options.scopes.empty()) url += "?scopes=" + form_escape(join(options.scopes, ","));
  const auto timeout = options.metadata_timeout;
  return [&transport, &clock, url, timeout]() -> Result<AccessToken> {
    const std::string what = fmt::format("getting a Google access token from the metadata server {}", url);
    net::Request request;
    request.url = url;
    request.headers = {{"Metadata-Flavor", "Google"}};
    request.timeout = timeout;
    auto response = transport.send(request);
    if (!response) return response.error().with_context(what);
    if (!response->success()) return token_endpoint_error(*response, what);
    if (response->header("Metadata-Flavor") != "Google") {
      return make_error(ErrorKind::unavailable,
                        what + ": the reply lacks \"Metadata-Flavor: Google\", so it is not a metadata server");
    }
    return parse_token_response(*response, clock, what);
  };
}

Result<GoogleCredentials> load_credentials_file(net::HttpTransport& transport, const core::Clock& clock,
                                                const std::filesystem::path& file, std::string_view origin,
                                                const GoogleAuthOptions& options, log::Logger& logger) {
  const std::string where = fmt::format("{} ({})", file.string(), origin);
  auto text = core::read_file(file, kMaxCredentialFileBytes);
  if (!text) {
    return make_error(ErrorKind::config,
                      fmt::format("Google credential file {} cannot be read: {}", where, text.error().message));
  }
  if (group_or_other_readable(file)) {
    logger.warn("Google credential file is readable by other users; restrict it with chmod 600",
                {{"file", file.string()}});
  }
  auto doc = json::parse(*text);
  if (!doc || !doc->root().is_object()) {
    return make_error(ErrorKind::config, fmt::format("Google credential file {} is not a JSON object", where));
  }
  const json::View root = doc->root();
  auto type = root.field("type").as_string();
  if (!type) {
    return make_error(ErrorKind::config, fmt::format("Google credential file {} has no \"type\"", where));
  }
  GoogleCredentials creds;
  if (*type == "service_account") {
    auto key = parse_service_account_key(*text, where);
    if (!key) return std::move(key).error();
    creds.description = fmt::format("service-account key {} for {}", where, key->client_email);
    creds.client_email = key->client_email;
    creds.project_id = key->project_id;
    creds.tokens = std::make_unique<CachingTokenSource>(
        service_account_fetcher(transport, clock, std::move(*key), options), clock, options.refresh_margin);
    return creds;
  }
  if (*type == "authorized_user") {
    auto user = parse_authorized_user(root, where);
    if (!user) return std::move(user).error();
    creds.description = fmt::format("gcloud user credentials {}", where);
    creds.quota_project_id = user->quota_project_id;
    creds.tokens = std::make_unique<CachingTokenSource>(
        authorized_user_fetcher(transport, clock, std::move(*user), options), clock, options.refresh_margin);
    return creds;
  }
  return make_error(ErrorKind::config,
                    fmt::format("Google credential file {} has type \"{}\"; gbpm supports service_account and "
                                "authorized_user",
                                where, *type));
}

Result<GoogleCredentials> find_default_credentials(net::HttpTransport& transport, const core::Clock& clock,
                                                   const GoogleAuthOptions& options, log::Logger& logger) {
  // 1. GOOGLE_APPLICATION_CREDENTIALS: when set, it is the answer or the error.
  if (!options.credentials_file.empty()) {
    auto creds = load_credentials_file(transport, clock, options.credentials_file, "GOOGLE_APPLICATION_CREDENTIALS",
                                       options, logger);
    if (!creds) return creds.error().with_context("Application Default Credentials");
    return creds;
  }
  std::vector<std::string> tried{"GOOGLE_APPLICATION_CREDENTIALS is not set"};

  // 2. gcloud's well-known file.
  std::filesystem::path gcloud_dir;
  if (!options.cloudsdk_config.empty()) {
    gcloud_dir = options.cloudsdk_config;
  } else if (!options.home.empty()) {
    gcloud_dir = options.home / ".config" / "gcloud";
  }
  if (!gcloud_dir.empty()) {
    const auto file = gcloud_dir / "application_default_credentials.json";
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
      auto creds = load_credentials_file(transport, clock, file,
                                         options.cloudsdk_config.empty() ? "gcloud default" : "CLOUDSDK_CONFIG",
                                         options, logger);
      if (!creds) return creds.error().with_context("Application Default Credentials");
      return creds;
    }
    tried.push_back(fmt::format("no gcloud credentials at {}", file.string()));
  } else {
    tried.emplace_back("no gcloud directory (neither CLOUDSDK_CONFIG nor HOME is set)");
  }

  // 3. The metadata server, probed once.
  if (!options.metadata_url.empty()) {
    net::Request probe;
    probe.url = options.metadata_url + "/computeMetadata/v1/instance/service-accounts/default/email";
    probe.headers = {{"Metadata-Flavor", "Google"}};
    probe.timeout = options.metadata_timeout;
    probe.retry = net::RetryMode::never;
    auto reply = transport.send(probe);
    if (reply && reply->success() && reply->header("Metadata-Flavor") == "Google") {
      GoogleCredentials creds;
      creds.description = fmt::format("metadata server {}", options.metadata_url);
      creds.client_email = reply->body;
      creds.tokens = std::make_unique<CachingTokenSource>(metadata_fetcher(transport, clock, options), clock,
                                                          options.refresh_margin);
      return creds;
    }
    if (!reply) {
      tried.push_back(
          fmt::format("metadata server {} not reachable ({})", options.metadata_url, reply.error().message));
    } else if (!reply->success()) {
      tried.push_back(fmt::format("metadata server {} answered HTTP {}", options.metadata_url, reply->status));
    } else {
      tried.push_back(fmt::format("{} answered without \"Metadata-Flavor: Google\", so it is not a metadata server",
                                  options.metadata_url));
    }
  } else {
    tried.emplace_back("metadata server not tried");
  }
  std::string message = "no Google credentials found: " + join(tried, "; ") +
                        ". Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file";
  return make_error(ErrorKind::config, std::move(message));
}

}  // namespace gbpm::auth
