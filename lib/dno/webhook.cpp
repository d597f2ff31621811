#include "dno/webhook.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <thread>
#include <vector>

#include "auth/azure_entra.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "sheet/sheet.hpp"

namespace gbpm::dno {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

std::string serialise(const HttpResponse& r) {
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
      "Cache-Control: no-store\r\nConnection: close\r\n",
      r.status, reason(r.status), r.body.size());
  for (const auto& [k, v] : r.headers) out += fmt::format("{}: {}\r\n", k, v);
  out += "\r\n";
  out += r.body;
  return out;
}

// Writes all of `data` before `deadline`; false when the peer is too slow or gone.
bool write_all(int fd, std::string_view data, SteadyClock::time_point deadline) {
  while (!data.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string peer_of(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "-";
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (ss.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf.data(), buf.size());
  } else {
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf.data(), buf.size());
  }
  return buf.data();
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

HttpResponse error_response(int status, std::string_view message, std::string log_detail) {
  json::Writer w;
  w.begin_object().key("error").string(message).end_object();
  auto body = w.finish();
  return {status, body ? *body : std::string(R"({"error":"error"})"), {}, std::move(log_detail)};
}

Result<ServerOptions> parse_listen(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::config,
                      fmt::format("listen address \"{}\": {} (expected HOST:PORT, e.g. 127.0.0.1:5001 or [::1]:5001)",
                                  text.substr(0, 80), why));
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
  ServerOptions o;
  o.host = std::string(host);
  o.port = static_cast<std::uint16_t>(port);
  if (!o.host.empty()) {
    in_addr v4{};
    in6_addr v6{};
    if (::inet_pton(AF_INET, o.host.c_str(), &v4) != 1 && ::inet_pton(AF_INET6, o.host.c_str(), &v6) != 1) {
      return bad("the host must be a numeric IPv4 or IPv6 address");
    }
  }
  return o;
}

// ---------------------------------------------------------------------------

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  log::Logger* logger = nullptr;
  int listen_fd = -1;
  std::uint16_t port = 0;
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<int> queue;
  bool stopping = false;

  ~Impl() {
    if (listen_fd >= 0) ::close(listen_fd);
  }

  void log_request(const std::string& peer, const HttpRequest* request, int status, SteadyClock::time_point start,
                   const std::string& detail) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
    const log::Level level = status >= 500 ? log::Level::warn : log::Level::info;
    logger->log(level, "request",
                {{"peer", peer},
                 {"method", request ? request->method : std::string("-")},
                 {"path", request ? request->path.substr(0, 100) : std::string("-")},
                 {"status", std::to_string(status)},
                 {"ms", std::to_string(ms)},
                 {"detail", detail.empty() ? std::string("-") : detail}});
  }

  // Reads what the client still sends (a refused body) for a moment before
  // closing: closing with unread input makes the kernel reset the connection,
  // and the client may then lose the response it was sent.
  static void drain(int fd) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(500);
    std::array<char, 4096> sink{};
    std::size_t total = 0;
    while (total < (std::size_t{1} << 20)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
      pollfd p{fd, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return;
      const ssize_t n = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
      if (n > 0) total += static_cast<std::size_t>(n);
    }
  }

  void serve(int fd) {
    const auto start = SteadyClock::now();
    const auto deadline = start + options.request_timeout;
    const std::string peer = peer_of(fd);
    RequestParser parser(options.limits);
    std::array<char, 4096> buf{};
    HttpResponse response;
    bool have_response = false;
    while (parser.state() == RequestParser::State::incomplete) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
      pollfd p{fd, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
        response = error_response(408, "the request did not arrive in time");
        have_response = true;
        break;
      }
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {  // closed before a whole request: nothing to answer
        log_request(peer, nullptr, 0, start, "connection closed before a complete request");
        ::close(fd);
        return;
      }
      parser.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
    const HttpRequest* request = nullptr;
    if (!have_response) {
      if (parser.state() == RequestParser::State::error) {
        response = error_response(parser.error_status(), parser.error_message());
      } else {
        request = &parser.request();
        response = handler(*request);
      }
    }
    write_all(fd, serialise(response), SteadyClock::now() + options.write_timeout);
    ::shutdown(fd, SHUT_WR);
    drain(fd);
    ::close(fd);
    log_request(peer, request, response.status, start, response.log_detail);
  }

  void worker() {
    while (true) {
      int fd = -1;
      {
        std::unique_lock lock(mutex);
        ready.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        fd = queue.front();
        queue.pop_front();
      }
      serve(fd);
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::listen(ServerOptions options, Handler handler, log::Logger& logger) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->logger = &logger;
  const auto& o = impl->options;
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family = AF_INET6;
  in_addr v4{};
  if (!o.host.empty() && ::inet_pton(AF_INET, o.host.c_str(), &v4) == 1) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(o.port);
    sa->sin_addr = v4;
    len = sizeof *sa;
    family = AF_INET;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(o.port);
    sa->sin6_addr = in6addr_any;
    if (!o.host.empty() && ::inet_pton(AF_INET6, o.host.c_str(), &sa->sin6_addr) != 1) {
      return make_error(ErrorKind::config, fmt::format("\"{}\" is not a numeric IP address", o.host));
    }
    len = sizeof *sa;
  }
  const auto fail = [&](std::string_view what) {
    return make_error(ErrorKind::config,
                      fmt::format("cannot {} [{}]:{}: {}", what, o.host, o.port, std::strerror(errno)));
  };
  impl->listen_fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) return fail("create a socket for");
  const int one = 1;
  ::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    const int v6only = o.host.empty() ? 0 : 1;
    ::setsockopt(impl->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (::bind(impl->listen_fd, reinterpret_cast<const sockaddr*>(&storage), len) != 0) return fail("bind");
  if (::listen(impl->listen_fd, SOMAXCONN) != 0) return fail("listen on");
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  impl->port = ntohs(family == AF_INET ? reinterpret_cast<const sockaddr_in*>(&bound)->sin_port
                                       : reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const {
  return m_impl->port;
}

void HttpServer::run(const std::atomic<bool>& stop) {
  auto& s = *m_impl;
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, s.options.workers); ++i) workers.emplace_back([&s] { s.worker(); });
  while (!stop.load()) {
    pollfd p{s.listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int fd = ::accept4(s.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    bool queued = false;
    {
      const std::lock_guard lock(s.mutex);
      if (s.queue.size() < s.options.queue) {
        s.queue.push_back(fd);
        queued = true;
      }
    }
    if (queued) {
      s.ready.notify_one();
    } else {
      const auto busy = error_response(503, "the service is busy; try again");
      const std::string peer = peer_of(fd);
      write_all(fd, serialise(busy), SteadyClock::now() + std::chrono::milliseconds(200));
      ::close(fd);
      s.log_request(peer, nullptr, 503, SteadyClock::now(), "connection queue full");
    }
  }
  {
    const std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.ready.notify_all();
  for (auto& t : workers) t.join();
}

// ---------------------------------------------------------------------------

std::string sign_body(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), &len);
  return "sha256=" + hex(mac.data(), len);
}

bool authorised(const HttpRequest& request, std::string_view secret) {
  if (secret.empty()) return false;
  if (const auto auth = request.header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth->size() > kBearer.size() && std::string_view(*auth).substr(0, kBearer.size()) == kBearer &&
        constant_time_equal(std::string_view(*auth).substr(kBearer.size()), secret)) {
      return true;
    }
  }
  if (const auto sig = request.header("X-Gbpm-Signature")) {
    std::string lowered = *sig;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return constant_time_equal(lowered, sign_body(secret, request.body));
  }
  return false;
}

Webhook::Webhook(LookupEnvironment& environment, std::string sheet, std::string secret, const config::Config& config,
                 core::Clock& clock, log::Logger& logger)
    : m_env(environment),
      m_sheet(std::move(sheet)),
      m_secret(std::move(secret)),
      m_config(config),
      m_clock(clock),
      m_logger(logger) {}

HttpResponse Webhook::handle(const HttpRequest& request) {
  if (request.path == "/health") {
    if (request.method != "GET" && request.method != "HEAD") {
      auto r = error_response(405, "use GET");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return r;
    }
    return {200, R"({"status":"ok"})"};
  }
  if (request.path != "/trigger-dno-lookup") return error_response(404, "no such endpoint");
  if (request.method != "POST") {
    auto r = error_response(405, "use POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (!authorised(request, m_secret)) {
    auto r = error_response(401, "missing or wrong credentials", "authentication failed");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  std::unique_lock lock(m_sheet_mutex, std::try_to_lock);
  if (!lock.owns_lock()) return error_response(409, "a lookup for this sheet is already running; try again shortly");
  return trigger(request);
}

HttpResponse Webhook::trigger(const HttpRequest& request) {
  auto doc = json::parse(request.body, {.max_bytes = 65536, .max_depth = 8});
  if (!doc) return error_response(400, "the body is not valid JSON: " + doc.error().message);
  const json::View root = doc->root();
  if (!root.is_object()) return error_response(400, "the body must be a JSON object");
  LookupRequest lookup;
  const auto text_field = [&](std::string_view key, std::optional<std::string>& into) -> std::optional<HttpResponse> {
    const json::View v = root.field(key);
    if (v.is_missing() || v.is_null()) return std::nullopt;
    if (v.is_string()) {
      const std::string s(*v.as_string());
      if (!s.empty()) into = s;
      return std::nullopt;
    }
    if (key == "mpan_id" && v.is_integer()) {  // a sheet cell holding an MPAN arrives as a number
      into = std::to_string(*v.as_int64());
      return std::nullopt;
    }
    return error_response(400, fmt::format("\"{}\" must be a string", key));
  };
  std::optional<std::string> voltage;
  for (auto [key, into] : {std::pair{"postcode", &lookup.postcode}, std::pair{"mpan_id", &lookup.mpan},
                           std::pair{"voltage", &voltage}, std::pair{"llfc", &lookup.llfc}}) {
    if (auto bad = text_field(key, *into)) return *bad;
  }
  if (voltage) {
    const auto v = parse_voltage(*voltage);
    if (!v) return error_response(400, "\"voltage\" must be LV, HV or EHV");
    lookup.voltage = *v;
  }
  if (!lookup.postcode && !lookup.mpan) return error_response(400, "give \"postcode\" or \"mpan_id\"");
  lookup.date = uk_local_day(m_clock.now());

  ++m_lookups;
  auto result = m_env.lookup(lookup);
  if (!result) {
    const Error& e = result.error();
    switch (e.kind) {
      case ErrorKind::usage: return error_response(400, e.message);
      case ErrorKind::data: return error_response(422, e.message);
      case ErrorKind::temporary:
        return error_response(503, "the postcode service or the tariff store is busy; try again in a minute",
                              e.message);
      default: return error_response(500, "the lookup failed; the service log says why", e.message);
    }
  }
  sheet::SinkOptions options;
  options.config = &m_config;
  options.clock = &m_clock;
  options.logger = &m_logger;
  auto sink = sheet::open_sheet(m_sheet, options);
  if (!sink)
    return error_response(500, "the sheet could not be opened; the service log says why", sink.error().message);
  if (auto written = (*sink)->write(bess_update(*result)); !written) {
    if (written.error().kind == ErrorKind::temporary) {
      return error_response(503, "the sheet is busy; try again in a minute", written.error().message);
    }
    return error_response(500, "the sheet could not be written; the service log says why", written.error().message);
  }
  auto body = render_json(*result);
  if (!body) return error_response(500, "internal error", body.error().message);
  return {200, *body, {}, fmt::format("distributor {} from {}", result->area.id, result->found_by)};
}

Status run_webhook(cli::Context& ctx, const std::atomic<bool>& stop) {
  auto options = parse_listen(ctx.config.get_string_or("GBPM_DNO_LISTEN", "127.0.0.1:5001"));
  if (!options) return options.error();
  std::string sheet_text = ctx.config.get_string_or("GBPM_DNO_SHEET", ctx.config.get_string_or("GBPM_SHEET", ""));
  if (sheet_text.empty()) {
    return make_error(ErrorKind::config, "dno-webhook needs the sheet to write: set GBPM_DNO_SHEET (or --sheet)");
  }
  if (auto uri = sheet::parse_sheet_uri(sheet_text); !uri) {
    return uri.error();
  } else if (uri->kind == sheet::SinkKind::stdout_text) {
    return make_error(ErrorKind::config, "dno-webhook writes a sheet: GBPM_DNO_SHEET must be gsheets:ID or dir:PATH");
  }
  auto secret = auth::read_secret(ctx.config.get_string_or("GBPM_DNO_SECRET_FILE", ""),
                                  ctx.config.get_string_or("CREDENTIALS_DIRECTORY", ""), "dno-webhook-secret");
  if (!secret) return secret.error();
  if (secret->size() < 16) {
    return make_error(ErrorKind::config,
                      "the dno-webhook secret is shorter than 16 bytes (use e.g. openssl rand -hex 32)");
  }
  auto env = LookupEnvironment::open(ctx.config, ctx.clock, ctx.log, ctx.home);
  if (!env) return env.error();
  if (auto areas = (*env)->load_areas(); !areas) return areas.error();
  Webhook webhook(**env, sheet_text, std::move(*secret), ctx.config, ctx.clock, ctx.log);
  auto server = HttpServer::listen(
      *options, [&](const HttpRequest& r) { return webhook.handle(r); }, ctx.log);
  if (!server) return server.error();
  ctx.log.info("listening",
               {{"address", fmt::format("{}:{}", options->host, (*server)->port())}, {"sheet", sheet_text}});
  (*server)->run(stop);
  ctx.stats.api_calls += (*env)->api_calls();
  ctx.stats.rows_read = webhook.lookups();
  ctx.log.info("stopped");
  return {};
}

}  // namespace gbpm::dno
