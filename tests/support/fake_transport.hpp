#pragma once
// The HTTP transport seam's fake (net::HttpTransport) for tests of the layers
// above it: scripted replies, recorded requests, no network.

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "net/http.hpp"

namespace gbpm::net {

// A transport for tests of higher layers: replies come from a FIFO of
// scripted outcomes, then from an optional handler; every request is
// recorded. With nothing scripted, send returns ErrorKind::internal naming
// the request. Thread-safe.
class FakeTransport final : public HttpTransport {
 public:
  using Handler = std::function<Result<Response>(const Request&)>;

  // Queues a reply (a Response or a transport Error).
  void push(Result<Response> outcome);
  // Queues a Response with `status`, `body` and `headers`.
  void push(long status, std::string body = {}, Headers headers = {});
  // Answers requests once the queue is empty.
  void set_handler(Handler handler);

  Result<Response> send(const Request& request) override;

  // Every request sent so far, oldest first.
  [[nodiscard]] std::vector<Request> requests() const;
  // Replies still queued.
  [[nodiscard]] std::size_t pending() const;

 private:
  mutable std::mutex m_mutex;
  std::deque<Result<Response>> m_queue;
  Handler m_handler;
  std::vector<Request> m_requests;
};

}  // namespace gbpm::net
