#pragma once
// fake-google's OAuth2 token endpoint and bearer-token check, shared by the
// BigQuery and Sheets services of the same server.
//
// POST /token (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer with an
// RS256 assertion, or grant_type=refresh_token) issues opaque access tokens
// with a configurable lifetime; API services call authorize() on every request.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace gbpm::fakes::google {

struct TokenServiceOptions {
  // Service-account key files (JSON) whose public keys verify assertions:
  // client_email → key. Assertions from anyone else are rejected.
  std::vector<std::filesystem::path> key_files;
  // authorized_user refresh tokens accepted: "client_id:client_secret:refresh_token".
  std::vector<std::string> refresh_grants;
  std::chrono::seconds token_lifetime{3600};
  const core::Clock* clock = nullptr;  // nullptr: wall clock
};

class TokenService {
 public:
  explicit TokenService(TokenServiceOptions options);
  ~TokenService();
  TokenService(const TokenService&) = delete;
  TokenService& operator=(const TokenService&) = delete;

  // Registers POST /token (and /oauth2/v4/token, gcloud's path).
  void install(httplib::Server& server);

  // True when the request carries "Authorization: Bearer <token>" for a token
  // this service issued and that has not expired. Otherwise fills `res` with
  // Google's 401 UNAUTHENTICATED error body and returns false.
  bool authorize(const httplib::Request& req, httplib::Response& res) const;

  // Issues a token directly (tests that do not exercise the OAuth flow).
  std::string issue_token_for_tests(const std::string& subject);
  // Number of tokens issued so far.
  [[nodiscard]] int tokens_issued() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace gbpm::fakes::google
