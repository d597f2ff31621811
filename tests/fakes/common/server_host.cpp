#include "fakes/common/server_host.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "fakes/common/pki.hpp"
#include "json/json.hpp"

namespace gbpm::fakes {
namespace {

std::atomic<bool> g_signalled{false};

void on_signal(int) {
  g_signalled = true;
}

}  // namespace

Result<Fault> parse_fault(std::string_view json_text) {
  auto doc = json::parse(json_text);
  if (!doc) return std::move(doc).error();
  const json::View root = doc->root();
  Fault f;
  auto method = root.field("method").optional_string();
  auto prefix = root.field("path_prefix").optional_string();
  auto count = root.field("count").optional_int();
  auto status = root.field("status").optional_int();
  auto body = root.field("body").optional_string();
  auto type = root.field("content_type").optional_string();
  auto delay = root.field("delay_ms").optional_int64();
  auto drop = root.field("drop").optional_bool();
  for (const Error* e :
       {method ? nullptr : &method.error(), prefix ? nullptr : &prefix.error(), count ? nullptr : &count.error(),
        status ? nullptr : &status.error(), body ? nullptr : &body.error(), type ? nullptr : &type.error(),
        delay ? nullptr : &delay.error(), drop ? nullptr : &drop.error()}) {
    if (e != nullptr) return *e;
  }
  f.method = std::string(method->value_or(""));
  f.path_prefix = std::string(prefix->value_or(""));
  f.count = count->value_or(1);
  f.status = *status;
  f.body = std::string(body->value_or(""));
  if (*type) f.content_type = std::string(**type);
  f.delay = std::chrono::milliseconds(delay->value_or(0));
  f.drop = drop->value_or(false);
  if (const json::View headers = root.field("headers"); !headers.is_missing() && !headers.is_null()) {
    auto members = headers.as_object();
    if (!members) return std::move(members).error();
    for (const auto& [name, value] : *members) {
      auto v = value.as_string();
      if (!v) return std::move(v).error();
      f.headers.emplace(std::string(name), std::string(*v));
    }
  }
  if (f.count < 1) return root.field("count").error("must be at least 1");
  return f;
}

struct ServerHost::Impl {
  ServeOptions options;
  std::unique_ptr<httplib::SSLServer> server;
  std::filesystem::path ca;
  std::filesystem::path owned_dir;  // generated material we delete on exit
  std::thread thread;
  int port = -1;

  std::mutex mutex;
  std::deque<Fault> faults;

  // The fault to apply to this request, consuming one use of it.
  std::optional<Fault> take_fault(const httplib::Request& req) {
    if (req.path.rfind("/_fake/", 0) == 0) return std::nullopt;
    std::lock_guard lock(mutex);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (!it->method.empty() && it->method != req.method) continue;
      if (!it->path_prefix.empty() && req.path.rfind(it->path_prefix, 0) != 0) continue;
      Fault f = *it;
      if (--it->count <= 0) faults.erase(it);
      return f;
    }
    return std::nullopt;
  }
};

ServerHost::ServerHost(ServeOptions options, const RouteInstaller& install) : m_impl(std::make_unique<Impl>()) {
  Impl& impl = *m_impl;
  impl.options = std::move(options);
  std::filesystem::path cert = impl.options.tls_cert;
  std::filesystem::path key = impl.options.tls_key;
  if (cert.empty()) {
    std::filesystem::path dir = impl.options.state_dir;
    if (dir.empty()) {
      char templ[] = "/tmp/gbpm-fake-XXXXXX";
      if (::mkdtemp(templ) == nullptr) throw std::runtime_error("cannot create a directory for TLS material");
      dir = templ;
      impl.owned_dir = dir;
    }
    std::filesystem::create_directories(dir);
    const TestPki pki = generate_test_pki(dir);
    cert = pki.server_cert;
    key = pki.server_key;
    impl.ca = pki.ca_cert;
    if (!impl.options.ca_out.empty()) {
      std::filesystem::copy_file(pki.ca_cert, impl.options.ca_out, std::filesystem::copy_options::overwrite_existing);
    }
  }
  impl.server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
  if (!impl.server->is_valid()) {
    throw std::runtime_error(fmt::format("cannot load TLS certificate {} / key {}", cert.string(), key.string()));
  }
  impl.server->set_keep_alive_timeout(2);
  // Real servers answer without Nagle delays; without this the response head
  // and body go out as two small writes and the client's delayed ACK adds
  // ~40 ms to every exchange, which would distort latency benchmarks.
  impl.server->set_tcp_nodelay(true);
  impl.server->set_payload_max_length(std::size_t{256} << 20);

  impl.server->set_pre_routing_handler([&impl](const httplib::Request& req, httplib::Response& res) {
    auto fault = impl.take_fault(req);
    if (!fault) return httplib::Server::HandlerResponse::Unhandled;
    // A fault answers before httplib has read the request body, so the
    // connection must not be reused: the unread body would be parsed as the
    // next request.
    res.set_header("Connection", "close");
    if (fault->delay.count() > 0) std::this_thread::sleep_for(fault->delay);
    if (fault->drop) {
      const std::string part = fault->body.empty() ? std::string("{\"partial\":") : fault->body;
      res.status = fault->status.value_or(200);
      res.set_content_provider(part.size() + 64, fault->content_type,
                               [part](std::size_t, std::size_t, httplib::DataSink& sink) {
                                 sink.write(part.data(), part.size() / 2);
                                 return false;
                               });
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!fault->status) return httplib::Server::HandlerResponse::Unhandled;  // delay only
    res.status = *fault->status;
    for (const auto& [name, value] : fault->headers) res.set_header(name, value);
    res.set_content(fault->body, fault->content_type);
    return httplib::Server::HandlerResponse::Handled;
  });
  impl.server->Get("/_fake/health",
                   [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  impl.server->Post("/_fake/faults", [this](const httplib::Request& req, httplib::Response& res) {
    auto fault = parse_fault(req.body);
    if (!fault) {
      res.status = 400;
      res.set_content(fault.error().message, "text/plain");
      return;
    }
    inject(std::move(*fault));
    res.set_content("{}", "application/json");
  });
  impl.server->Delete("/_fake/faults", [this](const httplib::Request&, httplib::Response& res) {
    clear_faults();
    res.set_content("{}", "application/json");
  });
  install(*impl.server);

  if (impl.options.port == 0) {
    impl.port = impl.server->bind_to_any_port(impl.options.host);
  } else {
    impl.port = impl.server->bind_to_port(impl.options.host, impl.options.port) ? impl.options.port : -1;
  }
  if (impl.port <= 0) {
    throw std::runtime_error(fmt::format("cannot listen on {}:{}", impl.options.host, impl.options.port));
  }
}

ServerHost::~ServerHost() {
  stop();
  if (!m_impl->owned_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(m_impl->owned_dir, ec);
  }
}

void ServerHost::start() {
  Impl& impl = *m_impl;
  impl.thread = std::thread([&impl] { impl.server->listen_after_bind(); });
  while (!impl.server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void ServerHost::run() {
  Impl& impl = *m_impl;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::thread watcher([&impl] {
    while (!g_signalled) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    impl.server->stop();
  });
  impl.server->listen_after_bind();
  g_signalled = true;
  watcher.join();
}

void ServerHost::stop() {
  if (m_impl->server && m_impl->server->is_running()) m_impl->server->stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

std::string ServerHost::url() const {
  const std::string host = m_impl->options.host == "0.0.0.0" ? "127.0.0.1" : m_impl->options.host;
  return fmt::format("https://{}:{}", host, m_impl->port);
}

int ServerHost::port() const {
  return m_impl->port;
}

std::filesystem::path ServerHost::ca_file() const {
  return m_impl->ca;
}

void ServerHost::inject(Fault fault) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->faults.push_back(std::move(fault));
}

void ServerHost::clear_faults() {
  std::lock_guard lock(m_impl->mutex);
  m_impl->faults.clear();
}

int run_fake_main(int argc, char** argv, const FakeMainSpec& spec) {
  CLI::App app(spec.description, spec.name);
  ServeOptions options;
  std::string listen = "127.0.0.1:0";
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one (default 127.0.0.1:0)");
  app.add_option("--tls-cert", options.tls_cert, "PEM server certificate (default: generate a throwaway CA)");
  app.add_option("--tls-key", options.tls_key, "PEM private key for --tls-cert");
  app.add_option("--state", options.state_dir, "Directory for generated TLS material and persisted state");
  app.add_option("--ca-out", options.ca_out, "Copy the generated CA certificate here (give it to GBPM_CA_FILE)");
  if (spec.add_options) spec.add_options(app);
  app.footer(
      fmt::format("The first line on stdout is the URL to use. Faults: POST /_fake/faults (see "
                  "tests/fakes/common/server_host.hpp).\nExample:\n  {} --listen 127.0.0.1:0 --ca-out /tmp/ca.pem",
                  spec.name));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 64;
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "%s: --listen wants HOST:PORT, got \"%s\"\n", spec.name.c_str(), listen.c_str());
    return 64;
  }
  options.host = listen.substr(0, colon);
  options.port = std::atoi(listen.c_str() + colon + 1);
  if ((options.tls_cert.empty()) != (options.tls_key.empty())) {
    std::fprintf(stderr, "%s: give both --tls-cert and --tls-key, or neither\n", spec.name.c_str());
    return 64;
  }
  try {
    ServerHost host(options, spec.make_installer(options));
    std::printf("%s\n", host.url().c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "%s: listening on %s%s%s\n", spec.name.c_str(), host.url().c_str(),
                 host.ca_file().empty() ? "" : ", CA ", host.ca_file().c_str());
    host.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(), e.what());
    return 69;
  }
  return 0;
}

}  // namespace gbpm::fakes
