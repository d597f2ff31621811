#include "azure/receiver_pool.hpp"

#include <fmt/format.h>

#include "core/log.hpp"

namespace gbpm::azure {

struct ReceiverPool::Receiver {
  int index = 0;
  std::unique_ptr<net::HttpTransport> raw;
  std::unique_ptr<net::RetryingTransport> retrying;
  std::unique_ptr<ServiceBusClient> client;
};

ReceiverPool::ReceiverPool(TransportFactory make_transport, auth::TokenSource& tokens, ReceiverPoolOptions options,
                           core::Clock& clock, MessageHandler handler)
    : m_make_transport(std::move(make_transport)),
      m_tokens(tokens),
      m_options(std::move(options)),
      m_clock(clock),
      m_handler(std::move(handler)) {
  if (m_options.logger == nullptr) m_options.logger = &log::null_logger();
}

ReceiverPool::~ReceiverPool() {
  stop();
}

Status ReceiverPool::start() {
  if (!m_threads.empty()) return make_error(ErrorKind::internal, "ReceiverPool::start called twice");
  const int count = std::max(m_options.receivers, 1);
  std::vector<std::unique_ptr<Receiver>> receivers;
  for (int i = 0; i < count; ++i) {
    auto receiver = std::make_unique<Receiver>();
    receiver->index = i;
    auto raw = m_make_transport();
    if (!raw) return raw.error().with_context(fmt::format("Service Bus receiver {}", i));
    receiver->raw = std::move(*raw);
    receiver->retrying = std::make_unique<net::RetryingTransport>(
        *receiver->raw, m_clock, m_options.retry, net::BackoffPolicy(m_options.backoff), m_options.logger);
    receiver->client = std::make_unique<ServiceBusClient>(*receiver->retrying, m_tokens, m_options.bus);
    receivers.push_back(std::move(receiver));
  }
  m_receivers = std::move(receivers);
  m_stopping = false;
  for (auto& receiver : m_receivers) {
    m_threads.emplace_back([this, r = receiver.get()] { run(*r); });
  }
  return {};
}

void ReceiverPool::stop() {
  {
    std::lock_guard lock(m_stop_mutex);
    m_stopping = true;
  }
  m_stop_cv.notify_all();
  for (auto& thread : m_threads) {
    if (thread.joinable()) thread.join();
  }
  m_threads.clear();
}

ReceiverStats ReceiverPool::stats() const {
  std::lock_guard lock(m_stats_mutex);
  return m_stats;
}

void ReceiverPool::wait_backoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(m_stop_mutex);
  m_stop_cv.wait_for(lock, delay, [this] { return m_stopping.load(); });
}

void ReceiverPool::run(Receiver& receiver) {
  log::Logger& logger = *m_options.logger;
  net::BackoffPolicy fresh_backoff(m_options.error_backoff);
  net::BackoffPolicy backoff = fresh_backoff.fork();
  ReceiverContext context{*receiver.client, receiver.index};
  const auto count = [this](std::uint64_t ReceiverStats::*field) {
    std::lock_guard lock(m_stats_mutex);
    ++(m_stats.*field);
  };
  const auto count_settle = [&](const Result<SettleOutcome>& outcome, std::uint64_t ReceiverStats::*done_field,
                                const ReceivedMessage& message, std::string_view op) {
    if (!outcome) {
      count(&ReceiverStats::errors);
      logger.warn("service bus settle failed", {{"op", op},
                                                {"message_id", message.message_id},
                                                {"receiver", receiver.index},
                                                {"error", outcome.error().message}});
      return;
    }
    if (*outcome == SettleOutcome::done) {
      count(done_field);
      return;
    }
    count(&ReceiverStats::lock_lost);
    logger.warn("service bus lock lost", {{"op", op},
                                          {"message_id", message.message_id},
                                          {"outcome", settle_outcome_name(*outcome)},
                                          {"receiver", receiver.index}});
  };

  while (!m_stopping.load()) {
    auto received = receiver.client->receive();
    if (!received) {
      count(&ReceiverStats::errors);
      const auto delay = backoff.next_delay();
      logger.warn("service bus receive failed",
                  {{"receiver", receiver.index}, {"error", received.error().message}, {"retry_in_ms", delay.count()}});
      wait_backoff(delay);
      continue;
    }
    backoff = fresh_backoff.fork();
    if (!*received) {
      count(&ReceiverStats::empty_polls);
      continue;
    }
    const ReceivedMessage& message = **received;
    count(&ReceiverStats::received);
    const Disposition disposition = m_handler(context, message);
    switch (disposition) {
      case Disposition::complete:
        count_settle(receiver.client->complete(message), &ReceiverStats::completed, message, "complete");
        break;
      case Disposition::abandon:
        count_settle(receiver.client->abandon(message), &ReceiverStats::abandoned, message, "abandon");
        break;
      case Disposition::keep: break;
    }
  }
}

}  // namespace gbpm::azure
