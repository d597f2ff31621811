#include "fakes/fake-servicebus/servicebus_service.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "auth/azure_entra.hpp"
#include "azure/servicebus.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::fakes::servicebus {
namespace {

constexpr std::string_view kDeadLetterSuffix = "/$deadletterqueue";
constexpr std::size_t kMaxMessageBytes = 256 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  std::string out;
  for (const unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

std::string random_uuid() {
  const std::string h = random_hex(16);
  return fmt::format("{}-{}-4{}-a{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(13, 3), h.substr(17, 3),
                     h.substr(20, 12));
}

void xml_error(httplib::Response& res, int status, std::string_view detail) {
  res.status = status;
  res.set_content(fmt::format("<Error><Code>{}</Code><Detail>{}. TrackingId:{},TimeStamp:fake</Detail></Error>", status,
                              detail, random_uuid()),
                  "application/xml; charset=utf-8");
}

void json_reply(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json; charset=utf-8");
}

// application/x-www-form-urlencoded → name → value ('+' is a space).
std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    const auto eq = pair.find('=');
    std::string name(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    std::replace(name.begin(), name.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    auto n = auth::azure_url_decode(name);
    auto v = auth::azure_url_decode(value);
    if (n && v) out[*n] = *v;
  }
  return out;
}

// True for a custom-property header value Service Bus accepts (quoted string,
// true/false, integer or float).
bool valid_property_value(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return true;
  if (v == "true" || v == "false") return true;
  if (v.empty()) return false;
  std::size_t i = (v.front() == '-' || v.front() == '+') ? 1 : 0;
  bool digits = false;
  bool dot = false;
  for (; i < v.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(v[i])) != 0) {
      digits = true;
    } else if (v[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

// Request headers that are HTTP plumbing, not message properties.
bool is_request_plumbing(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kPlumbing = {
      "host",          "user-agent",       "accept",      "accept-encoding", "content-type",      "content-length",
      "authorization", "brokerproperties", "expect",      "connection",      "transfer-encoding", "te",
      "keep-alive",    "remote_addr",      "remote_port", "local_addr",      "local_port"};
  if (lower(name).rfind("x-ms-", 0) == 0) return true;
  return std::any_of(kPlumbing.begin(), kPlumbing.end(), [&](std::string_view p) { return iequals(p, name); });
}

struct Stored {
  std::string body;
  std::string content_type;
  std::string message_id;
  std::string label;
  std::string correlation_id;
  std::map<std::string, std::string> properties;  // header form
  std::int64_t sequence_number = 0;
  int delivery_count = 0;
  core::TimePoint enqueued{};
  core::TimePoint expires{};
  std::chrono::seconds ttl{0};
  bool locked = false;
  std::string lock_token;
  core::TimePoint locked_until{};
  std::string dead_letter_reason;
};

struct Entity {
  std::map<std::int64_t, Stored> active;
  std::map<std::int64_t, Stored> dead_letter;
};

// The entity a path names: queue (lower-cased key) and whether it is the
// dead-letter sub-queue.
struct EntityRef {
  std::string queue;
  bool dead_letter = false;
};

EntityRef parse_entity(std::string_view entity) {
  EntityRef ref;
  const std::string low = lower(entity);
  if (low.size() > kDeadLetterSuffix.size() &&
      low.compare(low.size() - kDeadLetterSuffix.size(), kDeadLetterSuffix.size(), kDeadLetterSuffix) == 0) {
    ref.dead_letter = true;
    ref.queue = low.substr(0, low.size() - kDeadLetterSuffix.size());
  } else {
    ref.queue = low;
  }
  return ref;
}

// "%3A" → "%3a": the escape style .NET's HttpUtility.UrlEncode writes.
std::string lower_hex_escapes(std::string text) {
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] != '%') continue;
    text[i + 1] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + 1])));
    text[i + 2] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + 2])));
  }
  return text;
}

const core::Clock& wall_clock() {
  static core::SystemClock clock;
  return clock;
}

}  // namespace

struct ServiceBusService::Impl {
  ServiceBusFakeOptions options;
  const core::Clock& clock;

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, Entity> entities;  // lower-case queue name → state
  std::map<std::string, core::TimePoint> tokens;
  std::int64_t next_sequence = 1;
  bool secret_expired = false;
  bool closed = false;
  std::chrono::milliseconds latency{0};
  ServiceBusFakeStats stats;

  explicit Impl(ServiceBusFakeOptions o)
      : options(std::move(o)), clock(options.clock != nullptr ? *options.clock : wall_clock()) {
    latency = options.latency;
    for (const auto& q : options.queues) entities[lower(q)];
  }

  // --- state transitions (mutex held) -------------------------------------

  void dead_letter(Entity& entity, std::map<std::int64_t, Stored>::iterator it, std::string reason) {
    Stored m = std::move(it->second);
    entity.active.erase(it);
    m.locked = false;
    m.lock_token.clear();
    m.dead_letter_reason = std::move(reason);
    ++stats.dead_lettered;
    entity.dead_letter.emplace(m.sequence_number, std::move(m));
  }

  // Ends a lock (abandon or expiry): the message is receivable again, or
  // dead-lettered when it has been delivered max_delivery_count times.
  void release(Entity& entity, std::map<std::int64_t, Stored>::iterator it, bool is_dead_letter_queue) {
    it->second.locked = false;
    it->second.lock_token.clear();
    if (!is_dead_letter_queue && it->second.delivery_count >= options.max_delivery_count) {
      dead_letter(entity, it, "MaxDeliveryCountExceeded");
    }
  }

  // Applies lock expiry and TTL to one queue.
  void sweep(Entity& entity, bool dead_letter_queue) {
    const core::TimePoint now = clock.now();
    auto& queue = dead_letter_queue ? entity.dead_letter : entity.active;
    for (auto it = queue.begin(); it != queue.end();) {
      auto next = std::next(it);
      Stored& m = it->second;
      if (m.locked && m.locked_until <= now) {
        ++stats.lock_expiries;
        release(entity, it, dead_letter_queue);
      } else if (!m.locked && m.expires <= now && !dead_letter_queue) {
        ++stats.expired;
        queue.erase(it);
      }
      it = next;
    }
  }

  void sweep_all() {
    for (auto& [name, entity] : entities) {
      sweep(entity, false);
      sweep(entity, true);
    }
  }

  std::string store(const std::string& queue_name, Stored m) {
    Entity& entity = entities[lower(queue_name)];
    m.sequence_number = next_sequence++;
    if (m.message_id.empty()) m.message_id = random_hex(16);
    m.enqueued = clock.now();
    if (m.ttl.count() <= 0) m.ttl = options.default_ttl;
    m.expires = m.enqueued + m.ttl;
    std::string id = m.message_id;
    entity.active.emplace(m.sequence_number, std::move(m));
    changed.notify_all();
    return id;
  }

  // --- auth ---------------------------------------------------------------

  // True when the request may touch `queue`; otherwise fills a 401.
  bool authorize(const httplib::Request& req, httplib::Response& res, const std::string& entity_url) {
    const std::string header = req.get_header_value("Authorization");
    std::lock_guard lock(mutex);
    const core::TimePoint now = clock.now();
    if (header.rfind("Bearer ", 0) == 0) {
      const auto it = tokens.find(header.substr(7));
      if (it != tokens.end() && it->second > now) return true;
      ++stats.auth_failures;
      xml_error(
          res, 401,
          it == tokens.end() ? "InvalidSignature: The token is not valid" : "ExpiredToken: The token is expired.");
      return false;
    }
    if (header.rfind("SharedAccessSignature ", 0) == 0) {
      std::map<std::string, std::string> parts;
      std::string_view rest = std::string_view(header).substr(22);
      while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos) parts[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
      }
      const auto key = std::find_if(options.sas_keys.begin(), options.sas_keys.end(),
                                    [&](const auth::SasKey& k) { return k.name == parts["skn"]; });
      // cpp-httplib 0.11 percent-decodes header values before we see them,
      // so the exact signed `sr` may be lost: accept the raw value if it is
      // still encoded, else re-encode it as Python (upper-case hex) and .NET
      // (lower-case hex) clients do.
      const std::string raw_sr = parts["sr"];
      auto sig = parts["sig"].find('%') == std::string::npos ? Result<std::string>(parts["sig"])
                                                             : auth::azure_url_decode(parts["sig"]);
      auto resource =
          raw_sr.find('%') == std::string::npos ? Result<std::string>(raw_sr) : auth::azure_url_decode(raw_sr);
      std::int64_t se = 0;
      try {
        se = std::stoll(parts["se"]);
      } catch (const std::exception&) {
        se = 0;
      }
      std::vector<std::string> signed_forms;
      if (raw_sr.find('%') != std::string::npos) {
        signed_forms.push_back(raw_sr);
      } else {
        signed_forms.push_back(auth::azure_url_encode(raw_sr));
        signed_forms.push_back(lower_hex_escapes(signed_forms.back()));
      }
      bool sig_ok = false;
      for (const std::string& form : signed_forms) {
        if (key == options.sas_keys.end() || !sig) break;
        const std::string expected = auth::sas_signature(form, se, key->key);
        sig_ok = sig_ok ||
                 (sig->size() == expected.size() && CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) == 0);
      }
      if (!sig_ok) {
        ++stats.auth_failures;
        xml_error(res, 401, "InvalidSignature: The token has an invalid signature");
        return false;
      }
      if (std::chrono::system_clock::from_time_t(static_cast<std::time_t>(se)) <= now) {
        ++stats.auth_failures;
        xml_error(res, 401, "ExpiredToken: The token is expired.");
        return false;
      }
      std::string res_uri = lower(*resource);
      while (!res_uri.empty() && res_uri.back() == '/') res_uri.pop_back();
      const std::string target = lower(entity_url);
      if (target.rfind(res_uri, 0) != 0 || (target.size() > res_uri.size() && target[res_uri.size()] != '/')) {
        ++stats.auth_failures;
        xml_error(res, 401, "InvalidAudience: The token audience does not cover this entity");
        return false;
      }
      return true;
    }
    ++stats.auth_failures;
    xml_error(res, 401, "MissingToken: The authorization header was not found");
    return false;
  }

  // --- handlers -----------------------------------------------------------

  void delay() {
    std::chrono::milliseconds wait;
    {
      std::lock_guard lock(mutex);
      wait = latency;
    }
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

  void token(const httplib::Request& req, httplib::Response& res, const std::string& tenant) {
    const auto form = parse_form(req.body);
    const auto get = [&](const std::string& k) {
      const auto it = form.find(k);
      return it == form.end() ? std::string() : it->second;
    };
    const auto fail = [&](int status, std::string_view error, std::string_view description) {
      json::Writer w;
      w.begin_object()
          .key("error")
          .string(error)
          .key("error_description")
          .string(fmt::format("{}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: fake", description, random_uuid(),
                              random_uuid()))
          .end_object();
      json_reply(res, status, w.finish().value_or("{}"));
    };
    std::lock_guard lock(mutex);
    if (tenant != options.tenant_id) {
      fail(
          400, "invalid_request",
          fmt::format("AADSTS90002: Tenant '{}' not found. Check to make sure you have the correct tenant ID", tenant));
    } else if (get("grant_type") != "client_credentials") {
      fail(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type");
    } else if (get("client_id") != options.client_id) {
      fail(400, "unauthorized_client",
           fmt::format("AADSTS700016: Application with identifier '{}' was not found in the directory",
                       get("client_id")));
    } else if (get("client_secret") != options.client_secret) {
      fail(401, "invalid_client",
           fmt::format("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request "
                       "is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                       options.client_id));
    } else if (secret_expired) {
      fail(401, "invalid_client",
           fmt::format("AADSTS7000222: The provided client secret keys for app '{}' are expired. Visit the Azure "
                       "portal to create new keys for your app",
                       options.client_id));
    } else if (get("scope") != auth::kServiceBusScope) {
      fail(400, "invalid_scope",
           fmt::format("AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope {} "
                       "is not valid.",
                       get("scope")));
    } else {
      const std::string value = "fake-entra." + random_hex(24);
      tokens[value] = clock.now() + options.token_lifetime;
      ++stats.tokens_issued;
      json::Writer w;
      w.begin_object()
          .key("token_type")
          .string("Bearer")
          .key("expires_in")
          .int64(options.token_lifetime.count())
          .key("ext_expires_in")
          .int64(options.token_lifetime.count())
          .key("access_token")
          .string(value)
          .end_object();
      json_reply(res, 200, w.finish().value_or("{}"));
    }
  }

  static std::string broker_properties(const Stored& m, bool with_lock) {
    json::Writer w;
    w.begin_object();
    w.key("DeliveryCount").int64(m.delivery_count);
    w.key("EnqueuedSequenceNumber").int64(0);
    w.key("EnqueuedTimeUtc").string(azure::format_rfc1123(m.enqueued));
    if (!m.label.empty()) w.key("Label").string(m.label);
    if (!m.correlation_id.empty()) w.key("CorrelationId").string(m.correlation_id);
    if (with_lock) {
      w.key("LockToken").string(m.lock_token);
      w.key("LockedUntilUtc").string(azure::format_rfc1123(m.locked_until));
    }
    w.key("MessageId").string(m.message_id);
    w.key("SequenceNumber").int64(m.sequence_number);
    w.key("State").string(m.dead_letter_reason.empty() ? "Active" : "Deadlettered");
    w.key("TimeToLive").int64(m.ttl.count());
    w.end_object();
    return w.finish().value_or("{}");
  }

  void write_message(httplib::Response& res, const Stored& m, bool with_lock, const std::string& location) {
    res.set_header("BrokerProperties", broker_properties(m, with_lock));
    if (!location.empty()) res.set_header("Location", location);
    for (const auto& [name, value] : m.properties) res.set_header(name, value);
    if (!m.dead_letter_reason.empty()) res.set_header("DeadLetterReason", json::quote(m.dead_letter_reason));
    res.set_content(m.body, m.content_type.empty() ? "application/octet-stream" : m.content_type.c_str());
  }

  void receive(const httplib::Request& req, httplib::Response& res, const EntityRef& ref, const std::string& base,
               const std::string& entity_path, bool peek_lock) {
    int timeout = 60;
    if (req.has_param("timeout")) {
      try {
        timeout = std::clamp(std::stoi(req.get_param_value("timeout")), 0, 300);
      } catch (const std::exception&) {
        xml_error(res, 400, "BadRequest: timeout must be a number of seconds");
        return;
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    std::unique_lock lock(mutex);
    while (true) {
      auto found = entities.find(ref.queue);
      if (found == entities.end()) {
        lock.unlock();
        xml_error(res, 410, fmt::format("MessagingEntityNotFound: Entity '{}' was not found", ref.queue));
        return;
      }
      Entity& entity = found->second;
      sweep(entity, ref.dead_letter);
      auto& queue = ref.dead_letter ? entity.dead_letter : entity.active;
      const auto it = std::find_if(queue.begin(), queue.end(), [](const auto& kv) { return !kv.second.locked; });
      if (it != queue.end()) {
        Stored& m = it->second;
        ++m.delivery_count;
        if (!peek_lock) {
          Stored copy = std::move(m);
          queue.erase(it);
          lock.unlock();
          res.status = 200;
          write_message(res, copy, false, {});
          return;
        }
        m.locked = true;
        m.lock_token = random_uuid();
        m.locked_until = clock.now() + options.lock_duration;
        ++stats.receives;
        const Stored copy = m;
        lock.unlock();
        res.status = 201;
        write_message(res, copy, true,
                      fmt::format("{}/{}/messages/{}/{}", base, entity_path, copy.sequence_number, copy.lock_token));
        return;
      }
      if (closed || std::chrono::steady_clock::now() >= deadline) break;
      // Wake on send, on close, or soon enough to notice a moved FakeClock.
      changed.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    }
    ++stats.empty_receives;
    lock.unlock();
    res.status = 204;
  }

  void settle(httplib::Response& res, const EntityRef& ref, const std::string& id, const std::string& lock_token,
              const std::string& method) {
    std::lock_guard lock(mutex);
    auto found = entities.find(ref.queue);
    if (found == entities.end()) {
      xml_error(res, 410, fmt::format("MessagingEntityNotFound: Entity '{}' was not found", ref.queue));
      return;
    }
    Entity& entity = found->second;
    sweep(entity, ref.dead_letter);
    auto& queue = ref.dead_letter ? entity.dead_letter : entity.active;
    const auto it = std::find_if(queue.begin(), queue.end(), [&](const auto& kv) {
      const Stored& m = kv.second;
      return m.locked && m.lock_token == lock_token && (m.message_id == id || std::to_string(m.sequence_number) == id);
    });
    if (it == queue.end()) {
      ++stats.lock_lost;
      xml_error(res, 404,
                fmt::format("MessageLockLost: The lock supplied is invalid. Either the lock expired, or the message "
                            "has already been removed from the queue. Reference:{}",
                            lock_token));
      return;
    }
    if (method == "DELETE") {
      queue.erase(it);
      ++stats.completes;
    } else if (method == "PUT") {
      ++stats.abandons;
      release(entity, it, ref.dead_letter);
      changed.notify_all();
    } else {
      it->second.locked_until = clock.now() + options.lock_duration;
      ++stats.renewals;
    }
    res.status = 200;
    res.set_content("", "application/xml; charset=utf-8");
  }

  void send(const httplib::Request& req, httplib::Response& res, const EntityRef& ref) {
    if (ref.dead_letter) {
      xml_error(res, 400, "BadRequest: Cannot send to a dead-letter queue");
      return;
    }
    {
      std::lock_guard lock(mutex);
      if (entities.find(ref.queue) == entities.end()) {
        xml_error(res, 410, fmt::format("MessagingEntityNotFound: Entity '{}' was not found", ref.queue));
        return;
      }
    }
    if (req.body.size() > kMaxMessageBytes) {
      xml_error(res, 403,
                fmt::format("QuotaExceeded: The received message (size={}) exceeds the limit ({} bytes)",
                            req.body.size(), kMaxMessageBytes));
      return;
    }
    std::vector<Stored> batch;
    const std::string content_type = req.get_header_value("Content-Type");
    const auto read_broker = [&](const json::View& props, Stored& m) -> std::optional<std::string> {
      if (props.is_missing() || props.is_null()) return std::nullopt;
      auto id = props.field("MessageId").optional_string();
      auto label = props.field("Label").optional_string();
      auto corr = props.field("CorrelationId").optional_string();
      auto ttl = props.field("TimeToLive").optional_double();
      if (!id || !label || !corr || !ttl) return "BrokerProperties: bad value";
      if (*id) m.message_id = std::string(**id);
      if (*label) m.label = std::string(**label);
      if (*corr) m.correlation_id = std::string(**corr);
      if (*ttl) m.ttl = std::chrono::seconds(static_cast<std::int64_t>(**ttl));
      return std::nullopt;
    };
    if (content_type == "application/vnd.microsoft.servicebus.json") {
      auto doc = json::parse(req.body);
      if (!doc || !doc->root().is_array()) {
        xml_error(res, 400, "BadRequest: the batch is not a JSON array");
        return;
      }
      for (const json::View item : doc->root().elements()) {
        Stored m;
        auto body = item.field("Body").as_string();
        if (!body) {
          xml_error(res, 400, "BadRequest: batch item without a string Body");
          return;
        }
        m.body = std::string(*body);
        m.content_type = "application/octet-stream";
        if (auto bad = read_broker(item.field("BrokerProperties"), m)) {
          xml_error(res, 400, "BadRequest: " + *bad);
          return;
        }
        for (const auto& [name, value] : item.field("UserProperties").members()) {
          if (value.is_string()) {
            m.properties[std::string(name)] = json::quote(*value.as_string());
          } else if (value.is_bool()) {
            m.properties[std::string(name)] = *value.as_bool() ? "true" : "false";
          } else if (value.is_number()) {
            m.properties[std::string(name)] = fmt::format("{}", *value.as_double());
          }
        }
        batch.push_back(std::move(m));
      }
    } else {
      Stored m;
      m.body = req.body;
      m.content_type = content_type;
      const std::string broker = req.get_header_value("BrokerProperties");
      if (!broker.empty()) {
        auto doc = json::parse(broker);
        if (!doc) {
          xml_error(res, 400, "BadRequest: BrokerProperties is not JSON");
          return;
        }
        if (auto bad = read_broker(doc->root(), m)) {
          xml_error(res, 400, "BadRequest: " + *bad);
          return;
        }
      }
      for (const auto& [name, value] : req.headers) {
        if (is_request_plumbing(name)) continue;
        if (!valid_property_value(value)) {
          xml_error(res, 400, fmt::format("BadRequest: the value of property '{}' has no Service Bus type", name));
          return;
        }
        m.properties[name] = value;
      }
      batch.push_back(std::move(m));
    }
    std::lock_guard lock(mutex);
    for (Stored& m : batch) {
      if (options.double_encode_sent_bodies) m.body = json::quote(m.body);
      ++stats.sends;
      store(ref.queue, std::move(m));
    }
    res.status = 201;
    res.set_content("", "application/xml; charset=utf-8");
  }

  // Splits "/a/b/messages/..." and dispatches; anything else is 404.
  void dispatch(const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> segments;
    std::string_view path = req.path;
    while (!path.empty()) {
      if (path.front() == '/') {
        path.remove_prefix(1);
        continue;
      }
      const auto slash = path.find('/');
      segments.emplace_back(path.substr(0, slash));
      path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    delay();
    if (req.method == "POST" && segments.size() == 4 && segments[1] == "oauth2" && segments[2] == "v2.0" &&
        segments[3] == "token") {
      token(req, res, segments[0]);
      return;
    }
    // The last "messages" segment splits entity and operation.
    std::size_t at = segments.size();
    for (std::size_t i = segments.size(); i-- > 1;) {
      if (segments[i] == "messages") {
        at = i;
        break;
      }
    }
    if (at == segments.size()) {
      xml_error(res, 404, "NotFound: no such operation");
      return;
    }
    std::string entity_path;
    for (std::size_t i = 0; i < at; ++i) entity_path += (i == 0 ? "" : "/") + segments[i];
    const std::vector<std::string> op(segments.begin() + static_cast<std::ptrdiff_t>(at) + 1, segments.end());
    const std::string host = req.get_header_value("Host");
    const std::string base = "https://" + host;
    if (!authorize(req, res, base + "/" + entity_path)) return;
    const EntityRef ref = parse_entity(entity_path);
    if (op.empty() && req.method == "POST") {
      send(req, res, ref);
    } else if (op.size() == 1 && op[0] == "head" && (req.method == "POST" || req.method == "DELETE")) {
      receive(req, res, ref, base, entity_path, req.method == "POST");
    } else if (op.size() == 2 && (req.method == "DELETE" || req.method == "PUT" || req.method == "POST")) {
      settle(res, ref, op[0], op[1], req.method);
    } else {
      xml_error(res, 405, "MethodNotAllowed: unsupported operation");
    }
  }

  static void write_infos(json::Writer& w, const std::map<std::int64_t, Stored>& queue) {
    w.begin_array();
    for (const auto& [seq, m] : queue) {
      w.begin_object()
          .key("message_id")
          .string(m.message_id)
          .key("label")
          .string(m.label)
          .key("sequence_number")
          .int64(seq)
          .key("delivery_count")
          .int64(m.delivery_count)
          .key("locked")
          .boolean(m.locked)
          .key("dead_letter_reason")
          .string(m.dead_letter_reason)
          .key("body")
          .string(m.body)
          .end_object();
    }
    w.end_array();
  }
};

ServiceBusService::ServiceBusService(ServiceBusFakeOptions options)
    : m_impl(std::make_unique<Impl>(std::move(options))) {}

ServiceBusService::~ServiceBusService() = default;

void ServiceBusService::install(httplib::Server& server) {
  // Many receivers long-poll at once, each on its own kept-alive connection.
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_keep_alive_max_count(100000);
  // Without TCP_NODELAY, Nagle holds the body write until the client's
  // delayed ACK (~40 ms), which would swamp the latency being simulated.
  server.set_tcp_nodelay(true);
  Impl& impl = *m_impl;
  server.Post("/_fake/servicebus/expire-locks", [this](const httplib::Request&, httplib::Response& res) {
    expire_all_locks();
    res.set_content("{}", "application/json");
  });
  server.Post(R"(/_fake/servicebus/queues/([^/]+)/messages)",
              [this](const httplib::Request& req, httplib::Response& res) {
                FakeMessage m{.body = req.body,
                              .content_type = req.get_header_value("Content-Type"),
                              .message_id = req.get_param_value("id"),
                              .label = req.get_param_value("label")};
                const std::string id = enqueue(req.matches[1], std::move(m));
                res.set_content(fmt::format(R"({{"message_id":{}}})", json::quote(id)), "application/json");
              });
  server.Get(R"(/_fake/servicebus/queues/([^/]+))", [&impl](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(impl.mutex);
    impl.sweep_all();
    const auto it = impl.entities.find(lower(req.matches[1].str()));
    if (it == impl.entities.end()) {
      res.status = 404;
      res.set_content("{}", "application/json");
      return;
    }
    json::Writer w;
    w.begin_object().key("active");
    Impl::write_infos(w, it->second.active);
    w.key("dead_letter");
    Impl::write_infos(w, it->second.dead_letter);
    w.end_object();
    res.set_content(w.finish().value_or("{}"), "application/json");
  });
  const auto handler = [&impl](const httplib::Request& req, httplib::Response& res) { impl.dispatch(req, res); };
  server.Post(R"(/.*)", handler);
  server.Put(R"(/.*)", handler);
  server.Delete(R"(/.*)", handler);
}

void ServiceBusService::create_queue(const std::string& name) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->entities[lower(name)];
}

std::string ServiceBusService::enqueue(const std::string& queue, FakeMessage message, BodyEncoding encoding) {
  Stored m;
  m.body = encoding == BodyEncoding::double_encoded ? json::quote(message.body) : std::move(message.body);
  m.content_type = std::move(message.content_type);
  m.message_id = std::move(message.message_id);
  m.label = std::move(message.label);
  m.properties = std::move(message.properties);
  if (message.time_to_live) m.ttl = *message.time_to_live;
  std::lock_guard lock(m_impl->mutex);
  return m_impl->store(queue, std::move(m));
}

namespace {
std::vector<MessageInfo> infos(const std::map<std::int64_t, Stored>& queue) {
  std::vector<MessageInfo> out;
  for (const auto& [seq, m] : queue) {
    out.push_back(MessageInfo{m.message_id, m.label, m.body, seq, m.delivery_count, m.locked, m.dead_letter_reason});
  }
  return out;
}
}  // namespace

std::vector<MessageInfo> ServiceBusService::messages(const std::string& queue) const {
  std::lock_guard lock(m_impl->mutex);
  m_impl->sweep_all();
  const auto it = m_impl->entities.find(lower(queue));
  return it == m_impl->entities.end() ? std::vector<MessageInfo>{} : infos(it->second.active);
}

std::vector<MessageInfo> ServiceBusService::dead_letters(const std::string& queue) const {
  std::lock_guard lock(m_impl->mutex);
  m_impl->sweep_all();
  const auto it = m_impl->entities.find(lower(queue));
  return it == m_impl->entities.end() ? std::vector<MessageInfo>{} : infos(it->second.dead_letter);
}

void ServiceBusService::expire_all_locks() {
  std::lock_guard lock(m_impl->mutex);
  for (auto& [name, entity] : m_impl->entities) {
    for (bool dlq : {false, true}) {
      auto& queue = dlq ? entity.dead_letter : entity.active;
      for (auto it = queue.begin(); it != queue.end();) {
        auto next = std::next(it);
        if (it->second.locked) {
          ++m_impl->stats.lock_expiries;
          m_impl->release(entity, it, dlq);
        }
        it = next;
      }
    }
  }
  m_impl->changed.notify_all();
}

void ServiceBusService::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->latency = latency;
}

void ServiceBusService::set_secret_expired(bool expired) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->secret_expired = expired;
}

ServiceBusFakeStats ServiceBusService::stats() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->stats;
}

void ServiceBusService::close() {
  std::lock_guard lock(m_impl->mutex);
  m_impl->closed = true;
  m_impl->changed.notify_all();
}

HostedServiceBus::HostedServiceBus(ServiceBusFakeOptions options) : m_service(std::move(options)) {
  m_host = std::make_unique<ServerHost>(ServeOptions{}, [this](httplib::Server& s) { m_service.install(s); });
  m_host->start();
}

HostedServiceBus::~HostedServiceBus() {
  m_service.close();
  m_host->stop();
}

}  // namespace gbpm::fakes::servicebus
