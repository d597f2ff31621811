#pragma once
// The Elexon Insights REST API client: dataset pulls
// over /datasets/{X} and /datasets/{X}/stream, chunked to each endpoint's
// maximum range (insights_query.hpp), with up to N requests in flight,
// retry/backoff of 429/5xx through net::RetryingTransport, and error bodies
// decoded into clear Errors (insights_response.hpp). Also the settlement
// system prices (/balancing/settlement/system-prices/{date}[/{period}]),
// either through system_prices() or as dataset "DISEBSP" through fetch()
// (a request per whole settlement day, one per period of a partial day).
//
// Rows come back as parsed JSON (Page); decode_page() below turns them into
// typed records through the dataset registry (dataset.hpp, decode.hpp).
//
// Usage (bmrs-backfill):
//   elexon::InsightsClient client(elexon::InsightsClient::curl({.ca_file = ca}), clock,
//                                 {.base_url = config GBPM_ELEXON_URL or the default});
//   auto done = client.fetch({.dataset = "FUELINST", .window = {from, to}},
//                            [&](elexon::FetchedChunk& chunk) { return store(chunk.page); },
//                            [&](const elexon::FetchProgress& p) { log progress });

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "elexon/dataset.hpp"
#include "elexon/insights_query.hpp"
#include "elexon/insights_response.hpp"
#include "elexon/record.hpp"
#include "json/json.hpp"
#include "net/curl_transport.hpp"
#include "net/http.hpp"
#include "net/retry.hpp"

namespace gbpm::log {
class Logger;
}

namespace gbpm::elexon {

// Makes one transport per concurrent worker. CurlTransport serialises its
// requests on one handle, so parallel requests need one transport each.
// Transports are kept and reused (connections stay alive) for the life of
// the client.
using TransportFactory = std::function<Result<std::unique_ptr<net::HttpTransport>>()>;

struct InsightsOptions {
  // GBPM_ELEXON_URL, or the production URL. A trailing '/' is ignored.
  std::string base_url{kInsightsDefaultUrl};
  // Requests in flight at most. Elexon documents no rate limit but reserves
  // the right to block heavy users: keep it small.
  int concurrency = 2;
  // Time allowed for one attempt of one request.
  std::chrono::milliseconds request_timeout{60000};
  // Retries of 408/429/5xx and transient transport errors, per request.
  net::RetryPolicy retry{};
  net::BackoffPolicy backoff{};
  // Bounds on one response body.
  json::Limits limits{};
  // Retries (warn) and requests (debug) are logged here; nullptr: nowhere.
  log::Logger* logger = nullptr;
};

// One fetched request of a plan, handed to the ChunkSink.
struct FetchedChunk {
  std::size_t index = 0;  // 0-based position in the plan
  std::size_t count = 0;  // requests in the plan
  PlannedRequest request;
  Page page;
};

// Reported after each chunk has been handed to the sink.
struct FetchProgress {
  std::size_t chunks_done = 0;   // chunks delivered so far, this one included
  std::size_t chunks_total = 0;  // chunks in the plan
  std::size_t rows = 0;          // rows in this chunk
  std::size_t rows_total = 0;    // rows delivered so far
  std::string label;             // this chunk's PlannedRequest::label
  TimeWindow window{};           // this chunk's window
};

// Receives chunks in plan order, on the thread that called fetch/run, one at
// a time (no locking needed). An Error stops the fetch: no further chunk is
// delivered and the Error is returned.
using ChunkSink = std::function<Status(FetchedChunk& chunk)>;
using ProgressCallback = std::function<void(const FetchProgress& progress)>;

struct FetchSummary {
  std::size_t chunks = 0;         // requests of the plan that were delivered
  std::size_t rows = 0;           // rows delivered
  std::size_t http_attempts = 0;  // HTTP requests sent, retries included
};

class InsightsClient {
 public:
  // `clock` is where retry waits happen (a FakeClock in tests); it must
  // outlive the client. options.concurrency is clamped to at least 1.
  InsightsClient(TransportFactory factory, core::Clock& clock, InsightsOptions options = {});
  ~InsightsClient();
  InsightsClient(const InsightsClient&) = delete;
  InsightsClient& operator=(const InsightsClient&) = delete;

  // A factory handing out (non-owning) access to one shared transport, for
  // transports that are thread-safe and parallel by themselves (FakeTransport
  // in tests). `transport` must outlive the client.
  static TransportFactory share(net::HttpTransport& transport);
  // A factory making one CurlTransport per worker with `options` (CA file,
  // User-Agent, logger).
  static TransportFactory curl(net::CurlTransportOptions options = {});

  // Fetches `query` (planned by plan_dataset): requests run up to
  // `concurrency` at a time, each retried per the options; chunks reach
  // `sink` in plan order, and `progress` after each. At most 2 x concurrency
  // chunks are held in memory at once. The first failure (in plan order)
  // stops the fetch and is returned with the chunk's label; chunks before it
  // have been delivered. Errors: plan_dataset's (usage); response_error's
  // (400 usage with the field messages, 429/5xx temporary after retries, other
  // 4xx unavailable); transport errors; ErrorKind::data for a body that is not
  // one of the three envelopes.
  Result<FetchSummary> fetch(const DatasetQuery& query, const ChunkSink& sink, const ProgressCallback& progress = {});

  // fetch() collecting every page, in plan order. For small windows; a
  // backfill should stream through fetch().
  Result<std::vector<Page>> fetch_pages(const DatasetQuery& query, const ProgressCallback& progress = {});

  // Runs any plan (plan_dataset, plan_system_prices) as fetch() does.
  Result<FetchSummary> run(const std::vector<PlannedRequest>& plan, const ChunkSink& sink,
                           const ProgressCallback& progress = {});

  // One GET of `path` (below the base URL, query string included, e.g.
  // "/reference/fueltypes/all"), retried, decoded as fetch() does.
  Result<Page> get(std::string_view path);

  // /balancing/settlement/system-prices/{date}[/{period}]: the latest
  // settlement run's prices for the day (46/48/50 rows) or for one period.
  Result<Page> system_prices(std::chrono::year_month_day date, std::optional<int> period = {});
  // One request per day from `first` to `last`, run as fetch() does.
  Result<FetchSummary> system_prices(std::chrono::year_month_day first, std::chrono::year_month_day last,
                                     const ChunkSink& sink, const ProgressCallback& progress = {});

  // base_url + path.
  [[nodiscard]] std::string url_for(std::string_view path) const;
  [[nodiscard]] const InsightsOptions& options() const { return m_options; }

 private:
  struct Slot;

  // An idle transport, or a new one from the factory.
  Result<std::unique_ptr<Slot>> borrow();
  void give_back(std::unique_ptr<Slot> slot);
  Result<Page> fetch_one(Slot& slot, const PlannedRequest& request);

  TransportFactory m_factory;
  core::Clock& m_clock;
  InsightsOptions m_options;
  std::mutex m_mutex;  // guards m_idle
  std::vector<std::unique_ptr<Slot>> m_idle;
};

// The rows of `page` decoded as registry dataset `dataset` ("FUELINST";
// system prices are "DISEBSP"), all or nothing (decode_rows). ErrorKind::usage
// when the registry has no such dataset; ErrorKind::data naming the dataset,
// row index and field when a row does not fit.
Result<std::vector<Record>> decode_page(const Page& page, std::string_view dataset);

}  // namespace gbpm::elexon
