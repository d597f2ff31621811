#pragma once
// Coverage queries: which time slots of a dataset the warehouse already
// holds, across both of its tables (IRIS and API). bmrs-backfill --gaps
// compares them with the dataset's expected cadence and fetches only the
// rest. Portable SQL over the SqlRunner seam (sql.hpp): SELECT DISTINCT over a
// UNION ALL of the two tables, each branch bounded by parameters on the
// slot column, so BigQuery prunes partitions as SQLite uses its keys.

#include <chrono>
#include <compare>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "elexon/dataset.hpp"
#include "warehouse/sql.hpp"

namespace gbpm::warehouse {

// One settlement period of one settlement date.
struct PeriodKey {
  std::chrono::sys_days date{};
  int period = 0;

  friend auto operator<=>(const PeriodKey&, const PeriodKey&) = default;
};

// The distinct values of timestamp column `column` of `spec` in [from, to)
// found in either table, ascending. A table that does not exist counts as
// empty. ErrorKind::internal when `spec` has no such timestamp column;
// otherwise the runner's errors.
Result<std::vector<core::TimePoint>> present_instants(SqlRunner& runner, const elexon::DatasetSpec& spec,
                                                      std::string_view column, core::TimePoint from,
                                                      core::TimePoint to);

// The distinct (settlement_date, settlement_period) of `spec` with
// first <= settlement_date <= last found in either table, ascending.
// ErrorKind::internal when `spec` lacks those columns.
Result<std::vector<PeriodKey>> present_periods(SqlRunner& runner, const elexon::DatasetSpec& spec,
                                               std::chrono::sys_days first, std::chrono::sys_days last);

}  // namespace gbpm::warehouse
