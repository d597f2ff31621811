#include "core/service.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace gbpm::core {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop.store(true);
}

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  return g_stop;
}

SystemdNotifier::SystemdNotifier(std::string socket_path, std::optional<std::chrono::microseconds> watchdog)
    : m_socket(std::move(socket_path)), m_watchdog(watchdog) {}

SystemdNotifier SystemdNotifier::from_environment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::optional<std::chrono::microseconds> watchdog;
  if (const char* usec = std::getenv("WATCHDOG_USEC")) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(usec, &end, 10);
    bool ours = true;
    if (const char* pid = std::getenv("WATCHDOG_PID")) ours = std::strtol(pid, nullptr, 10) == ::getpid();
    if (end != usec && *end == '\0' && value > 0 && ours) {
      watchdog = std::chrono::microseconds{static_cast<long long>(value)};
    }
  }
  return SystemdNotifier(socket ? socket : "", watchdog);
}

std::optional<std::chrono::milliseconds> SystemdNotifier::watchdog_interval() const {
  if (!m_watchdog) return std::nullopt;
  return std::max(std::chrono::milliseconds{1}, std::chrono::duration_cast<std::chrono::milliseconds>(*m_watchdog / 2));
}

bool SystemdNotifier::notify(std::string_view state) const {
  if (m_socket.empty()) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (m_socket.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, m_socket.data(), m_socket.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + m_socket.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const ssize_t sent =
      ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

void SystemdNotifier::ping_if_due(core::TimePoint now, std::string_view status) {
  const auto interval = watchdog_interval();
  if (!interval || m_socket.empty()) return;
  if (m_last_ping && now - *m_last_ping < *interval) return;
  m_last_ping = now;
  std::string state = "WATCHDOG=1";
  if (!status.empty()) {
    state += "\nSTATUS=";
    state += status;
  }
  notify(state);
}

}  // namespace gbpm::core
