#include "support/fake_transport.hpp"

#include <fmt/format.h>

namespace gbpm::net {

void FakeTransport::push(Result<Response> outcome) {
  std::lock_guard lock(m_mutex);
  m_queue.push_back(std::move(outcome));
}

void FakeTransport::push(long status, std::string body, Headers headers) {
  push(Response{status, std::move(headers), std::move(body)});
}

void FakeTransport::set_handler(Handler handler) {
  std::lock_guard lock(m_mutex);
  m_handler = std::move(handler);
}

Result<Response> FakeTransport::send(const Request& request) {
  Handler handler;
  {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(request);
    if (!m_queue.empty()) {
      Result<Response> outcome = std::move(m_queue.front());
      m_queue.pop_front();
      return outcome;
    }
    handler = m_handler;
  }
  if (handler) return handler(request);
  return make_error(ErrorKind::internal,
                    fmt::format("FakeTransport: no scripted reply for {} {}", request.method, redact_url(request.url)));
}

std::vector<Request> FakeTransport::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

std::size_t FakeTransport::pending() const {
  std::lock_guard lock(m_mutex);
  return m_queue.size();
}

std::string percent_encode(std::string_view text, std::string_view also_keep) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved || also_keep.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

}  // namespace gbpm::net
