#pragma once
// Several peek-lock receivers on one queue, so throughput is not bound to one
// HTTPS round trip (REST receives one message per request; a receive plus a
// complete is two round trips). Each receiver thread owns its transport
// (CurlTransport serialises calls on one handle) wrapped in a
// RetryingTransport, and all share one TokenSource (CachingTokenSource is
// thread-safe and refreshes once for everyone).
//
//   ReceiverPool pool(make_curl, tokens, {.bus = ..., .receivers = 8}, clock,
//                     [&](ReceiverContext& ctx, const ReceivedMessage& m) {
//                       if (!store(m)) return Disposition::abandon;
//                       return Disposition::complete;
//                     });
//   if (auto s = pool.start(); !s) ...;
//   ...
//   pool.stop();

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "auth/token_source.hpp"
#include "azure/servicebus.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/http.hpp"
#include "net/retry.hpp"

namespace gbpm::log {
class Logger;
}

namespace gbpm::azure {

// What the handler wants done with a message it was given.
enum class Disposition {
  complete,  // durably handled: remove it from the queue
  abandon,   // not handled (transient failure): make it receivable again now
  keep,      // leave the lock alone (the handler settled it itself, or lets it expire)
};

// Counters of a pool's work so far. Monotonic.
struct ReceiverStats {
  std::uint64_t received = 0;
  std::uint64_t completed = 0;
  std::uint64_t abandoned = 0;
  std::uint64_t lock_lost = 0;  // settle found the lock gone (404/410): the message will be redelivered
  std::uint64_t empty_polls = 0;
  std::uint64_t errors = 0;  // failed receives or settles (after the transport's retries)
};

// Handed to the handler: the receiver's own client (to renew the lock of a
// long-running message) and its index.
struct ReceiverContext {
  ServiceBusClient& client;
  int index = 0;
};

using MessageHandler = std::function<Disposition(ReceiverContext&, const ReceivedMessage&)>;
// Makes one receiver's raw transport (e.g. a CurlTransport with the CA file).
using TransportFactory = std::function<Result<std::unique_ptr<net::HttpTransport>>()>;

struct ReceiverPoolOptions {
  ServiceBusOptions bus;
  int receivers = 4;
  net::RetryPolicy retry{};
  net::BackoffOptions backoff{};
  // Wait after a receive that failed even after the transport's retries
  // (grows exponentially up to error_backoff.max); reset by a success.
  net::BackoffOptions error_backoff{.initial = std::chrono::milliseconds(1000),
                                    .max = std::chrono::milliseconds(60000)};
  log::Logger* logger = nullptr;
};

// Runs `options.receivers` threads, each looping receive → handler → settle
// until stop(). The handler runs on the receiver's thread and may be called
// concurrently from several receivers. Errors never stop a receiver: they are
// counted, logged and followed by a backoff.
class ReceiverPool {
 public:
  ReceiverPool(TransportFactory make_transport, auth::TokenSource& tokens, ReceiverPoolOptions options,
               core::Clock& clock, MessageHandler handler);
  ~ReceiverPool();  // stop()s
  ReceiverPool(const ReceiverPool&) = delete;
  ReceiverPool& operator=(const ReceiverPool&) = delete;

  // Creates every receiver's transport, then starts the threads. A failing
  // factory is returned and nothing is started.
  Status start();
  // Asks every receiver to stop and joins them. A receiver in a long poll
  // finishes it first (up to receive_wait), and a handler in progress is
  // allowed to finish and settle its message.
  void stop();
  // True until stop() has been called.
  [[nodiscard]] bool running() const { return !m_stopping.load(); }

  [[nodiscard]] ReceiverStats stats() const;

 private:
  struct Receiver;
  void run(Receiver& receiver);
  void wait_backoff(std::chrono::milliseconds delay);

  TransportFactory m_make_transport;
  auth::TokenSource& m_tokens;
  ReceiverPoolOptions m_options;
  core::Clock& m_clock;
  MessageHandler m_handler;

  std::vector<std::unique_ptr<Receiver>> m_receivers;
  std::vector<std::thread> m_threads;
  std::atomic<bool> m_stopping{false};
  std::mutex m_stop_mutex;
  std::condition_variable m_stop_cv;

  mutable std::mutex m_stats_mutex;
  ReceiverStats m_stats;
};

}  // namespace gbpm::azure
