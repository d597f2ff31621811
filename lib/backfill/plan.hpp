#pragma once
// What bmrs-backfill fetches: each dataset's expected cadence (the time slots
// it should have data for), and the chunks — one Insights request each — that
// cover a range of settlement days or just the slots the warehouse lacks.
//
// A chunk is described by the data it brings, not by the request's window:
// `slots` is the half-open range of slot starts (FUELINST start_time, a
// settlement period's start, a FREQ measurement time) whose rows it fetches.
// The request window is that range shifted by the dataset's publication
// offset (FUELINST rows are published 5 minutes after their start, FUELHH and
// INDO/ITSDO at the period's end), so a backfill of settlement days D1..D2
// fetches exactly the rows whose slots lie in those days, and a missing
// period is repaired by a request for that period alone.
//
// Chunks never exceed the endpoint's maximum range (elexon::DatasetEndpoint)
// and start on settlement-day boundaries where the range allows, so a
// 25-hour autumn day is two FREQ requests (24 h + 1 h) and a 23-hour spring
// day one. DISEBSP (system prices, /balancing/settlement/system-prices) is
// fetched by settlement day: a chunk is a whole settlement day (46/48/50
// periods, one request) or, where only part of a day is wanted (gaps), one
// settlement period.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "elexon/insights_query.hpp"
#include "warehouse/sql.hpp"

namespace gbpm::backfill {

// The slots a dataset is expected to have data for.
enum class Cadence {
  none,        // event or forecast data: no fixed slots (range backfill only)
  instants,    // every `step` of `slot_column` (FUELINST 5 min, FREQ 15 s)
  settlement,  // every settlement period of every settlement day (46/48/50)
};

// How bmrs-backfill treats one dataset.
struct DatasetRule {
  std::string_view dataset;  // "FUELINST"
  Cadence cadence = Cadence::none;
  std::chrono::seconds step{0};  // slot length (instants: the sampling step; settlement: 30 min)
  std::string_view slot_column;  // instants: the timestamp column holding the slot start
  // Request window = slot range + offset (publish time - slot start).
  std::chrono::seconds request_offset{0};
};

// The rule for `dataset`, or nullptr when bmrs-backfill cannot load it (the
// Insights client has no endpoint for it or the registry no schema).
const DatasetRule* find_rule(std::string_view dataset);
// Every dataset bmrs-backfill can load, in a fixed order.
const std::vector<DatasetRule>& all_rules();

// One request of a backfill.
struct Chunk {
  std::string dataset;
  elexon::TimeWindow slots;        // slot starts covered, [from, to)
  elexon::PlannedRequest request;  // path below the base URL, label
};

// Chunks covering every slot of settlement days `first`..`last` (inclusive)
// of `dataset`, in time order. ErrorKind::usage for an unknown dataset,
// last < first or unsupported dates.
Result<std::vector<Chunk>> plan_range(std::string_view dataset, std::chrono::year_month_day first,
                                      std::chrono::year_month_day last);

// Chunks covering exactly `slots` (half-open slot ranges; overlapping or
// adjacent ranges are merged first), each at most the endpoint's maximum
// range. ErrorKind::usage for an unknown dataset.
Result<std::vector<Chunk>> plan_slots(std::string_view dataset, std::vector<elexon::TimeWindow> slots);

// The slots of settlement days `first`..`last` (inclusive) that `dataset`
// should have by its cadence but has in neither of its warehouse tables,
// merged into ranges, in time order. ErrorKind::usage when the dataset has
// no cadence (Cadence::none) or is unknown; the runner's errors otherwise.
Result<std::vector<elexon::TimeWindow>> find_gaps(warehouse::SqlRunner& runner, std::string_view dataset,
                                                  std::chrono::year_month_day first, std::chrono::year_month_day last);

// Sorts `windows` and merges overlapping or adjacent ones.
std::vector<elexon::TimeWindow> merge_windows(std::vector<elexon::TimeWindow> windows);

// Cuts [window.from, window.to) into pieces of at most `cap`, each ending on a
// settlement-day boundary when one lies within `cap` of its start (so day
// chunks stay day chunks), else `cap` long.
std::vector<elexon::TimeWindow> split_on_days(elexon::TimeWindow window, std::chrono::seconds cap);

}  // namespace gbpm::backfill
