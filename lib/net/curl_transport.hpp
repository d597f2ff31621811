#pragma once
// The real HTTP transport, on libcurl. TLS verification (peer and host name)
// is always on and cannot be switched off; `ca_file` (GBPM_CA_FILE) adds a
// private CA to the system trust store instead of replacing it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "net/http.hpp"

namespace gbpm::log {
class Logger;
}

namespace gbpm::net {

struct CurlTransportOptions {
  // PEM file of extra CA certificates trusted in addition to the system store
  // (GBPM_CA_FILE; the tool layer reads the environment). Empty: none.
  std::string ca_file{};
  // Time allowed to establish the TCP connection and TLS session.
  std::chrono::milliseconds connect_timeout{10000};
  // Responses whose decoded body is larger fail with ErrorKind::data, so a
  // hostile or broken server cannot exhaust memory.
  std::size_t max_response_bytes = std::size_t{64} << 20;
  // User-Agent header. Empty: "gbpm/<version>".
  std::string user_agent{};
  // Debug-level request/response lines (secret headers and query values
  // redacted, bodies never logged). nullptr: no logging.
  log::Logger* logger = nullptr;
};

// Sends requests over one reused libcurl easy handle, so connections are kept
// alive between requests to the same host. Proxies come from the standard
// environment (https_proxy, no_proxy, ...); responses are transparently
// decompressed (gzip, deflate, br). Redirects are not followed.
//
// Thread-safety: send() may be called from several threads; calls are
// serialised by an internal mutex (one request in flight per transport). Use
// one transport per thread for parallel requests.
class CurlTransport final : public HttpTransport {
 public:
  // Initialises libcurl (once per process) and loads `options.ca_file`.
  // A missing, unreadable or certificate-free CA file is ErrorKind::config
  // naming the file.
  static Result<std::unique_ptr<CurlTransport>> create(CurlTransportOptions options = {});
  ~CurlTransport() override;

  Result<Response> send(const Request& request) override;

 private:
  struct State;
  explicit CurlTransport(std::unique_ptr<State> state);

  std::mutex m_mutex;
  std::unique_ptr<State> m_state;
};

}  // namespace gbpm::net
