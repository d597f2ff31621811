#include "support/fake_https_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "fakes/common/pki.hpp"
#include "support/temp_dir.hpp"

namespace gbpm::testing {

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  return net::find_header(headers, name);
}

Reply Reply::json(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

Reply Reply::status_only(int status) {
  Reply reply;
  reply.status = status;
  reply.content_type = "text/plain";
  return reply;
}

Reply Reply::dropped() {
  Reply reply;
  reply.kind = Kind::drop;
  reply.body = std::string(256, 'x');
  reply.content_type = "application/octet-stream";
  return reply;
}

Reply Reply::with_header(std::string name, std::string value) && {
  headers.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}

Reply Reply::after(std::chrono::milliseconds wait) && {
  delay = wait;
  return std::move(*this);
}

struct FakeHttpsServer::Impl {
  TempDir dir;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  int port = -1;

  mutable std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::map<std::pair<std::string, std::string>, std::deque<Reply>> queues;
  Handler handler;
  std::vector<RecordedRequest> requests;

  void generate_certificates() { fakes::generate_test_pki(dir.path()); }

  Reply choose_reply(const RecordedRequest& recorded) {
    Handler fallback;
    {
      std::lock_guard lock(mutex);
      requests.push_back(recorded);
      auto it = queues.find({recorded.method, recorded.path});
      if (it != queues.end() && !it->second.empty()) {
        Reply reply = std::move(it->second.front());
        it->second.pop_front();
        return reply;
      }
      fallback = handler;
    }
    if (fallback) return fallback(recorded);
    Reply reply = Reply::status_only(404);
    reply.body = fmt::format("no scripted reply for {} {}", recorded.method, recorded.path);
    return reply;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    RecordedRequest recorded;
    recorded.method = req.method;
    recorded.path = req.path;
    if (const auto q = req.target.find('?'); q != std::string::npos) recorded.query = req.target.substr(q + 1);
    for (const auto& [name, value] : req.headers) recorded.headers.emplace_back(name, value);
    recorded.body = req.body;
    recorded.remote_port = req.remote_port;

    Reply reply = choose_reply(recorded);
    if (reply.delay.count() > 0) {
      std::unique_lock lock(mutex);
      wake.wait_for(lock, reply.delay, [this] { return stopping; });
    }
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    if (reply.kind == Reply::Kind::drop) {
      const std::string part = reply.body.substr(0, reply.body.size() / 2);
      // Promise the whole body, send half of it, then fail: httplib closes
      // the connection without finishing the response.
      res.set_content_provider(reply.body.size() + 1, reply.content_type,
                               [part](std::size_t /*offset*/, std::size_t /*length*/, httplib::DataSink& sink) {
                                 sink.write(part.data(), part.size());
                                 return false;
                               });
      return;
    }
    res.set_content(reply.body, reply.content_type);
  }
};

FakeHttpsServer::FakeHttpsServer() : m_impl(std::make_unique<Impl>()) {
  Impl& impl = *m_impl;
  impl.generate_certificates();
  const std::string cert = (impl.dir / "server.pem").string();
  const std::string key = (impl.dir / "server.key").string();
  impl.server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
  if (!impl.server->is_valid()) throw std::runtime_error("fake https server: cannot load the server certificate");
  // Idle keep-alive connections hold a worker thread; keep shutdown quick.
  impl.server->set_keep_alive_timeout(1);
  const auto handler = [&impl](const httplib::Request& req, httplib::Response& res) { impl.handle(req, res); };
  impl.server->Get(".*", handler);
  impl.server->Post(".*", handler);
  impl.server->Put(".*", handler);
  impl.server->Patch(".*", handler);
  impl.server->Delete(".*", handler);
  impl.server->Options(".*", handler);
  impl.port = impl.server->bind_to_any_port("127.0.0.1");
  if (impl.port <= 0) throw std::runtime_error("fake https server: cannot bind 127.0.0.1");
  impl.thread = std::thread([&impl] {
    impl.server->listen_after_bind();
    impl.listen_returned = true;
  });
  // stop() only works once the accept loop runs.
  while (!impl.server->is_running() && !impl.listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!impl.server->is_running()) {
    impl.thread.join();
    throw std::runtime_error("fake https server: the accept loop did not start");
  }
}

FakeHttpsServer::~FakeHttpsServer() {
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  m_impl->wake.notify_all();
  m_impl->server->stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

std::string FakeHttpsServer::url() const {
  return fmt::format("https://127.0.0.1:{}", m_impl->port);
}

int FakeHttpsServer::port() const {
  return m_impl->port;
}

std::filesystem::path FakeHttpsServer::ca_file() const {
  return m_impl->dir / "ca.pem";
}

void FakeHttpsServer::enqueue(const std::string& method, const std::string& path, Reply reply) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->queues[{method, path}].push_back(std::move(reply));
}

void FakeHttpsServer::set_handler(Handler handler) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->handler = std::move(handler);
}

std::vector<RecordedRequest> FakeHttpsServer::requests() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->requests;
}

std::size_t FakeHttpsServer::pending() const {
  std::lock_guard lock(m_impl->mutex);
  std::size_t n = 0;
  for (const auto& [route, queue] : m_impl->queues) n += queue.size();
  return n;
}

}  // namespace gbpm::testing
