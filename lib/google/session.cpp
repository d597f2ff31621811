#include "google/session.hpp"

#include "core/config.hpp"
#include "core/log.hpp"
#include "net/curl_transport.hpp"

namespace gbpm::google {

auth::GoogleAuthOptions auth_options_from(const config::Config& config, std::vector<std::string> scopes) {
  auth::GoogleAuthOptions options;
  options.scopes = std::move(scopes);
  options.token_url_override = config.get_string_or("GBPM_GOOGLE_TOKEN_URL", "");
  options.credentials_file = config.get_string_or("GOOGLE_APPLICATION_CREDENTIALS", "");
  options.cloudsdk_config = config.get_string_or("CLOUDSDK_CONFIG", "");
  options.home = config.get_string_or("HOME", "");
  if (const auto host = config.get_string_or("GCE_METADATA_HOST", ""); !host.empty()) {
    options.metadata_url = "http://" + host;
  }
  return options;
}

Result<std::unique_ptr<GoogleSession>> open_google_session(const config::Config& config, const core::Clock& clock,
                                                           log::Logger& logger, std::vector<std::string> scopes) {
  auto transport = net::CurlTransport::create({.ca_file = config.get_string_or("GBPM_CA_FILE", "")});
  if (!transport) return std::move(transport).error();
  auto session = std::make_unique<GoogleSession>();
  session->transport = std::move(transport).value();
  auto credentials =
      auth::find_default_credentials(*session->transport, clock, auth_options_from(config, std::move(scopes)), logger);
  if (!credentials) return std::move(credentials).error();
  session->credentials = std::move(credentials).value();
  logger.debug("google credentials", {{"source", session->credentials.description}});
  return session;
}

}  // namespace gbpm::google
