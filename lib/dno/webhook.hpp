#pragma once
// dno-webhook: the HTTP service behind the BESS sheet's button.
//
//   POST /trigger-dno-lookup  JSON {"postcode"?, "mpan_id"?, "voltage"?, "llfc"?}
//                             runs the lookup in-process and writes the BESS
//                             tab; 200 with the lookup as JSON
//   GET  /health              200 {"status":"ok"} (no authentication, no work)
//
// Authentication (every path but /health): the shared secret as
// "Authorization: Bearer <secret>", or "X-Gbpm-Signature: sha256=<hex>" with
// the HMAC-SHA256 of the exact body under the secret. Compared in constant
// time; a failure is 401 and nothing runs.
// Errors are JSON {"error": "<message>"}: input problems say what is wrong
// (400 bad JSON or fields, 422 a postcode/MPAN that gives no licence area);
// a busy upstream is 503 "try again"; anything else is 500 with a generic
// message; the details go to the log only. One lookup runs at a time per
// sheet: a click while one runs gets 409. One log line per request.
//
// The server: a blocking accept loop and a small worker pool, one request
// per connection (Connection: close). A connection must deliver its whole
// request within request_timeout (408 otherwise), so a slow client holds a
// worker for a bounded time; when every worker is busy and the queue is full
// new connections get 503 at once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cli/tool.hpp"
#include "core/result.hpp"
#include "dno/http_request.hpp"
#include "dno/lookup.hpp"

namespace gbpm::dno {

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON
  net::Headers headers{};
  std::string log_detail{};  // for the request's log line only, never sent
};

// {"error":"<message>"} with `status`.
HttpResponse error_response(int status, std::string_view message, std::string log_detail = {});

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";  // numeric IPv4 or IPv6; "" = all interfaces
  std::uint16_t port = 5001;
  RequestLimits limits{};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds write_timeout{5000};
  int workers = 4;
  std::size_t queue = 32;
};

// "127.0.0.1:5001", "[::1]:5001", "0.0.0.0:5001", ":5001". ErrorKind::config
// quoting the text otherwise.
Result<ServerOptions> parse_listen(std::string_view text);

class HttpServer {
 public:
  // Binds and listens. ErrorKind::config when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> listen(ServerOptions options, Handler handler, log::Logger& logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  // Serves until `stop` is set (checked every 200 ms); in-flight requests
  // finish before it returns.
  void run(const std::atomic<bool>& stop);

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// True when `request` carries the secret (bearer) or a valid body signature.
bool authorised(const HttpRequest& request, std::string_view secret);
// "sha256=<lower-case hex HMAC-SHA256(secret, body)>".
std::string sign_body(std::string_view secret, std::string_view body);

// The endpoint logic, independent of sockets.
class Webhook {
 public:
  // `environment` and the referenced config/clock/logger must outlive this.
  Webhook(LookupEnvironment& environment, std::string sheet, std::string secret, const config::Config& config,
          core::Clock& clock, log::Logger& logger);
  HttpResponse handle(const HttpRequest& request);
  // Lookups run so far (successful or not), for tests and the run record.
  [[nodiscard]] std::int64_t lookups() const { return m_lookups.load(); }

 private:
  HttpResponse trigger(const HttpRequest& request);

  LookupEnvironment& m_env;
  std::string m_sheet;
  std::string m_secret;
  const config::Config& m_config;
  core::Clock& m_clock;
  log::Logger& m_logger;
  std::mutex m_sheet_mutex;  // one lookup at a time for the sheet
  std::atomic<std::int64_t> m_lookups{0};
};

// dno-webhook's body: settings GBPM_DNO_LISTEN (default 127.0.0.1:5001),
// GBPM_DNO_SHEET (else GBPM_SHEET; required), the secret from
// GBPM_DNO_SECRET_FILE or $CREDENTIALS_DIRECTORY/dno-webhook-secret (at
// least 16 bytes), plus the lookup settings (LookupEnvironment). Serves
// until `stop`.
Status run_webhook(cli::Context& ctx, const std::atomic<bool>& stop);

}  // namespace gbpm::dno
