#pragma once
// What a long-running service (iris-ingest, healthd, failover-monitor) needs
// from its host: a graceful stop on SIGTERM/SIGINT, and systemd's notify
// protocol.
//
// systemd's notify protocol (sd_notify(3)) without libsystemd: one datagram
// per state change to the AF_UNIX socket named by $NOTIFY_SOCKET
// ("/run/systemd/notify", or "@name" for the abstract namespace).
// Used by Type=notify services for READY=1, STATUS=..., STOPPING=1 and the
// watchdog keep-alive (WATCHDOG=1, due every half of $WATCHDOG_USEC).

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace gbpm::core {

// Installs SIGTERM and SIGINT handlers that set the returned flag (and
// nothing else), so a service finishes its in-flight work and returns.
const std::atomic<bool>& install_stop_signals();

class SystemdNotifier {
 public:
  // `socket_path` empty: every call is a no-op (not run by systemd).
  // `watchdog` unset: no watchdog pings are due.
  SystemdNotifier(std::string socket_path, std::optional<std::chrono::microseconds> watchdog);

  // From $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (the watchdog is
  // ignored when WATCHDOG_PID names another process).
  static SystemdNotifier from_environment();

  [[nodiscard]] bool enabled() const { return !m_socket.empty(); }
  // The keep-alive interval: half of WATCHDOG_USEC; nullopt without a watchdog.
  [[nodiscard]] std::optional<std::chrono::milliseconds> watchdog_interval() const;

  // Sends `state` ("READY=1\nSTATUS=..."); false when it could not be sent.
  bool notify(std::string_view state) const;
  // Sends WATCHDOG=1 (with STATUS=`status` when not empty) when at least
  // watchdog_interval() passed since the last ping (or none was sent).
  void ping_if_due(core::TimePoint now, std::string_view status = {});

 private:
  std::string m_socket;
  std::optional<std::chrono::microseconds> m_watchdog;
  std::optional<core::TimePoint> m_last_ping;
};

}  // namespace gbpm::core
