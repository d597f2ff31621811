#include "azure/servicebus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include "core/time.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::azure {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Response headers that are HTTP or Service Bus plumbing, not custom
// message properties.
bool is_plumbing_header(std::string_view name) {
  static constexpr std::array<std::string_view, 22> kPlumbing = {"content-type",
                                                                 "content-length",
                                                                 "content-encoding",
                                                                 "transfer-encoding",
                                                                 "location",
                                                                 "brokerproperties",
                                                                 "date",
                                                                 "server",
                                                                 "connection",
                                                                 "keep-alive",
                                                                 "vary",
                                                                 "strict-transport-security",
                                                                 "cache-control",
                                                                 "expires",
                                                                 "pragma",
                                                                 "etag",
                                                                 "accept-ranges",
                                                                 "set-cookie",
                                                                 "trailer",
                                                                 "via",
                                                                 "content-range",
                                                                 "last-modified"};
  if (istarts_with(name, "x-ms-") || istarts_with(name, "x-azure-") || istarts_with(name, "access-control-")) {
    return true;
  }
  return std::any_of(kPlumbing.begin(), kPlumbing.end(), [&](std::string_view p) { return iequals(p, name); });
}

// A custom property value as received: a quoted string is unquoted (with
// JSON-style escapes undone when it parses as a JSON string), anything else
// is returned as is.
std::string unquote_property(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    if (auto doc = json::parse(value); doc && doc->root().is_string()) return std::string(*doc->root().as_string());
    return std::string(value.substr(1, value.size() - 2));
  }
  return std::string(value);
}

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities = {
          {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}};
      bool replaced = false;
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out += text[i];
  }
  return out;
}

// The text of the first <tag>...</tag> in `xml`, unescaped; nullopt when absent.
std::optional<std::string> xml_element(std::string_view xml, std::string_view tag) {
  const std::string open = fmt::format("<{}>", tag);
  const std::string close = fmt::format("</{}>", tag);
  const auto start = xml.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const auto body = start + open.size();
  const auto end = xml.find(close, body);
  if (end == std::string_view::npos) return std::nullopt;
  return xml_unescape(xml.substr(body, end - body));
}

// "scheme://authority" of an absolute URL, or empty.
std::string_view origin_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const auto path = url.find_first_of("/?#", scheme + 3);
  return url.substr(0, path == std::string_view::npos ? url.size() : path);
}

}  // namespace

Result<std::string> settle_uri_from_location(std::string_view location, std::string_view namespace_url) {
  // Settle requests carry our token, so they go only to the configured
  // namespace: an absolute path on it, or an absolute https URL whose origin
  // is exactly its origin. Anything else ("@host:port/...", "//host/...",
  // another host or scheme) is a protocol error, never a request.
  if (location.size() > 1 && location.front() == '/' && location[1] != '/') {
    return std::string(origin_of(namespace_url)) + std::string(location);
  }
  const std::string_view origin = origin_of(location);
  if (!origin.empty() && istarts_with(origin, "https://") && iequals(origin, origin_of(namespace_url)) &&
      origin.find('@') == std::string_view::npos && origin.size() < location.size() && location[origin.size()] == '/') {
    return std::string(origin_of(namespace_url)) + std::string(location.substr(origin.size()));
  }
  return make_error(ErrorKind::data,
                    fmt::format("peek-lock reply with a Location that is neither an https URL on {} nor an absolute "
                                "path: \"{}\"",
                                net::redact_url(origin_of(namespace_url)), net::redact_url(location.substr(0, 200))));
}

namespace {

Result<std::optional<core::TimePoint>> optional_date(const json::View& value) {
  auto text = value.optional_string();
  if (!text) return text.error();
  if (!*text) return std::optional<core::TimePoint>{};
  auto parsed = core::parse_http_date(**text);
  if (!parsed) return value.error(fmt::format("expected an RFC 1123 date, got \"{}\"", **text));
  return std::optional<core::TimePoint>{*parsed};
}

void write_broker_properties(json::Writer& w, const OutgoingMessage& message) {
  w.begin_object();
  if (!message.message_id.empty()) w.key("MessageId").string(message.message_id);
  if (!message.label.empty()) w.key("Label").string(message.label);
  if (!message.correlation_id.empty()) w.key("CorrelationId").string(message.correlation_id);
  if (message.time_to_live) w.key("TimeToLive").int64(message.time_to_live->count());
  w.end_object();
}

}  // namespace

std::optional<std::string> ReceivedMessage::property(std::string_view name) const {
  for (const auto& [key, value] : properties) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::string_view settle_outcome_name(SettleOutcome outcome) {
  switch (outcome) {
    case SettleOutcome::done: return "done";
    case SettleOutcome::lock_lost: return "lock_lost";
    case SettleOutcome::message_gone: return "message_gone";
  }
  return "unknown";
}

Status decode_broker_properties(std::string_view json_text, ReceivedMessage& message) {
  auto doc = json::parse(json_text);
  if (!doc) return doc.error().with_context("BrokerProperties header");
  const json::View root = doc->root();
  if (!root.is_object()) return root.error("expected an object").with_context("BrokerProperties header");

  const auto take_string = [&](std::string_view key, std::string& out) -> Status {
    auto v = root.field(key).optional_string();
    if (!v) return v.error();
    if (*v) out = std::string(**v);
    return {};
  };
  for (const auto& [key, out] : {std::pair<std::string_view, std::string*>{"MessageId", &message.message_id},
                                 {"Label", &message.label},
                                 {"CorrelationId", &message.correlation_id},
                                 {"SessionId", &message.session_id},
                                 {"LockToken", &message.lock_token},
                                 {"State", &message.state}}) {
    if (auto s = take_string(key, *out); !s) return s.error().with_context("BrokerProperties header");
  }
  if (message.label.empty()) {
    if (auto s = take_string("Subject", message.label); !s) return s.error().with_context("BrokerProperties header");
  }
  auto seq = root.field("SequenceNumber").optional_int64();
  if (!seq) return seq.error().with_context("BrokerProperties header");
  if (*seq) message.sequence_number = **seq;
  auto count = root.field("DeliveryCount").optional_int();
  if (!count) return count.error().with_context("BrokerProperties header");
  if (*count) message.delivery_count = **count;
  auto locked = optional_date(root.field("LockedUntilUtc"));
  if (!locked) return locked.error().with_context("BrokerProperties header");
  message.locked_until = *locked;
  auto enqueued = optional_date(root.field("EnqueuedTimeUtc"));
  if (!enqueued) return enqueued.error().with_context("BrokerProperties header");
  message.enqueued_time = *enqueued;
  return {};
}

std::string format_rfc1123(core::TimePoint t) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[static_cast<std::size_t>(tm.tm_wday)],
                     tm.tm_mday, kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

Error servicebus_error(const net::Response& response, std::string_view what) {
  const auto code = xml_element(response.body, "Code");
  const auto detail = xml_element(response.body, "Detail");
  if (!detail && !code) {
    Error e = net::status_error(response, what);
    if (response.status == 404 || response.status == 410) e.kind = ErrorKind::config;
    if (response.status == 401 || response.status == 403) e.kind = ErrorKind::config;
    return e;
  }
  std::string text = detail ? *detail : *code;
  if (text.size() > 400) text = text.substr(0, 400) + "...";
  std::string message = fmt::format("{}: HTTP {}: {}", what, response.status, text);
  ErrorKind kind = net::error_kind_for_status(response.status);
  if (response.status == 401 || response.status == 403) {
    kind = ErrorKind::config;
    message +=
        " (check the credentials; an Entra identity needs the \"Azure Service Bus Data Receiver\" role, and "
        "\"Data Sender\" to send)";
  } else if (response.status == 404 || response.status == 410) {
    kind = ErrorKind::config;
    message += " (check the namespace URL and queue name)";
  }
  return make_error(kind, std::move(message));
}

ServiceBusClient::ServiceBusClient(net::HttpTransport& transport, auth::TokenSource& tokens, ServiceBusOptions options)
    : m_transport(transport), m_tokens(tokens), m_options(std::move(options)) {
  while (!m_options.namespace_url.empty() && m_options.namespace_url.back() == '/') m_options.namespace_url.pop_back();
  while (!m_options.queue.empty() && m_options.queue.front() == '/') m_options.queue.erase(0, 1);
  m_options.receive_wait = std::clamp(m_options.receive_wait, std::chrono::seconds(1), std::chrono::seconds(60));
}

std::string ServiceBusClient::entity_url() const {
  return m_options.namespace_url + "/" + m_options.queue;
}

Result<net::Response> ServiceBusClient::call(net::Request request, std::string_view what) {
  if (!istarts_with(m_options.namespace_url, "https://")) {
    return make_error(ErrorKind::config, fmt::format("the Service Bus URL must start with https:// (got \"{}\")",
                                                     net::redact_url(m_options.namespace_url)));
  }
  auto token = m_tokens.token();
  if (!token) return token.error().with_context(what);
  request.headers.emplace_back("Authorization", token->authorization());
  auto response = m_transport.send(request);
  if (!response) return response.error().with_context(what);
  return response;
}

Result<std::optional<ReceivedMessage>> ServiceBusClient::receive() {
  const std::string what = fmt::format("Service Bus receive from {}", m_options.queue);
  net::Request request{
      .method = "POST",
      .url = fmt::format("{}/messages/head?timeout={}", entity_url(), m_options.receive_wait.count()),
      .headers = {{"Content-Length", "0"}},
      .timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(m_options.receive_wait) + m_options.receive_margin,
  };
  auto response = call(std::move(request), what);
  if (!response) return response.error();
  if (response->status == 204) return std::optional<ReceivedMessage>{};
  if (response->status != 201) return servicebus_error(*response, what);

  ReceivedMessage message;
  message.body = std::move(response->body);
  message.content_type = response->header("Content-Type").value_or("");
  const auto broker = response->header("BrokerProperties");
  if (!broker) return make_error(ErrorKind::data, what + ": 201 reply without a BrokerProperties header");
  if (auto decoded = decode_broker_properties(*broker, message); !decoded) return decoded.error().with_context(what);
  const auto location = response->header("Location");
  if (!location || location->empty() || message.lock_token.empty()) {
    return make_error(ErrorKind::data, what + ": peek-lock reply without a Location or LockToken");
  }
  auto lock_uri = settle_uri_from_location(*location, m_options.namespace_url);
  if (!lock_uri) return lock_uri.error().with_context(what);
  message.lock_uri = std::move(*lock_uri);
  for (const auto& [name, value] : response->headers) {
    if (!is_plumbing_header(name)) message.properties.emplace_back(name, unquote_property(value));
  }
  return std::optional<ReceivedMessage>{std::move(message)};
}

Result<SettleOutcome> ServiceBusClient::settle(const ReceivedMessage& message, std::string method,
                                               std::string_view what_op) {
  const std::string what =
      fmt::format("Service Bus {} of message {} on {}", what_op, message.message_id, m_options.queue);
  if (message.lock_uri.empty()) return make_error(ErrorKind::internal, what + ": the message has no lock URI");
  net::Request request{
      .method = std::move(method),
      .url = message.lock_uri,
      .headers = {{"Content-Length", "0"}},
      .timeout = m_options.request_timeout,
  };
  auto response = call(std::move(request), what);
  if (!response) return response.error();
  switch (response->status) {
    case 200:
    case 204: return SettleOutcome::done;
    case 404: return SettleOutcome::lock_lost;
    case 410: return SettleOutcome::message_gone;
    default: return servicebus_error(*response, what);
  }
}

Result<SettleOutcome> ServiceBusClient::complete(const ReceivedMessage& message) {
  return settle(message, "DELETE", "complete");
}

Result<SettleOutcome> ServiceBusClient::abandon(const ReceivedMessage& message) {
  return settle(message, "PUT", "abandon");
}

Result<SettleOutcome> ServiceBusClient::renew_lock(const ReceivedMessage& message) {
  return settle(message, "POST", "lock renewal");
}

Status ServiceBusClient::send(const OutgoingMessage& message) {
  const std::string what = fmt::format("Service Bus send to {}", m_options.queue);
  json::Writer w;
  write_broker_properties(w, message);
  auto broker = w.finish();
  if (!broker) return broker.error().with_context(what);
  net::Request request{
      .method = "POST",
      .url = entity_url() + "/messages",
      .headers = {{"Content-Type", message.content_type}, {"BrokerProperties", *broker}},
      .body = message.body,
      .timeout = m_options.request_timeout,
  };
  for (const auto& [name, value] : message.properties) request.headers.emplace_back(name, json::quote(value));
  auto response = call(std::move(request), what);
  if (!response) return response.error();
  if (response->status != 201) return servicebus_error(*response, what);
  return {};
}

Status ServiceBusClient::send_batch(const std::vector<OutgoingMessage>& messages) {
  const std::string what = fmt::format("Service Bus batch send of {} messages to {}", messages.size(), m_options.queue);
  if (messages.empty()) return {};
  json::Writer w;
  w.begin_array();
  for (const OutgoingMessage& m : messages) {
    w.begin_object().key("Body").string(m.body).key("BrokerProperties");
    write_broker_properties(w, m);
    if (!m.properties.empty()) {
      w.key("UserProperties").begin_object();
      for (const auto& [name, value] : m.properties) w.key(name).string(value);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  auto body = w.finish();
  if (!body) return body.error().with_context(what);
  net::Request request{
      .method = "POST",
      .url = entity_url() + "/messages",
      .headers = {{"Content-Type", "application/vnd.microsoft.servicebus.json"}},
      .body = std::move(*body),
      .timeout = m_options.request_timeout,
  };
  auto response = call(std::move(request), what);
  if (!response) return response.error();
  if (response->status != 201) return servicebus_error(*response, what);
  return {};
}

}  // namespace gbpm::azure
