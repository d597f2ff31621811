#include "elexon/insights_query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/time.hpp"
#include "market/settlement.hpp"
#include "net/http.hpp"

namespace gbpm::elexon {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;

constexpr seconds kDay = hours(24);
constexpr std::string_view kSystemPricesPath = "/balancing/settlement/system-prices";

DatasetEndpoint publish(std::string_view code, seconds max, LimitSource source, bool stream = true) {
  return DatasetEndpoint{.dataset = code,
                         .base_style = WindowStyle::publish_time,
                         .base_max_window = max,
                         .base_limit = source,
                         .stream_style = stream ? std::optional(WindowStyle::publish_time) : std::nullopt};
}

DatasetEndpoint from_to(std::string_view code, seconds max, LimitSource source) {
  return DatasetEndpoint{.dataset = code,
                         .base_style = WindowStyle::from_to,
                         .base_max_window = max,
                         .base_limit = source,
                         .stream_style = WindowStyle::from_to};
}

// Each dataset's window style and maximum range. Caps Elexon's OpenAPI spec
// does not give are "assumed": one day, a safe chunk for market-wide pulls.
std::vector<DatasetEndpoint> make_endpoints() {
  std::vector<DatasetEndpoint> out;
  out.push_back(publish("FUELINST", kDay, LimitSource::assumed));
  out.push_back(publish("FUELHH", kDay, LimitSource::assumed));
  out.push_back(DatasetEndpoint{.dataset = "FREQ",
                                .base_style = WindowStyle::measurement_time,
                                .base_max_window = kDay,
                                .base_limit = LimitSource::documented,
                                .stream_style = WindowStyle::measurement_time});
  out.push_back(from_to("MID", days(7), LimitSource::observed));
  out.push_back(publish("INDO", kDay, LimitSource::assumed, false));
  out.push_back(publish("ITSDO", kDay, LimitSource::assumed, false));
  for (const std::string_view code : {"INDGEN", "INDDEM", "TSDF", "NDF", "IMBALNGC", "MELNGC"}) {
    out.push_back(publish(code, kDay, LimitSource::documented));
  }
  for (const std::string_view code : {"BOALF", "BOD", "MELS", "MILS", "DISBSAD", "NETBSAD"}) {
    out.push_back(from_to(code, kDay, LimitSource::assumed));
  }
  for (const std::string_view code : {"PN", "QPN"}) {
    out.push_back(DatasetEndpoint{.dataset = code,
                                  .base_style = WindowStyle::settlement_period,
                                  .base_max_window = market::kPeriodLength,
                                  .base_limit = LimitSource::documented,
                                  .stream_style = WindowStyle::from_to});
  }
  out.push_back(publish("REMIT", kDay, LimitSource::assumed));
  // System prices: the settlement date and period
  // are path segments; a day's request returns its 46/48/50 periods.
  out.push_back(DatasetEndpoint{.dataset = "DISEBSP",
                                .path = kSystemPricesPath,
                                .base_style = WindowStyle::settlement_day_path,
                                .base_max_window = hours(25),
                                .base_limit = LimitSource::documented,
                                .stream_style = std::nullopt});
  return out;
}

std::pair<std::string_view, std::string_view> window_keys(WindowStyle style) {
  switch (style) {
    case WindowStyle::publish_time: return {"publishDateTimeFrom", "publishDateTimeTo"};
    case WindowStyle::from_to: return {"from", "to"};
    case WindowStyle::measurement_time: return {"measurementDateTimeFrom", "measurementDateTimeTo"};
    case WindowStyle::settlement_period:
    case WindowStyle::settlement_day_path: return {"settlementDate", "settlementPeriod"};
  }
  return {"from", "to"};
}

bool is_reserved_key(std::string_view key) {
  // settlementDateFrom/To and settlementPeriodFrom/To switch an endpoint to
  // another window mode, which the chunking here does not model.
  static constexpr std::array<std::string_view, 13> kReserved = {"publishDateTimeFrom",
                                                                 "publishDateTimeTo",
                                                                 "from",
                                                                 "to",
                                                                 "measurementDateTimeFrom",
                                                                 "measurementDateTimeTo",
                                                                 "settlementDate",
                                                                 "settlementPeriod",
                                                                 "settlementDateFrom",
                                                                 "settlementDateTo",
                                                                 "settlementPeriodFrom",
                                                                 "settlementPeriodTo",
                                                                 "format"};
  return std::find(kReserved.begin(), kReserved.end(), key) != kReserved.end();
}

std::string with_filters(std::string path, const QueryParams& window, const QueryParams& filters) {
  QueryParams all = window;
  all.insert(all.end(), filters.begin(), filters.end());
  if (!all.empty()) path += "?" + encode_query(all);
  return path;
}

core::TimePoint ceil_seconds(core::TimePoint t) {
  return std::chrono::ceil<seconds>(t);
}

// Every settlement period whose start lies in [from, to), in order.
std::vector<market::SettlementPeriod> periods_starting_in(TimeWindow window) {
  std::vector<market::SettlementPeriod> out;
  if (window.from >= window.to) return out;
  market::SettlementPeriod sp = market::period_at(window.from);
  core::TimePoint start = market::day_start_utc(sp.date) + (sp.period - 1) * market::kPeriodLength;
  if (start < window.from) start += market::kPeriodLength;
  for (; start < window.to; start += market::kPeriodLength) out.push_back(market::period_at(start));
  return out;
}

Status check_date(std::chrono::year_month_day date) {
  if (!market::is_supported_date(date)) {
    return make_error(ErrorKind::usage,
                      fmt::format("settlement date {} is not a supported calendar date", market::format_date(date)));
  }
  return {};
}

// {root}/{date} (the whole settlement day) or {root}/{date}/{period}, labelled
// with `dataset`. The date must be supported (check_date).
Result<PlannedRequest> settlement_day_request(std::string_view root, std::string_view dataset,
                                              std::chrono::year_month_day date, std::optional<int> period) {
  const std::string text = market::format_date(date);
  if (!period) {
    return PlannedRequest{.path = fmt::format("{}/{}", root, text),
                          .window = TimeWindow{market::day_start_utc(date), market::day_end_utc(date)},
                          .label = fmt::format("{} {}", dataset, text)};
  }
  auto start = market::period_start_utc(date, *period);
  if (!start) {
    return make_error(ErrorKind::usage, fmt::format("settlement period {} does not exist on {} ({} periods)", *period,
                                                    text, market::periods_in_day(date)));
  }
  return PlannedRequest{.path = fmt::format("{}/{}/{}", root, text, *period),
                        .window = TimeWindow{*start, *start + market::kPeriodLength},
                        .label = fmt::format("{} {} SP{}", dataset, text, *period)};
}

// The settlement_day_path plan of `window`: one request per settlement day
// whose every period starts in the window, one per period otherwise.
Result<std::vector<PlannedRequest>> plan_settlement_days(const DatasetEndpoint& endpoint, TimeWindow window) {
  const std::vector<market::SettlementPeriod> periods = periods_starting_in(window);
  std::vector<PlannedRequest> plan;
  for (std::size_t i = 0; i < periods.size();) {
    const std::chrono::year_month_day date = periods[i].date;
    std::size_t end = i;
    while (end < periods.size() && periods[end].date == date) ++end;
    if (auto ok = check_date(date); !ok) return std::move(ok).error();
    const bool whole_day = static_cast<int>(end - i) == market::periods_in_day(date);
    for (std::size_t k = i; k < end; ++k) {
      auto request = settlement_day_request(endpoint.path, endpoint.dataset, date,
                                            whole_day ? std::nullopt : std::optional(periods[k].period));
      if (!request) return std::move(request).error();
      plan.push_back(std::move(*request));
      if (whole_day) break;
    }
    i = end;
  }
  return plan;
}

}  // namespace

const std::vector<DatasetEndpoint>& all_endpoints() {
  static const std::vector<DatasetEndpoint> endpoints = make_endpoints();
  return endpoints;
}

const DatasetEndpoint* find_endpoint(std::string_view dataset) {
  const auto& all = all_endpoints();
  const auto it = std::find_if(all.begin(), all.end(), [&](const DatasetEndpoint& e) { return e.dataset == dataset; });
  return it == all.end() ? nullptr : &*it;
}

std::string_view to_string(WindowStyle style) {
  switch (style) {
    case WindowStyle::publish_time: return "publish_time";
    case WindowStyle::from_to: return "from_to";
    case WindowStyle::settlement_period: return "settlement_period";
    case WindowStyle::measurement_time: return "measurement_time";
    case WindowStyle::settlement_day_path: return "settlement_day_path";
  }
  return "unknown";
}

std::string encode_query_component(std::string_view text) {
  // ':' is legal in a query and keeps timestamps readable in logs.
  return net::percent_encode(text, ":");
}

std::string encode_query(const QueryParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += encode_query_component(key);
    out += '=';
    out += encode_query_component(value);
  }
  return out;
}

std::vector<TimeWindow> split_window(TimeWindow window, seconds span) {
  std::vector<TimeWindow> out;
  const core::TimePoint from = ceil_seconds(window.from);
  const core::TimePoint to = ceil_seconds(window.to);
  if (span <= seconds(0) || from >= to) return out;
  for (core::TimePoint start = from; start < to;) {
    const core::TimePoint end = (to - start > span) ? start + span : to;
    out.push_back(TimeWindow{start, end});
    start = end;
  }
  return out;
}

Result<std::vector<PlannedRequest>> plan_dataset(const DatasetQuery& query) {
  const DatasetEndpoint* endpoint = find_endpoint(query.dataset);
  if (endpoint == nullptr) {
    return make_error(ErrorKind::usage,
                      fmt::format("dataset \"{}\" is not one the Insights client knows how to query", query.dataset));
  }
  if (query.window.from > query.window.to) {
    return make_error(ErrorKind::usage,
                      fmt::format("{}: window starts ({}) after it ends ({})", query.dataset,
                                  core::format_utc(query.window.from), core::format_utc(query.window.to)));
  }
  for (const auto& [key, value] : query.filters) {
    if (is_reserved_key(key)) {
      return make_error(ErrorKind::usage,
                        fmt::format("{}: filter \"{}\" is set by the client from the window", query.dataset, key));
    }
  }
  const bool stream = query.endpoint == Endpoint::stream;
  if (stream && !endpoint->stream_style) {
    return make_error(ErrorKind::usage, fmt::format("{} has no /stream endpoint", query.dataset));
  }
  const WindowStyle style = stream ? *endpoint->stream_style : endpoint->base_style;
  if (style == WindowStyle::settlement_day_path) {
    if (!query.filters.empty()) {
      return make_error(ErrorKind::usage, fmt::format("{}: {} takes no filters (\"{}\" given)", query.dataset,
                                                      endpoint->path, query.filters.front().first));
    }
    if (query.chunk) {
      return make_error(
          ErrorKind::usage,
          fmt::format("{}: requests are one settlement day or one period; a chunk size cannot be set", query.dataset));
    }
    return plan_settlement_days(*endpoint, TimeWindow{ceil_seconds(query.window.from), ceil_seconds(query.window.to)});
  }
  const std::string base_path =
      endpoint->path.empty()
          ? fmt::format("/datasets/{}{}", encode_query_component(query.dataset), stream ? "/stream" : "")
          : std::string(endpoint->path) + (stream ? "/stream" : "");
  std::vector<PlannedRequest> plan;

  if (style == WindowStyle::settlement_period) {
    if (query.chunk) {
      return make_error(ErrorKind::usage,
                        fmt::format("{}: the base endpoint takes one settlement period per request; a chunk size "
                                    "cannot be set",
                                    query.dataset));
    }
    TimeWindow window{ceil_seconds(query.window.from), ceil_seconds(query.window.to)};
    for (const market::SettlementPeriod& sp : periods_starting_in(window)) {
      const core::TimePoint start = market::day_start_utc(sp.date) + (sp.period - 1) * market::kPeriodLength;
      const std::string date = market::format_date(sp.date);
      plan.push_back(PlannedRequest{
          .path = with_filters(base_path, {{"settlementDate", date}, {"settlementPeriod", std::to_string(sp.period)}},
                               query.filters),
          .window = TimeWindow{start, start + market::kPeriodLength},
          .label = fmt::format("{} {} SP{}", query.dataset, date, sp.period)});
    }
    return plan;
  }

  const seconds maximum = stream ? endpoint->stream_chunk : endpoint->base_max_window;
  seconds span = maximum;
  if (query.chunk) {
    if (*query.chunk <= seconds(0)) {
      return make_error(ErrorKind::usage, fmt::format("{}: chunk size must be positive", query.dataset));
    }
    if (!stream && endpoint->base_limit != LimitSource::assumed && *query.chunk > maximum) {
      return make_error(ErrorKind::usage, fmt::format("{}: chunk of {} s exceeds the endpoint's maximum range of {} s",
                                                      query.dataset, query.chunk->count(), maximum.count()));
    }
    span = *query.chunk;
  }
  const auto [from_key, to_key] = window_keys(style);
  for (const TimeWindow& w : split_window(query.window, span)) {
    const std::string from = core::format_utc(w.from);
    const std::string to = core::format_utc(w.to - seconds(1));
    plan.push_back(PlannedRequest{
        .path = with_filters(base_path, {{std::string(from_key), from}, {std::string(to_key), to}}, query.filters),
        .window = w,
        .label = fmt::format("{}{} {}..{}", query.dataset, stream ? "/stream" : "", from, to)});
  }
  return plan;
}

Result<PlannedRequest> system_prices_request(std::chrono::year_month_day date, std::optional<int> period) {
  if (auto ok = check_date(date); !ok) return std::move(ok).error();
  return settlement_day_request(kSystemPricesPath, "DISEBSP", date, period);
}

Result<std::vector<PlannedRequest>> plan_system_prices(std::chrono::year_month_day first,
                                                       std::chrono::year_month_day last) {
  if (auto ok = check_date(first); !ok) return std::move(ok).error();
  if (auto ok = check_date(last); !ok) return std::move(ok).error();
  if (std::chrono::sys_days(last) < std::chrono::sys_days(first)) {
    return make_error(ErrorKind::usage, fmt::format("system prices: last date {} is before first date {}",
                                                    market::format_date(last), market::format_date(first)));
  }
  std::vector<PlannedRequest> plan;
  for (std::chrono::sys_days d = first; d <= std::chrono::sys_days(last); d += days(1)) {
    auto request = system_prices_request(std::chrono::year_month_day(d));
    if (!request) return std::move(request).error();
    plan.push_back(std::move(*request));
  }
  return plan;
}

}  // namespace gbpm::elexon
