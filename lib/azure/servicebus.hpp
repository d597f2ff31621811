#pragma once
// Azure Service Bus REST runtime client: peek-lock
// receive with a server-side long poll, complete / abandon (unlock) / renew
// lock through the message's lock URI, and send / batch send. One message per
// receive request (the REST API has no batch receive), so throughput comes
// from several receivers in parallel: see receiver_pool.hpp.
//
// Auth is an injected TokenSource: Entra ID (Bearer) or SAS
// (SharedAccessSignature); throttling (429, 503 ServerBusy) and other
// transient failures are retried by the injected transport (wrap a
// CurlTransport in a net::RetryingTransport).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/token_source.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http.hpp"

namespace gbpm::azure {

// A message received in peek-lock mode. Dates are RFC 1123 on the wire.
struct ReceivedMessage {
  std::string body;          // bytes as sent (IRIS: double-encoded JSON)
  std::string content_type;  // the sender's Content-Type
  std::string message_id;
  std::string label;  // a.k.a. subject; IRIS: the dataset name
  std::string correlation_id;
  std::string session_id;
  std::string lock_token;
  std::int64_t sequence_number = -1;
  int delivery_count = 0;  // 1 on first delivery
  std::optional<core::TimePoint> locked_until;
  std::optional<core::TimePoint> enqueued_time;
  std::string state;
  // The lock URI (Location header): settle operations address it.
  std::string lock_uri;
  // Custom (application) properties from the HTTP headers, string values
  // unquoted, other values (numbers, booleans) as sent.
  std::vector<std::pair<std::string, std::string>> properties;

  // The value of property `name` (case-insensitive), if present.
  [[nodiscard]] std::optional<std::string> property(std::string_view name) const;
};

// A message to send.
struct OutgoingMessage {
  std::string body;
  std::string content_type = "application/json";  // single send only; batches carry strings
  std::string message_id;                         // empty: the broker assigns one
  std::string label;
  std::string correlation_id;
  std::optional<std::chrono::seconds> time_to_live;
  // String-valued custom properties.
  std::vector<std::pair<std::string, std::string>> properties;
};

// How a settle request (complete, abandon, renew) ended, when it reached the
// broker and the broker answered. Lock loss is normal in an at-least-once
// system (the lock expired, the message was redelivered elsewhere or
// dead-lettered): the caller counts it instead of failing.
enum class SettleOutcome {
  done,          // 200: completed / unlocked / renewed
  lock_lost,     // 404: no message with that lock (lock expired or already settled)
  message_gone,  // 410: the entity (queue) is gone, so is the message
};

std::string_view settle_outcome_name(SettleOutcome outcome);

struct ServiceBusOptions {
  // "https://<namespace>.servicebus.windows.net" (GBPM_SERVICEBUS_URL). Must be https://.
  std::string namespace_url;
  // Entity path: "iris.<uuid>", or "<queue>/$DeadLetterQueue" to read its
  // dead-letter sub-queue.
  std::string queue;
  // Server-side long-poll wait of one receive (the `timeout` parameter),
  // clamped to 1..60 s. Shutdown waits for an in-flight poll, so keep it modest.
  std::chrono::seconds receive_wait{30};
  // Added to receive_wait for the HTTP request timeout, so the client never
  // gives up before the server answers an empty poll.
  std::chrono::milliseconds receive_margin{10000};
  // HTTP timeout of every other request.
  std::chrono::milliseconds request_timeout{30000};
};

// Decodes the BrokerProperties JSON header into `message` (unknown keys are
// ignored, as the service does). ErrorKind::data naming the key on a
// malformed value.
Status decode_broker_properties(std::string_view json_text, ReceivedMessage& message);

// Formats an RFC 1123 date ("Wed, 02 Jul 2014 01:32:27 GMT").
std::string format_rfc1123(core::TimePoint t);

// Turns a Service Bus error reply (XML <Error><Code>..</Code><Detail>..</Detail></Error>,
// or anything else) into an Error: "<what>: HTTP 401: ExpiredToken: The token is expired...".
// Kind: temporary for 408/429/5xx; config for 404/410 on an entity (the queue
// does not exist) and 401/403 (credentials or role assignment); else
// unavailable. 401/403 messages say which role the identity needs.
Error servicebus_error(const net::Response& response, std::string_view what);

// The URL settle requests (complete, abandon, renew) of a peek-locked message
// go to, from its Location header: an absolute path on `namespace_url`, or an
// absolute https URL with exactly the namespace's origin. Anything else is
// ErrorKind::data (a protocol error): the request would carry our token to
// another host.
Result<std::string> settle_uri_from_location(std::string_view location, std::string_view namespace_url);

// One queue (or dead-letter sub-queue) of one namespace. Thread-safe when the
// transport is (CurlTransport serialises calls: use one client per receiver
// thread for parallel receives). The transport and token source must outlive
// the client.
class ServiceBusClient {
 public:
  ServiceBusClient(net::HttpTransport& transport, auth::TokenSource& tokens, ServiceBusOptions options);

  // The entity URL: namespace_url + "/" + queue.
  [[nodiscard]] std::string entity_url() const;

  // Peek-lock receive: POST {entity}/messages/head?timeout=N. A message (201)
  // is locked for this client until locked_until; nullopt (204) when nothing
  // arrived within receive_wait. Errors: see servicebus_error; a 201 without
  // a Location or LockToken is ErrorKind::data.
  Result<std::optional<ReceivedMessage>> receive();

  // Complete (DELETE lock URI): the message is removed. After a retried
  // request whose first attempt reached the broker, the outcome may be
  // lock_lost although the message was completed.
  Result<SettleOutcome> complete(const ReceivedMessage& message);
  // Abandon / unlock (PUT lock URI): the message becomes receivable again
  // and its DeliveryCount goes up on the next delivery.
  Result<SettleOutcome> abandon(const ReceivedMessage& message);
  // Renew the lock (POST lock URI) for another lock duration.
  Result<SettleOutcome> renew_lock(const ReceivedMessage& message);

  // Sends one message (201).
  Status send(const OutgoingMessage& message);
  // Sends up to the broker's size limit of messages in one request
  // (application/vnd.microsoft.servicebus.json). Bodies are sent as JSON
  // strings; a message's content_type is not carried.
  Status send_batch(const std::vector<OutgoingMessage>& messages);

 private:
  Result<net::Response> call(net::Request request, std::string_view what);
  Result<SettleOutcome> settle(const ReceivedMessage& message, std::string method, std::string_view what);

  net::HttpTransport& m_transport;
  auth::TokenSource& m_tokens;
  ServiceBusOptions m_options;
};

}  // namespace gbpm::azure
