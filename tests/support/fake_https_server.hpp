#pragma once
// A real HTTPS server for tests, on 127.0.0.1 and a free port. At
// construction it generates (OpenSSL, EC P-256) a throwaway CA and a server
// certificate for IP:127.0.0.1 / DNS:localhost signed by it, so clients must
// be told to trust ca_file() (GBPM_CA_FILE). Each server has its own CA: a
// second server's CA is "unknown" to a client that trusts only the first's.
//
// Replies are scripted: a FIFO per (method, path), then an optional handler,
// else 404 "no scripted reply". Every request is recorded.
//
//   FakeHttpsServer server;
//   server.enqueue("GET", "/v1/x", Reply::json(503, "{}"));
//   server.enqueue("GET", "/v1/x", Reply::json(200, R"({"ok":true})"));
//   ... request server.url() + "/v1/x" ...
//   CHECK(server.requests().size() == 2);

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"

namespace gbpm::testing {

// One request as the server saw it.
struct RecordedRequest {
  std::string method{};
  std::string path{};   // without the query
  std::string query{};  // after '?', still percent-encoded; empty when none
  net::Headers headers{};
  std::string body{};
  int remote_port = -1;  // the client's port: equal on a reused connection

  // The first value of header `name` (any case), if present.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

// What the server does with one request.
struct Reply {
  enum class Kind {
    respond,  // status, headers, body
    drop,     // send the status line, headers and part of the body, then
              // close the connection: the client sees a cut-short response
  };

  Kind kind = Kind::respond;
  int status = 200;
  net::Headers headers{};
  std::string body{};
  // text/* and JSON bodies are compressed by the server when the client
  // accepts it; use application/octet-stream to send pre-encoded bytes.
  std::string content_type = "application/json";
  // Waits this long before answering (cut short when the server stops).
  std::chrono::milliseconds delay{0};

  // A JSON reply.
  static Reply json(int status, std::string body);
  // A reply with `status` and an empty body.
  static Reply status_only(int status);
  // A reply whose connection is dropped mid-body.
  static Reply dropped();
  // This reply with one more header.
  Reply with_header(std::string name, std::string value) &&;
  // This reply, sent after `wait`.
  Reply after(std::chrono::milliseconds wait) &&;
};

class FakeHttpsServer {
 public:
  using Handler = std::function<Reply(const RecordedRequest&)>;

  // Generates the certificates and starts serving. Throws std::runtime_error
  // when the certificates or the socket cannot be set up.
  FakeHttpsServer();
  // Stops the server (waking delayed replies) and joins its threads.
  ~FakeHttpsServer();
  FakeHttpsServer(const FakeHttpsServer&) = delete;
  FakeHttpsServer& operator=(const FakeHttpsServer&) = delete;

  // "https://127.0.0.1:PORT".
  [[nodiscard]] std::string url() const;
  [[nodiscard]] int port() const;
  // PEM file of the CA that signed the server certificate.
  [[nodiscard]] std::filesystem::path ca_file() const;

  // Queues `reply` for the next `method` request to `path` (no query).
  void enqueue(const std::string& method, const std::string& path, Reply reply);
  // Answers requests that find no queued reply.
  void set_handler(Handler handler);

  // Every request received so far, oldest first.
  [[nodiscard]] std::vector<RecordedRequest> requests() const;
  // Queued replies not yet used.
  [[nodiscard]] std::size_t pending() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace gbpm::testing
