// The service helpers: systemd's notify protocol against a real datagram
// socket, on a fixed clock.
#include "core/service.hpp"

#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

using namespace gbpm;

namespace {

// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : m_path(path.string()) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, m_path.data(), m_path.size());
    REQUIRE(::bind(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(m_fd); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The next datagram, or "" when none is waiting.
  std::string next() {
    char buf[4096];
    const ssize_t n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  [[nodiscard]] const std::string& path() const { return m_path; }

 private:
  std::string m_path;
  int m_fd = -1;
};

}  // namespace

TEST_CASE("systemd notifier sends datagrams and pings the watchdog at half its interval", "[core][systemd]") {
  gbpm::testing::TempDir dir;
  NotifySocket socket(dir / "notify");
  core::SystemdNotifier notifier(socket.path(), std::chrono::seconds{30});
  REQUIRE(notifier.watchdog_interval() == std::chrono::milliseconds{15000});
  CHECK(notifier.notify("READY=1\nSTATUS=ingesting"));
  CHECK(socket.next() == "READY=1\nSTATUS=ingesting");

  const core::TimePoint t0{std::chrono::hours{1000}};
  notifier.ping_if_due(t0, "3 messages");
  CHECK(socket.next() == "WATCHDOG=1\nSTATUS=3 messages");
  notifier.ping_if_due(t0 + std::chrono::seconds{14});
  CHECK(socket.next().empty());
  notifier.ping_if_due(t0 + std::chrono::seconds{15});
  CHECK(socket.next() == "WATCHDOG=1");
}

TEST_CASE("systemd notifier without a socket does nothing", "[core][systemd]") {
  core::SystemdNotifier notifier("", std::nullopt);
  CHECK_FALSE(notifier.enabled());
  CHECK_FALSE(notifier.notify("READY=1"));
  CHECK_FALSE(notifier.watchdog_interval().has_value());
}
