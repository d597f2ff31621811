#include "support/fake_https_server.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "support/temp_dir.hpp"

namespace gbpm::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void fail(std::string_view what) {
  const unsigned long code = ERR_get_error();
  std::array<char, 256> reason{};
  if (code != 0) ERR_error_string_n(code, reason.data(), reason.size());
  throw std::runtime_error(fmt::format("fake https server: {} ({})", what, reason.data()));
}

PkeyPtr make_key() {
  // EVP_EC_gen is a macro with a C cast; call what it expands to.
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) fail("cannot generate an EC key");
  return key;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (ext == nullptr) fail(fmt::format("cannot build extension {}", value));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) fail("cannot add an extension");
}

long random_serial() {
  unsigned int r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) fail("RAND_bytes failed");
  return static_cast<long>(r & 0x7fffffffU) + 1;
}

// A certificate for `key` named `common_name`. With no issuer it is a
// self-signed CA; otherwise a server certificate signed by the issuer.
X509Ptr make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert) fail("X509_new failed");
  X509* x = cert.get();
  if (X509_set_version(x, X509_VERSION_3) != 1) fail("cannot set the version");
  if (ASN1_INTEGER_set(X509_get_serialNumber(x), random_serial()) != 1) fail("cannot set the serial");
  if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == nullptr) fail("cannot set notBefore");
  if (X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) == nullptr) fail("cannot set notAfter");
  if (X509_set_pubkey(x, key) != 1) fail("cannot set the public key");
  X509_NAME* name = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                 -1, -1, 0) != 1) {
    fail("cannot set the subject");
  }
  if (X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1) {
    fail("cannot set the issuer");
  }
  X509V3_CTX ctx{};  // value-initialised: no config database
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  if (issuer == nullptr) {
    add_extension(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(x, &ctx, NID_subject_key_identifier, "hash");
  } else {
    add_extension(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, &ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(x, &ctx, NID_ext_key_usage, "serverAuth");
    add_extension(x, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_extension(x, &ctx, NID_subject_key_identifier, "hash");
    add_extension(x, &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) fail("cannot sign");
  return cert;
}

BioPtr open_for_writing(const std::filesystem::path& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "w"));
  if (!bio) fail(fmt::format("cannot write {}", path.string()));
  return bio;
}

void write_certificate(const std::filesystem::path& path, X509* cert) {
  BioPtr bio = open_for_writing(path);
  if (PEM_write_bio_X509(bio.get(), cert) != 1) fail(fmt::format("cannot write {}", path.string()));
}

void write_private_key(const std::filesystem::path& path, EVP_PKEY* key) {
  BioPtr bio = open_for_writing(path);
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail(fmt::format("cannot write {}", path.string()));
  }
}

}  // namespace

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

  void generate_certificates() {
    const std::string tag = fmt::format("{:08x}", random_serial());
    PkeyPtr ca_key = make_key();
    X509Ptr ca = make_certificate(ca_key.get(), "gbpm test CA " + tag, nullptr, nullptr);
    PkeyPtr server_key = make_key();
    X509Ptr server_cert = make_certificate(server_key.get(), "127.0.0.1", ca.get(), ca_key.get());
    write_certificate(dir / "ca.pem", ca.get());
    write_certificate(dir / "server.pem", server_cert.get());
    write_private_key(dir / "server.key", server_key.get());
  }

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
