#pragma once
// The clock seam's fake (core::Clock): time moves only when a test says so or
// when code sleeps on it, so no test depends on wall time.

#include <mutex>
#include <vector>

#include "core/clock.hpp"

namespace gbpm::core {

// A clock that moves only when told to or when something sleeps on it.
// Thread-safe; remembers every sleep so tests can assert on backoff delays.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{});
  [[nodiscard]] TimePoint now() const override;
  void sleep_for(Duration d) override;
  void set(TimePoint t);
  void advance(Duration d);
  [[nodiscard]] std::vector<Duration> sleeps() const;

 private:
  mutable std::mutex m_mutex;
  TimePoint m_now;
  std::vector<Duration> m_sleeps;
};

}  // namespace gbpm::core
