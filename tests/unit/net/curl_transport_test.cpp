// CurlTransport and RetryingTransport against a real TLS server on
// 127.0.0.1 (tests/support/fake_https_server). Backoff sleeps go to a
// FakeClock, so only request timeouts take real time.

#include "net/curl_transport.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "net/retry.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_https_server.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;
using testing::FakeHttpsServer;
using testing::Reply;

namespace {

// Proxies come from the environment; never send test traffic to one.
struct NoProxy {
  testing::ScopedEnv lower{"no_proxy", "127.0.0.1,localhost"};
  testing::ScopedEnv upper{"NO_PROXY", "127.0.0.1,localhost"};
};

std::unique_ptr<net::CurlTransport> trusting(const FakeHttpsServer& server, log::Logger* logger = nullptr,
                                             std::size_t max_response_bytes = std::size_t{1} << 20) {
  auto transport = net::CurlTransport::create(net::CurlTransportOptions{
      .ca_file = server.ca_file().string(), .max_response_bytes = max_response_bytes, .logger = logger});
  REQUIRE(transport.ok());
  return std::move(transport).value();
}

net::Request get(const FakeHttpsServer& server, const std::string& path) {
  return net::Request{.method = "GET", .url = server.url() + path};
}

net::BackoffPolicy pinned_backoff(double fraction) {
  return net::BackoffPolicy(net::BackoffOptions{.random = [fraction] { return fraction; }});
}

// A logger writing to a temporary file the test can read back.
class CapturedLog {
 public:
  CapturedLog()
      : m_file(std::tmpfile()),
        m_logger(log::Logger::Options{.tool = "net-test", .level = log::Level::debug, .sink = m_file}) {}
  ~CapturedLog() {
    if (m_file != nullptr) std::fclose(m_file);
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  log::Logger& logger() { return m_logger; }
  std::string text() {
    std::fflush(m_file);
    std::rewind(m_file);
    std::string out;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), m_file)) > 0) out.append(buffer.data(), n);
    return out;
  }

 private:
  std::FILE* m_file;
  log::Logger m_logger;
};

// A local port nothing listens on.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("a plain request round-trips method, headers and body", "[curl]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("POST", "/v1/rows", Reply::json(201, R"({"inserted":2})").with_header("X-Request-Id", "abc"));
  server.enqueue("PUT", "/v1/rows", Reply::status_only(204));
  server.enqueue("DELETE", "/v1/rows", Reply::status_only(200));
  server.enqueue("PATCH", "/v1/rows", Reply::json(200, "{}"));
  auto transport = trusting(server);

  auto posted = transport->send(net::Request{.method = "POST",
                                             .url = server.url() + "/v1/rows?dataset=FUELINST",
                                             .headers = {{"Content-Type", "application/json"}, {"X-Trace", "t1"}},
                                             .body = R"([1,2])"});
  REQUIRE(posted.ok());
  CHECK(posted->status == 201);
  CHECK(posted->body == R"({"inserted":2})");
  CHECK(posted->header("x-request-id") == "abc");
  for (const char* method : {"PUT", "DELETE", "PATCH"}) {
    auto result = transport->send(net::Request{.method = method, .url = server.url() + "/v1/rows", .body = ""});
    INFO(method);
    REQUIRE(result.ok());
    CHECK(result->success());
  }

  const auto requests = server.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].path == "/v1/rows");
  CHECK(requests[0].query == "dataset=FUELINST");
  CHECK(requests[0].body == "[1,2]");
  CHECK(requests[0].header("content-type") == "application/json");
  CHECK(requests[0].header("X-Trace") == "t1");
  CHECK(requests[0].header("User-Agent").value_or("").starts_with("gbpm/"));
  CHECK_FALSE(requests[0].header("Expect").has_value());
  CHECK(requests[1].method == "PUT");
  CHECK(requests[2].method == "DELETE");
  CHECK(requests[3].method == "PATCH");
}

TEST_CASE("an HTTP error status is a Response, not an Error", "[curl]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("GET", "/boom", Reply::json(500, R"({"error":"internal"})"));
  auto transport = trusting(server);
  auto result = transport->send(get(server, "/boom"));
  REQUIRE(result.ok());
  CHECK(result->status == 500);
  CHECK(result->body == R"({"error":"internal"})");
}

TEST_CASE("a certificate from an unknown CA is refused", "[curl][tls]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  FakeHttpsServer other;  // its own, different CA
  server.enqueue("GET", "/x", Reply::json(200, "{}"));

  auto system_only = net::CurlTransport::create();
  REQUIRE(system_only.ok());
  auto refused = (*system_only)->send(get(server, "/x"));
  REQUIRE_FALSE(refused.ok());
  INFO(refused.error().message);
  CHECK(refused.error().kind == ErrorKind::unavailable);
  CHECK(refused.error().message.find("not trusted") != std::string::npos);
  CHECK(refused.error().message.find("GBPM_CA_FILE") != std::string::npos);

  auto wrong_ca = trusting(other);
  auto refused_again = wrong_ca->send(get(server, "/x"));
  REQUIRE_FALSE(refused_again.ok());
  CHECK(refused_again.error().kind == ErrorKind::unavailable);

  // Not retried either.
  core::FakeClock clock;
  net::RetryingTransport retrying(**system_only, clock);
  CHECK_FALSE(retrying.send(get(server, "/x")).ok());
  CHECK(clock.sleeps().empty());

  CHECK(server.requests().empty());
  CHECK(server.pending() == 1);
}

TEST_CASE("GBPM_CA_FILE makes the server's CA trusted", "[curl][tls]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("GET", "/x", Reply::json(200, R"({"ok":true})"));
  auto transport = trusting(server);
  auto result = transport->send(get(server, "/x"));
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(result->body == R"({"ok":true})");
}

TEST_CASE("an unusable CA file is a configuration error naming it", "[curl][tls]") {
  testing::TempDir dir;
  const auto missing = (dir / "missing.pem").string();
  auto absent = net::CurlTransport::create(net::CurlTransportOptions{.ca_file = missing});
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.error().kind == ErrorKind::config);
  CHECK(absent.error().message.find(missing) != std::string::npos);

  const auto garbage = dir / "garbage.pem";
  testing::write_file(garbage, "this is not a certificate\n");
  auto bad = net::CurlTransport::create(net::CurlTransportOptions{.ca_file = garbage.string()});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == ErrorKind::config);
  CHECK(bad.error().message.find(garbage.string()) != std::string::npos);
}

TEST_CASE("a refused connection is a temporary error", "[curl]") {
  NoProxy no_proxy;
  auto transport = net::CurlTransport::create();
  REQUIRE(transport.ok());
  auto result = (*transport)->send(net::Request{.url = "https://127.0.0.1:" + std::to_string(closed_port()) + "/x"});
  REQUIRE_FALSE(result.ok());
  INFO(result.error().message);
  CHECK(result.error().kind == ErrorKind::temporary);
  CHECK(result.error().message.find("cannot connect") != std::string::npos);
}

TEST_CASE("a dropped connection and a timeout are temporary errors", "[curl]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("GET", "/drop", Reply::dropped());
  server.enqueue("GET", "/slow", Reply::json(200, "{}").after(5s));
  auto transport = trusting(server);

  auto dropped = transport->send(get(server, "/drop"));
  REQUIRE_FALSE(dropped.ok());
  INFO(dropped.error().message);
  CHECK(dropped.error().kind == ErrorKind::temporary);

  net::Request slow = get(server, "/slow");
  slow.timeout = 1s;
  const auto started = steady_clock::now();
  auto timed_out = transport->send(slow);
  CHECK(steady_clock::now() - started < 3s);
  REQUIRE_FALSE(timed_out.ok());
  INFO(timed_out.error().message);
  CHECK(timed_out.error().kind == ErrorKind::temporary);
  CHECK(timed_out.error().message.find("timed out") != std::string::npos);
}

TEST_CASE("retries on 429, 500, 503, reset and timeout, then succeeds", "[curl][retry]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("GET", "/data", Reply::status_only(429));
  server.enqueue("GET", "/data", Reply::json(500, "{}"));
  server.enqueue("GET", "/data", Reply::json(503, "{}"));
  server.enqueue("GET", "/data", Reply::dropped());
  server.enqueue("GET", "/data", Reply::json(200, "{}").after(5s));
  server.enqueue("GET", "/data", Reply::json(200, R"({"rows":[]})"));
  auto curl = trusting(server);
  core::FakeClock clock;
  net::RetryingTransport transport(*curl, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 6}),
                                   pinned_backoff(1.0));

  net::Request request = get(server, "/data");
  // Long enough for a TLS handshake on a loaded CI machine, short next to the
  // 5 s the slow reply takes.
  request.timeout = 2s;
  auto result = transport.send(request);
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(result->body == R"({"rows":[]})");
  CHECK(server.requests().size() == 6);
  CHECK(server.pending() == 0);
  CHECK(clock.sleeps() == std::vector<milliseconds>{1s, 2s, 4s, 8s, 16s});
}

TEST_CASE("Retry-After is honoured in seconds and as an HTTP-date", "[curl][retry]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("GET", "/q", Reply::status_only(503).with_header("Retry-After", "3"));
  server.enqueue("GET", "/q", Reply::status_only(429).with_header("Retry-After", "Sat, 28 Nov 2026 10:00:30 GMT"));
  server.enqueue("GET", "/q", Reply::json(200, "{}"));
  auto curl = trusting(server);
  core::FakeClock clock(sys_days{2026y / 11 / 28} + 10h);
  net::RetryingTransport transport(*curl, clock, net::RetryPolicy(), pinned_backoff(0.0));

  auto result = transport.send(get(server, "/q"));
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  // 3 s, then from 10:00:03 until 10:00:30.
  CHECK(clock.sleeps() == std::vector<milliseconds>{3s, 27s});
}

TEST_CASE("400, 401, 403 and 404 are not retried", "[curl][retry]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  auto curl = trusting(server);
  core::FakeClock clock;
  net::RetryingTransport transport(*curl, clock);
  for (const int status : {400, 401, 403, 404}) {
    const std::string path = "/status/" + std::to_string(status);
    server.enqueue("GET", path, Reply::json(status, R"({"error":"no"})"));
    server.enqueue("GET", path, Reply::json(200, "{}"));  // must stay unused
    const auto before = server.requests().size();
    auto result = transport.send(get(server, path));
    INFO(status);
    REQUIRE(result.ok());
    CHECK(result->status == status);
    CHECK(server.requests().size() == before + 1);
  }
  CHECK(clock.sleeps().empty());
  CHECK(server.pending() == 4);
}

TEST_CASE("attempts are bounded against a server that keeps failing", "[curl][retry]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.set_handler([](const testing::RecordedRequest&) { return Reply::json(502, R"({"error":"bad gateway"})"); });
  auto curl = trusting(server);
  core::FakeClock clock;
  net::RetryingTransport transport(*curl, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 4}),
                                   pinned_backoff(1.0));
  auto result = transport.send(get(server, "/x"));
  REQUIRE(result.ok());
  CHECK(result->status == 502);
  CHECK(server.requests().size() == 4);
  CHECK(clock.sleeps().size() == 3);
}

TEST_CASE("the time budget is bounded against a server that keeps failing", "[curl][retry]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.set_handler(
      [](const testing::RecordedRequest&) { return Reply::status_only(503).with_header("Retry-After", "20"); });
  auto curl = trusting(server);
  core::FakeClock clock;
  net::RetryingTransport transport(
      *curl, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 50, .max_total = 1min}), pinned_backoff(0.0));
  auto result = transport.send(get(server, "/x"));
  REQUIRE(result.ok());
  CHECK(result->status == 503);
  // 0 s, 20 s, 40 s; a wait to 60 s would use up the whole minute.
  CHECK(server.requests().size() == 3);
  CHECK(clock.sleeps() == std::vector<milliseconds>{20s, 20s});
}

TEST_CASE("backoff delays follow full jitter under growing ceilings", "[curl][retry]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  for (int i = 0; i < 5; ++i) server.enqueue("GET", "/x", Reply::json(503, "{}"));
  server.enqueue("GET", "/x", Reply::json(200, "{}"));
  auto curl = trusting(server);
  core::FakeClock clock;
  const net::BackoffPolicy backoff(net::BackoffOptions{.seed = 20261128});
  net::RetryingTransport transport(*curl, clock, net::RetryPolicy(net::RetryOptions{.max_attempts = 6}), backoff);
  auto result = transport.send(get(server, "/x"));
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  const auto sleeps = clock.sleeps();
  REQUIRE(sleeps.size() == 5);
  for (int n = 0; n < 5; ++n) {
    INFO("retry " << n << ": " << sleeps[static_cast<std::size_t>(n)].count() << " ms");
    CHECK(sleeps[static_cast<std::size_t>(n)] >= 0ms);
    CHECK(sleeps[static_cast<std::size_t>(n)] <= backoff.ceiling(n));
  }
  CHECK(backoff.ceiling(0) < backoff.ceiling(1));
  CHECK(backoff.ceiling(3) < backoff.ceiling(4));
}

TEST_CASE("gzip responses are decoded", "[curl]") {
  NoProxy no_proxy;
  // gzip of {"compressed":true,"payload":"abcdefgh" x 64}
  static constexpr std::array<unsigned char, 63> kGzip = {
      0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x4a, 0xce, 0xcf, 0x2d,
      0x28, 0x4a, 0x2d, 0x2e, 0x4e, 0x4d, 0x51, 0xb2, 0x2a, 0x29, 0x2a, 0x4d, 0xd5, 0x51, 0x2a, 0x48,
      0xac, 0xcc, 0xc9, 0x4f, 0x04, 0x72, 0x95, 0x12, 0x93, 0x92, 0x53, 0x52, 0xd3, 0xd2, 0x33, 0x46,
      0xe9, 0x91, 0x49, 0x2b, 0xd5, 0x02, 0x00, 0x73, 0x69, 0x8d, 0x3c, 0x20, 0x02, 0x00, 0x00};
  std::string expected = R"({"compressed":true,"payload":")";
  for (int i = 0; i < 64; ++i) expected += "abcdefgh";
  expected += "\"}";

  FakeHttpsServer server;
  Reply reply;
  reply.body.assign(kGzip.begin(), kGzip.end());
  reply.content_type = "application/octet-stream";
  reply.headers = {{"Content-Encoding", "gzip"}};
  server.enqueue("GET", "/gz", reply);
  auto transport = trusting(server);
  auto result = transport->send(get(server, "/gz"));
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(result->body == expected);
  CHECK(server.requests().at(0).header("Accept-Encoding").value_or("").find("gzip") != std::string::npos);
}

TEST_CASE("oversized responses are refused", "[curl]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  Reply plain;
  plain.body = std::string(5000, 'x');
  plain.content_type = "application/octet-stream";  // sent as is, with its length
  server.enqueue("GET", "/big", plain);
  server.enqueue("GET", "/big-json", Reply::json(200, "[" + std::string(5000, '1') + "]"));  // compressed
  auto transport = trusting(server, nullptr, 1000);
  for (const char* path : {"/big", "/big-json"}) {
    INFO(path);
    auto result = transport->send(get(server, path));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == ErrorKind::data);
    CHECK(result.error().message.find("larger than 1000 bytes") != std::string::npos);
  }
}

TEST_CASE("connections are kept alive between requests", "[curl]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("GET", "/a", Reply::json(200, "{}"));
  server.enqueue("GET", "/b", Reply::json(200, "{}"));
  auto transport = trusting(server);
  REQUIRE(transport->send(get(server, "/a")).ok());
  REQUIRE(transport->send(get(server, "/b")).ok());
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].remote_port > 0);
  CHECK(requests[0].remote_port == requests[1].remote_port);
}

TEST_CASE("debug logs show requests but never secrets", "[curl][secrets]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  server.enqueue("GET", "/v1/data", Reply::json(503, "{}").with_header("Set-Cookie", "session=cookie-secret"));
  server.enqueue("GET", "/v1/data", Reply::json(200, R"({"access_token":"body-secret"})"));
  CapturedLog captured;
  auto curl = trusting(server, &captured.logger());
  core::FakeClock clock;
  net::RetryingTransport transport(*curl, clock, net::RetryPolicy(), pinned_backoff(0.0), &captured.logger());

  net::Request request = get(server, "/v1/data?dataset=FUELINST&key=url-api-key");
  request.headers = {{"Authorization", "Bearer ya29.header-secret"},
                     {"x-goog-api-key", "goog-secret"},
                     {"Cookie", "c=cookie-request-secret"}};
  auto result = transport.send(request);
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(server.requests().at(1).header("Authorization") == "Bearer ya29.header-secret");

  const std::string text = captured.text();
  INFO(text);
  for (const char* secret : {"ya29", "header-secret", "goog-secret", "cookie-request-secret", "cookie-secret",
                             "url-api-key", "body-secret"}) {
    CHECK(text.find(secret) == std::string::npos);
  }
  CHECK(text.find("level=debug") != std::string::npos);
  CHECK(text.find("msg=\"http request\" method=GET") != std::string::npos);
  CHECK(text.find("status=503") != std::string::npos);
  CHECK(text.find("status=200") != std::string::npos);
  CHECK(text.find("dataset=FUELINST") != std::string::npos);
  CHECK(text.find("elapsed_ms=") != std::string::npos);
  CHECK(text.find("Authorization: [REDACTED]") != std::string::npos);
  CHECK(text.find("level=warn") != std::string::npos);
  CHECK(text.find("msg=\"http retry\"") != std::string::npos);
}

TEST_CASE("header values cannot smuggle in extra headers", "[curl]") {
  NoProxy no_proxy;
  FakeHttpsServer server;
  auto transport = trusting(server);
  net::Request request = get(server, "/x");
  request.headers = {{"X-Name", "value\r\nX-Injected: 1"}};
  auto result = transport->send(request);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().kind == ErrorKind::internal);
  CHECK(result.error().message.find("X-Name") != std::string::npos);
  CHECK(server.requests().empty());
}
