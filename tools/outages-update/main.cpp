// outages-update: the active REMIT outages table of the Dashboard tab (rows
// 31-70) with its TOTAL row. Replaces update_outages_enhanced.py.

#include "dashboard/dashboard.hpp"
#include "dashboard/tool.hpp"

int main(int argc, char** argv) {
  return gbpm::dashboard::dashboard_main(
      argc, argv,
      {.name = "outages-update",
       .summary = "Write the active outages >= 100 MW and their TOTAL row (Dashboard!A31:H70)",
       .examples = "Examples:\n"
                   "  outages-update                                  warehouse and workbook under $GBPM_HOME\n"
                   "  outages-update --sheet - --as-of 2025-10-26T12:00:00Z\n"
                   "No active outages writes a \"no active outages\" row and clears the rest.\n"},
      [](gbpm::warehouse::MarketQueries& q, gbpm::core::TimePoint now,
         const gbpm::market::Classification&) -> gbpm::Result<gbpm::sheet::Update> {
        auto outages = q.active_outages(now, gbpm::dashboard::kOutageThresholdMw);
        if (!outages) return outages.error();
        return gbpm::dashboard::build_outages(*outages);
      });
}
