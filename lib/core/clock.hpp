#pragma once
// The clock seam: library code asks a Clock for the time and for sleeps, so
// tests can pin "now" and skip waiting without touching wall time (the
// fake, core::FakeClock, lives in tests/support/fake_clock.hpp).

#include <chrono>

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

}  // namespace gbpm::core
