#include "dno/lookup.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <mutex>

#include "core/config.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "json/writer.hpp"
#include "market/settlement.hpp"
#include "net/curl_transport.hpp"
#include "net/retry.hpp"
#include "sheet/sheet.hpp"
#include "warehouse/sqlite_warehouse.hpp"
#include "warehouse/uri.hpp"

namespace gbpm::dno {

namespace {

using sheet::Cell;

std::string date_text(std::chrono::sys_days day) {
  return market::format_date(std::chrono::year_month_day(day));
}

std::string area_text(const LicenceArea& a) {
  return fmt::format("{} {} ({})", a.id, a.area, a.key);
}

const sheet::CellFormat kRateFormat{.number_format = "0.000"};

std::string tariff_label(const LookupResult& r) {
  if (r.rates.tariff_used.empty()) return fmt::format("{} default", voltage_name(r.voltage));
  return fmt::format("{} LLFC {}", voltage_name(r.voltage), r.rates.tariff_used);
}

}  // namespace

std::chrono::sys_days uk_local_day(core::TimePoint now) {
  const auto local = now + market::london_utc_offset(now);
  return std::chrono::floor<std::chrono::days>(local);
}

Result<LookupResult> run_lookup(const LookupRequest& request, const LookupDeps& deps) {
  LookupResult result;
  result.voltage = request.voltage;
  result.date = request.date;
  std::optional<int> decided;

  if (request.mpan) {
    auto mpan = parse_mpan(*request.mpan);
    if (!mpan) return mpan.error();
    result.mpan = *mpan;
    decided = mpan->distributor_id;
    result.found_by = "MPAN " + mpan->core;
  }
  if (request.distributor_id) {
    if (!find_area(*request.distributor_id)) {
      return make_error(ErrorKind::usage,
                        fmt::format("distributor id {} is not a GB licence area (10-23)", *request.distributor_id));
    }
    if (decided && *decided != *request.distributor_id) {
      return make_error(ErrorKind::usage, fmt::format("--distributor {} contradicts the MPAN's distributor id {}",
                                                      *request.distributor_id, *decided));
    }
    if (!decided) {
      decided = *request.distributor_id;
      result.found_by = fmt::format("distributor id {}", *request.distributor_id);
    }
  }
  if (request.postcode) {
    auto postcode = normalise_postcode(*request.postcode);
    if (!postcode) return postcode.error();
    // With an MPAN the postcode is only a cross-check: its failures warn.
    const auto problem = [&](Error e) -> Status {
      if (!decided) return e;
      result.warnings.push_back(e.message + "; the MPAN decides");
      return {};
    };
    std::optional<int> from_postcode;
    Status step;
    if (deps.postcodes == nullptr || deps.areas == nullptr) {
      step = problem(Error{ErrorKind::config, deps.areas_missing_reason.empty()
                                                  ? std::string("postcode lookups are not configured")
                                                  : deps.areas_missing_reason});
    } else if (auto loc = deps.postcodes->locate(*postcode); !loc) {
      step = problem(loc.error());
    } else {
      result.location = *loc;
      const bool bng = deps.areas->crs() == Crs::british_national_grid;
      const auto x = bng ? loc->eastings : loc->longitude;
      const auto y = bng ? loc->northings : loc->latitude;
      if (loc->country == "Northern Ireland") {
        // Its eastings/northings are on the Irish grid, not British National Grid.
        step =
            problem(Error{ErrorKind::data,
                          fmt::format("postcode {} is in Northern Ireland, outside every GB licence area", *postcode)});
      } else if (!x || !y) {
        step = problem(Error{ErrorKind::data, fmt::format("Postcodes.io has no {} coordinates for postcode {}",
                                                          bng ? "grid" : "latitude/longitude", *postcode)});
      } else if (auto id = deps.areas->locate({*x, *y}); !id) {
        step = problem(Error{ErrorKind::data,
                             fmt::format("postcode {}{} lies outside every GB licence area (Northern Ireland, the Isle "
                                         "of Man and the Channel Islands have no GB DNO)",
                                         *postcode, loc->country.empty() ? "" : " (" + loc->country + ")")});
      } else {
        from_postcode = *id;
      }
    }
    if (!step) return step.error();
    if (from_postcode) {
      if (!decided) {
        decided = *from_postcode;
        result.found_by = "postcode " + *postcode;
      } else if (*decided != *from_postcode) {
        result.warnings.push_back(fmt::format("the MPAN says {} but postcode {} lies in {}; the MPAN decides",
                                              area_text(*find_area(*decided)), *postcode,
                                              area_text(*find_area(*from_postcode))));
      }
    }
  }
  if (!decided) return make_error(ErrorKind::usage, "give a postcode, an MPAN or a distributor id");
  result.area = *find_area(*decided);
  result.llfc = request.llfc;
  if ((!result.llfc || result.llfc->empty()) && result.mpan && result.mpan->llfc) result.llfc = result.mpan->llfc;

  if (deps.tariffs == nullptr) {
    result.warnings.push_back("no DUoS tariffs loaded (run dno-lookup load-tariffs)");
    return result;
  }
  auto loaded = deps.tariffs->loaded();
  if (!loaded) return loaded.error();
  result.tariffs_loaded = *loaded;
  if (!*loaded) {
    result.warnings.push_back("no DUoS tariffs loaded (run dno-lookup load-tariffs)");
    return result;
  }
  auto rates = deps.tariffs->rates(result.area.id, result.voltage, result.llfc, result.date);
  if (!rates) return rates.error();
  result.rates = std::move(*rates);
  if (result.rates.llfc_fell_back) {
    result.warnings.push_back(fmt::format("no rates for LLFC {}; the {} default rates are shown", *result.llfc,
                                          voltage_name(result.voltage)));
  }
  if (!result.rates.any()) {
    result.warnings.push_back(fmt::format("no {} DUoS rates for {} in effect on {}", voltage_name(result.voltage),
                                          area_text(result.area), date_text(result.date)));
  }
  auto bands = deps.tariffs->bands(result.area.id);
  if (!bands) return bands.error();
  result.bands = std::move(*bands);
  if (result.bands.empty()) result.warnings.push_back(fmt::format("no time bands for {}", area_text(result.area)));
  return result;
}

sheet::Update bess_update(const LookupResult& r) {
  sheet::Update update;
  const std::string tab(kBessTab);
  const auto& a = r.area;
  std::string status =
      fmt::format("{} {} {} ({}) from {}; {} rates in effect on {}", r.warnings.empty() ? "✅" : "⚠️", a.id, a.area,
                  a.key, r.found_by, tariff_label(r), date_text(r.date));
  for (const auto& w : r.warnings) status += " · " + w;
  update.blocks.push_back({{tab, 3, 0, 1, 8}, {{Cell::text(status)}}});
  update.blocks.push_back({{tab, 5, 1, 1, 7},
                           {{Cell::number(a.id), Cell::text(std::string(a.key)), Cell::text(std::string(a.area)),
                             Cell::text(std::string(a.operator_name)), Cell::text(std::string(a.participant_id)),
                             Cell::text(std::string(a.gsp_group)), Cell::text(std::string(a.gsp_group_name))}}});
  const auto rate = [](const std::optional<UnitRate>& u) {
    return Cell::maybe_number(u ? std::optional<double>(u->p_per_kwh) : std::nullopt, kRateFormat);
  };
  update.blocks.push_back({{tab, 9, 1, 1, 3}, {{rate(r.rates.red), rate(r.rates.amber), rate(r.rates.green)}}});
  std::vector<std::vector<Cell>> rows;
  for (const auto& b : r.bands) {
    rows.push_back({Cell::text(b.band), Cell::text(b.day_type), Cell::text(b.start + "-" + b.end)});
  }
  update.blocks.push_back({{tab, kBandFirstRow, 0, kMaxBandRows, 3}, std::move(rows)});
  return update;
}

std::string render_text(const LookupResult& r) {
  const auto& a = r.area;
  std::string out;
  out += fmt::format("Licence area    {} {} ({})\n", a.id, a.area, a.key);
  out += fmt::format("Operator        {} (market participant {})\n", a.operator_name, a.participant_id);
  out += fmt::format("GSP group       {} {}\n", a.gsp_group, a.gsp_group_name);
  out += fmt::format("Found by        {}\n", r.found_by);
  if (r.location) {
    const auto& l = *r.location;
    const auto num = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string("-"); };
    out += fmt::format("Postcode        {} ({}) E {} N {}, lat {} lon {}\n", l.postcode,
                       l.country.empty() ? "-" : l.country, num(l.eastings), num(l.northings), num(l.latitude),
                       num(l.longitude));
  }
  out += fmt::format("Tariff          {}, rates in effect on {}\n", tariff_label(r), date_text(r.date));
  out += "Band    p/kWh   effective\n";
  for (const auto& [name, u] :
       {std::pair{"Red", &r.rates.red}, std::pair{"Amber", &r.rates.amber}, std::pair{"Green", &r.rates.green}}) {
    if (*u) {
      out += fmt::format("{:<7} {:<7.3f} {} to {}\n", name, (*u)->p_per_kwh, date_text((*u)->effective_from),
                         (*u)->effective_to ? date_text(*(*u)->effective_to) : std::string("open"));
    } else {
      out += fmt::format("{:<7} -\n", name);
    }
  }
  if (!r.bands.empty()) out += "Time bands\n";
  for (const auto& b : r.bands) out += fmt::format("  {:<6} {:<8} {}-{}\n", b.band, b.day_type, b.start, b.end);
  for (const auto& w : r.warnings) out += "Warning: " + w + "\n";
  return out;
}

Result<std::string> render_json(const LookupResult& r) {
  json::Writer w;
  const auto& a = r.area;
  w.begin_object();
  w.key("distributor_id").int64(a.id).key("dno_key").string(a.key).key("licence_area").string(a.area);
  w.key("operator").string(a.operator_name).key("market_participant_id").string(a.participant_id);
  w.key("gsp_group").string(a.gsp_group).key("gsp_group_name").string(a.gsp_group_name);
  w.key("found_by").string(r.found_by);
  if (r.mpan) w.key("mpan_core").string(r.mpan->core);
  if (r.location) {
    w.key("postcode").string(r.location->postcode);
    const auto opt = [&](std::string_view k, const std::optional<double>& v) {
      w.key(k);
      if (v) {
        w.float64(*v);
      } else {
        w.null();
      }
    };
    opt("eastings", r.location->eastings);
    opt("northings", r.location->northings);
    opt("latitude", r.location->latitude);
    opt("longitude", r.location->longitude);
  }
  w.key("voltage").string(voltage_name(r.voltage));
  w.key("llfc");
  if (r.llfc) {
    w.string(*r.llfc);
  } else {
    w.null();
  }
  w.key("tariff").string(r.rates.tariff_used).key("as_of").string(date_text(r.date));
  w.key("rates_p_per_kwh").begin_object();
  for (const auto& [name, u] :
       {std::pair{"red", &r.rates.red}, std::pair{"amber", &r.rates.amber}, std::pair{"green", &r.rates.green}}) {
    w.key(name);
    if (*u) {
      w.float64((*u)->p_per_kwh);
    } else {
      w.null();
    }
  }
  w.end_object();
  w.key("time_bands").begin_array();
  for (const auto& b : r.bands) {
    w.begin_object().key("band").string(b.band).key("day_type").string(b.day_type);
    w.key("start").string(b.start).key("end").string(b.end).end_object();
  }
  w.end_array();
  w.key("warnings").begin_array();
  for (const auto& s : r.warnings) w.string(s);
  w.end_array();
  w.end_object();
  return w.finish();
}

// ---------------------------------------------------------------------------

Result<std::filesystem::path> tariff_database(const config::Config& config, const std::filesystem::path& home) {
  std::string text = config.get_string_or("GBPM_DNO_WAREHOUSE", "");
  const char* key = "GBPM_DNO_WAREHOUSE";
  if (text.empty()) {
    text = config.get_string_or("GBPM_WAREHOUSE", "sqlite:" + (home / "gbpm.db").string());
    key = "GBPM_WAREHOUSE";
  }
  auto uri = warehouse::parse_warehouse_uri(text);
  if (!uri) return uri.error();
  if (const auto* sqlite = std::get_if<warehouse::SqliteUri>(&*uri)) return sqlite->path;
  return make_error(ErrorKind::config,
                    fmt::format("{} is {}: DUoS tariffs are kept in an SQLite warehouse only (BigQuery tables are not "
                                "implemented); set GBPM_DNO_WAREHOUSE=sqlite:PATH (--warehouse) for the tariffs",
                                key, text));
}

struct LookupEnvironment::State {
  std::unique_ptr<net::CurlTransport> curl;
  std::unique_ptr<net::RetryingTransport> retrying;
  std::unique_ptr<PostcodesClient> postcodes;
  std::string areas_path;
  std::optional<AreaMap> areas;
  std::filesystem::path database;
  log::Logger* logger = nullptr;
};

LookupEnvironment::LookupEnvironment(std::unique_ptr<State> state) : m_state(std::move(state)) {}
LookupEnvironment::~LookupEnvironment() = default;

Result<std::unique_ptr<LookupEnvironment>> LookupEnvironment::open(const config::Config& config, core::Clock& clock,
                                                                   log::Logger& logger,
                                                                   const std::filesystem::path& home) {
  auto state = std::make_unique<State>();
  state->logger = &logger;
  auto database = tariff_database(config, home);
  if (!database) return database.error();
  state->database = *database;
  const std::string base = config.get_string_or("GBPM_POSTCODES_URL", std::string(kPostcodesDefaultUrl));
  if (auto ok = check_base_url(base, "GBPM_POSTCODES_URL"); !ok) return ok.error();
  std::chrono::milliseconds timeout{10000};
  if (config.has("GBPM_HTTP_TIMEOUT")) {
    auto t = config.get_duration("GBPM_HTTP_TIMEOUT");
    if (!t) return t.error();
    timeout = *t;
  }
  long long attempts = 3;
  if (config.has("GBPM_RETRY_ATTEMPTS")) {
    auto n = config.get_int("GBPM_RETRY_ATTEMPTS", 1, 10);
    if (!n) return n.error();
    attempts = *n;
  }
  auto curl = net::CurlTransport::create({.ca_file = config.get_string_or("GBPM_CA_FILE", ""), .logger = &logger});
  if (!curl) return curl.error();
  state->curl = std::move(*curl);
  state->retrying = std::make_unique<net::RetryingTransport>(
      *state->curl, clock,
      net::RetryPolicy({.max_attempts = static_cast<int>(attempts), .max_total = timeout * attempts * 2}),
      net::BackoffPolicy({.initial = std::chrono::milliseconds(500), .max = std::chrono::seconds(4)}), &logger);
  state->postcodes = std::make_unique<PostcodesClient>(*state->retrying, base, timeout);
  state->areas_path = config.get_string_or("GBPM_DNO_AREAS", "");
  return std::unique_ptr<LookupEnvironment>(new LookupEnvironment(std::move(state)));
}

int LookupEnvironment::api_calls() const {
  return m_state->postcodes->requests();
}

Status LookupEnvironment::load_areas() {
  auto& s = *m_state;
  if (s.areas || s.areas_path.empty()) return {};
  auto map = AreaMap::load(s.areas_path);
  if (!map) return map.error();
  s.areas = std::move(*map);
  return {};
}

Result<LookupResult> LookupEnvironment::lookup(const LookupRequest& request) {
  auto& s = *m_state;
  LookupDeps deps;
  deps.postcodes = s.postcodes.get();
  if (request.postcode) {
    if (auto loaded = load_areas(); !loaded) return loaded.error();
    if (s.areas) {
      deps.areas = &*s.areas;
    } else {
      deps.areas_missing_reason =
          "a postcode lookup needs the licence-area GeoJSON: download NESO's \"GB DNO License Areas\" GeoJSON and set "
          "GBPM_DNO_AREAS to its path";
    }
  }
  std::unique_ptr<warehouse::SqliteWarehouse> wh;
  std::unique_ptr<SqlTariffSource> tariffs;
  std::error_code ec;
  if (std::filesystem::exists(s.database, ec)) {
    auto opened = warehouse::SqliteWarehouse::open(s.database, warehouse::OpenMode::read_only);
    if (!opened) return opened.error();
    wh = std::move(*opened);
    tariffs = std::make_unique<SqlTariffSource>(*wh);
    deps.tariffs = tariffs.get();
  }
  return run_lookup(request, deps);
}

Status run_lookup_tool(cli::Context& ctx, const LookupRequest& request, bool json) {
  const std::string sheet_text = ctx.config.get_string_or("GBPM_DNO_SHEET", "");
  if (!sheet_text.empty()) {
    if (auto uri = sheet::parse_sheet_uri(sheet_text); !uri) return uri.error();
  }
  auto env = LookupEnvironment::open(ctx.config, ctx.clock, ctx.log, ctx.home);
  if (!env) return env.error();
  auto result = (*env)->lookup(request);
  ctx.stats.api_calls += (*env)->api_calls();
  if (!result) return result.error();
  for (const auto& w : result->warnings) ctx.log.warn(w);
  if (sheet_text.empty()) {
    std::string text;
    if (json) {
      auto j = render_json(*result);
      if (!j) return j.error();
      text = *j + "\n";
    } else {
      text = render_text(*result);
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return {};
  }
  sheet::SinkOptions options;
  options.config = &ctx.config;
  options.clock = &ctx.clock;
  options.logger = &ctx.log;
  auto sink = sheet::open_sheet(sheet_text, options);
  if (!sink) return sink.error();
  Status written = (*sink)->write(bess_update(*result));
  ctx.stats.api_calls += (*sink)->api_calls();
  if (!written) return written;
  ctx.stats.rows_written = 4 + static_cast<std::int64_t>(result->bands.size());
  ctx.log.info(
      "BESS tab written",
      {{"sheet", sheet_text}, {"distributor_id", std::to_string(result->area.id)}, {"found_by", result->found_by}});
  return {};
}

Status run_load_tariffs(cli::Context& ctx, const std::vector<std::string>& files) {
  if (files.empty()) return make_error(ErrorKind::usage, "load-tariffs needs at least one CSV file");
  auto database = tariff_database(ctx.config, ctx.home);
  if (!database) return database.error();
  std::vector<TariffFile> parsed;
  for (const auto& f : files) {
    auto text = core::read_file(f, std::size_t{16} << 20);
    if (!text) return Error{ErrorKind::usage, text.error().message};
    auto file = parse_tariff_csv(*text, f);
    if (!file) return file.error();
    parsed.push_back(std::move(*file));
  }
  auto wh = warehouse::SqliteWarehouse::open(*database, warehouse::OpenMode::read_write);
  if (!wh) return wh.error();
  auto stats = store_tariffs(**wh, parsed);
  if (!stats) return stats.error();
  ctx.stats.rows_written = static_cast<std::int64_t>(stats->rates + stats->bands);
  ctx.log.info("DUoS tariffs loaded", {{"unit_rates", std::to_string(stats->rates)},
                                       {"time_bands", std::to_string(stats->bands)},
                                       {"warehouse", database->string()}});
  return {};
}

}  // namespace gbpm::dno
