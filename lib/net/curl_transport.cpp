#include "net/curl_transport.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "core/log.hpp"

#ifndef GBPM_VERSION
#define GBPM_VERSION "0"
#endif

namespace gbpm::net {
namespace {

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;

// curl_easy_setopt and curl_easy_getinfo are C varargs: these wrappers pin
// the argument type each option expects.
CURLcode set_long(CURL* handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode set_offset(CURL* handle, CURLoption option, curl_off_t value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode set_string(CURL* handle, CURLoption option, const char* value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode set_pointer(CURL* handle, CURLoption option, void* value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode set_list(CURL* handle, CURLoption option, curl_slist* value) {
  return curl_easy_setopt(handle, option, value);
}
template <typename Function>
CURLcode set_function(CURL* handle, CURLoption option, Function* function) {
  return curl_easy_setopt(handle, option, function);
}
long get_long(CURL* handle, CURLINFO info) {
  long value = 0;
  if (curl_easy_getinfo(handle, info, &value) != CURLE_OK) return 0;
  return value;
}

Status global_init() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    return make_error(ErrorKind::internal, fmt::format("cannot initialise libcurl: {}", curl_easy_strerror(code)));
  }
  return {};
}

Result<std::vector<X509Ptr>> load_ca_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorKind::config,
                      fmt::format("GBPM_CA_FILE {}: cannot read the file (does it exist and is it readable?)", path));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string pem = buffer.str();
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorKind::config, fmt::format("GBPM_CA_FILE {}: file is too large", path));
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error(ErrorKind::internal, "cannot allocate an OpenSSL BIO");
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(cert);
  ERR_clear_error();  // the loop ends on an expected "no start line"
  if (certs.empty()) {
    return make_error(ErrorKind::config, fmt::format("GBPM_CA_FILE {}: no PEM certificates found in the file", path));
  }
  return certs;
}

// Adds the extra CA certificates to the store libcurl has already filled
// from the system bundle, so both are trusted.
CURLcode add_extra_cas(CURL* /*handle*/, void* ssl_ctx, void* user) {
  const auto* certs = static_cast<const std::vector<X509Ptr>*>(user);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  if (store == nullptr) return CURLE_SSL_CERTPROBLEM;
  for (const auto& cert : *certs) {
    // Fails harmlessly when the certificate is already in the store (libcurl
    // may share one store between connections).
    X509_STORE_add_cert(store, cert.get());
  }
  ERR_clear_error();
  return CURLE_OK;
}

// What one transfer collects: the body (bounded) and the headers of the
// final response.
struct Receiver {
  std::string body;
  Headers headers;
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  const std::size_t n = size * count;
  if (receiver->body.size() + n > receiver->limit) {
    receiver->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  receiver->body.append(data, n);
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  const std::size_t n = size * count;
  const std::string_view raw(data, n);
  if (raw.empty()) return n;
  if (raw.starts_with("HTTP/")) {
    // A new status line: a 100 Continue or proxy CONNECT reply came first.
    receiver->headers.clear();
    return n;
  }
  if ((raw.front() == ' ' || raw.front() == '\t') && !receiver->headers.empty()) {
    const std::string_view more = trim(raw);
    if (!more.empty()) receiver->headers.back().second += " " + std::string(more);
    return n;
  }
  const std::string_view line = trim(raw);
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;
  receiver->headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  return n;
}

// The request's headers as a libcurl list, plus "Expect:" so large bodies
// need no "Expect: 100-continue" round trip. A header name or value with a
// line break is refused: it would let a value smuggle in headers of its own.
Result<SlistPtr> header_list_for(const Request& request) {
  SlistPtr list;
  auto append = [&list](const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) return false;
    (void)list.release();
    list.reset(next);
    return true;
  };
  bool ok = true;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return make_error(ErrorKind::internal, fmt::format("{} {}: malformed request header {:?}", request.method,
                                                         redact_url(request.url), name));
    }
    // "Name;" is libcurl's spelling of a header with an empty value.
    ok = ok && append(value.empty() ? name + ";" : fmt::format("{}: {}", name, value));
  }
  if (!request.header("Expect")) ok = ok && append("Expect:");
  if (!ok) return make_error(ErrorKind::internal, "out of memory building request headers");
  return list;
}

bool method_is(const Request& request, std::string_view method) {
  return request.method == method;
}

// Sets the request method: GET and HEAD without a body; a body (or POST, PUT,
// PATCH) as POSTFIELDS with the method named unless it is POST; any other
// method by name. Returns the first libcurl error.
CURLcode set_method(CURL* h, const Request& request) {
  if (method_is(request, "GET") && request.body.empty()) return set_long(h, CURLOPT_HTTPGET, 1L);
  if (method_is(request, "HEAD")) return set_long(h, CURLOPT_NOBODY, 1L);
  if (request.body.empty() && !method_is(request, "POST") && !method_is(request, "PUT") &&
      !method_is(request, "PATCH")) {
    return set_string(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  CURLcode rc = set_offset(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  if (rc == CURLE_OK) rc = set_string(h, CURLOPT_POSTFIELDS, request.body.data());
  if (rc == CURLE_OK && !method_is(request, "POST")) rc = set_string(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  return rc;
}

Error transfer_error(CURLcode code, const char* detail_buffer, const Request& request, const Receiver& receiver,
                     std::size_t limit) {
  const std::string where = fmt::format("{} {}", request.method, redact_url(request.url));
  const std::string detail = detail_buffer[0] != '\0' ? std::string(detail_buffer) : curl_easy_strerror(code);
  if (receiver.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return make_error(ErrorKind::data, fmt::format("{}: response body larger than {} bytes; refused", where, limit));
  }
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return make_error(ErrorKind::temporary, fmt::format("{}: cannot connect ({})", where, detail));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return make_error(ErrorKind::temporary, fmt::format("{}: cannot resolve host ({})", where, detail));
    case CURLE_OPERATION_TIMEDOUT:
      return make_error(ErrorKind::temporary,
                        fmt::format("{}: timed out (limit {} ms) ({})", where, request.timeout.count(), detail));
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return make_error(ErrorKind::temporary,
                        fmt::format("{}: connection reset or response cut short ({})", where, detail));
    case CURLE_GOT_NOTHING:
      return make_error(ErrorKind::temporary, fmt::format("{}: empty reply from server ({})", where, detail));
    case CURLE_SSL_CONNECT_ERROR:
      return make_error(ErrorKind::temporary, fmt::format("{}: TLS handshake failed ({})", where, detail));
    case CURLE_PEER_FAILED_VERIFICATION:
      return make_error(ErrorKind::unavailable,
                        fmt::format("{}: the server's TLS certificate is not trusted ({}); if the server uses a "
                                    "private CA, set GBPM_CA_FILE to that CA's PEM file",
                                    where, detail));
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return make_error(ErrorKind::config, fmt::format("{}: cannot load CA certificates ({})", where, detail));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return make_error(ErrorKind::config, fmt::format("{}: unusable URL ({})", where, detail));
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_WEIRD_SERVER_REPLY:
      return make_error(ErrorKind::data, fmt::format("{}: malformed response ({})", where, detail));
    case CURLE_OUT_OF_MEMORY:
      return make_error(ErrorKind::internal, fmt::format("{}: out of memory ({})", where, detail));
    default: return make_error(ErrorKind::unavailable, fmt::format("{}: request failed ({})", where, detail));
  }
}

}  // namespace

struct CurlTransport::State {
  CurlTransportOptions options;
  std::string user_agent;
  std::vector<X509Ptr> extra_cas;
  CURL* handle = nullptr;
  log::Logger* logger = nullptr;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  ~State() {
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

Result<std::unique_ptr<CurlTransport>> CurlTransport::create(CurlTransportOptions options) {
  if (auto init = global_init(); !init) return std::move(init).error();
  auto state = std::make_unique<State>();
  if (!options.ca_file.empty()) {
    auto certs = load_ca_file(options.ca_file);
    if (!certs) return std::move(certs).error();
    state->extra_cas = std::move(certs).value();
  }
  state->handle = curl_easy_init();
  if (state->handle == nullptr) return make_error(ErrorKind::internal, "cannot create a libcurl handle");
  state->user_agent = options.user_agent.empty() ? std::string("gbpm/") + GBPM_VERSION : options.user_agent;
  state->logger = options.logger != nullptr ? options.logger : &log::null_logger();
  state->options = std::move(options);
  return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(state)));
}

CurlTransport::CurlTransport(std::unique_ptr<State> state) : m_state(std::move(state)) {}

CurlTransport::~CurlTransport() = default;

Result<Response> CurlTransport::send(const Request& request) {
  std::lock_guard lock(m_mutex);
  State& s = *m_state;
  CURL* h = s.handle;
  // Reset clears the previous request's options but keeps live connections,
  // the DNS cache and TLS sessions.
  curl_easy_reset(h);
  s.error_buffer[0] = '\0';

  Receiver receiver;
  receiver.limit = s.options.max_response_bytes;

  auto header_list = header_list_for(request);
  if (!header_list) return std::move(header_list).error();

  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode code) {
    if (rc == CURLE_OK) rc = code;
  };
  set(set_string(h, CURLOPT_URL, request.url.c_str()));
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  set(set_string(h, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
  set(set_long(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  set(set_long(h, CURLOPT_NOSIGNAL, 1L));
  set(set_long(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.options.connect_timeout.count())));
  // 0 would mean "no limit" to libcurl.
  set(set_long(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(request.timeout.count(), 1))));
  set(set_long(h, CURLOPT_TCP_KEEPALIVE, 1L));
  set(set_string(h, CURLOPT_ACCEPT_ENCODING, ""));
  set(set_long(h, CURLOPT_SSL_VERIFYPEER, 1L));
  set(set_long(h, CURLOPT_SSL_VERIFYHOST, 2L));
  set(set_long(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(set_string(h, CURLOPT_USERAGENT, s.user_agent.c_str()));
  set(set_offset(h, CURLOPT_MAXFILESIZE_LARGE,
                 static_cast<curl_off_t>(std::min<std::uint64_t>(s.options.max_response_bytes, INT64_MAX))));
  set(set_pointer(h, CURLOPT_ERRORBUFFER, s.error_buffer.data()));
  set(set_function(h, CURLOPT_WRITEFUNCTION, &on_body));
  set(set_pointer(h, CURLOPT_WRITEDATA, &receiver));
  set(set_function(h, CURLOPT_HEADERFUNCTION, &on_header));
  set(set_pointer(h, CURLOPT_HEADERDATA, &receiver));
  set(set_list(h, CURLOPT_HTTPHEADER, header_list->get()));
  if (!s.extra_cas.empty()) {
    set(set_function(h, CURLOPT_SSL_CTX_FUNCTION, &add_extra_cas));
    set(set_pointer(h, CURLOPT_SSL_CTX_DATA, &s.extra_cas));
  }
  set(set_method(h, request));
  if (rc != CURLE_OK) {
    return make_error(ErrorKind::internal, fmt::format("{} {}: cannot configure libcurl: {}", request.method,
                                                       redact_url(request.url), curl_easy_strerror(rc)));
  }

  log::Logger& logger = *s.logger;
  const bool debug = logger.enabled(log::Level::debug);
  const std::string shown_url = debug ? redact_url(request.url) : std::string();
  if (debug) {
    logger.debug("http request", {{"method", request.method},
                                  {"url", shown_url},
                                  {"headers", format_headers_redacted(request.headers)},
                                  {"bytes", request.body.size()}});
  }
  const auto started = std::chrono::steady_clock::now();
  const CURLcode code = curl_easy_perform(h);
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();

  if (code != CURLE_OK) {
    Error error = transfer_error(code, s.error_buffer.data(), request, receiver, s.options.max_response_bytes);
    if (debug) {
      logger.debug("http error", {{"method", request.method},
                                  {"url", shown_url},
                                  {"curl_code", static_cast<int>(code)},
                                  {"error", error.message},
                                  {"elapsed_ms", elapsed_ms}});
    }
    return error;
  }
  Response response{get_long(h, CURLINFO_RESPONSE_CODE), std::move(receiver.headers), std::move(receiver.body)};
  if (debug) {
    logger.debug("http response", {{"method", request.method},
                                   {"url", shown_url},
                                   {"status", response.status},
                                   {"bytes", response.body.size()},
                                   {"elapsed_ms", elapsed_ms},
                                   {"headers", format_headers_redacted(response.headers)}});
  }
  return response;
}

}  // namespace gbpm::net
