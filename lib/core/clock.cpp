#include "core/clock.hpp"

#include <thread>

namespace gbpm::core {

TimePoint SystemClock::now() const {
  return std::chrono::system_clock::now();
}

void SystemClock::sleep_for(Duration d) {
  if (d.count() > 0) std::this_thread::sleep_for(d);
}

}  // namespace gbpm::core
