// gsp-update: the tab GSP — per boundary zone (N, B1..B17) the latest
// indicated generation/demand forecast (INDGEN/INDDEM) for the current
// settlement period. Replaces gsp_auto_updater.py, honestly
// labelled: boundary zones and a forecast, not GSP metering.

#include "dashboard/dashboard.hpp"
#include "dashboard/tool.hpp"

int main(int argc, char** argv) {
  return gbpm::dashboard::dashboard_main(
      argc, argv,
      {.name = "gsp-update",
       .summary = "Write the boundary-zone generation/demand forecast for the current settlement period (tab GSP)",
       .examples = "Examples:\n"
                   "  gsp-update                                      warehouse and workbook under $GBPM_HOME\n"
                   "  gsp-update --sheet - --as-of 2025-10-26T01:20:00Z\n"
                   "  gsp-update --sheet dir:dashboard --dry-run\n"
                   "Net = generation - demand; Exporting above +100 MW, Importing below -100 MW, else Balanced.\n"},
      [](gbpm::warehouse::MarketQueries& q, gbpm::core::TimePoint now, const gbpm::market::Classification&) {
        return gbpm::dashboard::build_gsp(q, now);
      });
}
