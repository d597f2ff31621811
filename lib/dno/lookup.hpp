#pragma once
// The DNO lookup shared by dno-lookup and dno-webhook: postcode / MPAN /
// distributor id → licence area → DUoS rates in effect on a date and the
// area's time bands, then the BESS tab, a text table or JSON.
//
// Which input decides: an MPAN always wins (its distributor id is the
// licence area by definition); a postcode is then only checked against it,
// and a disagreement, an unknown postcode or a point outside every area
// become warnings. Without an MPAN the postcode decides: unknown to
// Postcodes.io → ErrorKind::data naming it; outside every licence area
// (Northern Ireland, the Isle of Man, the Channel Islands) → ErrorKind::data
// saying so, never a guess.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/tool.hpp"
#include "core/result.hpp"
#include "dno/areas.hpp"
#include "dno/geo.hpp"
#include "dno/mpan.hpp"
#include "dno/postcodes.hpp"
#include "dno/tariffs.hpp"
#include "sheet/grid.hpp"

namespace gbpm::dno {

struct LookupRequest {
  std::optional<std::string> postcode;
  std::optional<std::string> mpan;
  std::optional<int> distributor_id;
  Voltage voltage = Voltage::lv;
  std::optional<std::string> llfc;  // overrides a full MPAN's top-line LLFC
  std::chrono::sys_days date{};     // rates in effect on this day
};

struct LookupResult {
  LicenceArea area;
  std::string found_by;  // "MPAN 1412345678908", "postcode B1 1AA", "distributor id 14"
  std::optional<Mpan> mpan;
  std::optional<PostcodeLocation> location;
  Voltage voltage = Voltage::lv;
  std::optional<std::string> llfc;
  std::chrono::sys_days date{};
  bool tariffs_loaded = false;
  RatesInEffect rates;
  std::vector<TimeBand> bands;
  std::vector<std::string> warnings;
};

// What a lookup talks to. `postcodes` and `areas` are needed only for a
// postcode (nullptr: a postcode is ErrorKind::config naming the missing
// setting); `tariffs` nullptr means no tariff store (a warning, blank rates).
struct LookupDeps {
  PostcodeSource* postcodes = nullptr;
  const AreaMap* areas = nullptr;
  std::string areas_missing_reason;  // why `areas` is null, for that error
  TariffSource* tariffs = nullptr;
};

// Input errors are ErrorKind::usage (bad MPAN, postcode shape, id, nothing
// given); see the top of this file for the rest.
Result<LookupResult> run_lookup(const LookupRequest& request, const LookupDeps& deps);

// The tab and cells written.
inline constexpr std::string_view kBessTab = "BESS";
inline constexpr int kBandFirstRow = 12;  // 0-based: row 13

// The BESS tab update: A4:H4 status line; B6 distributor id; C6:H6 DNO key,
// licence area, operator, market participant id, GSP group, GSP group name;
// B10:D10 Red/Amber/Green p/kWh (blank when no rate); A13:C60 one row per
// time band (band, day type, "HH:MM-HH:MM"), the rest of the range cleared.
sheet::Update bess_update(const LookupResult& result);

// A human-readable table for stdout.
std::string render_text(const LookupResult& result);
// One JSON object (the same facts), no trailing newline.
Result<std::string> render_json(const LookupResult& result);

// The UK-local calendar day of `now` (tariff dates are local dates).
std::chrono::sys_days uk_local_day(core::TimePoint now);

// Everything a lookup needs, opened from configuration once and reused
// (the webhook keeps one for its lifetime):
//   GBPM_POSTCODES_URL (default https://api.postcodes.io), GBPM_CA_FILE,
//   GBPM_HTTP_TIMEOUT (10s), GBPM_RETRY_ATTEMPTS (3),
//   GBPM_DNO_AREAS (the licence-area GeoJSON; loaded on first use),
//   GBPM_DNO_WAREHOUSE (default GBPM_WAREHOUSE, default
//   sqlite:$GBPM_HOME/gbpm.db; opened read-only per lookup, so tariffs loaded
//   meanwhile are seen; bigquery: is a config error — tariffs live in SQLite).
class LookupEnvironment {
 public:
  static Result<std::unique_ptr<LookupEnvironment>> open(const config::Config& config, core::Clock& clock,
                                                         log::Logger& logger, const std::filesystem::path& home);
  ~LookupEnvironment();
  LookupEnvironment(const LookupEnvironment&) = delete;
  LookupEnvironment& operator=(const LookupEnvironment&) = delete;

  // Loads the licence-area GeoJSON now when GBPM_DNO_AREAS is set (a
  // service checks its settings at start; the CLI loads it on first use).
  Status load_areas();
  // Runs one lookup. Not thread-safe: callers serialise.
  Result<LookupResult> lookup(const LookupRequest& request);
  // Postcodes.io requests made so far.
  [[nodiscard]] int api_calls() const;

 private:
  struct State;
  explicit LookupEnvironment(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

// The warehouse URI tariffs live in (GBPM_DNO_WAREHOUSE, else
// GBPM_WAREHOUSE, else sqlite:$GBPM_HOME/gbpm.db), checked to be sqlite:.
Result<std::filesystem::path> tariff_database(const config::Config& config, const std::filesystem::path& home);

// dno-lookup's body: the lookup from the context's options, then the sheet
// (GBPM_DNO_SHEET) or stdout (text, or JSON when `json`).
Status run_lookup_tool(cli::Context& ctx, const LookupRequest& request, bool json);

// `dno-lookup load-tariffs FILE...`.
Status run_load_tariffs(cli::Context& ctx, const std::vector<std::string>& files);

}  // namespace gbpm::dno
