#include "net/retry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/log.hpp"
#include "core/time.hpp"

namespace gbpm::net {
namespace {

using std::chrono::milliseconds;

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "HTTP 503" or the transport error's message, for logs.
std::string describe(const Result<Response>& outcome) {
  if (outcome.ok()) return fmt::format("HTTP {}", outcome->status);
  return outcome.error().message;
}

}  // namespace

RetryPolicy::RetryPolicy(RetryOptions options) : m_options(options) {}

bool RetryPolicy::is_retryable_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

bool RetryPolicy::is_retryable(const Result<Response>& outcome) {
  if (outcome.ok()) return is_retryable_status(outcome->status);
  return outcome.error().kind == ErrorKind::temporary;
}

BackoffPolicy::BackoffPolicy() : BackoffPolicy(BackoffOptions{}) {}

BackoffPolicy::BackoffPolicy(BackoffOptions options)
    : m_options(std::move(options)), m_rng(m_options.seed ? *m_options.seed : random_seed()) {}

milliseconds BackoffPolicy::ceiling(int n) const {
  const double initial = static_cast<double>(std::max<milliseconds::rep>(m_options.initial.count(), 0));
  const double max = static_cast<double>(std::max<milliseconds::rep>(m_options.max.count(), 0));
  const double grown = initial * std::pow(std::max(m_options.multiplier, 1.0), std::max(n, 0));
  // pow may overflow to infinity; min() brings it back under max.
  return milliseconds(static_cast<milliseconds::rep>(std::min(grown, max)));
}

milliseconds BackoffPolicy::next_delay() {
  const milliseconds cap = ceiling(m_count);
  ++m_count;
  if (m_options.random) {
    const double r = std::clamp(m_options.random(), 0.0, 1.0);
    return milliseconds(std::llround(r * static_cast<double>(cap.count())));
  }
  std::uniform_int_distribution<milliseconds::rep> uniform(0, cap.count());
  return milliseconds(uniform(m_rng));
}

BackoffPolicy BackoffPolicy::fork() {
  BackoffOptions options = m_options;
  options.seed = m_rng();
  return BackoffPolicy(std::move(options));
}

std::optional<milliseconds> parse_retry_after(std::string_view value, core::TimePoint now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Delta-seconds; anything beyond a day is as good as "not soon".
    if (value.size() > 6) return milliseconds(std::chrono::hours(24));
    std::int64_t seconds = 0;
    for (const char c : value) seconds = seconds * 10 + (c - '0');
    return milliseconds(seconds * 1000);
  }
  auto date = core::parse_http_date(value);
  if (!date) return std::nullopt;
  const auto wait = std::chrono::ceil<milliseconds>(*date - now);
  return std::max(wait, milliseconds(0));
}

RetryingTransport::RetryingTransport(HttpTransport& inner, core::Clock& clock, RetryPolicy retry, BackoffPolicy backoff,
                                     log::Logger* logger)
    : m_inner(inner),
      m_clock(clock),
      m_retry(retry),
      m_backoff(std::move(backoff)),
      m_logger(logger != nullptr ? logger : &log::null_logger()) {}

BackoffPolicy RetryingTransport::fork_backoff() {
  std::lock_guard lock(m_mutex);
  return m_backoff.fork();
}

Result<Response> RetryingTransport::send(const Request& request) {
  if (request.retry == RetryMode::never) return m_inner.send(request);

  BackoffPolicy backoff = fork_backoff();
  const int max_attempts = std::max(m_retry.max_attempts(), 1);
  const core::TimePoint deadline = m_clock.now() + m_retry.max_total();

  for (int attempt = 1;; ++attempt) {
    // Cut the attempt short so it ends by the deadline.
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - m_clock.now());
    Result<Response> outcome = [&] {
      if (remaining >= request.timeout) return m_inner.send(request);
      Request shortened = request;
      shortened.timeout = std::max(remaining, milliseconds(1));
      return m_inner.send(shortened);
    }();
    if (!RetryPolicy::is_retryable(outcome)) return outcome;

    const std::string url = redact_url(request.url);
    if (attempt >= max_attempts) {
      m_logger->warn("http retries exhausted",
                     {{"method", request.method}, {"url", url}, {"attempts", attempt}, {"outcome", describe(outcome)}});
      return outcome;
    }
    milliseconds delay = backoff.next_delay();
    if (outcome.ok()) {
      if (const auto header = outcome->header("Retry-After")) {
        if (const auto asked = parse_retry_after(*header, m_clock.now())) delay = std::max(delay, *asked);
      }
    }
    if (m_clock.now() + delay >= deadline) {
      m_logger->warn("http retry budget spent", {{"method", request.method},
                                                 {"url", url},
                                                 {"attempts", attempt},
                                                 {"outcome", describe(outcome)},
                                                 {"next_delay_ms", delay.count()},
                                                 {"max_total_ms", m_retry.max_total().count()}});
      return outcome;
    }
    m_logger->warn("http retry", {{"method", request.method},
                                  {"url", url},
                                  {"attempt", attempt},
                                  {"max_attempts", max_attempts},
                                  {"outcome", describe(outcome)},
                                  {"delay_ms", delay.count()}});
    m_clock.sleep_for(delay);
  }
}

}  // namespace gbpm::net
