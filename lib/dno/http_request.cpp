#include "dno/http_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace gbpm::dno {

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The end of the head (index just past the blank line) and nothing else:
// "\r\n\r\n" or "\n\n" (and mixtures), or npos.
std::size_t head_end(std::string_view buffer) {
  for (std::size_t i = 0; i < buffer.size(); ++i) {
    if (buffer[i] != '\n') continue;
    std::size_t j = i + 1;
    if (j < buffer.size() && buffer[j] == '\r') ++j;
    if (j < buffer.size() && buffer[j] == '\n') return j + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

RequestParser::State RequestParser::fail(int status, std::string message) {
  m_state = State::error;
  m_error_status = status;
  m_error = std::move(message);
  m_buffer.clear();
  return m_state;
}

RequestParser::State RequestParser::feed(std::string_view bytes) {
  if (m_state != State::incomplete) return m_state;
  if (!m_head_done) {
    const std::size_t before = m_buffer.size();
    m_buffer.append(bytes.substr(0, m_limits.max_head_bytes + 4 - std::min(before, m_limits.max_head_bytes + 4)));
    const std::size_t end = head_end(m_buffer);
    if (end == std::string::npos) {
      if (m_buffer.size() > m_limits.max_head_bytes) return fail(431, "request head too large");
      return m_state;
    }
    if (end > m_limits.max_head_bytes) return fail(431, "request head too large");
    // Bytes of `bytes` past what went into the buffer belong to the body.
    const std::size_t taken = m_buffer.size() - before;
    std::string rest = m_buffer.substr(end);
    rest.append(bytes.substr(taken));
    if (auto s = parse_head(std::string_view(m_buffer).substr(0, end)); s == State::error) return s;
    m_head_done = true;
    m_buffer = std::move(rest);
    if (m_buffer.size() > m_body_length) m_buffer.resize(m_body_length);
  } else {
    m_buffer.append(bytes.substr(0, m_body_length - m_buffer.size()));
  }
  if (m_buffer.size() >= m_body_length) {
    m_request.body = std::move(m_buffer);
    m_buffer.clear();
    m_state = State::complete;
  }
  return m_state;
}

RequestParser::State RequestParser::parse_head(std::string_view head) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) break;
    lines.push_back(line);
  }
  if (lines.empty()) return fail(400, "empty request");
  // Request line.
  const std::string_view rl = lines[0];
  const std::size_t sp1 = rl.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      rl.find(' ', sp2 + 1) != std::string_view::npos) {
    return fail(400, "malformed request line");
  }
  const std::string_view method = rl.substr(0, sp1);
  const std::string_view target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = rl.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), is_token_char)) {
    return fail(400, "malformed method");
  }
  if (target.empty() || target.front() != '/' || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      })) {
    return fail(400, "malformed request target");
  }
  if (!version.starts_with("HTTP/")) return fail(400, "malformed HTTP version");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return fail(505, "HTTP version not supported");
  m_request.method = std::string(method);
  m_request.target = std::string(target);
  m_request.path = std::string(target.substr(0, target.find('?')));

  if (lines.size() - 1 > m_limits.max_headers) return fail(431, "too many header fields");
  std::optional<std::size_t> content_length;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') return fail(400, "folded header lines are not accepted");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(400, "malformed header line");
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return fail(400, "malformed header name");
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(),
                    [](char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f; })) {
      return fail(400, "control characters in a header value");
    }
    if (iequals(name, "Transfer-Encoding")) return fail(501, "Transfer-Encoding is not supported; send Content-Length");
    if (iequals(name, "Content-Length")) {
      if (value.empty() || value.size() > 12 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(400, "malformed Content-Length");
      }
      const std::size_t n = std::stoull(std::string(value));
      if (content_length && *content_length != n) return fail(400, "conflicting Content-Length fields");
      content_length = n;
    }
    m_request.headers.emplace_back(std::string(name), std::string(value));
  }
  const bool body_method = m_request.method == "POST" || m_request.method == "PUT" || m_request.method == "PATCH";
  if (!content_length && body_method) return fail(411, "Content-Length required");
  m_body_length = content_length.value_or(0);
  if (m_body_length > m_limits.max_body_bytes) {
    return fail(413, fmt::format("body larger than {} bytes", m_limits.max_body_bytes));
  }
  return State::incomplete;
}

}  // namespace gbpm::dno
