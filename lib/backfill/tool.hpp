#pragma once
// The body of the bmrs-backfill tool (tools/bmrs-backfill/main.cpp is only
// option parsing): resolves the configuration, plans the chunks (a range of
// settlement days, or the gaps of the last N complete days), runs the
// backfill against the Insights API, logs a summary and fills in the run
// record.
//
// Configuration (flag > environment > config file > default):
//   GBPM_BACKFILL_DATASETS     comma list (--dataset); default below
//   GBPM_BACKFILL_CONCURRENCY  requests in flight (--concurrency); default 4
//   GBPM_ELEXON_URL, GBPM_CA_FILE, GBPM_WAREHOUSE, GBPM_HTTP_TIMEOUT,
//   GBPM_HTTP_CONNECT_TIMEOUT, GBPM_RETRY_ATTEMPTS, GBPM_RETRY_DEADLINE

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cli/tool.hpp"
#include "core/result.hpp"

namespace gbpm::backfill {

// The datasets the dashboard reads that have a fixed cadence.
inline constexpr std::string_view kDefaultDatasets = "FUELINST,FUELHH,FREQ,MID,INDO,ITSDO,DISEBSP";

struct ToolRequest {
  // --from/--to: settlement dates "YYYY-MM-DD" (inclusive; --to defaults to --from).
  std::string from;
  std::string to;
  // --gaps --days N: the N complete settlement days before today (UK).
  bool gaps = false;
  int days = 7;
  // --refetch: ignore the journal.
  bool refetch = false;
};

// Runs bmrs-backfill. Errors: usage (bad dates/datasets/mode), config (bad
// settings, unreachable CA file), the warehouse's, and outcome() of the
// summary when chunks failed (65/69/75).
Status run_tool(cli::Context& ctx, const ToolRequest& request);

}  // namespace gbpm::backfill
