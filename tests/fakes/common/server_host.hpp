#pragma once
// Hosting for the stateful fake servers (fake-google, fake-servicebus,
// fake-elexon). The same service code runs in-process in tests (ServerHost on
// a background thread) and as a standalone executable (run_fake_main), both
// speaking HTTPS with a throwaway CA unless given a certificate.
//
// Every host also serves:
//   GET    /_fake/health   200 "ok"
//   POST   /_fake/faults   arm a fault (JSON below) for the next N matching requests
//   DELETE /_fake/faults   disarm all faults
// Fault JSON: {"method":"POST", "path_prefix":"/bigquery/v2/", "count":3,
//   "status":503, "body":"{...}", "content_type":"application/json",
//   "headers":{"Retry-After":"1"}, "delay_ms":0, "drop":false}
// Every field is optional; without "status" a fault only delays or drops.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace httplib {
class Server;
}
namespace CLI {
class App;
}

namespace gbpm::fakes {

// One injected failure, applied to the next `count` matching requests.
struct Fault {
  std::string method;       // empty: any
  std::string path_prefix;  // empty: any
  int count = 1;
  std::optional<int> status;
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds delay{0};
  bool drop = false;  // cut the connection mid-response
};

// Parses the admin endpoint's JSON into a Fault.
Result<Fault> parse_fault(std::string_view json_text);

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 0;                    // 0: any free port
  std::filesystem::path tls_cert;  // empty: generate a throwaway CA + cert
  std::filesystem::path tls_key;
  std::filesystem::path state_dir;  // where generated TLS material (and service state) goes
  std::filesystem::path ca_out;     // also copy the generated CA here, for clients
};

// Installs a service's routes on the server. Called once before serving.
using RouteInstaller = std::function<void(httplib::Server&)>;

class ServerHost {
 public:
  // Sets up TLS (generating material when options.tls_cert is empty), the
  // admin routes, then `install`; binds. Throws std::runtime_error when the
  // certificate or the socket cannot be set up.
  ServerHost(ServeOptions options, const RouteInstaller& install);
  ~ServerHost();  // stops and joins
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  // Serves on a background thread (tests).
  void start();
  // Serves on this thread until stop() or SIGTERM/SIGINT (executables).
  void run();
  void stop();

  // "https://127.0.0.1:PORT".
  [[nodiscard]] std::string url() const;
  [[nodiscard]] int port() const;
  // The CA clients must trust (the generated one, or empty when a certificate
  // was given).
  [[nodiscard]] std::filesystem::path ca_file() const;

  // Arms a fault directly (the in-process equivalent of POST /_fake/faults).
  void inject(Fault fault);
  void clear_faults();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// main() for a fake executable: parses --listen HOST:PORT, --tls-cert,
// --tls-key, --state DIR, --ca-out FILE (plus the service's own options added
// through `add_options`), prints the URL as the first line on stdout, and
// serves until SIGTERM/SIGINT. `make_installer` runs after parsing, so it can
// use the parsed options.
struct FakeMainSpec {
  std::string name;
  std::string description;
  std::function<void(CLI::App&)> add_options;  // may be empty
  std::function<RouteInstaller(const ServeOptions&)> make_installer;
};
int run_fake_main(int argc, char** argv, const FakeMainSpec& spec);

}  // namespace gbpm::fakes
