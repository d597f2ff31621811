// dno-lookup: postcode / MPAN / distributor id → distribution network
// operator, DUoS Red/Amber/Green unit rates in effect on a date and the time
// bands, printed or written to the BESS tab. Replaces dno_lookup_python.py.
// A thin shell over lib/dno (lookup.hpp).

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "cli/tool.hpp"
#include "core/exit_codes.hpp"
#include "dno/lookup.hpp"
#include "market/settlement.hpp"

namespace {

int run(int argc, char** argv) {
  using namespace gbpm;
  cli::Tool tool(
      {.name = "dno-lookup",
       .summary = "Find the DNO, DUoS rates and time bands for a postcode or MPAN (tab BESS)",
       .examples =
           "Examples:\n"
           "  dno-lookup --postcode 'B1 1AA'                   table on stdout (needs GBPM_DNO_AREAS)\n"
           "  dno-lookup --mpan 1400000000006 --voltage HV --json\n"
           "  dno-lookup --mpan '05 801 100 1400000000006'     full MPAN: the top line's LLFC is used\n"
           "  dno-lookup --distributor 23 --as-of 2026-04-01 --sheet gsheets:1AbC...\n"
           "  dno-lookup load-tariffs rates-2026.csv bands-2026.csv\n"
           "An MPAN wins over a postcode (a disagreement is a warning). Rates are those in effect on --as-of\n"
           "(default: today, UK time); a row starting later is never used. CSV formats: README (DUoS tariffs).\n"
           "Exit codes: 0 done, 64 bad MPAN (check digit, id outside 10-23), postcode shape or flags,\n"
           "  65 unknown postcode, a postcode outside every GB licence area, or a bad CSV row (FILE:LINE),\n"
           "  69 Google refused the spreadsheet, 73 cannot write, 75 Postcodes.io or Google busy/unreachable\n"
           "  (the sheet is unchanged), 78 bad settings (GBPM_DNO_AREAS, GBPM_POSTCODES_URL, a bigquery:\n"
           "  warehouse for the tariffs).\n",
       .lock_target_keys = {"GBPM_DNO_SHEET"}});
  std::optional<std::string> postcode;
  std::optional<std::string> mpan;
  std::optional<int> distributor;
  std::string voltage = "LV";
  std::optional<std::string> llfc;
  std::string as_of;
  bool json = false;
  std::vector<std::string> files;
  auto& app = tool.app();
  app.add_option("--postcode", postcode, "UK postcode, e.g. 'SW1A 1AA'");
  app.add_option("--mpan", mpan, "13-digit MPAN core or 21-character full MPAN (spaces allowed)");
  app.add_option("--distributor", distributor, "MPAN distributor id 10-23");
  app.add_option("--voltage", voltage, "Connection voltage: LV, HV or EHV (default LV)");
  app.add_option("--llfc", llfc, "Line loss factor class / tariff code whose rates to show");
  app.add_option("--as-of", as_of, "Rates in effect on DATE (YYYY-MM-DD; default today, UK time)");
  app.add_flag("--json", json, "Print JSON instead of a table");
  tool.add_setting("--sheet", "GBPM_DNO_SHEET", "Write the BESS tab of gsheets:SPREADSHEET_ID or dir:PATH instead");
  tool.add_setting("--warehouse", "GBPM_DNO_WAREHOUSE",
                   "Where tariffs live: sqlite:PATH (default GBPM_WAREHOUSE, else $GBPM_HOME/gbpm.db)");
  auto* load = app.add_subcommand("load-tariffs", "Load DUoS unit-rate and time-band CSV files into the warehouse");
  load->add_option("files", files, "CSV files")->required();

  return tool.run(argc, argv, [&](cli::Context& ctx) -> Status {
    if (load->parsed()) return dno::run_load_tariffs(ctx, files);
    dno::LookupRequest request;
    request.postcode = postcode;
    request.mpan = mpan;
    request.distributor_id = distributor;
    request.llfc = llfc;
    const auto v = dno::parse_voltage(voltage);
    if (!v) return make_error(ErrorKind::usage, "--voltage must be LV, HV or EHV (got \"" + voltage + "\")");
    request.voltage = *v;
    if (as_of.empty()) {
      request.date = dno::uk_local_day(ctx.clock.now());
    } else {
      auto d = market::parse_date(as_of);
      if (!d) return make_error(ErrorKind::usage, "--as-of must be a date YYYY-MM-DD (got \"" + as_of + "\")");
      request.date = std::chrono::sys_days(*d);
    }
    if (!postcode && !mpan && !distributor) {
      return make_error(ErrorKind::usage, "give --postcode, --mpan or --distributor (or the load-tariffs command)");
    }
    return dno::run_lookup_tool(ctx, request, json);
  });
}

}  // namespace

// Errors are values and Tool::run maps an exception from the work to 70;
// only setting up the command line is left, and it too ends in one line and 70.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dno-lookup: unexpected exception: %s\n", e.what());
  } catch (...) {
    std::fputs("dno-lookup: unexpected exception\n", stderr);
  }
  return gbpm::core::to_int(gbpm::core::ExitCode::software);
}
