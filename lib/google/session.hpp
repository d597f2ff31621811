#pragma once
// What a tool needs to call Google APIs, built once from its configuration:
// an HTTPS transport that trusts GBPM_CA_FILE in addition to the system
// store, and Application Default Credentials (google_credentials.hpp) whose
// tokens are cached and refreshed ahead of expiry. The BigQuery warehouse and
// the Sheets sink share this, so a tool that uses both fetches one token.

#include <memory>
#include <string>
#include <vector>

#include "auth/google_credentials.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http.hpp"

namespace gbpm::config {
class Config;
}
namespace gbpm::log {
class Logger;
}

namespace gbpm::google {

// Owns the transport the credentials' token fetcher uses, so it is heap
// allocated and never moved: keep it behind the unique_ptr it comes in.
struct GoogleSession {
  std::unique_ptr<net::HttpTransport> transport;
  auth::GoogleCredentials credentials;  // credentials.tokens is the TokenSource to give API clients
};

// The auth options the configuration asks for: GBPM_GOOGLE_TOKEN_URL,
// GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_CONFIG, HOME and GCE_METADATA_HOST
// ("HOST[:PORT]", as Google's libraries read it), with `scopes`.
auth::GoogleAuthOptions auth_options_from(const config::Config& config, std::vector<std::string> scopes);

// Opens a session for `scopes`. Errors: config (GBPM_CA_FILE unusable; no
// credentials found — the message lists what was tried and how to provide
// one; a credentials file that is malformed). No token is fetched here: the
// first API call does that, so a dry run needs no network.
Result<std::unique_ptr<GoogleSession>> open_google_session(const config::Config& config, const core::Clock& clock,
                                                           log::Logger& logger, std::vector<std::string> scopes);

}  // namespace gbpm::google
