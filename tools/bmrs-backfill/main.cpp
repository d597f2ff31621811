// bmrs-backfill: loads history from the Elexon Insights API into the
// warehouse's API tables (bmrs_<dataset>) and repairs gaps the IRIS feed left
// (issue 9). The work is in lib/backfill (tool.hpp).

#include "backfill/tool.hpp"
#include "cli/tool.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool(
      {.name = "bmrs-backfill",
       .summary = "Load Elexon Insights API history into the warehouse, or fetch only what is missing",
       .examples = "Examples:\n"
                   "  bmrs-backfill --dataset FUELINST,MID --from 2026-10-01 --to 2026-10-30\n"
                   "  bmrs-backfill --gaps --days 7                    missing slots of the last 7 complete days\n"
                   "  bmrs-backfill --config /etc/gbpm/gbpm.env --gaps --days 7      (the daily cron job)\n"
                   "  bmrs-backfill --dataset FREQ --from 2026-10-25 --dry-run       print the requests only\n"
                   "  bmrs-backfill --dataset DISEBSP --from 2026-08-01 --to 2026-08-03  system prices (SSP/SBP)\n"
                   "  GBPM_ELEXON_URL=https://127.0.0.1:8443/bmrs/api/v1 GBPM_CA_FILE=ca.pem bmrs-backfill ...\n"
                   "Dates are settlement days (Europe/London), inclusive. Requests are chunked to each endpoint's\n"
                   "maximum range; stored chunks are journaled in $GBPM_HOME/backfill/<DATASET>.chunks, so a\n"
                   "re-run skips them (--refetch ignores the journal). Storage is a natural-key upsert: re-running\n"
                   "any range leaves the same rows.\n"
                   "Exit codes: 0 every chunk stored; 75 some chunks failed transiently (429/5xx/timeouts after\n"
                   "  retries; re-run to fetch only those) or the tool is already running; 69 Elexon refused a\n"
                   "  chunk for good (a 400 problem body, reported with its detail); 65 a response could not be\n"
                   "  decoded; 64 bad arguments; 73 the warehouse or journal cannot be written; 78 bad settings.\n",
       .lock_target_keys = {"GBPM_WAREHOUSE"}});
  gbpm::backfill::ToolRequest request;
  tool.add_setting("--dataset", "GBPM_BACKFILL_DATASETS",
                   "Datasets, comma-separated (default FUELINST,FUELHH,FREQ,MID,INDO,ITSDO,DISEBSP; "
                   "--gaps needs a dataset with fixed slots: these or NETBSAD)");
  tool.add_setting("--concurrency", "GBPM_BACKFILL_CONCURRENCY", "Requests in flight at most (default 4)");
  tool.app().add_option("--from", request.from, "First settlement date, YYYY-MM-DD");
  tool.app().add_option("--to", request.to, "Last settlement date, YYYY-MM-DD (default: --from)");
  tool.app().add_flag("--gaps", request.gaps, "Fetch only the slots missing from both IRIS and API tables");
  tool.app().add_option("--days", request.days, "With --gaps: complete settlement days before today (default 7)");
  tool.app().add_flag("--refetch", request.refetch, "Ignore the chunk journal and fetch every planned chunk");
  tool.add_warehouse_option();
  tool.add_as_of_option();
  tool.add_dry_run_option();
  return tool.run(argc, argv, [&request](gbpm::cli::Context& ctx) { return gbpm::backfill::run_tool(ctx, request); });
}
