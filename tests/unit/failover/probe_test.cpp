#include "failover/probe.hpp"

#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "net/curl_transport.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_https_server.hpp"
#include "support/fake_transport.hpp"

using gbpm::failover::FailureClass;
using gbpm::failover::HealthProbe;
using gbpm::failover::ProbeOptions;
using gbpm::testing::FakeHttpsServer;
using gbpm::testing::Reply;
using namespace std::chrono_literals;

namespace {

const char* k_healthy = R"({"status":"healthy","checked_at":"2026-11-28T10:00:00Z","checks":{}})";
const char* k_degraded = R"({"status":"degraded","checks":{"realtime-dashboard":{"result":"fail"}}})";

struct TcpRecorder {
  bool reachable = true;
  int calls = 0;
  std::string host;
  int port = 0;
  gbpm::failover::TcpProbe fn() {
    return [this](const std::string& h, int p, std::chrono::milliseconds) {
      ++calls;
      host = h;
      port = p;
      return reachable;
    };
  }
};

}  // namespace

TEST_CASE("only a 200 with status healthy is a success", "[failover][probe]") {
  gbpm::net::FakeTransport transport;
  gbpm::core::FakeClock clock;
  TcpRecorder tcp;
  HealthProbe probe(transport, clock, ProbeOptions{.url = "http://primary.example:8080/health", .tcp_port = 22},
                    tcp.fn());

  transport.push(200, k_healthy);
  auto r = probe.check();
  CHECK(r.healthy);
  CHECK(r.failure == FailureClass::none);
  CHECK(tcp.calls == 0);  // no TCP probe when the check passes
  REQUIRE(transport.requests().size() == 1);
  CHECK(transport.requests()[0].method == "GET");
  CHECK(transport.requests()[0].url == "http://primary.example:8080/health");
  CHECK(transport.requests()[0].timeout == 5000ms);

  SECTION("503 with the host reachable is still a failure (service degraded)") {
    transport.push(503, k_degraded);
    r = probe.check();
    CHECK_FALSE(r.healthy);
    CHECK(r.http_status == 503);
    CHECK(r.failure == FailureClass::service_degraded);
    CHECK_THAT(r.detail, Catch::Contains("HTTP 503") && Catch::Contains("degraded"));
    CHECK(tcp.host == "primary.example");
    CHECK(tcp.port == 22);
  }
  SECTION("connection refused and the port closed: host down") {
    tcp.reachable = false;
    transport.push(gbpm::make_error(gbpm::ErrorKind::temporary, "connection refused"));
    r = probe.check();
    CHECK_FALSE(r.healthy);
    CHECK(r.http_status == 0);
    CHECK(r.failure == FailureClass::host_down);
    CHECK_THAT(r.detail, Catch::Contains("connection refused"));
  }
  SECTION("200 with an unhealthy or unreadable body is a failure") {
    for (const char* body : {k_degraded, R"({"status":"unhealthy"})", "OK", R"({"ok":true})", ""}) {
      INFO(body);
      transport.push(200, body);
      r = probe.check();
      CHECK_FALSE(r.healthy);
      CHECK(r.failure == FailureClass::service_degraded);
    }
  }
  SECTION("other statuses fail even with a healthy body") {
    for (long status : {201L, 204L, 301L, 404L, 500L}) {
      transport.push(status, k_healthy);
      CHECK_FALSE(probe.check().healthy);
    }
  }
}

TEST_CASE("without a TCP port failures are unclassified", "[failover][probe]") {
  gbpm::net::FakeTransport transport;
  gbpm::core::FakeClock clock;
  TcpRecorder tcp;
  HealthProbe probe(transport, clock, ProbeOptions{.url = "http://[::1]:8080/health", .tcp_port = 0}, tcp.fn());
  transport.push(503, k_degraded);
  const auto r = probe.check();
  CHECK_FALSE(r.healthy);
  CHECK(r.failure == FailureClass::unclassified);
  CHECK(tcp.calls == 0);
}

TEST_CASE("url_host", "[failover][probe]") {
  using gbpm::failover::url_host;
  CHECK(url_host("http://primary:8080/health") == "primary");
  CHECK(url_host("https://user:pw@10.0.0.2/health") == "10.0.0.2");
  CHECK(url_host("http://[::1]:8080/health") == "::1");
  CHECK(url_host("primary:8080") == "");
}

TEST_CASE("against a real loopback primary: 503 with its port open is a failure, so is a timeout",
          "[failover][probe]") {
  FakeHttpsServer server;
  auto transport = gbpm::net::CurlTransport::create({.ca_file = server.ca_file().string()});
  REQUIRE(transport.ok());
  gbpm::core::SystemClock clock;
  // The real TCP probe against the server's own (open) port.
  HealthProbe probe(**transport, clock,
                    ProbeOptions{.url = server.url() + "/health", .timeout = 2000ms, .tcp_port = server.port()});
  server.enqueue("GET", "/health", Reply::json(200, k_healthy));
  server.enqueue("GET", "/health", Reply::json(503, k_degraded));
  server.enqueue("GET", "/health", Reply::json(200, k_healthy).after(6000ms));

  CHECK(probe.check().healthy);
  const auto degraded = probe.check();
  CHECK_FALSE(degraded.healthy);
  CHECK(degraded.http_status == 503);
  CHECK(degraded.failure == FailureClass::service_degraded);
  const auto slow = probe.check();
  CHECK_FALSE(slow.healthy);
  CHECK(slow.http_status == 0);
  CHECK(slow.latency < 5000ms);  // cut off by the 2 s timeout, not the 6 s reply
  CHECK(slow.failure == FailureClass::service_degraded);
}

TEST_CASE("tcp_connect_probe: a closed port is unreachable", "[failover][probe]") {
  // Port 1 on loopback is closed on any sane test machine: refused at once.
  CHECK_FALSE(gbpm::failover::tcp_connect_probe("127.0.0.1", 1, 500ms));
}
