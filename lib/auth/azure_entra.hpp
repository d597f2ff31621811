#pragma once
// Microsoft Entra ID (Azure AD) client-credentials tokens for Azure Service
// Bus (the OAuth2 client-credentials grant): one form POST to
//   {authority}/{tenant}/oauth2/v2.0/token
// with client_id, scope, client_secret and grant_type=client_credentials;
// no refresh token, a new request before the old token expires. Used by
// iris-ingest for IRIS. The secret comes from a file or from systemd's
// $CREDENTIALS_DIRECTORY; the caller passes paths from its configuration,
// this module never reads the environment.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "auth/token_source.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http.hpp"

namespace gbpm::auth {

// The public Entra authority (override: GBPM_AZURE_AUTHORITY_URL).
inline constexpr std::string_view kEntraAuthorityUrl = "https://login.microsoftonline.com";
// The scope of a token for the Service Bus data plane.
inline constexpr std::string_view kServiceBusScope = "https://servicebus.azure.net/.default";

struct EntraCredentials {
  std::string tenant_id;      // GUID or domain; IRIS: 4203b7a0-7773-4de5-b830-8b263a20426e
  std::string client_id;      // application (client) id
  std::string client_secret;  // the secret value: never log it
};

struct EntraOptions {
  // Base URL of the authority, without the tenant. Must be https://.
  std::string authority_url = std::string(kEntraAuthorityUrl);
  std::string scope = std::string(kServiceBusScope);
  std::chrono::milliseconds timeout{30000};
};

// Reads a secret (client secret, SAS key) from `file` when it is not empty,
// else from `credentials_directory`/`credential_name` (systemd LoadCredential=;
// the caller passes $CREDENTIALS_DIRECTORY's value). Surrounding whitespace and
// the trailing newline editors add are removed. ErrorKind::config naming the
// file (never its content) when neither is given, the file is unreadable, or
// it is empty.
Result<std::string> read_secret(const std::filesystem::path& file, const std::filesystem::path& credentials_directory,
                                std::string_view credential_name);

// "{authority}/{tenant}/oauth2/v2.0/token" (one slash between the parts).
std::string entra_token_url(std::string_view authority_url, std::string_view tenant_id);

// The exact form body, in the documented order:
// client_id=..&scope=..&client_secret=..&grant_type=client_credentials, each
// value URL-encoded.
std::string entra_token_form(const EntraCredentials& credentials, std::string_view scope);

// Turns the token endpoint's reply into a token expiring `expires_in` seconds
// (a number or a numeric string) after `now`. Error replies
// ({"error":..,"error_description":"AADSTS7000222: .."}) become messages that
// say what to do: an expired secret (AADSTS7000222) tells the operator that
// IRIS client secrets expire after 2 years and how to renew; a wrong secret,
// an unknown client id or tenant, and a bad scope are named as such
// (ErrorKind::config). 429/5xx are ErrorKind::temporary. Never includes the secret.
Result<AccessToken> parse_entra_token_response(const net::Response& response, core::TimePoint now);

// One token request through `transport` (the caller wraps it in a
// RetryingTransport for 429/5xx). ErrorKind::config for a non-https authority.
Result<AccessToken> fetch_entra_token(net::HttpTransport& transport, const core::Clock& clock,
                                      const EntraCredentials& credentials, const EntraOptions& options);

// A cached Entra token source: fetches on first use and again before expiry
// (CachingTokenSource's margin). `transport` and `clock` must outlive it.
std::unique_ptr<CachingTokenSource> make_entra_token_source(net::HttpTransport& transport, const core::Clock& clock,
                                                            EntraCredentials credentials, EntraOptions options = {});

}  // namespace gbpm::auth
