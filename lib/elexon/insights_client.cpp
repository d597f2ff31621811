#include "elexon/insights_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <utility>

#include "core/log.hpp"
#include "core/workers.hpp"
#include "elexon/decode.hpp"

namespace gbpm::elexon {
namespace {

// Forwards to a transport owned elsewhere (InsightsClient::share).
class BorrowedTransport final : public net::HttpTransport {
 public:
  explicit BorrowedTransport(net::HttpTransport& inner) : m_inner(inner) {}
  Result<net::Response> send(const net::Request& request) override { return m_inner.send(request); }

 private:
  net::HttpTransport& m_inner;
};

// Counts every attempt that reaches the wire (retries included), for run
// records ("API calls").
class CountingTransport final : public net::HttpTransport {
 public:
  CountingTransport(net::HttpTransport& inner, std::atomic<std::size_t>& count) : m_inner(inner), m_count(count) {}
  Result<net::Response> send(const net::Request& request) override {
    ++m_count;
    return m_inner.send(request);
  }

 private:
  net::HttpTransport& m_inner;
  std::atomic<std::size_t>& m_count;
};

}  // namespace

// One worker's transport stack: factory transport <- counting <- retrying.
struct InsightsClient::Slot {
  std::unique_ptr<net::HttpTransport> inner;
  std::atomic<std::size_t> attempts{0};
  CountingTransport counting;
  net::RetryingTransport retrying;

  Slot(std::unique_ptr<net::HttpTransport> transport, core::Clock& clock, const InsightsOptions& options)
      : inner(std::move(transport)),
        counting(*inner, attempts),
        retrying(counting, clock, options.retry, options.backoff, options.logger) {}
};

InsightsClient::InsightsClient(TransportFactory factory, core::Clock& clock, InsightsOptions options)
    : m_factory(std::move(factory)), m_clock(clock), m_options(std::move(options)) {
  m_options.concurrency = std::max(m_options.concurrency, 1);
  while (!m_options.base_url.empty() && m_options.base_url.back() == '/') m_options.base_url.pop_back();
}

InsightsClient::~InsightsClient() = default;

TransportFactory InsightsClient::share(net::HttpTransport& transport) {
  return [&transport]() -> Result<std::unique_ptr<net::HttpTransport>> {
    return std::unique_ptr<net::HttpTransport>(std::make_unique<BorrowedTransport>(transport));
  };
}

TransportFactory InsightsClient::curl(const net::CurlTransportOptions& options) {
  return [options]() -> Result<std::unique_ptr<net::HttpTransport>> {
    auto made = net::CurlTransport::create(options);
    if (!made) return std::move(made).error();
    return std::unique_ptr<net::HttpTransport>(std::move(*made));
  };
}

std::string InsightsClient::url_for(std::string_view path) const {
  return m_options.base_url + std::string(path);
}

Result<std::unique_ptr<InsightsClient::Slot>> InsightsClient::borrow() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_idle.empty()) {
      std::unique_ptr<Slot> slot = std::move(m_idle.back());
      m_idle.pop_back();
      return slot;
    }
  }
  if (!m_factory) return make_error(ErrorKind::internal, "Elexon Insights client has no transport factory");
  auto transport = m_factory();
  if (!transport) return std::move(transport).error().with_context("Elexon Insights: cannot create an HTTP transport");
  if (!*transport) return make_error(ErrorKind::internal, "Elexon Insights: the transport factory returned nothing");
  return std::make_unique<Slot>(std::move(*transport), m_clock, m_options);
}

void InsightsClient::give_back(std::unique_ptr<Slot> slot) {
  std::lock_guard lock(m_mutex);
  m_idle.push_back(std::move(slot));
}

Result<Page> InsightsClient::fetch_one(Slot& slot, const PlannedRequest& planned) {
  net::Request request{.method = "GET",
                       .url = url_for(planned.path),
                       .headers = {{"Accept", "application/json"}},
                       .timeout = m_options.request_timeout};
  const std::string what = fmt::format("Elexon Insights {} (GET {})", planned.label, net::redact_url(request.url));
  log::Logger& logger = m_options.logger != nullptr ? *m_options.logger : log::null_logger();
  logger.debug("elexon request", {{"label", planned.label}, {"url", net::redact_url(request.url)}});
  auto outcome = slot.retrying.send(request);
  if (!outcome) return std::move(outcome).error().with_context(what);
  if (!outcome->success()) return response_error(*outcome, what);
  auto page = parse_page(outcome->body, m_options.limits);
  if (!page) return std::move(page).error().with_context(what + ": unexpected response body");
  return page;
}

Result<Page> InsightsClient::get(std::string_view path) {
  auto slot = borrow();
  if (!slot) return std::move(slot).error();
  PlannedRequest planned{.path = std::string(path), .window = {}, .label = std::string(path)};
  auto page = fetch_one(**slot, planned);
  give_back(std::move(*slot));
  return page;
}

Result<Page> InsightsClient::system_prices(std::chrono::year_month_day date, std::optional<int> period) {
  auto planned = system_prices_request(date, period);
  if (!planned) return std::move(planned).error();
  auto slot = borrow();
  if (!slot) return std::move(slot).error();
  auto page = fetch_one(**slot, *planned);
  give_back(std::move(*slot));
  return page;
}

Result<FetchSummary> InsightsClient::system_prices(std::chrono::year_month_day first, std::chrono::year_month_day last,
                                                   const ChunkSink& sink, const ProgressCallback& progress) {
  auto plan = plan_system_prices(first, last);
  if (!plan) return std::move(plan).error();
  return run(*plan, sink, progress);
}

Result<FetchSummary> InsightsClient::fetch(const DatasetQuery& query, const ChunkSink& sink,
                                           const ProgressCallback& progress) {
  auto plan = plan_dataset(query);
  if (!plan) return std::move(plan).error();
  return run(*plan, sink, progress);
}

Result<std::vector<Page>> InsightsClient::fetch_pages(const DatasetQuery& query, const ProgressCallback& progress) {
  std::vector<Page> pages;
  auto done = fetch(
      query,
      [&pages](FetchedChunk& chunk) {
        pages.push_back(std::move(chunk.page));
        return Status{};
      },
      progress);
  if (!done) return std::move(done).error();
  return pages;
}

Result<FetchSummary> InsightsClient::run(const std::vector<PlannedRequest>& plan, const ChunkSink& sink,
                                         const ProgressCallback& progress) {
  FetchSummary summary;
  const std::size_t n = plan.size();
  if (n == 0) return summary;
  const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(m_options.concurrency), n);
  // Chunks fetched ahead of delivery are held in memory; bound how far ahead
  // workers may run so a slow early chunk cannot make memory grow unbounded.
  const std::size_t ahead = 2 * workers;

  std::mutex mutex;
  std::condition_variable changed;
  std::size_t next_to_start = 0;
  std::size_t delivered = 0;
  bool stop = false;
  bool failed = false;  // a chunk failed: nothing after it will be delivered
  std::map<std::size_t, Result<Page>> done;
  std::atomic<std::size_t> attempts{0};

  auto worker = [&] {
    std::unique_ptr<Slot> slot;
    std::optional<Error> slot_error;
    for (;;) {
      std::size_t i = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || failed || next_to_start >= n || next_to_start < delivered + ahead; });
        // After a failure every earlier chunk has already been started
        // (chunks start in order), so no new chunk is needed.
        if (stop || failed || next_to_start >= n) break;
        i = next_to_start++;
      }
      if (!slot && !slot_error) {
        auto borrowed = borrow();
        if (borrowed) {
          slot = std::move(*borrowed);
          slot->attempts = 0;
        } else {
          slot_error = std::move(borrowed).error();
        }
      }
      Result<Page> page = slot ? fetch_one(*slot, plan[i]) : Result<Page>(*slot_error);
      std::lock_guard lock(mutex);
      if (!page.ok()) failed = true;
      done.emplace(i, std::move(page));
      changed.notify_all();
    }
    if (slot) {
      attempts += slot->attempts.exchange(0);
      give_back(std::move(slot));
    }
  };

  std::optional<Error> failure;
  {
    // Stops and joins the workers on every way out of this block.
    const core::WorkerThreads pool(workers, worker, mutex, changed, stop);

    for (std::size_t i = 0; i < n; ++i) {
      std::optional<Result<Page>> outcome;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return done.count(i) != 0; });
        auto it = done.find(i);
        outcome.emplace(std::move(it->second));
        done.erase(it);
        delivered = i + 1;
      }
      changed.notify_all();
      if (!outcome->ok()) {
        failure = std::move(*outcome).error();
        break;
      }
      FetchedChunk chunk{.index = i, .count = n, .request = plan[i], .page = std::move(outcome->value())};
      const std::size_t rows = chunk.page.size();
      if (sink) {
        if (auto stored = sink(chunk); !stored) {
          failure = std::move(stored).error();
          break;
        }
      }
      ++summary.chunks;
      summary.rows += rows;
      if (progress) {
        progress(FetchProgress{.chunks_done = i + 1,
                               .chunks_total = n,
                               .rows = rows,
                               .rows_total = summary.rows,
                               .label = plan[i].label,
                               .window = plan[i].window});
      }
    }
  }
  summary.http_attempts = attempts.load();
  if (failure) {
    log::Logger& logger = m_options.logger != nullptr ? *m_options.logger : log::null_logger();
    logger.debug("elexon fetch stopped", {{"chunks_delivered", summary.chunks}, {"chunks", n}});
    return *std::move(failure);
  }
  return summary;
}

Result<std::vector<Record>> decode_page(const Page& page, std::string_view dataset) {
  const DatasetSpec* spec = find_dataset(dataset);
  if (spec == nullptr) {
    return make_error(ErrorKind::usage, fmt::format("dataset \"{}\" has no typed schema in the registry", dataset));
  }
  return decode_rows(*spec, page.rows_array());
}

}  // namespace gbpm::elexon
