#include "failover/state_machine.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gbpm::failover {

std::string_view role_name(Role role) {
  return role == Role::active ? "active" : "standby";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "active") return Role::active;
  if (text == "standby") return Role::standby;
  return std::nullopt;
}

StateMachine::StateMachine(Policy policy, MachineState initial) : m_policy(policy), m_state(initial) {
  m_policy.fall = std::max(1, m_policy.fall);
  m_policy.rise = std::max(1, m_policy.rise);
}

std::optional<Transition> StateMachine::observe(bool healthy, core::TimePoint now) {
  Counters& c = m_state.counters;
  ++c.probes;
  if (healthy) {
    c.consecutive_failures = 0;
    ++c.consecutive_successes;
  } else {
    ++c.failures;
    c.consecutive_successes = 0;
    ++c.consecutive_failures;
  }

  if (m_state.role == Role::standby) {
    if (!healthy && c.consecutive_failures >= m_policy.fall) {
      Transition t{Role::standby, Role::active, now,
                   fmt::format("{} consecutive failed checks of the primary", c.consecutive_failures)};
      m_state.role = Role::active;
      m_state.since = now;
      ++c.takeovers;
      return t;
    }
    return std::nullopt;
  }

  const auto active_for = now - m_state.since;
  if (healthy && c.consecutive_successes >= m_policy.rise && active_for >= m_policy.hold_down) {
    Transition t{Role::active, Role::standby, now,
                 fmt::format("{} consecutive healthy checks of the primary after {}s active", c.consecutive_successes,
                             std::chrono::duration_cast<std::chrono::seconds>(active_for).count())};
    m_state.role = Role::standby;
    m_state.since = now;
    ++c.failbacks;
    return t;
  }
  return std::nullopt;
}

}  // namespace gbpm::failover
