#include "backfill/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/time.hpp"
#include "elexon/dataset.hpp"
#include "market/settlement.hpp"
#include "warehouse/coverage.hpp"

namespace gbpm::backfill {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr seconds kPeriod = market::kPeriodLength;

// Cadences and publication offsets of the datasets with fixed slots, as
// Elexon publishes them: FUELINST rows are published at the end of their
// 5-minute interval, FUELHH and INDO/ITSDO at the end of their period; MID
// and NETBSAD are queried by the period itself, FREQ by its sample time, and
// DISEBSP (system prices) by its settlement date and period in the path.
std::map<std::string_view, DatasetRule> slotted_rules() {
  return {
      {"FUELINST", {"FUELINST", Cadence::instants, minutes(5), "start_time", minutes(5)}},
      {"FUELHH", {"FUELHH", Cadence::settlement, kPeriod, {}, kPeriod}},
      {"FREQ", {"FREQ", Cadence::instants, seconds(15), "measurement_time", seconds(0)}},
      {"MID", {"MID", Cadence::settlement, kPeriod, {}, seconds(0)}},
      {"INDO", {"INDO", Cadence::settlement, kPeriod, {}, kPeriod}},
      {"ITSDO", {"ITSDO", Cadence::settlement, kPeriod, {}, kPeriod}},
      {"NETBSAD", {"NETBSAD", Cadence::settlement, kPeriod, {}, seconds(0)}},
      {"DISEBSP", {"DISEBSP", Cadence::settlement, kPeriod, {}, seconds(0)}},
  };
}

std::vector<DatasetRule> make_rules() {
  const auto slotted = slotted_rules();
  std::vector<DatasetRule> out;
  for (const elexon::DatasetEndpoint& endpoint : elexon::all_endpoints()) {
    if (elexon::find_dataset(endpoint.dataset) == nullptr) continue;
    const auto it = slotted.find(endpoint.dataset);
    out.push_back(it != slotted.end() ? it->second : DatasetRule{.dataset = endpoint.dataset});
  }
  return out;
}

// The longest piece of slots handed to plan_dataset at once. For
// settlement-day endpoints plan_dataset does the cutting (whole days, lone
// periods), so any cap of at least a day (25 h) works.
seconds cap_of(const elexon::DatasetEndpoint& endpoint) {
  return endpoint.base_style == elexon::WindowStyle::settlement_period ? seconds(kPeriod) : endpoint.base_max_window;
}

core::TimePoint day_boundary_at_or_before(core::TimePoint t) {
  return market::day_start_utc(market::period_at(t).date);
}

Status check_date(std::chrono::year_month_day date) {
  if (!market::is_supported_date(date)) {
    return make_error(ErrorKind::usage,
                      fmt::format("settlement date {} is not a supported date", market::format_date(date)));
  }
  return {};
}

Result<const DatasetRule*> rule_for(std::string_view dataset) {
  const DatasetRule* rule = find_rule(dataset);
  if (rule == nullptr) {
    std::string known;
    for (const DatasetRule& r : all_rules()) known += (known.empty() ? "" : ",") + std::string(r.dataset);
    return make_error(ErrorKind::usage,
                      fmt::format("dataset \"{}\" cannot be backfilled; known datasets: {}", dataset, known));
  }
  return rule;
}

}  // namespace

const std::vector<DatasetRule>& all_rules() {
  static const std::vector<DatasetRule> rules = make_rules();
  return rules;
}

const DatasetRule* find_rule(std::string_view dataset) {
  const auto& rules = all_rules();
  const auto it = std::find_if(rules.begin(), rules.end(), [&](const DatasetRule& r) { return r.dataset == dataset; });
  return it == rules.end() ? nullptr : &*it;
}

std::vector<elexon::TimeWindow> merge_windows(std::vector<elexon::TimeWindow> windows) {
  std::sort(windows.begin(), windows.end(),
            [](const elexon::TimeWindow& a, const elexon::TimeWindow& b) { return a.from < b.from; });
  std::vector<elexon::TimeWindow> out;
  for (const elexon::TimeWindow& w : windows) {
    if (w.from >= w.to) continue;
    if (!out.empty() && w.from <= out.back().to) {
      out.back().to = std::max(out.back().to, w.to);
    } else {
      out.push_back(w);
    }
  }
  return out;
}

std::vector<elexon::TimeWindow> split_on_days(elexon::TimeWindow window, seconds cap) {
  std::vector<elexon::TimeWindow> out;
  if (cap <= seconds(0)) return out;
  for (core::TimePoint t = window.from; t < window.to;) {
    const core::TimePoint limit = std::min(t + cap, window.to);
    core::TimePoint end = limit;
    if (limit < window.to) {
      const core::TimePoint boundary = day_boundary_at_or_before(limit);
      if (boundary > t) end = boundary;
    }
    out.push_back(elexon::TimeWindow{t, end});
    t = end;
  }
  return out;
}

Result<std::vector<Chunk>> plan_slots(std::string_view dataset, std::vector<elexon::TimeWindow> slots) {
  auto rule = rule_for(dataset);
  if (!rule) return std::move(rule).error();
  const elexon::DatasetEndpoint* endpoint = elexon::find_endpoint(dataset);
  if (endpoint == nullptr) return make_error(ErrorKind::internal, fmt::format("{}: no endpoint", dataset));
  const seconds cap = cap_of(*endpoint);
  std::vector<Chunk> out;
  for (const elexon::TimeWindow& run : merge_windows(std::move(slots))) {
    for (const elexon::TimeWindow& piece : split_on_days(run, cap)) {
      const seconds offset = (*rule)->request_offset;
      const elexon::TimeWindow request_window{piece.from + offset, piece.to + offset};
      auto plan = elexon::plan_dataset({.dataset = std::string(dataset), .window = request_window});
      if (!plan) return std::move(plan).error();
      // Time-window endpoints plan one request per piece (the cap is theirs).
      // Settlement-day endpoints (DISEBSP) plan a request per whole day and
      // one per period of a partial day; each request is its own chunk, so
      // the journal records exactly what each one brought.
      if (plan->size() != 1 && endpoint->base_style != elexon::WindowStyle::settlement_day_path) {
        return make_error(ErrorKind::internal, fmt::format("{}: a chunk of {} s planned {} requests", dataset,
                                                           (piece.to - piece.from) / seconds(1), plan->size()));
      }
      for (elexon::PlannedRequest& request : *plan) {
        const elexon::TimeWindow covered{request.window.from - offset, request.window.to - offset};
        out.push_back(Chunk{.dataset = std::string(dataset), .slots = covered, .request = std::move(request)});
      }
    }
  }
  return out;
}

Result<std::vector<Chunk>> plan_range(std::string_view dataset, std::chrono::year_month_day first,
                                      std::chrono::year_month_day last) {
  if (auto ok = check_date(first); !ok) return std::move(ok).error();
  if (auto ok = check_date(last); !ok) return std::move(ok).error();
  if (std::chrono::sys_days(last) < std::chrono::sys_days(first)) {
    return make_error(ErrorKind::usage, fmt::format("--to {} is before --from {}", market::format_date(last),
                                                    market::format_date(first)));
  }
  return plan_slots(dataset, {elexon::TimeWindow{market::day_start_utc(first), market::day_end_utc(last)}});
}

Result<std::vector<elexon::TimeWindow>> find_gaps(warehouse::SqlRunner& runner, std::string_view dataset,
                                                  std::chrono::year_month_day first, std::chrono::year_month_day last) {
  auto rule = rule_for(dataset);
  if (!rule) return std::move(rule).error();
  if (auto ok = check_date(first); !ok) return std::move(ok).error();
  if (auto ok = check_date(last); !ok) return std::move(ok).error();
  const elexon::DatasetSpec* spec = elexon::find_dataset(dataset);
  if (spec == nullptr) return make_error(ErrorKind::internal, fmt::format("{}: no registry schema", dataset));
  std::vector<elexon::TimeWindow> missing;
  switch ((*rule)->cadence) {
    case Cadence::none:
      return make_error(ErrorKind::usage, fmt::format("{} has no fixed cadence, so gaps cannot be found; load it "
                                                      "with --from/--to",
                                                      dataset));
    case Cadence::instants: {
      const core::TimePoint from = market::day_start_utc(first);
      const core::TimePoint to = market::day_end_utc(last);
      auto present = warehouse::present_instants(runner, *spec, (*rule)->slot_column, from, to);
      if (!present) return std::move(present).error();
      auto it = present->begin();
      for (core::TimePoint t = from; t < to; t += (*rule)->step) {
        while (it != present->end() && *it < t) ++it;
        if (it != present->end() && *it == t) continue;
        missing.push_back(elexon::TimeWindow{t, t + (*rule)->step});
      }
      break;
    }
    case Cadence::settlement: {
      auto present =
          warehouse::present_periods(runner, *spec, std::chrono::sys_days(first), std::chrono::sys_days(last));
      if (!present) return std::move(present).error();
      for (std::chrono::sys_days d = first; d <= std::chrono::sys_days(last); d += std::chrono::days(1)) {
        const std::chrono::year_month_day date(d);
        const core::TimePoint start = market::day_start_utc(date);
        const int periods = market::periods_in_day(date);
        for (int p = 1; p <= periods; ++p) {
          if (std::binary_search(present->begin(), present->end(), warehouse::PeriodKey{d, p})) continue;
          const core::TimePoint slot = start + (p - 1) * kPeriod;
          missing.push_back(elexon::TimeWindow{slot, slot + kPeriod});
        }
      }
      break;
    }
  }
  return merge_windows(std::move(missing));
}

}  // namespace gbpm::backfill
