#include "dashboard/dashboard.hpp"
#include "dashboard/tool.hpp"

namespace gbpm::dashboard {

namespace {

constexpr std::string_view kExitCodes =
    "Exit codes: 0 written (an empty warehouse is valid: values stay blank and \"no data\" cells say so),\n"
    "  69 Google refused the spreadsheet (403: share it with the service account as an Editor; 404: wrong id),\n"
    "  73 cannot write the sheet, 75 workbook locked, another run holds the lock, or Google/BigQuery stayed\n"
    "  busy (429/5xx) after bounded retries — the sheet is unchanged, the next run retries,\n"
    "  78 bad --sheet/--warehouse/GBPM_FUEL_CLASSES, no Google credentials, or the warehouse file does not exist.\n";

}  // namespace

int dashboard_main(int argc, const char* const* argv, cli::ToolInfo info, const ClassifiedBuilder& build) {
  info.examples += kExitCodes;
  info.lock_target_keys = {"GBPM_SHEET"};
  cli::Tool tool(std::move(info));
  tool.add_warehouse_option();
  tool.add_sheet_option();
  tool.add_as_of_option();
  tool.add_dry_run_option();
  return tool.run(argc, argv, [&](cli::Context& ctx) -> Status {
    auto classification = market::Classification::parse(ctx.config.get_string_or("GBPM_FUEL_CLASSES", ""));
    if (!classification) return classification.error();
    return run_dashboard_tool(
        ctx, [&](warehouse::MarketQueries& q, core::TimePoint now) { return build(q, now, *classification); });
  });
}

}  // namespace gbpm::dashboard
