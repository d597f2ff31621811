// Receive+complete throughput of the Service Bus REST client (ReceiverPool)
// against the in-process fake-servicebus over HTTPS, with a fixed latency
// injected into every request (issue 4 acceptance: at 8 receivers, >= 0.8 of
// the ideal receivers / (2 x latency)).
//
//   servicebus_bench [LATENCY_MS] [MESSAGES_PER_RECEIVER] [RECEIVERS...]
//   (defaults: 20 ms, 200 messages per receiver, receivers 1 and 8)
//
// Each run warms up (every receiver's TLS connection and the shared Entra
// token) on a first batch, then times how long the pool takes to receive and
// complete the measured batch, from enqueue to the last completion.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "auth/azure_entra.hpp"
#include "azure/receiver_pool.hpp"
#include "fakes/fake-servicebus/servicebus_service.hpp"
#include "net/curl_transport.hpp"

namespace {

using namespace gbpm;
using Steady = std::chrono::steady_clock;
namespace sb = gbpm::fakes::servicebus;

constexpr const char* kQueue = "iris.bench";

struct RunResult {
  int receivers = 0;
  int messages = 0;
  double seconds = 0;
  double throughput = 0;
  double ideal = 0;
  std::uint64_t lock_lost = 0;
  std::uint64_t errors = 0;
};

bool wait_for_completed(const azure::ReceiverPool& pool, std::uint64_t target, std::chrono::seconds limit) {
  const auto deadline = Steady::now() + limit;
  while (pool.stats().completed < target) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return true;
}

RunResult run(int receivers, int per_receiver, std::chrono::milliseconds latency) {
  core::SystemClock clock;
  sb::HostedServiceBus fake({.queues = {kQueue}, .latency = latency});
  auto token_curl = net::CurlTransport::create({.ca_file = fake.ca_file().string()});
  if (!token_curl) throw std::runtime_error(token_curl.error().message);
  sb::ServiceBusFakeOptions defaults;
  auto tokens = auth::make_entra_token_source(**token_curl, clock,
                                              {defaults.tenant_id, defaults.client_id, defaults.client_secret},
                                              {.authority_url = fake.url()});
  const std::string ca = fake.ca_file().string();
  azure::ReceiverPool pool(
      [ca]() -> Result<std::unique_ptr<net::HttpTransport>> {
        auto c = net::CurlTransport::create({.ca_file = ca});
        if (!c) return c.error();
        return std::unique_ptr<net::HttpTransport>(std::move(*c));
      },
      *tokens,
      {.bus = {.namespace_url = fake.url(), .queue = kQueue, .receive_wait = std::chrono::seconds(5)},
       .receivers = receivers},
      clock, [](azure::ReceiverContext&, const azure::ReceivedMessage&) { return azure::Disposition::complete; });
  if (auto started = pool.start(); !started) throw std::runtime_error(started.error().message);

  // Warm-up: a few messages per receiver opens every connection.
  const int warmup = receivers * 3;
  for (int i = 0; i < warmup; ++i) fake.service().enqueue(kQueue, {.body = "warmup"});
  if (!wait_for_completed(pool, static_cast<std::uint64_t>(warmup), std::chrono::seconds(60))) {
    throw std::runtime_error("warm-up did not finish");
  }

  const int messages = receivers * per_receiver;
  const auto start = Steady::now();
  for (int i = 0; i < messages; ++i) {
    fake.service().enqueue(kQueue, {.body = R"("[{\"dataset\":\"FREQ\",\"frequency\":50.01}]")", .label = "FREQ"});
  }
  const bool finished =
      wait_for_completed(pool, static_cast<std::uint64_t>(warmup + messages), std::chrono::seconds(600));
  const auto end = Steady::now();
  pool.stop();
  if (!finished) throw std::runtime_error("the measured batch did not finish");

  RunResult r;
  r.receivers = receivers;
  r.messages = messages;
  r.seconds = std::chrono::duration<double>(end - start).count();
  r.throughput = messages / r.seconds;
  r.ideal = receivers / (2.0 * std::chrono::duration<double>(latency).count());
  r.lock_lost = pool.stats().lock_lost;
  r.errors = pool.stats().errors;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const long latency_ms = argc > 1 ? std::atol(argv[1]) : 20;
  const int per_receiver = argc > 2 ? std::atoi(argv[2]) : 200;
  std::vector<int> receiver_counts;
  for (int i = 3; i < argc; ++i) receiver_counts.push_back(std::atoi(argv[i]));
  if (receiver_counts.empty()) receiver_counts = {1, 8};
  if (latency_ms <= 0 || per_receiver <= 0) {
    fmt::print(stderr, "usage: servicebus_bench [LATENCY_MS>0] [MESSAGES_PER_RECEIVER>0] [RECEIVERS...]\n");
    return 64;
  }

  fmt::print("Service Bus receive+complete throughput (peek-lock over HTTPS, in-process fake)\n");
  fmt::print("injected latency {} ms per request; ideal = receivers / (2 x latency)\n\n", latency_ms);
  fmt::print("{:>9} {:>9} {:>9} {:>12} {:>12} {:>8} {:>9} {:>7}\n", "receivers", "messages", "seconds", "msg/s",
             "ideal msg/s", "ratio", "lock_lost", "errors");
  bool ok = true;
  for (const int receivers : receiver_counts) {
    try {
      const RunResult r = run(receivers, per_receiver, std::chrono::milliseconds(latency_ms));
      fmt::print("{:>9} {:>9} {:>9.2f} {:>12.1f} {:>12.1f} {:>8.3f} {:>9} {:>7}\n", r.receivers, r.messages, r.seconds,
                 r.throughput, r.ideal, r.throughput / r.ideal, r.lock_lost, r.errors);
      if (receivers == 8 && r.throughput / r.ideal < 0.8) ok = false;
    } catch (const std::exception& e) {
      fmt::print(stderr, "run with {} receivers failed: {}\n", receivers, e.what());
      return 1;
    }
  }
  fmt::print("\ngoal: ratio >= 0.8 at 8 receivers: {}\n", ok ? "met" : "NOT met");
  return ok ? 0 : 2;
}
