#include "core/clock.hpp"

#include <thread>

namespace gbpm::core {

TimePoint SystemClock::now() const {
  return std::chrono::system_clock::now();
}

void SystemClock::sleep_for(Duration d) {
  if (d.count() > 0) std::this_thread::sleep_for(d);
}

FakeClock::FakeClock(TimePoint start) : m_now(start) {}

TimePoint FakeClock::now() const {
  std::lock_guard lock(m_mutex);
  return m_now;
}

void FakeClock::sleep_for(Duration d) {
  std::lock_guard lock(m_mutex);
  m_sleeps.push_back(d);
  if (d.count() > 0) m_now += d;
}

void FakeClock::set(TimePoint t) {
  std::lock_guard lock(m_mutex);
  m_now = t;
}

void FakeClock::advance(Duration d) {
  std::lock_guard lock(m_mutex);
  m_now += d;
}

std::vector<Duration> FakeClock::sleeps() const {
  std::lock_guard lock(m_mutex);
  return m_sleeps;
}

}  // namespace gbpm::core
