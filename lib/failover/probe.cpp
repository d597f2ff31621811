#include "failover/probe.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "json/json.hpp"

namespace gbpm::failover {
namespace {

constexpr std::size_t k_max_detail = 200;

std::string one_line(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, k_max_detail)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (text.size() > k_max_detail) out += "...";
  return out;
}

// The failure detail for a 200 response whose body is not {"status":"healthy"}.
std::string body_problem(std::string_view body) {
  auto doc = json::parse(body, json::Limits{.max_bytes = 1 << 20, .max_depth = 32});
  if (!doc) return "body is not JSON: " + one_line(doc.error().message);
  const auto status = doc->root().field("status").as_string();
  if (!status) return one_line(status.error().message);
  if (*status == "healthy") return {};
  return fmt::format("status {}", one_line(*status));
}

}  // namespace

std::string_view failure_class_name(FailureClass c) {
  switch (c) {
    case FailureClass::none: return "none";
    case FailureClass::unclassified: return "unclassified";
    case FailureClass::host_down: return "host_down";
    case FailureClass::service_degraded: return "service_degraded";
  }
  return "unclassified";
}

std::string url_host(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    return close == std::string_view::npos ? std::string{} : std::string(rest.substr(1, close - 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

bool tcp_connect_probe(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    bool connected = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (!connected && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        connected = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
      }
    }
    ::close(fd);
    if (connected) return true;
  }
  return false;
}

HealthProbe::HealthProbe(net::HttpTransport& transport, const core::Clock& clock, ProbeOptions options, TcpProbe tcp)
    : m_transport(transport), m_clock(clock), m_options(std::move(options)), m_tcp(std::move(tcp)) {
  if (!m_tcp) m_tcp = tcp_connect_probe;
}

ProbeResult HealthProbe::check() {
  ProbeResult r;
  r.at = m_clock.now();
  net::Request request;
  request.method = "GET";
  request.url = m_options.url;
  request.timeout = m_options.timeout;
  request.retry = net::RetryMode::never;
  request.headers = {{"Accept", "application/json"}};
  const auto response = m_transport.send(request);
  r.latency = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.now() - r.at);
  if (!response) {
    r.detail = one_line(response.error().message);
  } else {
    r.http_status = response->status;
    const std::string problem = body_problem(response->body);
    if (response->status == 200 && problem.empty()) {
      r.healthy = true;
      r.detail = "healthy";
      return r;
    }
    r.detail = response->status == 200 ? problem
                                       : fmt::format("HTTP {}{}{}", response->status, problem.empty() ? "" : ", ",
                                                     problem.empty() ? std::string{} : problem);
  }
  r.failure = FailureClass::unclassified;
  if (m_options.tcp_port > 0) {
    const std::string host = url_host(m_options.url);
    if (!host.empty()) {
      r.failure = m_tcp(host, m_options.tcp_port, m_options.tcp_timeout) ? FailureClass::service_degraded
                                                                         : FailureClass::host_down;
    }
  }
  return r;
}

}  // namespace gbpm::failover
