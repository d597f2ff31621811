#pragma once
// The takeover decision, as a pure state machine with hysteresis in both
// directions (keepalived's fall/rise plus a hold-down), so a flapping primary
// causes at most one takeover and a single good check never fails back.
// It reads no clock: every observation carries its time.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace gbpm::failover {

enum class Role { standby, active };
std::string_view role_name(Role role);  // "standby" / "active"
// Parses role_name()'s output; nullopt for anything else.
std::optional<Role> parse_role(std::string_view text);

struct Policy {
  int fall = 3;                         // consecutive failures before STANDBY → ACTIVE (>= 1)
  int rise = 5;                         // consecutive successes before ACTIVE → STANDBY (>= 1)
  std::chrono::seconds hold_down{300};  // minimum time ACTIVE before failing back
};

// Counters kept across restarts (they are persisted with the role).
struct Counters {
  int consecutive_failures = 0;
  int consecutive_successes = 0;
  std::uint64_t probes = 0;
  std::uint64_t failures = 0;
  std::uint64_t takeovers = 0;
  std::uint64_t failbacks = 0;
};

struct MachineState {
  Role role = Role::standby;
  core::TimePoint since{};  // when the current role was entered
  Counters counters{};
};

struct Transition {
  Role from = Role::standby;
  Role to = Role::standby;
  core::TimePoint at{};
  std::string reason;  // "3 consecutive failed checks", "5 consecutive healthy checks after 312s active"
};

class StateMachine {
 public:
  explicit StateMachine(Policy policy, MachineState initial = {});

  // Records one health check of the primary made at `now`. Returns the
  // transition it caused, if any:
  //  - STANDBY → ACTIVE when this is the `fall`-th consecutive failure;
  //  - ACTIVE → STANDBY when at least `rise` consecutive successes have been
  //    seen (this one included) AND `now - since >= hold_down`. Successes
  //    that arrive during the hold-down keep counting, so the fail-back
  //    happens at the first success after the hold-down ends.
  // A failure resets the success streak and vice versa.
  std::optional<Transition> observe(bool healthy, core::TimePoint now);

  [[nodiscard]] const MachineState& state() const { return m_state; }
  [[nodiscard]] const Policy& policy() const { return m_policy; }

 private:
  Policy m_policy;
  MachineState m_state;
};

}  // namespace gbpm::failover
