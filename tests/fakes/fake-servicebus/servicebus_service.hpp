#pragma once
// fake-servicebus: an Entra ID token endpoint plus an Azure Service Bus REST
// runtime endpoint with real peek-lock semantics, on
// one HTTPS server with path-based namespace routing:
//
//   POST   /{tenant}/oauth2/v2.0/token         client-credentials token (form)
//   POST   /{queue}/messages                   send (201); batch with
//                                              application/vnd.microsoft.servicebus.json
//   POST   /{queue}/messages/head?timeout=N    peek-lock receive: 201 + BrokerProperties
//                                              + Location, or 204 after waiting N s
//   DELETE /{queue}/messages/head?timeout=N    receive-and-delete (200 / 204)
//   DELETE /{queue}/messages/{id|seq}/{lock}   complete (200; 404 lock lost)
//   PUT    /{queue}/messages/{id|seq}/{lock}   unlock / abandon (200; 404)
//   POST   /{queue}/messages/{id|seq}/{lock}   renew lock (200; 404)
//   {queue}/$DeadLetterQueue/...               the dead-letter sub-queue, same operations
//
// Requests need "Authorization: Bearer <token from the endpoint above>" or a
// valid SharedAccessSignature for a configured key; failures are 401 with
// Service Bus's XML error body. Unknown queues answer 410.
//
// Known deviations: cpp-httplib 0.11 percent-decodes request header values,
// so custom property values containing %XX arrive decoded, and SAS `sr`
// values are re-encoded before their signature is checked (both upper- and
// lower-case hex escapes are accepted, as the real service does).
//
// Admin routes (never faulted, no auth):
//   POST /_fake/servicebus/expire-locks        every lock expires now (lock loss)
//   POST /_fake/servicebus/queues/{q}/messages enqueue the body (?label=&id=)
//   GET  /_fake/servicebus/queues/{q}          {"active":[...],"dead_letter":[...]}

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/azure_sas.hpp"
#include "core/clock.hpp"
#include "fakes/common/server_host.hpp"

namespace httplib {
class Server;
}

namespace gbpm::fakes::servicebus {

struct ServiceBusFakeOptions {
  // Entra ID application the token endpoint accepts.
  std::string tenant_id = "4203b7a0-7773-4de5-b830-8b263a20426e";
  std::string client_id = "11111111-2222-3333-4444-555555555555";
  std::string client_secret = "fake-servicebus-secret";
  std::chrono::seconds token_lifetime{3599};
  // SAS policies accepted besides Entra tokens.
  std::vector<auth::SasKey> sas_keys;
  // Queues that exist from the start.
  std::vector<std::string> queues = {"iris.test"};
  std::chrono::milliseconds lock_duration{60000};
  int max_delivery_count = 5;                // IRIS's value
  std::chrono::seconds default_ttl{259200};  // 3 days, like IRIS
  // Added to every service request (not to /_fake/ routes) before it is
  // handled: simulates the network round trip for benchmarks.
  std::chrono::milliseconds latency{0};
  // Bodies sent over REST are stored as a JSON string literal of themselves,
  // the way IRIS delivers them.
  bool double_encode_sent_bodies = false;
  // Time for locks, TTLs and token expiry; nullptr: the wall clock. Long
  // polls wait in real time but notice a FakeClock moving within ~20 ms.
  const core::Clock* clock = nullptr;
};

enum class BodyEncoding { as_is, double_encoded };

// A message put on a queue through the in-process API.
struct FakeMessage {
  std::string body;
  std::string content_type = "application/json";
  std::string message_id;  // empty: assigned
  std::string label;
  // Custom properties as header values in Service Bus typing: "\"text\"", "42", "true".
  std::map<std::string, std::string> properties;
  std::optional<std::chrono::seconds> time_to_live;
};

// A snapshot of one stored message.
struct MessageInfo {
  std::string message_id;
  std::string label;
  std::string body;
  std::int64_t sequence_number = 0;
  int delivery_count = 0;
  bool locked = false;
  std::string dead_letter_reason;  // empty outside the dead-letter queue
};

// Counters of what the service did, for tests.
struct ServiceBusFakeStats {
  int tokens_issued = 0;
  int receives = 0;        // peek-lock deliveries
  int empty_receives = 0;  // 204s
  int completes = 0;
  int abandons = 0;
  int renewals = 0;
  int lock_lost = 0;  // settle requests answered 404
  int lock_expiries = 0;
  int dead_lettered = 0;
  int expired = 0;  // TTL
  int sends = 0;    // messages accepted over REST
  int auth_failures = 0;
};

class ServiceBusService {
 public:
  explicit ServiceBusService(ServiceBusFakeOptions options = {});
  ~ServiceBusService();
  ServiceBusService(const ServiceBusService&) = delete;
  ServiceBusService& operator=(const ServiceBusService&) = delete;

  // Registers the routes above (and widens the server's thread pool and
  // keep-alive limits so many receivers can long-poll at once).
  void install(httplib::Server& server);

  void create_queue(const std::string& name);
  // Puts a message on `queue` (created if missing); returns its MessageId.
  std::string enqueue(const std::string& queue, FakeMessage message, BodyEncoding encoding = BodyEncoding::as_is);
  // Messages waiting or locked / in the dead-letter queue, by sequence number.
  [[nodiscard]] std::vector<MessageInfo> messages(const std::string& queue) const;
  [[nodiscard]] std::vector<MessageInfo> dead_letters(const std::string& queue) const;

  // Lock loss: every current lock ends now, as if it had expired.
  void expire_all_locks();
  void set_latency(std::chrono::milliseconds latency);
  // The token endpoint answers AADSTS7000222 (expired secret) while set.
  void set_secret_expired(bool expired);
  [[nodiscard]] ServiceBusFakeStats stats() const;

  // Wakes every waiting long poll (they answer 204) and refuses new ones;
  // call before stopping the server so it does not wait for them.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The service hosted in-process over HTTPS, for tests and benchmarks.
class HostedServiceBus {
 public:
  explicit HostedServiceBus(ServiceBusFakeOptions options = {});
  ~HostedServiceBus();  // closes the service, then stops the server

  [[nodiscard]] std::string url() const { return m_host->url(); }
  [[nodiscard]] std::filesystem::path ca_file() const { return m_host->ca_file(); }
  ServiceBusService& service() { return m_service; }
  ServerHost& host() { return *m_host; }

 private:
  ServiceBusService m_service;
  std::unique_ptr<ServerHost> m_host;
};

}  // namespace gbpm::fakes::servicebus
