// outages-update: the active REMIT outages table of the Dashboard tab (rows
// 31-70) with its TOTAL row (DESIGN §4). Replaces update_outages_enhanced.py.

#include "cli/tool.hpp"
#include "dashboard/dashboard.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool(
      {.name = "outages-update",
       .summary = "Write the active outages >= 100 MW and their TOTAL row (Dashboard!A31:H70)",
       .examples = "Examples:\n"
                   "  outages-update                                  warehouse and workbook under $GBPM_HOME\n"
                   "  outages-update --sheet - --as-of 2025-10-26T12:00:00Z\n"
                   "Exit codes: 0 written (no active outages writes a \"no active outages\" row),\n"
                   "  73 cannot write the sheet, 75 workbook locked or service busy, 78 bad --sheet/--warehouse\n"
                   "  or the warehouse file does not exist.\n",
       .lock_target_keys = {"GBPM_SHEET"}});
  tool.add_warehouse_option();
  tool.add_sheet_option();
  tool.add_as_of_option();
  tool.add_dry_run_option();
  return tool.run(argc, argv, [](gbpm::cli::Context& ctx) {
    return gbpm::dashboard::run_dashboard_tool(
        ctx, [](gbpm::warehouse::MarketQueries& q, gbpm::core::TimePoint now) -> gbpm::Result<gbpm::sheet::Update> {
          auto outages = q.active_outages(now, gbpm::dashboard::kOutageThresholdMw);
          if (!outages) return outages.error();
          return gbpm::dashboard::build_outages(*outages);
        });
  });
}
