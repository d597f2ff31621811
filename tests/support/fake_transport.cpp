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

}  // namespace gbpm::net
