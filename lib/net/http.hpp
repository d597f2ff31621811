#pragma once
// HTTP requests and responses as plain values, and the transport seam every
// remote client (Google, Azure, Elexon) talks through. Real traffic goes
// through CurlTransport (curl_transport.hpp), retries through
// RetryingTransport (retry.hpp), and unit tests of higher layers script
// replies with FakeTransport below.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace gbpm::net {

// Header name/value pairs in the order sent or received. Names compare
// case-insensitively (see find_header).
using Headers = std::vector<std::pair<std::string, std::string>>;

// Whether a failed request may be sent again. Non-idempotent calls (a POST
// that appends rows, a message completion) opt out with `never`.
enum class RetryMode { automatic, never };

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers{};
  std::string body{};
  // Total time allowed for this one attempt: connect, send and receive
  // (at least 1 ms is used).
  std::chrono::milliseconds timeout{30000};
  RetryMode retry = RetryMode::automatic;

  // The first value of header `name` (any case), if present.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

// Any HTTP status, 500 included, is a Response: deciding what a status means
// is the caller's business. Only transport failures are Errors.
struct Response {
  long status = 0;
  Headers headers{};
  std::string body{};

  // The first value of header `name` (any case), if present.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  // True for 2xx.
  [[nodiscard]] bool success() const { return status >= 200 && status < 300; }
};

// The first value of header `name` in `headers`, compared case-insensitively.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

// Sends one request and returns the response, whatever its status.
// An Error means no complete response arrived:
//   ErrorKind::temporary   connection refused or reset, timeout, partial or
//                          empty response, name resolution failure: retryable;
//   ErrorKind::unavailable the server's TLS certificate is not trusted (the
//                          message names GBPM_CA_FILE) or another permanent
//                          transport failure;
//   ErrorKind::data        the response was too large or undecodable;
//   ErrorKind::config      the URL or CA file is unusable.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  HttpTransport() = default;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  virtual Result<Response> send(const Request& request) = 0;
};

// True for header names whose values must never be logged: Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, x-goog-api-key and anything
// log::is_secret_key flags.
// Percent-encodes every byte outside RFC 3986's unreserved set
// (A-Z a-z 0-9 - . _ ~) and `also_keep`, with upper-case hex ("a b" → "a%20b").
// The one encoder for URL path segments, query components and form bodies.
std::string percent_encode(std::string_view text, std::string_view also_keep = {});

bool is_secret_header(std::string_view name);

// `url` with the values of secret-looking query parameters (key, sig, token,
// ...) replaced by "[REDACTED]", and any user:password@ removed; for logs
// and error messages.
std::string redact_url(std::string_view url);

// "Name: value; Name: [REDACTED]" for logs, secret values redacted.
std::string format_headers_redacted(const Headers& headers);

// The ErrorKind a caller should use for an HTTP status it cannot accept:
// temporary for 408, 429 and 5xx; unavailable for other 4xx and anything else.
ErrorKind error_kind_for_status(long status);

// An Error for an unexpected status: "<what>: HTTP 403: <first 300 bytes of
// the body on one line>", with the kind from error_kind_for_status.
Error status_error(const Response& response, std::string_view what);

}  // namespace gbpm::net
