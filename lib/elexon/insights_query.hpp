#pragma once
// What the Elexon Insights REST API expects in a request, per dataset
// (window style, maximum range), and how a caller's time window is cut
// into requests that each fit an endpoint's maximum range.
//
// This module is pure: it builds request paths and never sends anything, so
// the chunking is tested without a server and `bmrs-backfill --dry-run` can
// print the exact requests a run would make.
//
// Windows are half-open, [from, to): "10 days from 2026-05-01" is
// [2026-05-01T00:00Z, 2026-05-11T00:00Z). Elexon's bounds are inclusive at
// both ends, so each request is sent as [chunk.from, chunk.to - 1 s];
// Elexon timestamps are whole seconds, so consecutive chunks neither overlap
// nor leave a gap, and a record stamped exactly on a chunk boundary is
// returned once, by the later chunk. (Datasets filtered by an interval that
// can straddle a boundary, e.g. BOALF timeFrom..timeTo, may return such a row
// from both neighbours; storage deduplicates by natural key.)

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::elexon {

// The production base URL. GBPM_ELEXON_URL overrides it (the tool layer reads
// the configuration and passes the value in InsightsOptions::base_url).
inline constexpr std::string_view kInsightsDefaultUrl = "https://data.elexon.co.uk/bmrs/api/v1";

// How an endpoint takes its time window. Using the wrong style gets a
// 404 from Elexon, so each dataset's style is fixed in the table below.
enum class WindowStyle {
  publish_time,       // publishDateTimeFrom / publishDateTimeTo
  from_to,            // from / to
  settlement_period,  // settlementDate + settlementPeriod: one period per request
  measurement_time,   // measurementDateTimeFrom / measurementDateTimeTo
  // Path segments, no query: {path}/{settlementDate} for a whole settlement
  // day, {path}/{settlementDate}/{settlementPeriod} for one period (system
  // prices: no range, no stream).
  settlement_day_path,
};

// /datasets/{X} or /datasets/{X}/stream.
enum class Endpoint { base, stream };

// How sure we are of a maximum range.
enum class LimitSource {
  documented,  // in Elexon's OpenAPI spec
  observed,    // reported by a third party
  assumed,     // not documented: a conservative choice (one day)
};

// The request conventions of one dataset.
struct DatasetEndpoint {
  std::string_view dataset;  // "FUELINST"
  // The path below the base URL; empty: /datasets/{dataset}. DISEBSP is
  // served at /balancing/settlement/system-prices.
  std::string_view path{};
  WindowStyle base_style = WindowStyle::publish_time;
  // Longest window one base request may cover (ignored for
  // settlement_period, which is one period per request, and for
  // settlement_day_path, which is one settlement day or one period).
  std::chrono::seconds base_max_window{std::chrono::hours(24)};
  LimitSource base_limit = LimitSource::assumed;
  // nullopt: the dataset has no /stream variant (INDO, ITSDO, DISEBSP).
  std::optional<WindowStyle> stream_style;
  // Window of one stream request. Streams document no cap; a day per request
  // keeps market-wide pulls bounded.
  std::chrono::seconds stream_chunk{std::chrono::hours(24)};
};

// The conventions for `dataset` (exact code, "FUELINST"), or nullptr when the
// client does not know the dataset.
const DatasetEndpoint* find_endpoint(std::string_view dataset);
// Every dataset the client knows, in a fixed order.
const std::vector<DatasetEndpoint>& all_endpoints();

// A half-open time window [from, to).
struct TimeWindow {
  core::TimePoint from{};
  core::TimePoint to{};

  friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

// Query parameters in order; a key may repeat (fuelType=WIND&fuelType=CCGT).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// A dataset pull: one dataset, one endpoint, one window, optional filters.
struct DatasetQuery {
  std::string dataset;
  Endpoint endpoint = Endpoint::base;
  TimeWindow window{};
  // Extra filters (fuelType, bmUnit, boundary, dataProviders, ...), sent as
  // given after the window parameters. The window parameters themselves and
  // `format` are set by the client and refused here.
  QueryParams filters{};
  // Smaller windows than the endpoint's maximum (e.g. to bound the rows of
  // one request); must be positive and, where the maximum is documented or
  // observed, not larger than it.
  std::optional<std::chrono::seconds> chunk{};
};

// One request of a plan: the path below the base URL and what it covers.
struct PlannedRequest {
  // "/datasets/FUELINST?publishDateTimeFrom=2026-05-06T00:00:00Z&publishDateTimeTo=..."
  std::string path;
  // The part of the caller's window this request covers. For time-window
  // styles the windows of a plan are consecutive and together cover the
  // caller's window exactly (seconds precision). For settlement_period it is
  // the one period requested: a period is in the plan when its start lies in
  // the caller's window. For settlement_day_path it is the settlement day
  // when every period of that day starts in the caller's window (one request
  // for the day), else the one period requested; so a whole-day backfill is
  // one request per day and a partial day asks for exactly its periods.
  TimeWindow window{};
  // For messages and progress: "FUELINST 2026-05-06T00:00:00Z..2026-05-06T23:59:59Z".
  std::string label;
};

// Cuts `window` (from rounded up to a whole second, to likewise) into
// consecutive windows of `span` (the last one may be shorter). Empty when
// from >= to; `span` must be positive (a non-positive span yields nothing).
std::vector<TimeWindow> split_window(TimeWindow window, std::chrono::seconds span);

// The requests that fetch `query`, in time order. ErrorKind::usage when the
// dataset is unknown, the dataset has no stream, from > to, the chunk
// override is out of range, a filter names a parameter the client sets, or
// filters or a chunk are given for a path-style endpoint (DISEBSP), which
// takes neither. An empty window (from == to) plans no request.
Result<std::vector<PlannedRequest>> plan_dataset(const DatasetQuery& query);

// One request per settlement date from `first` to `last` inclusive:
// /balancing/settlement/system-prices/{date}. ErrorKind::usage when last <
// first or a date is outside the supported range.
Result<std::vector<PlannedRequest>> plan_system_prices(std::chrono::year_month_day first,
                                                       std::chrono::year_month_day last);

// /balancing/settlement/system-prices/{date}[/{period}]. ErrorKind::usage for
// an unsupported date or a period outside 1..periods_in_day(date).
Result<PlannedRequest> system_prices_request(std::chrono::year_month_day date, std::optional<int> period = {});

// Percent-encodes a query-string key or value: RFC 3986 unreserved
// characters and ':' (legal in a query, and keeps timestamps readable in
// logs) are kept; everything else, space included, becomes %XX.
std::string encode_query_component(std::string_view text);

// "k1=v1&k2=v2" with keys and values percent-encoded.
std::string encode_query(const QueryParams& params);

std::string_view to_string(WindowStyle style);

}  // namespace gbpm::elexon
