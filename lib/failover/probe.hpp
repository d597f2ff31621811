#pragma once
// One health check of the primary: GET its /health and decide. Only a 200
// whose JSON body says {"status": "healthy"} is a success; a refused
// connection, a timeout, any other status (a 503 above all) or another body
// is a failure. The optional TCP probe of the primary's ssh port only tells
// "host down" from "service degraded" for logs and alerts: it never turns a
// failure into a success (the predecessor's ping did, and hid outages).

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "net/http.hpp"

namespace gbpm::failover {

// Why a check failed, as far as we can tell.
enum class FailureClass {
  none,              // the check passed
  unclassified,      // failed; no TCP probe configured
  host_down,         // failed and the host's TCP port does not answer either
  service_degraded,  // failed but the host answers on its TCP port
};
std::string_view failure_class_name(FailureClass c);  // "none", "unclassified", "host_down", "service_degraded"

struct ProbeResult {
  bool healthy = false;
  core::TimePoint at{};
  std::chrono::milliseconds latency{0};
  long http_status = 0;  // 0 when no response arrived
  std::string detail;    // "healthy", "HTTP 503, status degraded", "connection refused ..." (one line, bounded)
  FailureClass failure = FailureClass::none;
};

// Connects to host:port within `timeout`; true when the TCP handshake
// completes. A seam so tests need no real closed or open ports.
using TcpProbe = std::function<bool(const std::string& host, int port, std::chrono::milliseconds timeout)>;
bool tcp_connect_probe(const std::string& host, int port, std::chrono::milliseconds timeout);

// The host part of an http(s) URL ("https://[::1]:8443/health" → "::1"); empty
// when there is none.
std::string url_host(std::string_view url);

struct ProbeOptions {
  std::string url;                          // the primary's /health URL
  std::chrono::milliseconds timeout{5000};  // whole request
  int tcp_port = 0;                         // 0: no TCP classification probe
  std::chrono::milliseconds tcp_timeout{2000};
};

class HealthProbe {
 public:
  // `transport` must outlive the probe; `tcp` defaults to tcp_connect_probe.
  HealthProbe(net::HttpTransport& transport, const core::Clock& clock, ProbeOptions options, TcpProbe tcp = {});

  // Runs one check (blocking for at most about timeout + tcp_timeout).
  ProbeResult check();

  [[nodiscard]] const ProbeOptions& options() const { return m_options; }

 private:
  net::HttpTransport& m_transport;
  const core::Clock& m_clock;
  ProbeOptions m_options;
  TcpProbe m_tcp;
};

}  // namespace gbpm::failover
