#include "support/fake_clock.hpp"

namespace gbpm::core {

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
