// realtime-dashboard: the tab Live_Raw_Gen, one row per settlement period of
// today with the half-hour mean MW per fuel type. Replaces
// realtime_dashboard_updater.py.

#include "dashboard/dashboard.hpp"
#include "dashboard/tool.hpp"

int main(int argc, char** argv) {
  return gbpm::dashboard::dashboard_main(
      argc, argv,
      {.name = "realtime-dashboard",
       .summary = "Write today's half-hourly generation by fuel type, net imports and renewables % (tab Live_Raw_Gen)",
       .examples = "Examples:\n"
                   "  realtime-dashboard                              warehouse and workbook under $GBPM_HOME\n"
                   "  realtime-dashboard --sheet - --as-of 2025-03-30T12:00:00Z   the 46-period day\n"
                   "  realtime-dashboard --sheet dir:dashboard --dry-run\n"
                   "Values are half-hour means of the 5-minute FUELINST readings (MW), never sums.\n"},
      gbpm::dashboard::build_realtime);
}
