#include "health/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace gbpm::health {

namespace {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

constexpr auto kTick = std::chrono::milliseconds{250};
// Descriptors kept free below RLIMIT_NOFILE for the listener, epoll, the
// eventfd and the files the check loop reads.
constexpr std::size_t kReservedFds = 64;
// How long accepting pauses when accept4 runs out of descriptors: the
// listener is level-triggered, so retrying at once would spin a core.
constexpr auto kAcceptPause = std::chrono::milliseconds{100};
// After an error response the connection is half-closed and the client's
// remaining bytes read and dropped for up to this long (or this many bytes),
// so closing does not send a RST that could destroy the response in flight.
constexpr auto kDrainTime = std::chrono::milliseconds{1000};
constexpr std::size_t kDrainBytes = std::size_t{256} * 1024;

using Bytes = std::shared_ptr<const std::string>;

// A response in its two connection flavours.
struct Response {
  Bytes keep_alive;
  Bytes close;
};

Response make_response(int status, std::string_view reason, std::string_view content_type, std::string_view body,
                       bool head, std::string_view extra_headers = {}) {
  auto build = [&](std::string_view connection) {
    return std::make_shared<const std::string>(fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n{}Connection: {}\r\n\r\n{}",
        status, reason, content_type, body.size(), extra_headers, connection, head ? std::string_view{} : body));
  };
  return Response{build("keep-alive"), build("close")};
}

// Everything the loop answers with, rebuilt on publish().
struct Responses {
  Response health_get, health_head, livez_get, livez_head, metrics_get, metrics_head;
};

std::shared_ptr<const Responses> build_responses(const Content& c) {
  auto r = std::make_shared<Responses>();
  const std::string_view reason = c.health_status == 200 ? "OK" : "Service Unavailable";
  r->health_get = make_response(c.health_status, reason, "application/json", c.health_json, false);
  r->health_head = make_response(c.health_status, reason, "application/json", c.health_json, true);
  r->livez_get = make_response(200, "OK", "text/plain; charset=utf-8", "ok\n", false);
  r->livez_head = make_response(200, "OK", "text/plain; charset=utf-8", "ok\n", true);
  constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
  r->metrics_get = make_response(200, "OK", kMetricsType, c.metrics_text, false);
  r->metrics_head = make_response(200, "OK", kMetricsType, c.metrics_text, true);
  return r;
}

// Fixed error responses (always "Connection: close").
struct Errors {
  Bytes bad_request = make_response(400, "Bad Request", "text/plain; charset=utf-8", "bad request\n", false).close;
  Bytes not_found = make_response(404, "Not Found", "text/plain; charset=utf-8",
                                  "not found: try /health, /livez or /metrics\n", false)
                        .close;
  Bytes not_allowed = make_response(405, "Method Not Allowed", "text/plain; charset=utf-8",
                                    "only GET and HEAD are allowed\n", false, "Allow: GET, HEAD\r\n")
                          .close;
  Bytes too_large = make_response(431, "Request Header Fields Too Large", "text/plain; charset=utf-8",
                                  "request head too large\n", false)
                        .close;
};

enum class ConnState { reading, writing, draining };

struct Connection {
  int fd = -1;
  ConnState state = ConnState::reading;
  std::string in;
  Bytes out;
  std::size_t out_offset = 0;
  bool close_after_write = false;
  bool head_started = false;  // bytes of the current request head have arrived
  SteadyTime deadline{};
  std::size_t requests = 0;
  std::size_t drained = 0;
  bool peer_eof = false;                        // the client half-closed after sending its request(s)
  std::uint32_t events = EPOLLIN | EPOLLRDHUP;  // what epoll watches now
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' || c == '.' ||
           c == '^' || c == '`' || c == '|' || c == '~';
  });
}

// What one request head asks for.
struct Parsed {
  enum class Kind { ok, bad, not_found, not_allowed } kind = Kind::bad;
  enum class Path { health, livez, metrics } path = Path::health;
  bool head = false;
  bool keep_alive = true;
};

Parsed parse_head(std::string_view head) {
  Parsed p;
  const std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return p;
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) return p;
  if (version == "HTTP/1.1") {
    p.keep_alive = true;
  } else if (version == "HTTP/1.0") {
    p.keep_alive = false;
  } else {
    return p;
  }
  // Header fields: reject malformed lines; note anything announcing a body.
  bool has_body = false;
  std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  while (!rest.empty()) {
    const std::size_t e = rest.find("\r\n");
    const std::string_view field = rest.substr(0, e);
    rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e + 2);
    if (field.empty()) break;
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) return p;
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = trim(field.substr(colon + 1));
    if (iequals(name, "Connection")) {
      if (iequals(value, "close")) p.keep_alive = false;
      if (iequals(value, "keep-alive")) p.keep_alive = true;
    } else if (iequals(name, "Transfer-Encoding")) {
      has_body = true;
    } else if (iequals(name, "Content-Length")) {
      std::size_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || ptr != value.data() + value.size()) return p;
      has_body = has_body || n != 0;
    }
  }
  const bool get_or_head = method == "GET" || method == "HEAD";
  // A body is never read: the connection closes after the answer, so its
  // bytes cannot be taken for a next request.
  if (has_body) p.keep_alive = false;
  if (const std::size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target == "/health") {
    p.path = Parsed::Path::health;
  } else if (target == "/livez") {
    p.path = Parsed::Path::livez;
  } else if (target == "/metrics") {
    p.path = Parsed::Path::metrics;
  } else {
    p.kind = Parsed::Kind::not_found;
    p.keep_alive = p.keep_alive && get_or_head;
    return p;
  }
  if (!get_or_head) {
    p.kind = Parsed::Kind::not_allowed;
    p.keep_alive = false;
  } else if (!has_body) {
    p.kind = Parsed::Kind::ok;
    p.head = method == "HEAD";
  }
  return p;
}

}  // namespace

struct Server::Impl {
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::uint16_t port = 0;
  ServerLimits limits;
  Errors errors;
  std::unordered_map<int, Connection> connections;
  mutable std::mutex content_mutex;
  std::shared_ptr<const Responses> responses;
  std::atomic<bool> stopping{false};
  std::atomic<SteadyClock::rep> last_loop{0};
  std::atomic<std::uint64_t> accepted{0}, requests{0}, timed_out{0}, evicted{0}, rejected{0}, open{0}, accept_pauses{0};
  std::optional<SteadyTime> accept_resume_at;  // set while accepting is paused

  ~Impl() {
    for (auto& [fd, c] : connections) ::close(fd);
    for (const int fd : {listen_fd, epoll_fd, wake_fd}) {
      if (fd >= 0) ::close(fd);
    }
  }

  std::shared_ptr<const Responses> current() const {
    const std::lock_guard lock(content_mutex);
    return responses;
  }

  void close_connection(Connection& c) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    open.fetch_sub(1, std::memory_order_relaxed);
    connections.erase(c.fd);
  }

  // Changes what epoll watches; a no-op (no syscall) when unchanged.
  void set_events(Connection& c, std::uint32_t events) const {
    if (c.events == events) return;
    c.events = events;
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = c.fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // Evicts the connection that has waited longest for a request head; false
  // when every connection is busy writing or draining.
  bool evict_one() {
    Connection* victim = nullptr;
    for (auto& [fd, c] : connections) {
      if (c.state != ConnState::reading) continue;
      if (victim == nullptr || c.deadline < victim->deadline) victim = &c;
    }
    if (victim == nullptr) return false;
    evicted.fetch_add(1, std::memory_order_relaxed);
    close_connection(*victim);
    return true;
  }

  void accept_all(SteadyTime now) {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) pause_accepting(now);
        return;  // EAGAIN: nothing more waiting
      }
      if (connections.size() >= limits.max_connections && !evict_one()) {
        ::close(fd);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = fd;
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ::close(fd);
        continue;
      }
      Connection& c = connections[fd];
      c.fd = fd;
      c.deadline = now + limits.header_timeout;
      accepted.fetch_add(1, std::memory_order_relaxed);
      open.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Stops watching the listener until kAcceptPause has passed (resume_accepting).
  void pause_accepting(SteadyTime now) {
    if (accept_resume_at) return;
    accept_pauses.fetch_add(1, std::memory_order_relaxed);
    accept_resume_at = now + kAcceptPause;
    epoll_event ev{};
    ev.data.fd = listen_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
  }

  void resume_accepting(SteadyTime now) {
    if (!accept_resume_at || now < *accept_resume_at) return;
    accept_resume_at.reset();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
  }

  // Starts sending `bytes`; returns false when the connection was closed.
  bool respond(Connection& c, Bytes bytes, bool close_after, SteadyTime now) {
    c.out = std::move(bytes);
    c.out_offset = 0;
    c.close_after_write = close_after;
    c.state = ConnState::writing;
    c.deadline = now + limits.write_timeout;
    return flush(c, now);
  }

  // Writes what the socket takes. Returns false when the connection was closed.
  bool flush(Connection& c, SteadyTime now) {
    while (c.out_offset < c.out->size()) {
      const ssize_t n =
          ::send(c.fd, c.out->data() + c.out_offset, c.out->size() - c.out_offset, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          // Only writability matters now; what the client sends next waits
          // in the socket (EPOLLERR/EPOLLHUP are reported regardless).
          set_events(c, EPOLLOUT);
          return true;
        }
        if (errno == EINTR) continue;
        close_connection(c);
        return false;
      }
      c.out_offset += static_cast<std::size_t>(n);
    }
    c.out.reset();
    if (c.close_after_write) {
      ::shutdown(c.fd, SHUT_WR);
      c.state = ConnState::draining;
      c.deadline = now + kDrainTime;
      c.in.clear();
      set_events(c, EPOLLIN | EPOLLRDHUP);
      return true;
    }
    c.state = ConnState::reading;
    c.head_started = !c.in.empty();
    c.deadline = now + (c.in.empty() ? limits.idle_timeout : limits.header_timeout);
    set_events(c, EPOLLIN | EPOLLRDHUP);
    return serve_buffered(c, now);
  }

  // Answers the complete request heads already read (pipelining), one at a
  // time. Returns false when the connection was closed.
  bool serve_buffered(Connection& c, SteadyTime now) {
    while (c.state == ConnState::reading) {
      const std::size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.in.size() > limits.max_header_bytes) {
          rejected.fetch_add(1, std::memory_order_relaxed);
          return respond(c, errors.too_large, true, now);
        }
        return true;
      }
      if (end + 4 > limits.max_header_bytes) {
        rejected.fetch_add(1, std::memory_order_relaxed);
        return respond(c, errors.too_large, true, now);
      }
      const Parsed p = parse_head(std::string_view(c.in).substr(0, end + 2));
      c.in.erase(0, end + 4);
      requests.fetch_add(1, std::memory_order_relaxed);
      ++c.requests;
      const bool keep = p.keep_alive && !c.peer_eof && c.requests < limits.max_requests_per_connection;
      switch (p.kind) {
        case Parsed::Kind::bad:
          rejected.fetch_add(1, std::memory_order_relaxed);
          return respond(c, errors.bad_request, true, now);
        case Parsed::Kind::not_allowed:
          rejected.fetch_add(1, std::memory_order_relaxed);
          return respond(c, errors.not_allowed, true, now);
        case Parsed::Kind::not_found:
          rejected.fetch_add(1, std::memory_order_relaxed);
          return respond(c, errors.not_found, !keep, now);
        case Parsed::Kind::ok: break;
      }
      const auto r = current();
      const Response* chosen = nullptr;
      switch (p.path) {
        case Parsed::Path::health: chosen = p.head ? &r->health_head : &r->health_get; break;
        case Parsed::Path::livez: chosen = p.head ? &r->livez_head : &r->livez_get; break;
        case Parsed::Path::metrics: chosen = p.head ? &r->metrics_head : &r->metrics_get; break;
      }
      // The connection holds its own reference, so a publish() mid-send is safe.
      if (!respond(c, keep ? chosen->keep_alive : chosen->close, !keep, now)) return false;
    }
    return true;
  }

  void on_readable(Connection& c, SteadyTime now) {
    if (c.state == ConnState::writing) return;  // read again once the response is out
    char buf[16384];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) {
        // EOF: answer a complete request already read, then close.
        if (c.state == ConnState::draining || c.in.find("\r\n\r\n") == std::string::npos) {
          close_connection(c);
          return;
        }
        if (c.peer_eof) return;
        c.peer_eof = true;
        break;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        close_connection(c);
        return;
      }
      if (c.state == ConnState::draining) {
        c.drained += static_cast<std::size_t>(n);
        if (c.drained > kDrainBytes) {
          close_connection(c);
          return;
        }
        continue;
      }
      if (!c.head_started) {
        c.head_started = true;
        c.deadline = now + limits.header_timeout;
      }
      c.in.append(buf, static_cast<std::size_t>(n));
      if (c.in.size() > limits.max_header_bytes + 4) break;
      // A short read drained the socket: skip the recv that would say EAGAIN
      // (level-triggered epoll reports anything that arrives later).
      if (static_cast<std::size_t>(n) < sizeof buf) break;
    }
    if (c.state == ConnState::reading) serve_buffered(c, now);
  }

  void sweep(SteadyTime now) {
    std::vector<int> expired;
    for (auto& [fd, c] : connections) {
      if (c.deadline <= now) expired.push_back(fd);
    }
    for (const int fd : expired) {
      auto it = connections.find(fd);
      if (it == connections.end()) continue;
      if (it->second.state != ConnState::draining) timed_out.fetch_add(1, std::memory_order_relaxed);
      close_connection(it->second);
    }
  }
};

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return make_error(
        ErrorKind::config,
        fmt::format("listen address \"{}\": {} (expected HOST:PORT, e.g. 127.0.0.1:8080 or [::]:8080)", text, why));
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("IPv6 addresses go in brackets");
  }
  unsigned port = 0;
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535) return bad("bad port");
  ListenAddress a{std::string(host), static_cast<std::uint16_t>(port)};
  if (a.host == "*") a.host.clear();
  if (!a.host.empty()) {
    in_addr v4{};
    in6_addr v6{};
    if (::inet_pton(AF_INET, a.host.c_str(), &v4) != 1 && ::inet_pton(AF_INET6, a.host.c_str(), &v6) != 1) {
      return bad("the host must be a numeric IPv4 or IPv6 address");
    }
  }
  return a;
}

Server::Server(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::listen(const ListenAddress& address, ServerLimits limits) {
  auto impl = std::make_unique<Impl>();
  // Each connection holds a descriptor: a cap above what RLIMIT_NOFILE
  // allows would only turn into EMFILE on accept.
  if (rlimit nofile{}; ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    const auto room = static_cast<std::size_t>(nofile.rlim_cur > kReservedFds * 2 ? nofile.rlim_cur - kReservedFds
                                                                                  : nofile.rlim_cur / 2);
    limits.max_connections = std::max<std::size_t>(1, std::min(limits.max_connections, room));
  }
  impl->limits = limits;
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family = AF_INET6;
  in_addr v4{};
  if (!address.host.empty() && ::inet_pton(AF_INET, address.host.c_str(), &v4) == 1) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(address.port);
    sa->sin_addr = v4;
    len = sizeof *sa;
    family = AF_INET;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(address.port);
    sa->sin6_addr = in6addr_any;
    if (!address.host.empty() && ::inet_pton(AF_INET6, address.host.c_str(), &sa->sin6_addr) != 1) {
      return make_error(ErrorKind::config, fmt::format("\"{}\" is not a numeric IP address", address.host));
    }
    len = sizeof *sa;
  }
  const auto fail = [&](std::string_view what) {
    return make_error(ErrorKind::config,
                      fmt::format("cannot {} [{}]:{}: {}", what, address.host, address.port, std::strerror(errno)));
  };
  impl->listen_fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) return fail("create a socket for");
  const int one = 1;
  ::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    // An explicit IPv6 address serves only itself; "all interfaces" serves both families.
    const int v6only = address.host.empty() ? 0 : 1;
    ::setsockopt(impl->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (::bind(impl->listen_fd, reinterpret_cast<const sockaddr*>(&storage), len) != 0) return fail("bind");
  if (::listen(impl->listen_fd, SOMAXCONN) != 0) return fail("listen on");
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  impl->port = ntohs(family == AF_INET ? reinterpret_cast<const sockaddr_in*>(&bound)->sin_port
                                       : reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
  impl->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->epoll_fd < 0 || impl->wake_fd < 0) return fail("set up epoll for");
  for (const int fd : {impl->listen_fd, impl->wake_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) return fail("set up epoll for");
  }
  impl->responses = build_responses(Content{
      503, R"({"status":"unhealthy","checked_at":null,"checks":{},"message":"the first check has not finished"})", ""});
  impl->last_loop = SteadyClock::now().time_since_epoch().count();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::uint16_t Server::port() const {
  return m_impl->port;
}

std::size_t Server::max_connections() const {
  return m_impl->limits.max_connections;
}

void Server::publish(const Content& content) {
  auto built = build_responses(content);
  const std::lock_guard lock(m_impl->content_mutex);
  m_impl->responses = std::move(built);
}

void Server::stop() {
  m_impl->stopping.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(m_impl->wake_fd, &one, sizeof one);
}

std::chrono::steady_clock::time_point Server::last_loop() const {
  return SteadyTime(SteadyClock::duration(m_impl->last_loop.load()));
}

ServerStats Server::stats() const {
  const Impl& i = *m_impl;
  return ServerStats{i.accepted.load(), i.requests.load(), i.timed_out.load(),    i.evicted.load(),
                     i.rejected.load(), i.open.load(),     i.accept_pauses.load()};
}

void Server::run() {
  Impl& s = *m_impl;
  std::vector<epoll_event> events(256);
  SteadyTime last_sweep = SteadyClock::now();
  while (!s.stopping.load()) {
    const int n =
        ::epoll_wait(s.epoll_fd, events.data(), static_cast<int>(events.size()), static_cast<int>(kTick.count()));
    const SteadyTime now = SteadyClock::now();
    s.last_loop.store(now.time_since_epoch().count());
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      const std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
      if (fd == s.wake_fd) continue;
      if (fd == s.listen_fd) {
        s.accept_all(now);
        continue;
      }
      auto it = s.connections.find(fd);
      if (it == s.connections.end()) continue;  // closed earlier in this round
      Connection& c = it->second;
      if ((ev & (EPOLLERR | EPOLLHUP)) != 0 && (ev & EPOLLIN) == 0) {
        s.close_connection(c);
        continue;
      }
      if ((ev & EPOLLOUT) != 0 && c.state == ConnState::writing) {
        if (!s.flush(c, now)) continue;
      }
      if ((ev & (EPOLLIN | EPOLLRDHUP)) != 0) {
        auto again = s.connections.find(fd);
        if (again != s.connections.end()) s.on_readable(again->second, now);
      }
    }
    s.resume_accepting(now);
    if (now - last_sweep >= kTick) {
      s.sweep(now);
      last_sweep = now;
    }
  }
}

}  // namespace gbpm::health
