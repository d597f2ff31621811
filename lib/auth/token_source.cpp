#include "auth/token_source.hpp"

namespace gbpm::auth {

CachingTokenSource::CachingTokenSource(TokenFetcher fetcher, const core::Clock& clock,
                                       std::chrono::seconds refresh_margin)
    : m_fetcher(std::move(fetcher)), m_clock(clock), m_margin(refresh_margin) {}

bool CachingTokenSource::fresh_locked(core::TimePoint now) const {
  if (!m_cached) return false;
  const auto lifetime = m_cached->expires_at - m_fetched_at;
  // Short-lived tokens (under twice the margin) are refreshed at half-life.
  const auto margin = lifetime < 2 * m_margin ? std::chrono::duration_cast<core::TimePoint::duration>(lifetime / 2)
                                              : std::chrono::duration_cast<core::TimePoint::duration>(m_margin);
  return now < m_cached->expires_at - margin;
}

Result<AccessToken> CachingTokenSource::token() {
  std::unique_lock lock(m_mutex);
  if (fresh_locked(m_clock.now())) return *m_cached;
  if (m_refreshing) {
    // Another caller is fetching: wait for its outcome.
    const std::uint64_t generation = m_generation;
    m_refreshed.wait(lock, [&] { return m_generation != generation; });
    if (m_cached && m_clock.now() < m_cached->expires_at) return *m_cached;
    if (m_last_error) return *m_last_error;
  }
  m_refreshing = true;
  const core::TimePoint started = m_clock.now();
  lock.unlock();
  Result<AccessToken> fetched = m_fetcher();
  lock.lock();
  ++m_fetches;
  m_refreshing = false;
  ++m_generation;
  if (fetched) {
    m_cached = *fetched;
    m_fetched_at = started;
    m_last_error.reset();
  } else {
    m_last_error = fetched.error();
  }
  m_refreshed.notify_all();
  if (!fetched && m_cached && m_clock.now() < m_cached->expires_at) return *m_cached;
  return fetched;
}

void CachingTokenSource::invalidate() {
  std::lock_guard lock(m_mutex);
  m_cached.reset();
}

int CachingTokenSource::fetch_count() const {
  std::lock_guard lock(m_mutex);
  return m_fetches;
}

}  // namespace gbpm::auth
