// daily-kpi: the MARKET SUMMARY block of the Dashboard tab (rows 18-29) and
// the per-period tab Daily_Chart_Data. Replaces
// daily_dashboard_auto_updater.py.

#include "dashboard/dashboard.hpp"
#include "dashboard/tool.hpp"

int main(int argc, char** argv) {
  return gbpm::dashboard::dashboard_main(
      argc, argv,
      {.name = "daily-kpi",
       .summary = "Write today's and the 30-day market statistics (Dashboard!A18:H29) and the tab Daily_Chart_Data",
       .examples = "Examples:\n"
                   "  daily-kpi                                       warehouse and workbook under $GBPM_HOME\n"
                   "  daily-kpi --sheet - --as-of 2025-10-26T23:59:00Z   the 50-period day, printed\n"
                   "  daily-kpi --warehouse sqlite:gbpm.db --sheet dir:dashboard --dry-run\n"
                   "Daily_Chart_Data has one row per settlement period (46, 48 or 50); missing data is blank.\n"},
      gbpm::dashboard::build_daily_kpi);
}
