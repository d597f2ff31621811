#pragma once
// The token-source seam's fake (auth::TokenSource): always the same bearer
// token, no exchange, so client tests can talk to the fakes directly.

#include <string>
#include <utility>

#include "auth/token_source.hpp"
#include "core/clock.hpp"

namespace gbpm::testing {

class StaticTokenSource final : public auth::TokenSource {
 public:
  explicit StaticTokenSource(std::string token, core::TimePoint expires_at = {})
      : m_token(std::move(token)), m_expires_at(expires_at) {}
  Result<auth::AccessToken> token() override { return auth::AccessToken{m_token, m_expires_at, "Bearer"}; }

 private:
  std::string m_token;
  core::TimePoint m_expires_at;
};

}  // namespace gbpm::testing
