// fake-servicebus: Entra ID token endpoint + Azure Service Bus REST runtime
// with peek-lock semantics, for trying iris-ingest by hand or from scripts.
//
//   fake-servicebus --listen 127.0.0.1:8443 --ca-out /tmp/ca.pem --queue iris.demo
//       --client-secret-file /tmp/secret --lock-duration 60 --max-delivery-count 5

#include <CLI/CLI.hpp>
#include <httplib.h>

#include <memory>
#include <stdexcept>

#include "auth/azure_entra.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-servicebus/servicebus_service.hpp"

using namespace gbpm;
using namespace gbpm::fakes;

int main(int argc, char** argv) {
  servicebus::ServiceBusFakeOptions options;
  std::vector<std::string> queues;
  std::vector<std::string> sas_keys;
  std::string secret_file;
  long lock_seconds = 60;
  long ttl_seconds = options.default_ttl.count();
  long token_lifetime = options.token_lifetime.count();
  long latency_ms = 0;
  bool secret_expired = false;
  // Shared with the installer; lives until main returns.
  auto service = std::make_shared<std::unique_ptr<servicebus::ServiceBusService>>();

  FakeMainSpec spec;
  spec.name = "fake-servicebus";
  spec.description =
      "Fake Entra ID token endpoint and Azure Service Bus REST runtime (peek-lock, dead-letter queue, TTL).\n"
      "Token: POST /{tenant}/oauth2/v2.0/token. Queues: /{queue}/messages[/head]. Admin: POST "
      "/_fake/servicebus/expire-locks, POST /_fake/servicebus/queues/{q}/messages, GET /_fake/servicebus/queues/{q}.";
  spec.add_options = [&](CLI::App& app) {
    app.add_option("--tenant", options.tenant_id, "Entra tenant id accepted by the token endpoint");
    app.add_option("--client-id", options.client_id, "client id accepted by the token endpoint");
    app.add_option("--client-secret-file", secret_file, "file holding the accepted client secret");
    app.add_flag("--secret-expired", secret_expired, "answer token requests with AADSTS7000222 (expired secret)");
    app.add_option("--sas-key", sas_keys, "accepted SAS policy NAME=KEY (repeatable)");
    app.add_option("--queue", queues, "queue to create (repeatable; default iris.test)");
    app.add_option("--lock-duration", lock_seconds, "peek-lock duration in seconds (default 60)");
    app.add_option("--max-delivery-count", options.max_delivery_count, "deliveries before dead-lettering (default 5)");
    app.add_option("--ttl", ttl_seconds, "default message time-to-live in seconds (default 3 days)");
    app.add_option("--token-lifetime", token_lifetime, "lifetime of issued tokens in seconds (default 3599)");
    app.add_option("--latency-ms", latency_ms, "delay added to every service request");
    app.add_flag("--double-encode", options.double_encode_sent_bodies,
                 "store sent bodies as JSON string literals, like IRIS");
  };
  spec.make_installer = [&](const ServeOptions&) -> RouteInstaller {
    if (!secret_file.empty()) {
      auto secret = auth::read_secret(secret_file, {}, "client-secret");
      if (!secret) throw std::runtime_error(secret.error().message);
      options.client_secret = *secret;
    }
    for (const std::string& kv : sas_keys) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) throw std::runtime_error("--sas-key wants NAME=KEY");
      options.sas_keys.push_back(auth::SasKey{kv.substr(0, eq), kv.substr(eq + 1)});
    }
    if (!queues.empty()) options.queues = queues;
    options.lock_duration = std::chrono::seconds(lock_seconds);
    options.default_ttl = std::chrono::seconds(ttl_seconds);
    options.token_lifetime = std::chrono::seconds(token_lifetime);
    options.latency = std::chrono::milliseconds(latency_ms);
    *service = std::make_unique<servicebus::ServiceBusService>(options);
    (*service)->set_secret_expired(secret_expired);
    return [service](httplib::Server& server) { (*service)->install(server); };
  };
  return run_fake_main(argc, argv, spec);
}
