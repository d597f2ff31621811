#pragma once
// Google OAuth2 credentials: service-account keys (JWT-bearer grant),
// gcloud's authorized_user files (refresh_token grant), the GCE metadata
// server, and Application Default Credentials, which picks one of them in
// the order Google's client libraries use:
//   1. GOOGLE_APPLICATION_CREDENTIALS (set but unusable: a hard error);
//   2. gcloud's application_default_credentials.json under $CLOUDSDK_CONFIG,
//      else ~/.config/gcloud (missing: fall through);
//   3. the metadata server (answers with "Metadata-Flavor: Google").
// Every token goes through auth::CachingTokenSource (refreshed ≥ 5 minutes
// early, one refresh shared by concurrent callers). The library never reads
// the environment: the tool layer passes the values in GoogleAuthOptions.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/google_jwt.hpp"
#include "auth/token_source.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::net {
class HttpTransport;
}
namespace gbpm::log {
class Logger;
}

namespace gbpm::auth {

inline constexpr std::string_view kBigQueryScope = "https://www.googleapis.com/auth/bigquery";
inline constexpr std::string_view kSheetsScope = "https://www.googleapis.com/auth/spreadsheets";
inline constexpr std::string_view kCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
inline constexpr std::string_view kMetadataUrl = "http://metadata.google.internal";

// How to find and use Google credentials. Environment-derived values come in
// from the caller (tool layer), so the library stays testable.
struct GoogleAuthOptions {
  // Scopes requested for every token (one token serves BigQuery and Sheets).
  std::vector<std::string> scopes{std::string(kCloudPlatformScope)};
  // GBPM_GOOGLE_TOKEN_URL: replaces the token_uri of key files and the
  // authorized_user endpoint. Empty: use the file's.
  std::string token_url_override;
  // $GOOGLE_APPLICATION_CREDENTIALS. Empty: not set.
  std::filesystem::path credentials_file;
  // $CLOUDSDK_CONFIG and $HOME, for gcloud's well-known file.
  std::filesystem::path cloudsdk_config;
  std::filesystem::path home;
  // Metadata server root (GCE_METADATA_HOST as "http://HOST"); empty: skip
  // the metadata server entirely.
  std::string metadata_url{kMetadataUrl};
  // Timeout of the metadata server probe and token requests to it.
  std::chrono::milliseconds metadata_timeout{3000};
  // Timeout of each token endpoint request.
  std::chrono::milliseconds token_timeout{30000};
  // How early tokens are refreshed (CachingTokenSource's margin).
  std::chrono::seconds refresh_margin{std::chrono::minutes(5)};
};

// Credentials ready to use: a cached token source plus facts for messages.
struct GoogleCredentials {
  // Which source was chosen, for logs: "service-account key /etc/gbpm/key.json
  // (GOOGLE_APPLICATION_CREDENTIALS)". Never contains a secret.
  std::string description;
  // The service account's email (for "share the sheet with ..." advice);
  // empty for user and metadata credentials unless known.
  std::string client_email;
  std::string project_id;        // from the key file, when it has one
  std::string quota_project_id;  // authorized_user files: send as x-goog-user-project
  std::unique_ptr<CachingTokenSource> tokens;
};

// A fetcher that signs a JWT for `key` and exchanges it at the token endpoint
// (`token_url` if not empty, else key.token_uri). Errors name the service
// account and the endpoint, and carry the endpoint's error/error_description;
// invalid_grant and other 4xx are ErrorKind::unavailable, 429/5xx and
// internal_failure/server_error/temporarily_unavailable are temporary.
// `transport` and `clock` must outlive the fetcher.
TokenFetcher service_account_fetcher(net::HttpTransport& transport, const core::Clock& clock, ServiceAccountKey key,
                                     const GoogleAuthOptions& options);

// An authorized_user credential (gcloud auth application-default login).
// `client_secret` and `refresh_token` are secrets.
struct AuthorizedUser {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::string quota_project_id;
  std::string token_uri{kGoogleTokenUrl};
};
// A fetcher for the refresh_token grant, classified like service_account_fetcher.
TokenFetcher authorized_user_fetcher(net::HttpTransport& transport, const core::Clock& clock, AuthorizedUser user,
                                     const GoogleAuthOptions& options);
// A fetcher for the metadata server's default service account token (GET
// .../instance/service-accounts/default/token?scopes=..., with
// Metadata-Flavor: Google; a reply without that header is refused).
TokenFetcher metadata_fetcher(net::HttpTransport& transport, const core::Clock& clock,
                              const GoogleAuthOptions& options);

// Loads a credential file of type service_account or authorized_user.
// `origin` says where its name came from ("GOOGLE_APPLICATION_CREDENTIALS").
// A file readable by group or others is warned about on `logger`. Errors are
// ErrorKind::config and name the file and the reason.
Result<GoogleCredentials> load_credentials_file(net::HttpTransport& transport, const core::Clock& clock,
                                                const std::filesystem::path& file, std::string_view origin,
                                                const GoogleAuthOptions& options, log::Logger& logger);

// Application Default Credentials in Google's order (see top of file). When
// nothing is found the ErrorKind::config error lists each source tried and why
// it was not used.
Result<GoogleCredentials> find_default_credentials(net::HttpTransport& transport, const core::Clock& clock,
                                                   const GoogleAuthOptions& options, log::Logger& logger);

}  // namespace gbpm::auth
