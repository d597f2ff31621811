#include "auth/azure_entra.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "auth/azure_sas.hpp"
#include "json/json.hpp"

namespace gbpm::auth {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::strchr(" \t\r\n", s.front()) != nullptr) s.remove_prefix(1);
  while (!s.empty() && std::strchr(" \t\r\n", s.back()) != nullptr) s.remove_suffix(1);
  return s;
}

// The first line of an Entra error_description (the rest is trace and
// correlation ids and a timestamp), cut to a readable length.
std::string first_line(std::string_view text) {
  const auto end = text.find_first_of("\r\n");
  std::string line(trim(text.substr(0, end)));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

// The AADSTS number in a description ("AADSTS7000222: ..."), or 0.
long aadsts_code(std::string_view description) {
  const auto at = description.find("AADSTS");
  if (at == std::string_view::npos) return 0;
  const std::string_view digits = description.substr(at + 6);
  long code = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), code);
  return code;
}

// What an operator should do about a known AADSTS code; empty if unknown.
std::string advice_for(long code) {
  switch (code) {
    case 7000222:
      return "the IRIS client secret has expired (Elexon IRIS secrets expire after 2 years): sign in at "
             "https://bmrs.elexon.co.uk/iris, generate a new client secret, and replace the stored secret";
    case 7000215: return "the client secret is wrong: use the secret's value (not its id) as shown when it was created";
    case 700016: return "the client id is not known in this tenant: check the configured client id (and tenant)";
    case 90002:
      return "the tenant does not exist: check the tenant id (IRIS moved to tenant "
             "4203b7a0-7773-4de5-b830-8b263a20426e "
             "in 2025)";
    case 70011: return "the requested scope is not valid: Service Bus needs https://servicebus.azure.net/.default";
    case 7000112: return "the application is disabled in its tenant";
    case 700024:
    case 700027: return "the client assertion or certificate was rejected";
    default: return {};
  }
}

Error entra_error(const net::Response& response) {
  const ErrorKind transient = net::error_kind_for_status(response.status);
  std::string error_code;
  std::string description;
  if (auto doc = json::parse(response.body); doc) {
    const json::View root = doc->root();
    if (auto e = root.field("error").optional_string(); e && *e) error_code = std::string(**e);
    if (auto d = root.field("error_description").optional_string(); d && *d) description = std::string(**d);
  }
  if (error_code.empty() && description.empty()) {
    return net::status_error(response, "Entra ID token request");
  }
  const long code = aadsts_code(description);
  const std::string advice = advice_for(code);
  std::string message = fmt::format("Entra ID token request failed (HTTP {}): {}", response.status,
                                    error_code.empty() ? std::string("error") : error_code);
  if (!description.empty()) message += fmt::format(": {}", first_line(description));
  if (!advice.empty()) message += fmt::format(" — {}", advice);
  ErrorKind kind = transient;
  if (transient != ErrorKind::temporary) {
    kind = (!advice.empty() || error_code == "invalid_client" || error_code == "unauthorized_client" ||
            error_code == "invalid_scope" || error_code == "invalid_request")
               ? ErrorKind::config
               : ErrorKind::unavailable;
  }
  return make_error(kind, std::move(message));
}

}  // namespace

Result<std::string> read_secret(const std::filesystem::path& file, const std::filesystem::path& credentials_directory,
                                std::string_view credential_name) {
  std::filesystem::path path = file;
  if (path.empty()) {
    if (credentials_directory.empty()) {
      return make_error(ErrorKind::config,
                        fmt::format("no secret file given and no credentials directory for credential \"{}\" (set "
                                    "the secret file option, or LoadCredential={}:... in the systemd unit)",
                                    credential_name, credential_name));
    }
    path = credentials_directory / std::string(credential_name);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return make_error(ErrorKind::config, fmt::format("cannot read secret file {}: {}", path.string(),
                                                     err != 0 ? std::strerror(err) : "cannot open"));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();
  const std::string_view secret = trim(content);
  if (secret.empty()) return make_error(ErrorKind::config, fmt::format("secret file {} is empty", path.string()));
  if (secret.size() > 4096) {
    return make_error(ErrorKind::config, fmt::format("secret file {} is too large to be a secret", path.string()));
  }
  return std::string(secret);
}

std::string entra_token_url(std::string_view authority_url, std::string_view tenant_id) {
  std::string base(authority_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return fmt::format("{}/{}/oauth2/v2.0/token", base, azure_url_encode(tenant_id));
}

std::string entra_token_form(const EntraCredentials& credentials, std::string_view scope) {
  return fmt::format("client_id={}&scope={}&client_secret={}&grant_type=client_credentials",
                     azure_url_encode(credentials.client_id), azure_url_encode(scope),
                     azure_url_encode(credentials.client_secret));
}

Result<AccessToken> parse_entra_token_response(const net::Response& response, core::TimePoint now) {
  if (response.status != 200) return entra_error(response);
  auto doc = json::parse(response.body);
  if (!doc) return doc.error().with_context("Entra ID token response is not JSON");
  const json::View root = doc->root();
  auto token = root.field("access_token").as_string();
  if (!token) return token.error().with_context("Entra ID token response");
  if (token->empty()) return make_error(ErrorKind::data, "Entra ID token response has an empty access_token");
  std::int64_t expires_in = 0;
  const json::View expires = root.field("expires_in");
  if (expires.is_string()) {
    const std::string_view text = *expires.as_string();
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), expires_in);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      return expires.error("expected a number of seconds").with_context("Entra ID token response");
    }
  } else {
    auto n = expires.as_int64();
    if (!n) return n.error().with_context("Entra ID token response");
    expires_in = *n;
  }
  if (expires_in <= 0) {
    return expires.error("token lifetime must be positive").with_context("Entra ID token response");
  }
  std::string type = "Bearer";
  if (auto t = root.field("token_type").optional_string(); t && *t && !(*t)->empty()) type = std::string(**t);
  return AccessToken{std::string(*token), now + std::chrono::seconds(expires_in), std::move(type)};
}

Result<AccessToken> fetch_entra_token(net::HttpTransport& transport, const core::Clock& clock,
                                      const EntraCredentials& credentials, const EntraOptions& options) {
  if (options.authority_url.rfind("https://", 0) != 0) {
    return make_error(ErrorKind::config,
                      fmt::format("the Entra ID authority URL must start with https:// (got \"{}\"); "
                                  "add a private CA with GBPM_CA_FILE instead of using http",
                                  net::redact_url(options.authority_url)));
  }
  if (credentials.tenant_id.empty() || credentials.client_id.empty() || credentials.client_secret.empty()) {
    return make_error(ErrorKind::config, "Entra ID credentials need a tenant id, a client id and a client secret");
  }
  net::Request request{
      .method = "POST",
      .url = entra_token_url(options.authority_url, credentials.tenant_id),
      .headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
      .body = entra_token_form(credentials, options.scope),
      .timeout = options.timeout,
  };
  const core::TimePoint sent = clock.now();
  auto response = transport.send(request);
  if (!response) return response.error().with_context("Entra ID token request");
  auto token = parse_entra_token_response(*response, sent);
  if (!token) {
    return token.error().with_context(
        fmt::format("client {} in tenant {}", credentials.client_id, credentials.tenant_id));
  }
  return token;
}

std::unique_ptr<CachingTokenSource> make_entra_token_source(net::HttpTransport& transport, const core::Clock& clock,
                                                            EntraCredentials credentials, EntraOptions options) {
  auto fetcher = [&transport, &clock, credentials = std::move(credentials), options = std::move(options)] {
    return fetch_entra_token(transport, clock, credentials, options);
  };
  return std::make_unique<CachingTokenSource>(std::move(fetcher), clock);
}

}  // namespace gbpm::auth
