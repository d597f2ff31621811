#pragma once
// Retrying failed HTTP requests. Three separate pieces:
//   RetryPolicy       what is worth retrying, and how many attempts / how much
//                     total time one operation may take;
//   BackoffPolicy     how long to wait between attempts (exponential with
//                     full jitter);
//   RetryingTransport an HttpTransport decorator that applies both, honours
//                     Retry-After and sleeps on a core::Clock (so tests never
//                     really wait).

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http.hpp"

namespace gbpm::log {
class Logger;
}

namespace gbpm::net {

struct RetryOptions {
  // Attempts per operation, the first included. 1 means no retries.
  int max_attempts = 5;
  // Time budget per operation, measured on the Clock from the first attempt.
  // A wait that would end past it is not started; attempts are cut short so
  // they end by it.
  std::chrono::milliseconds max_total{120000};
};

class RetryPolicy {
 public:
  RetryPolicy() = default;
  explicit RetryPolicy(RetryOptions options);

  [[nodiscard]] int max_attempts() const { return m_options.max_attempts; }
  [[nodiscard]] std::chrono::milliseconds max_total() const { return m_options.max_total; }

  // True for 408, 429 and every 5xx; never for other statuses.
  static bool is_retryable_status(long status);
  // True for a Response with a retryable status or an ErrorKind::temporary
  // transport error (refused, reset, timeout, partial or empty reply).
  static bool is_retryable(const Result<Response>& outcome);

 private:
  RetryOptions m_options;
};

struct BackoffOptions {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{60000};
  double multiplier = 2.0;
  // Seeds the jitter generator; unset: seeded from std::random_device.
  std::optional<std::uint64_t> seed{};
  // When set, replaces the generator: returns a number in [0, 1] per delay.
  // Lets tests pin the jitter (0 → no wait, 1 → the ceiling).
  std::function<double()> random{};
};

// Exponential backoff with full jitter: the n-th delay (n from 0) is uniform
// in [0, min(max, initial * multiplier^n)]. Stateful (it counts delays); use
// fork() to get a fresh copy per operation. Not thread-safe.
class BackoffPolicy {
 public:
  BackoffPolicy();
  explicit BackoffPolicy(BackoffOptions options);

  // The upper bound of the n-th delay: min(max, initial * multiplier^n).
  [[nodiscard]] std::chrono::milliseconds ceiling(int n) const;
  // The next delay, drawn uniformly from [0, ceiling(delays so far)].
  std::chrono::milliseconds next_delay();
  // Delays handed out so far.
  [[nodiscard]] int count() const { return m_count; }
  // A policy with the same options and no delays counted, whose jitter comes
  // from a generator seeded by this one (deterministic when this one is).
  BackoffPolicy fork();

 private:
  BackoffOptions m_options;
  std::mt19937_64 m_rng;
  int m_count = 0;
};

// The wait a Retry-After header value asks for, relative to `now`:
// delta-seconds ("120") or an HTTP-date ("Fri, 27 Nov 2026 10:00:00 GMT"; a
// past date means 0). nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, core::TimePoint now);

// Sends through `inner`, retrying what `retry` says is retryable. Before each
// retry it waits max(backoff delay, Retry-After) on `clock`; when that wait
// would end past the time budget, or attempts run out, it returns the last
// outcome as it is (a retryable HTTP status comes back as a Response; callers
// map statuses). Requests with RetryMode::never are sent once. Each retry is
// logged at warn with the attempt, the status or error, and the delay.
//
// `inner`, `clock` and `logger` must outlive this object. send() is
// thread-safe when `inner` is; each call gets its own forked BackoffPolicy.
class RetryingTransport final : public HttpTransport {
 public:
  RetryingTransport(HttpTransport& inner, core::Clock& clock, RetryPolicy retry = RetryPolicy(),
                    BackoffPolicy backoff = BackoffPolicy(), log::Logger* logger = nullptr);

  Result<Response> send(const Request& request) override;

 private:
  BackoffPolicy fork_backoff();

  HttpTransport& m_inner;
  core::Clock& m_clock;
  RetryPolicy m_retry;
  std::mutex m_mutex;  // guards m_backoff
  BackoffPolicy m_backoff;
  log::Logger* m_logger;
};

}  // namespace gbpm::net
