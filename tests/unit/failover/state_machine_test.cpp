#include "failover/state_machine.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using gbpm::core::TimePoint;
using gbpm::failover::Policy;
using gbpm::failover::Role;
using gbpm::failover::StateMachine;
using namespace std::chrono;

namespace {
const TimePoint t0 = sys_days{2026y / 11 / 28} + 10h;
}

TEST_CASE("takeover happens at exactly the fall-th consecutive failure", "[failover][state]") {
  for (int fall : {1, 3, 5}) {
    StateMachine m(Policy{.fall = fall, .rise = 5, .hold_down = 300s}, {Role::standby, t0, {}});
    for (int i = 1; i < fall; ++i) {
      CHECK_FALSE(m.observe(false, t0 + seconds{10 * i}).has_value());
      CHECK(m.state().role == Role::standby);
    }
    const auto t = m.observe(false, t0 + seconds{10 * fall});
    REQUIRE(t.has_value());
    CHECK(t->from == Role::standby);
    CHECK(t->to == Role::active);
    CHECK(m.state().role == Role::active);
    CHECK(m.state().since == t0 + seconds{10 * fall});
    CHECK(m.state().counters.takeovers == 1);
  }
}

TEST_CASE("a success resets the failure streak", "[failover][state]") {
  StateMachine m(Policy{.fall = 3});
  m.observe(false, t0);
  m.observe(false, t0 + 10s);
  m.observe(true, t0 + 20s);
  m.observe(false, t0 + 30s);
  CHECK_FALSE(m.observe(false, t0 + 40s).has_value());
  CHECK(m.state().role == Role::standby);
  CHECK(m.observe(false, t0 + 50s).has_value());
}

TEST_CASE("flapping every interval for 10 minutes causes at most one takeover", "[failover][state]") {
  // Patterns a flapping primary produces with a 10 s interval: alternating,
  // two bad one good, and a burst that does trip fall followed by flapping.
  const std::vector<std::vector<bool>> patterns = {{false, true}, {false, false, true}, {true, false}};
  for (const auto& pattern : patterns) {
    StateMachine m(Policy{.fall = 3, .rise = 5, .hold_down = 300s});
    int transitions = 0;
    for (int i = 0; i < 60; ++i) {
      if (m.observe(pattern[static_cast<std::size_t>(i) % pattern.size()], t0 + seconds{10 * i})) ++transitions;
    }
    CHECK(transitions == 0);
    CHECK(m.state().role == Role::standby);
  }
  // Down long enough to take over, then flapping: stays ACTIVE (never rise in a row).
  StateMachine m(Policy{.fall = 3, .rise = 5, .hold_down = 300s});
  int takeovers = 0;
  int failbacks = 0;
  for (int i = 0; i < 60; ++i) {
    const bool healthy = i >= 3 && i % 2 == 0;
    if (const auto t = m.observe(healthy, t0 + seconds{10 * i})) (t->to == Role::active ? takeovers : failbacks)++;
  }
  CHECK(takeovers == 1);
  CHECK(failbacks == 0);
  CHECK(m.state().role == Role::active);
  CHECK(m.state().counters.takeovers == 1);
}

TEST_CASE("fail back needs rise consecutive successes AND the hold-down", "[failover][state]") {
  const Policy p{.fall = 3, .rise = 5, .hold_down = 300s};
  SECTION("rise successes inside the hold-down are not enough; the first success after it fails back") {
    StateMachine m(p, {Role::active, t0, {}});
    for (int i = 1; i <= 29; ++i) CHECK_FALSE(m.observe(true, t0 + seconds{10 * i}).has_value());
    CHECK(m.state().role == Role::active);
    const auto t = m.observe(true, t0 + 300s);
    REQUIRE(t.has_value());
    CHECK(t->to == Role::standby);
    CHECK(m.state().counters.failbacks == 1);
  }
  SECTION("after the hold-down it takes exactly rise successes") {
    StateMachine m(p, {Role::active, t0, {}});
    const TimePoint late = t0 + 1h;
    for (int i = 0; i < 4; ++i) CHECK_FALSE(m.observe(true, late + seconds{10 * i}).has_value());
    CHECK(m.observe(true, late + 40s).has_value());
  }
  SECTION("one failure restarts the success count") {
    StateMachine m(p, {Role::active, t0, {}});
    const TimePoint late = t0 + 1h;
    for (int i = 0; i < 4; ++i) m.observe(true, late + seconds{10 * i});
    m.observe(false, late + 40s);
    for (int i = 5; i < 9; ++i) CHECK_FALSE(m.observe(true, late + seconds{10 * i}).has_value());
    CHECK(m.observe(true, late + 90s).has_value());
    CHECK(m.state().role == Role::standby);
  }
  SECTION("a single success never fails back (the predecessor's bug)") {
    StateMachine m(Policy{.fall = 3, .rise = 5, .hold_down = 0s}, {Role::active, t0, {}});
    CHECK_FALSE(m.observe(true, t0 + 1h).has_value());
    CHECK(m.state().role == Role::active);
  }
}

TEST_CASE("counters count checks and failures", "[failover][state]") {
  StateMachine m(Policy{.fall = 2});
  m.observe(true, t0);
  m.observe(false, t0 + 10s);
  m.observe(false, t0 + 20s);
  CHECK(m.state().counters.probes == 3);
  CHECK(m.state().counters.failures == 2);
  CHECK(m.state().counters.consecutive_failures == 2);
  CHECK(m.state().counters.consecutive_successes == 0);
}
