#pragma once
// The `servicebus:` source: an IRIS queue read in peek-lock mode through the
// Service Bus REST client (azure/servicebus.hpp).
//
//   receive      one peek-lock receive per message (the REST API has no batch
//                receive); the first waits up to the client's receive_wait
//                (keep it ~1 s for bounded latency), the batch ends at the
//                first empty poll, at the limits, or limits.max_wait after
//                its first message.
//   acknowledge  complete: the message is removed from the queue.
//   release      abandon (unlock): redelivered, its delivery count goes up;
//                after the queue's max delivery count it is dead-lettered.
//   keep_alive   renews locks that end within `renew_margin`, so a large
//                message being decoded and committed does not lose its lock.
// A lost lock on complete (404) is counted, not an error: the broker will
// redeliver the message and the warehouse's upsert makes that a no-op.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "azure/servicebus.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "ingest/message_source.hpp"

namespace gbpm::ingest {

struct ServiceBusSourceOptions {
  // Locks ending sooner than this are renewed by keep_alive().
  std::chrono::milliseconds renew_margin{30000};
};

struct ServiceBusSourceStats {
  std::int64_t completed = 0;
  std::int64_t abandoned = 0;
  std::int64_t renewed = 0;
  std::int64_t lock_lost = 0;  // complete/abandon/renew found the lock gone
};

class ServiceBusSource final : public MessageSource {
 public:
  // `client`, `clock` and `log` must outlive the source. `name` is for logs
  // ("servicebus:elexon-insights-iris/iris.<uuid>").
  ServiceBusSource(azure::ServiceBusClient& client, core::Clock& clock, log::Logger& log, std::string name,
                   ServiceBusSourceOptions options = {});

  Result<std::vector<Message>> receive(const ReceiveLimits& limits) override;
  Status acknowledge(const Message& message, Outcome outcome, std::string_view error) override;
  void release(const Message& message) override;
  void keep_alive(const std::vector<Message>& in_flight) override;
  [[nodiscard]] std::string describe() const override { return m_name; }
  [[nodiscard]] SourceCounters counters() const override {
    return {.locks_renewed = m_stats.renewed, .locks_lost = m_stats.lock_lost};
  }

  [[nodiscard]] const ServiceBusSourceStats& stats() const { return m_stats; }

 private:
  azure::ServiceBusClient& m_client;
  core::Clock& m_clock;
  log::Logger& m_log;
  std::string m_name;
  ServiceBusSourceOptions m_options;
  std::map<std::string, azure::ReceivedMessage> m_locked;  // by lock token; bodies moved out
  ServiceBusSourceStats m_stats;
};

}  // namespace gbpm::ingest
