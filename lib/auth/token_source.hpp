#pragma once
// Access tokens for HTTP APIs (Google OAuth2, Entra ID, SAS). A TokenSource
// hands out a token that is valid now; CachingTokenSource wraps a fetcher so
// a token is fetched once, reused, and refreshed early — before it expires,
// never after a 401.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::auth {

struct AccessToken {
  std::string value;  // the secret: never log it
  core::TimePoint expires_at{};
  std::string type = "Bearer";

  // "Bearer ya29...." — the Authorization header value.
  [[nodiscard]] std::string authorization() const { return type + " " + value; }
};

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A token valid at least until shortly after now, or why none could be had.
  virtual Result<AccessToken> token() = 0;
};

// Fetches a brand-new token (one network exchange). Errors say which
// credential was tried and why it failed, without any secret.
using TokenFetcher = std::function<Result<AccessToken>()>;

// Caches a fetched token and refreshes it `refresh_margin` before expiry (5
// minutes by default; for tokens that live less than twice the margin, at
// half their lifetime). Thread-safe: concurrent callers share one refresh —
// while one thread fetches, the others wait for its result instead of
// fetching too. A failed refresh is returned to every waiter and not cached,
// so the next call tries again; a still-valid cached token is returned
// instead of a refresh error.
class CachingTokenSource final : public TokenSource {
 public:
  CachingTokenSource(TokenFetcher fetcher, const core::Clock& clock,
                     std::chrono::seconds refresh_margin = std::chrono::minutes(5));

  Result<AccessToken> token() override;
  // Drops the cached token (e.g. after the server rejected it with 401).
  void invalidate();
  // How many times the fetcher has run.
  [[nodiscard]] int fetch_count() const;

 private:
  [[nodiscard]] bool fresh_locked(core::TimePoint now) const;

  TokenFetcher m_fetcher;
  const core::Clock& m_clock;
  std::chrono::seconds m_margin;
  mutable std::mutex m_mutex;
  std::condition_variable m_refreshed;
  std::optional<AccessToken> m_cached;
  core::TimePoint m_fetched_at{};
  bool m_refreshing = false;
  std::uint64_t m_generation = 0;
  std::optional<Error> m_last_error;
  int m_fetches = 0;
};

}  // namespace gbpm::auth
