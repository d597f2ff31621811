#include "dno/tariffs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "dno/areas.hpp"
#include "market/settlement.hpp"
#include "warehouse/sql.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace gbpm::dno {

namespace {

constexpr std::string_view kRatesHeader = "distributor_id,voltage,tariff,band,p_per_kwh,effective_from,effective_to";
constexpr std::string_view kBandsHeader = "distributor_id,band,day_type,start,end";
constexpr std::size_t kMaxFieldBytes = 64;

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One line split on commas; "quoted" fields may hold commas and "" quotes.
// nullopt for an unterminated quote.
std::optional<std::vector<std::string>> split_csv_line(std::string_view line) {
  std::vector<std::string> fields;
  std::string field;
  bool in_quotes = false;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      field.clear();
      in_quotes = true;
      quoted = true;
    } else if (c == ',') {
      fields.push_back(quoted ? field : trim(field));
      field.clear();
      quoted = false;
    } else {
      field += c;
    }
  }
  if (in_quotes) return std::nullopt;
  fields.push_back(quoted ? field : trim(field));
  return fields;
}

std::optional<std::string> canonical_band(std::string_view text) {
  const std::string l = lower(std::string(text));
  if (l == "red") return "Red";
  if (l == "amber") return "Amber";
  if (l == "green") return "Green";
  return std::nullopt;
}

std::optional<std::string> canonical_day_type(std::string_view text) {
  const std::string l = lower(std::string(text));
  if (l == "weekday") return "Weekday";
  if (l == "weekend") return "Weekend";
  return std::nullopt;
}

// "HH:MM" with 00:00..24:00 → minutes; nullopt otherwise.
std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (const std::size_t i : {0u, 1u, 3u, 4u}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::optional<std::chrono::sys_days> parse_day(std::string_view s) {
  auto d = market::parse_date(s);
  if (!d) return std::nullopt;
  return std::chrono::sys_days(*d);
}

std::string date_text(std::chrono::sys_days day) {
  return market::format_date(std::chrono::year_month_day(day));
}

int band_order(std::string_view band) {
  if (band == "Red") return 0;
  if (band == "Amber") return 1;
  return 2;
}

}  // namespace

std::string_view voltage_name(Voltage v) {
  switch (v) {
    case Voltage::lv: return "LV";
    case Voltage::hv: return "HV";
    case Voltage::ehv: return "EHV";
  }
  return "LV";
}

std::optional<Voltage> parse_voltage(std::string_view text) {
  const std::string l = lower(trim(text));
  if (l == "lv") return Voltage::lv;
  if (l == "hv") return Voltage::hv;
  if (l == "ehv") return Voltage::ehv;
  return std::nullopt;
}

// One pass over the file: the header decides the kind (rates or bands), and
// every line is checked against it with its FILE:LINE in the error.
// NOLINTNEXTLINE(readability-function-size): 112 lines; the per-line checks share the header state
Result<TariffFile> parse_tariff_csv(std::string_view text, std::string_view origin) {
  TariffFile file;
  enum class Kind { unknown, rates, bands } kind = Kind::unknown;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  std::set<std::string> keys;
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;  // a byte-order mark, as spreadsheets export
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const auto fail = [&](std::string_view why) {
      return make_error(ErrorKind::data, fmt::format("{}:{}: {}", origin, line_no, why));
    };
    const std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto fields = split_csv_line(line);
    if (!fields) return fail("unterminated quoted field");
    for (const auto& f : *fields) {
      if (f.size() > kMaxFieldBytes) return fail(fmt::format("a field is longer than {} bytes", kMaxFieldBytes));
    }
    if (kind == Kind::unknown) {
      std::string header;
      for (std::size_t i = 0; i < fields->size(); ++i) header += (i ? "," : "") + lower((*fields)[i]);
      if (header == kRatesHeader) {
        kind = Kind::rates;
      } else if (header == kBandsHeader) {
        kind = Kind::bands;
      } else {
        return fail(fmt::format("unknown header (expected \"{}\" for unit rates or \"{}\" for time bands)",
                                kRatesHeader, kBandsHeader));
      }
      continue;
    }
    const std::size_t want = kind == Kind::rates ? 7 : 5;
    if (fields->size() != want) return fail(fmt::format("{} fields, expected {}", fields->size(), want));
    const auto& f = *fields;
    int id = 0;
    const auto [p, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), id);
    if (ec != std::errc() || p != f[0].data() + f[0].size() || !find_area(id)) {
      return fail(fmt::format("distributor_id \"{}\" is not 10-23", f[0]));
    }
    if (kind == Kind::rates) {
      UnitRate r;
      r.distributor_id = id;
      const auto v = parse_voltage(f[1]);
      if (!v) return fail(fmt::format("voltage \"{}\" is not LV, HV or EHV", f[1]));
      r.voltage = *v;
      r.tariff = f[2];
      for (const char c : r.tariff) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != ' ') {
          return fail(fmt::format("tariff \"{}\": only letters, digits, space, - and _", r.tariff));
        }
      }
      const auto band = canonical_band(f[3]);
      if (!band) return fail(fmt::format("band \"{}\" is not Red, Amber or Green", f[3]));
      r.band = *band;
      double rate = 0;
      const auto [rp, rec] = std::from_chars(f[4].data(), f[4].data() + f[4].size(), rate);
      if (f[4].empty() || rec != std::errc() || rp != f[4].data() + f[4].size() || !std::isfinite(rate) || rate < 0 ||
          rate > 1000) {
        return fail(fmt::format("p_per_kwh \"{}\" is not a number from 0 to 1000", f[4]));
      }
      r.p_per_kwh = rate;
      const auto from = parse_day(f[5]);
      if (!from) return fail(fmt::format("effective_from \"{}\" is not a date (YYYY-MM-DD)", f[5]));
      r.effective_from = *from;
      if (!f[6].empty()) {
        const auto to = parse_day(f[6]);
        if (!to) return fail(fmt::format("effective_to \"{}\" is not a date (YYYY-MM-DD) or empty", f[6]));
        if (*to < *from) return fail("effective_to is before effective_from");
        r.effective_to = *to;
      }
      const std::string key =
          fmt::format("{}|{}|{}|{}|{}", id, voltage_name(r.voltage), r.tariff, r.band, date_text(r.effective_from));
      if (!keys.insert(key).second) return fail("the same area, voltage, tariff, band and effective_from again");
      file.rates.push_back(std::move(r));
    } else {
      TimeBand b;
      b.distributor_id = id;
      const auto band = canonical_band(f[1]);
      if (!band) return fail(fmt::format("band \"{}\" is not Red, Amber or Green", f[1]));
      b.band = *band;
      const auto day = canonical_day_type(f[2]);
      if (!day) return fail(fmt::format("day_type \"{}\" is not Weekday or Weekend", f[2]));
      b.day_type = *day;
      const auto start = parse_hhmm(f[3]);
      const auto stop = parse_hhmm(f[4]);
      if (!start || *start >= 24 * 60) return fail(fmt::format("start \"{}\" is not a time HH:MM before 24:00", f[3]));
      if (!stop) return fail(fmt::format("end \"{}\" is not a time HH:MM (up to 24:00)", f[4]));
      if (*stop <= *start) return fail("end is not after start");
      b.start = f[3];
      b.end = f[4];
      const std::string key = fmt::format("{}|{}|{}|{}", id, b.band, b.day_type, b.start);
      if (!keys.insert(key).second) return fail("the same area, band, day type and start again");
      file.bands.push_back(std::move(b));
    }
  }
  if (kind == Kind::unknown) {
    return make_error(ErrorKind::data, fmt::format("{}: empty (no header line)", origin));
  }
  std::map<int, int> per_area;
  for (const auto& b : file.bands) {
    if (++per_area[b.distributor_id] > kMaxBandRows) {
      return make_error(ErrorKind::data, fmt::format("{}: more than {} time bands for distributor {}", origin,
                                                     kMaxBandRows, b.distributor_id));
    }
  }
  return file;
}

// ---------------------------------------------------------------------------

Result<bool> SqlTariffSource::loaded() {
  auto rows = m_runner.query(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('duos_unit_rates', 'duos_time_bands')", {});
  if (!rows) return rows.error();
  return !rows->empty() && rows->front().front().as_integer().value_or(0) == 2;
}

Result<RatesInEffect> SqlTariffSource::rates_for(int distributor_id, Voltage voltage, const std::string& tariff,
                                                 std::chrono::sys_days date) {
  auto rows = m_runner.query(
      "SELECT band, unit_rate_p_kwh, effective_from, effective_to FROM duos_unit_rates"
      " WHERE distributor_id = @id AND voltage_level = @voltage AND tariff = @tariff"
      " AND effective_from <= @date AND (effective_to IS NULL OR effective_to >= @date)"
      " ORDER BY band, effective_from DESC",
      {{"id", {std::int64_t{distributor_id}}},
       {"voltage", {std::string(voltage_name(voltage))}},
       {"tariff", {tariff}},
       {"date", {date}}});
  if (!rows) return rows.error();
  RatesInEffect out;
  out.tariff_used = tariff;
  for (const auto& row : *rows) {
    UnitRate r;
    r.distributor_id = distributor_id;
    r.voltage = voltage;
    r.tariff = tariff;
    r.band = row[0].as_text().value_or("");
    r.p_per_kwh = row[1].as_number().value_or(0);
    const auto from = row[2].as_date();
    if (!from) return make_error(ErrorKind::data, "duos_unit_rates: a row without a valid effective_from");
    r.effective_from = *from;
    r.effective_to = row[3].as_date();
    std::optional<UnitRate>* slot = r.band == "Red" ? &out.red : r.band == "Amber" ? &out.amber : &out.green;
    if (r.band != "Red" && r.band != "Amber" && r.band != "Green") continue;
    if (!*slot) *slot = std::move(r);  // rows come newest effective_from first per band
  }
  return out;
}

Result<RatesInEffect> SqlTariffSource::rates(int distributor_id, Voltage voltage,
                                             const std::optional<std::string>& llfc, std::chrono::sys_days date) {
  if (llfc && !llfc->empty()) {
    auto specific = rates_for(distributor_id, voltage, *llfc, date);
    if (!specific || specific->any()) return specific;
    auto fallback = rates_for(distributor_id, voltage, "", date);
    if (fallback) fallback->llfc_fell_back = true;
    return fallback;
  }
  return rates_for(distributor_id, voltage, "", date);
}

Result<std::vector<TimeBand>> SqlTariffSource::bands(int distributor_id) {
  auto rows = m_runner.query(
      "SELECT band, day_type, start_time, end_time FROM duos_time_bands WHERE distributor_id = @id"
      " ORDER BY CASE band WHEN 'Red' THEN 0 WHEN 'Amber' THEN 1 ELSE 2 END, day_type, start_time LIMIT @limit",
      {{"id", {std::int64_t{distributor_id}}}, {"limit", {std::int64_t{kMaxBandRows}}}});
  if (!rows) return rows.error();
  std::vector<TimeBand> out;
  for (const auto& row : *rows) {
    out.push_back({distributor_id, row[0].as_text().value_or(""), row[1].as_text().value_or(""),
                   row[2].as_text().value_or(""), row[3].as_text().value_or("")});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TimeBand& a, const TimeBand& b) { return band_order(a.band) < band_order(b.band); });
  return out;
}

Result<LoadStats> store_tariffs(warehouse::SqliteWarehouse& warehouse, const std::vector<TariffFile>& files) {
  std::map<int, int> bands_per_area;
  std::set<std::string> band_keys;
  for (const auto& f : files) {
    for (const auto& b : f.bands) {
      if (++bands_per_area[b.distributor_id] > kMaxBandRows) {
        return make_error(ErrorKind::data, fmt::format("the files give more than {} time bands for distributor {}",
                                                       kMaxBandRows, b.distributor_id));
      }
      if (!band_keys.insert(fmt::format("{}|{}|{}|{}", b.distributor_id, b.band, b.day_type, b.start)).second) {
        return make_error(ErrorKind::data, fmt::format("two files give distributor {} band {} {} from {}",
                                                       b.distributor_id, b.band, b.day_type, b.start));
      }
    }
  }
  LoadStats stats;
  auto ok = warehouse.transaction([&]() -> Status {
    for (const char* ddl :
         {"CREATE TABLE IF NOT EXISTS duos_unit_rates (distributor_id INTEGER NOT NULL, voltage_level TEXT NOT NULL,"
          " tariff TEXT NOT NULL, band TEXT NOT NULL, unit_rate_p_kwh REAL NOT NULL, effective_from TEXT NOT NULL,"
          " effective_to TEXT, PRIMARY KEY (distributor_id, voltage_level, tariff, band, effective_from))",
          "CREATE TABLE IF NOT EXISTS duos_time_bands (distributor_id INTEGER NOT NULL, band TEXT NOT NULL,"
          " day_type TEXT NOT NULL, start_time TEXT NOT NULL, end_time TEXT NOT NULL,"
          " PRIMARY KEY (distributor_id, band, day_type, start_time))"}) {
      if (auto r = warehouse.query(ddl, {}); !r) return r.error();
    }
    for (const auto& [id, n] : bands_per_area) {
      if (auto r =
              warehouse.query("DELETE FROM duos_time_bands WHERE distributor_id = @id", {{"id", {std::int64_t{id}}}});
          !r) {
        return r.error();
      }
    }
    for (const auto& f : files) {
      for (const auto& r : f.rates) {
        std::vector<warehouse::SqlParam> params{
            {"id", {std::int64_t{r.distributor_id}}},
            {"voltage", {std::string(voltage_name(r.voltage))}},
            {"tariff", {r.tariff}},
            {"band", {r.band}},
            {"rate", {r.p_per_kwh}},
            {"from", {r.effective_from}},
            {"to", r.effective_to ? warehouse::SqlValue{*r.effective_to} : warehouse::SqlValue{}}};
        auto done = warehouse.query(
            "INSERT INTO duos_unit_rates (distributor_id, voltage_level, tariff, band, unit_rate_p_kwh,"
            " effective_from, effective_to) VALUES (@id, @voltage, @tariff, @band, @rate, @from, @to)"
            " ON CONFLICT (distributor_id, voltage_level, tariff, band, effective_from)"
            " DO UPDATE SET unit_rate_p_kwh = excluded.unit_rate_p_kwh, effective_to = excluded.effective_to",
            params);
        if (!done) return done.error();
        ++stats.rates;
      }
      for (const auto& b : f.bands) {
        auto done = warehouse.query(
            "INSERT INTO duos_time_bands (distributor_id, band, day_type, start_time, end_time)"
            " VALUES (@id, @band, @day, @start, @end)",
            {{"id", {std::int64_t{b.distributor_id}}},
             {"band", {b.band}},
             {"day", {b.day_type}},
             {"start", {b.start}},
             {"end", {b.end}}});
        if (!done) return done.error();
        ++stats.bands;
      }
    }
    return {};
  });
  if (!ok) return ok.error();
  return stats;
}

}  // namespace gbpm::dno
