#pragma once
// DUoS (distribution use of system) unit rates and time bands, kept in the
// warehouse and loaded from CSV files the user prepares from each DNO's
// charging statement.
//
// Tables (SQLite warehouse; created by the first load):
//   duos_unit_rates(distributor_id, voltage_level, tariff, band,
//                   unit_rate_p_kwh, effective_from, effective_to)
//     PRIMARY KEY (distributor_id, voltage_level, tariff, band, effective_from)
//   duos_time_bands(distributor_id, band, day_type, start_time, end_time)
//     PRIMARY KEY (distributor_id, band, day_type, start_time)
//
// CSV files (UTF-8, one header line, then one row per line; blank lines and
// lines starting with '#' are skipped; fields may be "quoted"). The header
// says which kind a file is:
//   distributor_id,voltage,tariff,band,p_per_kwh,effective_from,effective_to
//     distributor_id 10-23; voltage LV, HV or EHV; tariff the LLFC or tariff
//     code the rate applies to, or empty for the voltage level's default;
//     band Red, Amber or Green; p_per_kwh a number 0-1000; effective_from a
//     date (YYYY-MM-DD); effective_to the last date in effect (inclusive) or
//     empty for open-ended. A row with the same key as a stored one replaces it.
//   distributor_id,band,day_type,start,end
//     band Red, Amber or Green; day_type Weekday or Weekend; start and end
//     HH:MM (end 24:00 allowed, after start). A file's rows replace every
//     stored band of the areas it names; at most kMaxBandRows per area.
// Every file is checked before anything is written; a bad row is
// ErrorKind::data "FILE:LINE: what is wrong" and nothing is stored. All
// files are stored in one transaction.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gbpm::warehouse {
class SqlRunner;
class SqliteWarehouse;
}  // namespace gbpm::warehouse

namespace gbpm::dno {

// Band rows one area may have (the BESS sheet shows them from row 13).
inline constexpr int kMaxBandRows = 48;

enum class Voltage { lv, hv, ehv };
std::string_view voltage_name(Voltage v);  // "LV" / "HV" / "EHV"
// Case-insensitive "LV"/"HV"/"EHV"; nullopt otherwise.
std::optional<Voltage> parse_voltage(std::string_view text);

struct UnitRate {
  int distributor_id = 0;
  Voltage voltage = Voltage::lv;
  std::string tariff;  // "" = the voltage level's default
  std::string band;    // "Red" / "Amber" / "Green"
  double p_per_kwh = 0;
  std::chrono::sys_days effective_from{};
  std::optional<std::chrono::sys_days> effective_to;  // inclusive
};

struct TimeBand {
  int distributor_id = 0;
  std::string band;
  std::string day_type;  // "Weekday" / "Weekend"
  std::string start;     // "HH:MM"
  std::string end;
};

struct TariffFile {
  std::vector<UnitRate> rates;
  std::vector<TimeBand> bands;
};

// Parses one CSV file's text; `origin` names it in errors (FILE:LINE).
Result<TariffFile> parse_tariff_csv(std::string_view text, std::string_view origin);

// The rates of one area, voltage and tariff in effect on a date: per band
// the row with the latest effective_from on or before the date whose
// effective_to (if any) is on or after it. Rows starting after the date are
// never used.
struct RatesInEffect {
  std::optional<UnitRate> red, amber, green;
  std::string tariff_used;      // the tariff code whose rows were used ("" = default)
  bool llfc_fell_back = false;  // an LLFC was asked for but had no rows; default rows used
  [[nodiscard]] bool any() const { return red || amber || green; }
};

// The read side, a seam for tests.
class TariffSource {
 public:
  virtual ~TariffSource() = default;
  virtual Result<RatesInEffect> rates(int distributor_id, Voltage voltage, const std::optional<std::string>& llfc,
                                      std::chrono::sys_days date) = 0;
  // The area's bands ordered Red, Amber, Green, then day type, then start.
  virtual Result<std::vector<TimeBand>> bands(int distributor_id) = 0;
  // False when no tariffs were ever loaded (the tables do not exist).
  virtual Result<bool> loaded() = 0;
};

// Reads the tables through a warehouse's SQL (parameters bound, never
// interpolated). `runner` must outlive this.
class SqlTariffSource final : public TariffSource {
 public:
  explicit SqlTariffSource(warehouse::SqlRunner& runner) : m_runner(runner) {}
  Result<RatesInEffect> rates(int distributor_id, Voltage voltage, const std::optional<std::string>& llfc,
                              std::chrono::sys_days date) override;
  Result<std::vector<TimeBand>> bands(int distributor_id) override;
  Result<bool> loaded() override;

 private:
  Result<RatesInEffect> rates_for(int distributor_id, Voltage voltage, const std::string& tariff,
                                  std::chrono::sys_days date);
  warehouse::SqlRunner& m_runner;
};

struct LoadStats {
  std::size_t rates = 0;
  std::size_t bands = 0;
};

// Creates the tables when missing and stores every file's rows in one
// transaction (see the top of this file).
Result<LoadStats> store_tariffs(warehouse::SqliteWarehouse& warehouse, const std::vector<TariffFile>& files);

}  // namespace gbpm::dno
