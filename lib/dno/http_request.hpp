#pragma once
// A small, strict HTTP/1.1 request parser for dno-webhook: one request per
// connection, body only by Content-Length. Fed bytes as they arrive; says
// when the request is complete or why it is refused, with the status to
// answer. Everything is bounded (RequestLimits).
//
// Refused: a request line that is not "METHOD SP TARGET SP HTTP/1.0|1.1"
// (400; another version 505), a head over max_head_bytes or more than
// max_headers fields (431), header lines without a colon, with whitespace
// before the colon or folded onto a new line (400), Transfer-Encoding (501:
// chunked bodies are not accepted), a missing Content-Length on a request
// with a body method (411), a malformed or conflicting Content-Length (400),
// one above max_body_bytes (413, decided before any body byte is read).
// Lines may end in CRLF or a bare LF.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "net/http.hpp"

namespace gbpm::dno {

struct RequestLimits {
  std::size_t max_head_bytes = 8192;
  std::size_t max_headers = 64;
  std::size_t max_body_bytes = 16384;
};

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: "/trigger-dno-lookup?x=1"
  std::string path;    // target without the query
  net::Headers headers;
  std::string body;
  // The first value of header `name` (any case), if present.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

class RequestParser {
 public:
  enum class State { incomplete, complete, error };

  explicit RequestParser(RequestLimits limits = {}) : m_limits(limits) {}

  // Adds bytes. Bytes after a complete request are ignored (one request per
  // connection). Returns the state after them.
  State feed(std::string_view bytes);

  [[nodiscard]] State state() const { return m_state; }
  // Valid when complete.
  [[nodiscard]] const HttpRequest& request() const { return m_request; }
  // When error: the status to answer (400, 411, 413, 431, 501, 505) and why.
  [[nodiscard]] int error_status() const { return m_error_status; }
  [[nodiscard]] const std::string& error_message() const { return m_error; }

 private:
  State fail(int status, std::string message);
  State parse_head(std::string_view head);

  RequestLimits m_limits;
  State m_state = State::incomplete;
  std::string m_buffer;
  bool m_head_done = false;
  std::size_t m_body_length = 0;
  HttpRequest m_request;
  int m_error_status = 0;
  std::string m_error;
};

}  // namespace gbpm::dno
