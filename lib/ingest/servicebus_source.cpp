#include "ingest/servicebus_source.hpp"

#include <utility>

namespace gbpm::ingest {

ServiceBusSource::ServiceBusSource(azure::ServiceBusClient& client, core::Clock& clock, log::Logger& log,
                                   std::string name, ServiceBusSourceOptions options)
    : m_client(client), m_clock(clock), m_log(log), m_name(std::move(name)), m_options(options) {}

Result<std::vector<Message>> ServiceBusSource::receive(const ReceiveLimits& limits) {
  std::vector<Message> out;
  std::size_t bytes = 0;
  core::TimePoint first{};
  while (out.size() < limits.max_messages && (out.empty() || bytes < limits.max_bytes)) {
    if (!out.empty() && m_clock.now() - first >= limits.max_wait) break;
    auto received = m_client.receive();
    if (!received) {
      // Messages already locked are handed out; the error shows up next time.
      if (!out.empty()) break;
      return received.error();
    }
    if (!received->has_value()) break;
    azure::ReceivedMessage& r = **received;
    Message message;
    message.id = r.message_id;
    message.subject = r.label;
    message.source_ref = "servicebus:" + r.message_id;
    message.locator = r.lock_token;
    message.enqueued_at = r.enqueued_time.value_or(m_clock.now());
    message.body = std::move(r.body);
    r.body.clear();
    bytes += message.body.size();
    if (out.empty()) first = m_clock.now();
    m_locked[r.lock_token] = std::move(r);
    out.push_back(std::move(message));
  }
  return out;
}

Status ServiceBusSource::acknowledge(const Message& message, Outcome /*outcome*/, std::string_view /*error*/) {
  auto it = m_locked.find(message.locator);
  if (it == m_locked.end()) return make_error(ErrorKind::internal, "no lock held for message " + message.id);
  auto settled = m_client.complete(it->second);
  m_locked.erase(it);
  if (!settled) return settled.error();
  if (*settled == azure::SettleOutcome::done) {
    ++m_stats.completed;
  } else {
    ++m_stats.lock_lost;
    m_log.warn("lock lost before complete; the message will be redelivered and deduplicated",
               {{"message_id", message.id}, {"outcome", azure::settle_outcome_name(*settled)}});
  }
  return {};
}

void ServiceBusSource::release(const Message& message) {
  auto it = m_locked.find(message.locator);
  if (it == m_locked.end()) return;
  auto settled = m_client.abandon(it->second);
  m_locked.erase(it);
  if (settled && *settled == azure::SettleOutcome::done) {
    ++m_stats.abandoned;
  } else if (settled) {
    ++m_stats.lock_lost;
  } else {
    // The lock expires by itself and the message comes back anyway.
    m_log.warn("abandon failed; the lock will expire",
               {{"message_id", message.id}, {"error", settled.error().message}});
  }
}

void ServiceBusSource::keep_alive(const std::vector<Message>& in_flight) {
  const auto now = m_clock.now();
  for (const auto& message : in_flight) {
    auto it = m_locked.find(message.locator);
    if (it == m_locked.end()) continue;
    const auto& until = it->second.locked_until;
    if (until && *until - now > m_options.renew_margin) continue;
    auto renewed = m_client.renew_lock(it->second);
    if (renewed && *renewed == azure::SettleOutcome::done) {
      ++m_stats.renewed;
      // The broker extended the lock by one lock duration from now; assume
      // at least the margin so the next call does not renew again at once.
      it->second.locked_until = now + m_options.renew_margin + std::chrono::seconds{1};
    } else if (renewed) {
      ++m_stats.lock_lost;
    }
  }
}

}  // namespace gbpm::ingest
