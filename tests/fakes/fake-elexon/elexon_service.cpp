#include "fakes/fake-elexon/elexon_service.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "core/time.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "market/settlement.hpp"

namespace gbpm::fakes::elexon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

enum class Style { publish_time, from_to, settlement_period, measurement_time };

struct DatasetInfo {
  Style style;
  bool has_stream = true;
};

// Window styles per dataset, as Elexon's endpoints take them.
std::optional<DatasetInfo> dataset_info(std::string_view code) {
  static const std::map<std::string, DatasetInfo, std::less<>> table = {
      {"FUELINST", {Style::publish_time}},
      {"FUELHH", {Style::publish_time}},
      {"FREQ", {Style::measurement_time}},
      {"MID", {Style::from_to}},
      {"INDO", {Style::publish_time, false}},
      {"ITSDO", {Style::publish_time, false}},
      {"INDGEN", {Style::publish_time}},
      {"INDDEM", {Style::publish_time}},
      {"TSDF", {Style::publish_time}},
      {"NDF", {Style::publish_time}},
      {"IMBALNGC", {Style::publish_time}},
      {"MELNGC", {Style::publish_time}},
      {"BOALF", {Style::from_to}},
      {"BOD", {Style::from_to}},
      {"MELS", {Style::from_to}},
      {"MILS", {Style::from_to}},
      {"DISBSAD", {Style::from_to}},
      {"NETBSAD", {Style::from_to}},
      {"PN", {Style::settlement_period}},
      {"QPN", {Style::settlement_period}},
      {"REMIT", {Style::publish_time}},
  };
  const auto it = table.find(code);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

std::pair<const char*, const char*> keys_of(Style style) {
  switch (style) {
    case Style::publish_time: return {"publishDateTimeFrom", "publishDateTimeTo"};
    case Style::from_to: return {"from", "to"};
    case Style::measurement_time: return {"measurementDateTimeFrom", "measurementDateTimeTo"};
    case Style::settlement_period: return {"settlementDate", "settlementPeriod"};
  }
  return {"from", "to"};
}

constexpr std::string_view kNotFound = R"({"statusCode":404,"message":"Resource not found"})";

// With a charset parameter, as Elexon sends it. It also keeps cpp-httplib
// from brotli-compressing bodies (it compresses exactly "application/json"
// when the client accepts br, at a cost of seconds per megabyte).
constexpr const char* kJson = "application/json; charset=utf-8";

// An RFC 9110 problem body like Elexon's (fixtures/elexon/api/error_400_problem.json).
std::string problem_body(std::string_view field, std::string_view message) {
  return fmt::format(
      R"({{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{{{}:[{}]}},"traceId":"00-00000000000000000000000000000000-0000000000000000-00"}})",
      json::quote(field), json::quote(message));
}

void send_problem(httplib::Response& res, std::string_view field, std::string_view message) {
  res.status = 400;
  res.set_content(problem_body(field, message), "application/problem+json; charset=utf-8");
}

void send_not_found(httplib::Response& res) {
  res.status = 404;
  res.set_content(std::string(kNotFound), kJson);
}

void send_json(httplib::Response& res, std::string body) {
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(body), kJson);
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string describe_span(seconds span) {
  if (span % hours(24) == seconds(0)) {
    const auto n = span / hours(24);
    return fmt::format("{} day{}", n, n == 1 ? "" : "s");
  }
  if (span % hours(1) == seconds(0)) return fmt::format("{} hours", span / hours(1));
  return fmt::format("{} seconds", span.count());
}

// Rows of the shape `[a,b,c]` joined into one array text.
std::string join_array(const std::vector<std::string>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i != 0) out += ',';
    out += rows[i];
  }
  out += ']';
  return out;
}

// Multiples of `step` since the epoch in [from, to] (instants after 1970).
std::vector<core::TimePoint> instants(core::TimePoint from, core::TimePoint to, seconds step) {
  std::vector<core::TimePoint> out;
  const auto since = std::chrono::ceil<seconds>(from.time_since_epoch());
  core::TimePoint t{((since.count() + step.count() - 1) / step.count()) * step};
  for (; t <= to; t += step) out.push_back(t);
  return out;
}

std::string fuel_rows(std::string_view dataset, core::TimePoint from, core::TimePoint to, seconds interval) {
  std::vector<std::string> rows;
  for (const core::TimePoint publish : instants(from, to, interval)) {
    const core::TimePoint start = publish - interval;
    const market::SettlementPeriod sp = market::period_at(start);
    const std::string p = core::format_utc(publish);
    const std::string s = core::format_utc(start);
    const std::string d = market::format_date(sp.date);
    for (const std::string_view fuel : generated_fuel_types()) {
      rows.push_back(fmt::format(
          R"({{"dataset":"{}","publishTime":"{}","startTime":"{}","settlementDate":"{}","settlementPeriod":{},"fuelType":"{}","generation":{}}})",
          dataset, p, s, d, sp.period, fuel, generated_generation(start, fuel)));
    }
  }
  return join_array(rows);
}

std::string freq_rows(core::TimePoint from, core::TimePoint to) {
  std::vector<std::string> rows;
  for (const core::TimePoint t : instants(from, to, seconds(15))) {
    rows.push_back(fmt::format(R"({{"dataset":"FREQ","measurementTime":"{}","frequency":{:.3f}}})", core::format_utc(t),
                               generated_frequency(t)));
  }
  return join_array(rows);
}

// Every settlement-period start in [from, to], in order.
std::vector<core::TimePoint> period_starts(core::TimePoint from, core::TimePoint to) {
  std::vector<core::TimePoint> out;
  for (const core::TimePoint t : instants(from, to, market::kPeriodLength)) out.push_back(t);
  return out;
}

// MID: two providers per settlement period whose start lies in [from, to].
std::string mid_rows(core::TimePoint from, core::TimePoint to) {
  std::vector<std::string> rows;
  for (const core::TimePoint start : period_starts(from, to)) {
    const market::SettlementPeriod sp = market::period_at(start);
    const long long slot = std::chrono::floor<minutes>(start.time_since_epoch()).count() / 30;
    const double price = 40.0 + static_cast<double>((slot * 37) % 900) / 10.0;
    const double volume = 500.0 + static_cast<double>((slot * 53) % 2000);
    for (const std::string_view provider : {"APXMIDP", "N2EXMIDP"}) {
      const bool apx = provider == "APXMIDP";
      rows.push_back(fmt::format(
          R"({{"dataset":"MID","startTime":"{}","dataProvider":"{}","settlementDate":"{}","settlementPeriod":{},"price":{:.2f},"volume":{:.2f}}})",
          core::format_utc(start), provider, market::format_date(sp.date), sp.period, apx ? price : 0.0,
          apx ? volume : 0.0));
    }
  }
  return join_array(rows);
}

// INDO/ITSDO: one row per settlement period, published at the period's end,
// for every publish time in [from, to].
std::string demand_rows(std::string_view dataset, core::TimePoint from, core::TimePoint to) {
  std::vector<std::string> rows;
  for (const core::TimePoint publish : period_starts(from, to)) {
    const core::TimePoint start = publish - market::kPeriodLength;
    const market::SettlementPeriod sp = market::period_at(start);
    const long long slot = std::chrono::floor<minutes>(start.time_since_epoch()).count() / 30;
    const int demand = 20000 + static_cast<int>((slot * 7919) % 15000) + (dataset == "ITSDO" ? 2500 : 0);
    rows.push_back(fmt::format(
        R"({{"dataset":"{}","publishTime":"{}","startTime":"{}","settlementDate":"{}","settlementPeriod":{},"demand":{}}})",
        dataset, core::format_utc(publish), core::format_utc(start), market::format_date(sp.date), sp.period, demand));
  }
  return join_array(rows);
}

std::string pn_rows(std::string_view dataset, std::chrono::year_month_day date, int period) {
  std::vector<std::string> rows;
  auto start = market::period_start_utc(date, period);
  if (!start) return "[]";
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kUnits = {
      {{"T_DRAXX-1", "DRAXX-1"}, {"E_BROFB-1", "BROFB-1"}, {"2__FFSEN007", "FFSE02"}}};
  int n = 0;
  for (const auto& [bm_unit, ng_unit] : kUnits) {
    const int level = dataset == "QPN" ? 0 : (period * 17 + n * 101) % 600 - 50;
    rows.push_back(fmt::format(
        R"({{"dataset":"{}","settlementDate":"{}","settlementPeriod":{},"timeFrom":"{}","timeTo":"{}","levelFrom":{},"levelTo":{},"nationalGridBmUnit":"{}","bmUnit":"{}"}})",
        dataset, market::format_date(date), period, core::format_utc(*start),
        core::format_utc(*start + market::kPeriodLength), level, level, ng_unit, bm_unit));
    ++n;
  }
  return join_array(rows);
}

std::string system_price_row(std::chrono::year_month_day date, int period) {
  const core::TimePoint start = market::day_start_utc(date) + (period - 1) * market::kPeriodLength;
  const int seed = static_cast<int>(std::chrono::sys_days(date).time_since_epoch().count()) * 53 + period * 7;
  const double price = 40.0 + static_cast<double>(((seed % 1500) + 1500) % 1500) / 10.0;
  const double niv = static_cast<double>(((seed * 13) % 1200) - 600) / 4.0;
  return fmt::format(
      R"({{"settlementDate":"{}","settlementPeriod":{},"startTime":"{}","createdDateTime":"{}","systemSellPrice":{:.2f},"systemBuyPrice":{:.2f},"bsadDefaulted":false,"priceDerivationCode":"P","reserveScarcityPrice":0.0,"netImbalanceVolume":{:.2f},"sellPriceAdjustment":0.00,"buyPriceAdjustment":0.00,"replacementPrice":null,"replacementPriceReferenceVolume":null}})",
      market::format_date(date), period, core::format_utc(start),
      core::format_utc(market::day_end_utc(date) + hours(2)), price, price, niv);
}

// The rows array of a fixture file in any envelope, as text.
std::optional<std::string> fixture_rows(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return std::nullopt;
  auto doc = json::parse(*text);
  if (!doc) return std::nullopt;
  const json::View root = doc->root();
  const json::View rows = root.is_array() ? root : root.field("data");
  if (!rows.is_array()) return std::nullopt;
  json::Writer w;
  w.value(rows);
  auto out = w.finish();
  if (!out) return std::nullopt;
  return *out;
}

// The first row of a fixture file's "data" array, as text.
std::optional<std::string> first_fixture_row(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return std::nullopt;
  auto doc = json::parse(*text);
  if (!doc) return std::nullopt;
  const json::View row = doc->root().field("data").index(0);
  if (!row.is_object()) return std::nullopt;
  json::Writer w;
  w.value(row);
  auto out = w.finish();
  if (!out) return std::nullopt;
  return *out;
}

}  // namespace

std::map<std::string, std::chrono::seconds> default_max_windows() {
  std::map<std::string, std::chrono::seconds> out;
  for (const char* code : {"INDGEN", "INDDEM", "TSDF", "NDF", "IMBALNGC", "MELNGC"}) out[code] = hours(24);
  out["FREQ"] = hours(24);
  out["MID"] = hours(24 * 7);
  return out;
}

const std::vector<std::string_view>& generated_fuel_types() {
  static const std::vector<std::string_view> fuels = {
      "BIOMASS", "CCGT",   "COAL",   "INTELEC", "INTEW",   "INTFR", "INTGRNL", "INTIFA2", "INTIRL", "INTNED",
      "INTNEM",  "INTNSL", "INTVKL", "NPSHYD",  "NUCLEAR", "OCGT",  "OIL",     "OTHER",   "PS",     "WIND"};
  return fuels;
}

int generated_generation(core::TimePoint start, std::string_view fuel_type) {
  const auto& fuels = generated_fuel_types();
  const auto index = static_cast<long long>(std::find(fuels.begin(), fuels.end(), fuel_type) - fuels.begin());
  const long long slot = std::chrono::floor<minutes>(start.time_since_epoch()).count() / 5;
  const long long wobble = ((slot * 7919 + index * 104729) % 1000 + 1000) % 1000;
  const bool signed_flow = fuel_type.substr(0, 3) == "INT" || fuel_type == "PS";
  if (signed_flow) return static_cast<int>(wobble - 500);
  return static_cast<int>(index * 400 + wobble);
}

double generated_frequency(core::TimePoint instant) {
  const long long step = std::chrono::floor<seconds>(instant.time_since_epoch()).count() / 15;
  const long long milli = ((step * 31) % 400 + 400) % 400 - 200;
  return 50.0 + static_cast<double>(milli) / 1000.0;
}

struct ElexonService::Impl {
  ElexonServiceOptions options;
  mutable std::mutex mutex;
  std::vector<RecordedRequest> recorded;
  int in_flight = 0;
  int max_in_flight = 0;

  // Records the request, counts it in flight while `answer` runs (after the
  // configured delay), and records the status it answered with.
  template <typename Answer>
  void serve(const httplib::Request& req, httplib::Response& res, Answer&& answer) {
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard lock(mutex);
      ++in_flight;
      max_in_flight = std::max(max_in_flight, in_flight);
      delay = options.response_delay;
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    answer(req, res);
    const auto q = req.target.find('?');
    std::lock_guard lock(mutex);
    --in_flight;
    recorded.push_back(RecordedRequest{req.method, req.path,
                                       q == std::string::npos ? std::string() : req.target.substr(q + 1), res.status});
  }

  std::filesystem::path api(std::string_view file) const { return options.fixtures_dir / "api" / std::string(file); }

  void serve_fixture(httplib::Response& res, std::string_view file) const {
    auto text = read_file(api(file));
    if (!text) {
      res.status = 500;
      res.set_content(fmt::format("fake-elexon: fixture {} not found", api(file).string()), "text/plain");
      return;
    }
    send_json(res, std::move(*text));
  }

  // A required time parameter, or a 400 problem already written to `res`.
  static std::optional<core::TimePoint> time_param(const httplib::Request& req, httplib::Response& res,
                                                   const char* key) {
    if (!req.has_param(key)) {
      send_problem(res, key, fmt::format("The {} field is required.", key));
      return std::nullopt;
    }
    const std::string value = req.get_param_value(key);
    auto t = core::parse_utc(value);
    if (!t) {
      send_problem(res, key, fmt::format("The value '{}' is not valid.", value));
      return std::nullopt;
    }
    return *t;
  }

  void dataset(const httplib::Request& req, httplib::Response& res, const std::string& code, bool stream) const {
    const auto info = dataset_info(code);
    if (!info || (stream && !info->has_stream)) return send_not_found(res);
    Style style = info->style;
    if (stream && style == Style::settlement_period) style = Style::from_to;
    // Parameters of another window style: Elexon answers 404.
    for (const Style other : {Style::publish_time, Style::from_to, Style::measurement_time, Style::settlement_period}) {
      if (other == style) continue;
      const auto [a, b] = keys_of(other);
      if (req.has_param(a) || req.has_param(b)) return send_not_found(res);
    }
    std::string rows;
    if (style == Style::settlement_period) {
      const auto [date_key, period_key] = keys_of(style);
      if (!req.has_param(date_key)) return send_problem(res, date_key, "The settlementDate field is required.");
      if (!req.has_param(period_key)) return send_problem(res, period_key, "The settlementPeriod field is required.");
      auto date = market::parse_date(req.get_param_value(date_key));
      if (!date) {
        return send_problem(res, date_key, fmt::format("The value '{}' is not valid.", req.get_param_value(date_key)));
      }
      const std::string period_text = req.get_param_value(period_key);
      int period = 0;
      const auto [end, ec] = std::from_chars(period_text.data(), period_text.data() + period_text.size(), period);
      if (ec != std::errc() || end != period_text.data() + period_text.size() || period < 1 || period > 50) {
        return send_problem(res, period_key, fmt::format("The value '{}' is not valid.", period_text));
      }
      rows = pn_rows(code, *date, period);
    } else {
      const auto [from_key, to_key] = keys_of(style);
      const auto from = time_param(req, res, from_key);
      if (!from) return;
      std::optional<core::TimePoint> to = from;
      if (!stream || req.has_param(to_key)) {
        to = time_param(req, res, to_key);
        if (!to) return;
      }
      if (*to < *from) return send_problem(res, "", fmt::format("The {} must be before the {}.", from_key, to_key));
      if (!stream) {
        if (const auto cap = options.max_window.find(code);
            cap != options.max_window.end() && *to - *from > cap->second) {
          return send_problem(res, "", fmt::format("The date range must not exceed {}.", describe_span(cap->second)));
        }
      }
      if (code == "FUELINST") {
        rows = fuel_rows(code, *from, *to, minutes(5));
      } else if (code == "FUELHH") {
        rows = fuel_rows(code, *from, *to, minutes(30));
      } else if (code == "FREQ") {
        rows = freq_rows(*from, *to);
      } else if (code == "MID") {
        rows = mid_rows(*from, *to);
      } else if (code == "INDO" || code == "ITSDO") {
        rows = demand_rows(code, *from, *to);
      }
    }
    if (rows.empty()) {
      std::optional<std::string> fixture;
      if (stream) fixture = fixture_rows(api("datasets_" + code + "_stream.json"));
      if (!fixture) fixture = fixture_rows(api("datasets_" + code + ".json"));
      if (!fixture) fixture = fixture_rows(api("datasets_" + code + "_truncated.json"));
      rows = fixture.value_or("[]");
    }
    send_json(res, stream ? std::move(rows) : R"({"data":)" + rows + "}");
  }

  void system_prices(const httplib::Request& req, httplib::Response& res) const {
    const std::string date_text = req.matches[1];
    const std::string period_text = req.matches.size() > 3 ? std::string(req.matches[3]) : std::string();
    // No /stream variant: Elexon's 404, as for any unknown route.
    if (period_text == "stream") return send_not_found(res);
    auto date = market::parse_date(date_text);
    if (!date) return send_problem(res, "settlementDate", fmt::format("The value '{}' is not valid.", date_text));
    std::optional<int> period;
    if (!period_text.empty()) {
      int p = 0;
      const auto [end, ec] = std::from_chars(period_text.data(), period_text.data() + period_text.size(), p);
      if (ec != std::errc() || end != period_text.data() + period_text.size() || p < 1 || p > 50) {
        return send_problem(res, "settlementPeriod", fmt::format("The value '{}' is not valid.", period_text));
      }
      period = p;
    }
    if (date_text == "2026-08-01" && period == 5) {
      return serve_fixture(res, "balancing_settlement_system-prices_2026-08-01_5.json");
    }
    // The day's answer holds the fixture's row for 2026-08-01 SP5 too, so a
    // day request and a period request agree (numbers reformatted).
    const std::optional<std::string> fixture_sp5 =
        date_text == "2026-08-01" ? first_fixture_row(api("balancing_settlement_system-prices_2026-08-01_5.json"))
                                  : std::nullopt;
    std::vector<std::string> rows;
    const int periods = market::periods_in_day(*date);
    for (int p = 1; p <= periods; ++p) {
      if (period && *period != p) continue;
      rows.push_back(p == 5 && fixture_sp5 ? *fixture_sp5 : system_price_row(*date, p));
    }
    send_json(res, R"({"metadata":{"datasets":["DISEBSP"]},"data":)" + join_array(rows) + "}");
  }
};

ElexonService::ElexonService(ElexonServiceOptions options) : m_impl(std::make_unique<Impl>()) {
  m_impl->options = std::move(options);
  while (!m_impl->options.prefix.empty() && m_impl->options.prefix.back() == '/') m_impl->options.prefix.pop_back();
}

ElexonService::~ElexonService() = default;

void ElexonService::install(httplib::Server& server) {
  Impl& impl = *m_impl;
  const std::string p = impl.options.prefix;
  // Elexon's front end keeps connections alive; cpp-httplib closes one after
  // 5 requests by default, which would make every fifth request of a client
  // pay a TLS handshake the real service does not charge.
  server.set_keep_alive_max_count(10000);
  server.Get(p + R"(/datasets/([A-Za-z0-9_]+)/stream)", [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.serve(req, res,
               [&impl](const httplib::Request& q, httplib::Response& r) { impl.dataset(q, r, q.matches[1], true); });
  });
  server.Get(p + R"(/datasets/([A-Za-z0-9_]+))", [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.serve(req, res,
               [&impl](const httplib::Request& q, httplib::Response& r) { impl.dataset(q, r, q.matches[1], false); });
  });
  server.Get(p + R"(/balancing/settlement/system-prices/([^/]+)(/([^/]+))?)", [&impl](const httplib::Request& req,
                                                                                      httplib::Response& res) {
    impl.serve(req, res, [&impl](const httplib::Request& q, httplib::Response& r) { impl.system_prices(q, r); });
  });
  const std::vector<std::pair<std::string, std::string>> fixtures = {
      {"/reference/fueltypes/all", "reference_fueltypes_all.json"},
      {"/generation/outturn/interconnectors", "generation_outturn_interconnectors.json"},
      {"/remit/list/by-publish", "remit_list_by-publish.json"},
  };
  for (const auto& [route, file] : fixtures) {
    server.Get(p + route, [&impl, file = file](const httplib::Request& req, httplib::Response& res) {
      impl.serve(req, res,
                 [&impl, &file](const httplib::Request&, httplib::Response& r) { impl.serve_fixture(r, file); });
    });
  }
  // Admin: the requests the service answered (fault-injected ones never
  // reach it), so black-box tests can count what a client fetched.
  server.Get("/_fake/requests", [&impl](const httplib::Request&, httplib::Response& res) {
    std::vector<RecordedRequest> copy;
    {
      std::lock_guard lock(impl.mutex);
      copy = impl.recorded;
    }
    json::Writer w;
    w.begin_object();
    w.key("count").int64(static_cast<std::int64_t>(copy.size()));
    w.key("requests");
    w.begin_array();
    for (const RecordedRequest& r : copy) {
      w.begin_object();
      w.key("method").string(r.method);
      w.key("path").string(r.path);
      w.key("query").string(r.query);
      w.key("status").int64(r.status);
      w.end_object();
    }
    w.end_array();
    w.end_object();
    auto body = w.finish();
    res.status = body ? 200 : 500;
    res.set_content(body ? *body : std::string("{}"), kJson);
  });
  server.Delete("/_fake/requests", [&impl](const httplib::Request&, httplib::Response& res) {
    {
      std::lock_guard lock(impl.mutex);
      impl.recorded.clear();
      impl.max_in_flight = impl.in_flight;
    }
    res.status = 204;
  });
  server.Get(p + R"(/.*)", [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.serve(req, res, [](const httplib::Request&, httplib::Response& r) { send_not_found(r); });
  });
}

std::vector<RecordedRequest> ElexonService::requests() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->recorded;
}

std::size_t ElexonService::request_count() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->recorded.size();
}

int ElexonService::max_in_flight() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->max_in_flight;
}

void ElexonService::reset_stats() {
  std::lock_guard lock(m_impl->mutex);
  m_impl->recorded.clear();
  m_impl->max_in_flight = m_impl->in_flight;
}

void ElexonService::set_response_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->options.response_delay = delay;
}

}  // namespace gbpm::fakes::elexon
