// layout-update: the top of the Dashboard tab (rows 1-17) and the outage
// header (row 30), from the warehouse. Replaces
// update_dashboard_preserve_layout.py.

#include "dashboard/dashboard.hpp"
#include "dashboard/tool.hpp"

int main(int argc, char** argv) {
  return gbpm::dashboard::dashboard_main(
      argc, argv,
      {.name = "layout-update",
       .summary = "Write the Dashboard header, system metrics, fuel mix and interconnectors (A1:H17, A30:H30)",
       .examples = "Examples:\n"
                   "  layout-update                                   warehouse and workbook under $GBPM_HOME\n"
                   "  layout-update --sheet - --as-of 2025-10-26T12:00:00Z\n"
                   "  layout-update --warehouse sqlite:gbpm.db --sheet dir:dashboard --dry-run\n"
                   "An empty warehouse writes blank values and a \"no data\" note in A6.\n"},
      gbpm::dashboard::build_layout);
}
