#pragma once
// The clock seam: library code asks a Clock for the time and for sleeps, so
// tests can pin "now" and skip waiting without touching wall time.

#include <chrono>
#include <mutex>
#include <vector>

namespace gbpm::core {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current UTC time.
  [[nodiscard]] virtual TimePoint now() const = 0;
  // Blocks for `d` (the fake advances its time instead).
  virtual void sleep_for(Duration d) = 0;
};

// Wall-clock time and real sleeping.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override;
  void sleep_for(Duration d) override;
};

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
