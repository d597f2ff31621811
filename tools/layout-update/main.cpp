// layout-update: the top of the Dashboard tab (rows 1-17) and the outage
// header (row 30), from the warehouse (DESIGN §4). Replaces
// update_dashboard_preserve_layout.py.

#include "cli/tool.hpp"
#include "dashboard/dashboard.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool(
      {.name = "layout-update",
       .summary = "Write the Dashboard header, system metrics, fuel mix and interconnectors (A1:H17, A30:H30)",
       .examples = "Examples:\n"
                   "  layout-update                                   warehouse and workbook under $GBPM_HOME\n"
                   "  layout-update --sheet - --as-of 2025-10-26T12:00:00Z\n"
                   "  layout-update --warehouse sqlite:gbpm.db --sheet dir:dashboard --dry-run\n"
                   "Exit codes: 0 written (an empty warehouse writes blank values and a \"no data\" note),\n"
                   "  73 cannot write the sheet, 75 workbook locked or service busy, 78 bad --sheet/--warehouse\n"
                   "  or the warehouse file does not exist.\n",
       .lock_target_keys = {"GBPM_SHEET"}});
  tool.add_warehouse_option();
  tool.add_sheet_option();
  tool.add_as_of_option();
  tool.add_dry_run_option();
  return tool.run(argc, argv, [](gbpm::cli::Context& ctx) {
    const auto classification = gbpm::market::Classification::defaults();
    return gbpm::dashboard::run_dashboard_tool(ctx, [&](gbpm::warehouse::MarketQueries& q, gbpm::core::TimePoint now) {
      return gbpm::dashboard::build_layout(q, now, classification);
    });
  });
}
