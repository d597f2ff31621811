#pragma once
// healthd's HTTP front: GET/HEAD /health, /livez and /metrics answered from
// pre-serialised responses (publish() swaps them in), so a request costs no
// file read, warehouse query or JSON work.
//
// Why not cpp-httplib's Server: its thread-pool model gives every connection a
// worker for as long as the connection is open (idle keep-alive waits and
// partial request heads included, with a per-recv read timeout but no
// deadline for the whole head) and its listen backlog is fixed at 5, so a few
// hundred idle or trickling connections queue every other client behind
// them. This front is one epoll loop on one thread: an open connection costs
// a file descriptor and a small buffer, not a thread.
//
// Limits (ServerLimits): the whole request head must arrive within
// header_timeout of its first byte (of accept, for the first request) — a
// slowloris cannot hold a connection by trickling; idle keep-alive
// connections close after idle_timeout; a response must drain within
// write_timeout; heads above max_header_bytes get 431; at max_connections the
// connection that has been waiting longest for a request head is evicted to
// make room. Any method but GET/HEAD on a known path is 405 with
// "Allow: GET, HEAD", other paths 404, a request with a body 400; error
// responses close the connection.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gbpm::health {

struct ListenAddress {
  std::string host;  // numeric IPv4 or IPv6 ("127.0.0.1", "::"); "" or "*" = all IPv4+IPv6 interfaces
  std::uint16_t port = 8080;
};

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080", ":8080" (all interfaces).
// ErrorKind::config quoting the text otherwise.
Result<ListenAddress> parse_listen_address(std::string_view text);

struct ServerLimits {
  // Lowered at listen() to what RLIMIT_NOFILE leaves room for.
  std::size_t max_connections = 1024;
  std::size_t max_header_bytes = 8192;
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::size_t max_requests_per_connection = 100000;
};

// What the endpoints answer, as published by the check loop.
struct Content {
  int health_status = 503;   // 200 only when healthy
  std::string health_json;   // /health body
  std::string metrics_text;  // /metrics body (Prometheus text 0.0.4)
};

// Connection counters, for /metrics and tests.
struct ServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t requests = 0;
  std::uint64_t timed_out = 0;      // closed for a slow head, idle keep-alive or a slow reader
  std::uint64_t evicted = 0;        // closed to make room at max_connections
  std::uint64_t rejected = 0;       // answered 400/404/405/431
  std::uint64_t open = 0;           // currently open
  std::uint64_t accept_pauses = 0;  // accepting paused for a moment: out of descriptors (EMFILE/ENFILE) or memory
};

class Server {
 public:
  // Binds and listens (SO_REUSEADDR, backlog SOMAXCONN). ErrorKind::config
  // for an address that cannot be bound (in use, not local, bad host).
  static Result<std::unique_ptr<Server>> listen(const ListenAddress& address, ServerLimits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful with port 0).
  [[nodiscard]] std::uint16_t port() const;
  // The connection cap in force (ServerLimits' clamped to RLIMIT_NOFILE).
  [[nodiscard]] std::size_t max_connections() const;

  // Replaces what the endpoints answer; thread-safe. Until the first call,
  // /health answers 503 "not checked yet".
  void publish(const Content& content);

  // Serves until stop(). Call from one thread only.
  void run();
  // Makes run() return soon; thread-safe and async-signal-safe.
  void stop();

  // When run()'s loop last went round (steady clock); it goes round at least
  // every 250 ms while serving, so a watchdog can tell a wedged loop.
  [[nodiscard]] std::chrono::steady_clock::time_point last_loop() const;
  [[nodiscard]] ServerStats stats() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace gbpm::health
