#include "health/collect.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include "core/fs.hpp"
#include "core/paths.hpp"
#include "schedule/crontab.hpp"
#include "warehouse/bigquery_warehouse.hpp"
#include "warehouse/market_queries.hpp"
#include "warehouse/open.hpp"
#include "warehouse/warehouse.hpp"

namespace gbpm::health {

namespace {

constexpr std::size_t kMaxCrontabBytes = 1 << 20;

bool file_exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

Result<std::vector<ToolObservation>> observe_tools(const Sources& sources) {
  auto text = core::read_file(sources.crontab, kMaxCrontabBytes);
  if (!text) return std::move(text).error();
  auto schedules = schedules_from_crontab(*text, sources.crontab.string());
  if (!schedules) return std::move(schedules).error();
  std::vector<ToolObservation> out;
  for (auto& s : *schedules) {
    ToolObservation o{std::move(s), std::nullopt, {}};
    if (file_exists(state::run_record_path(sources.home, o.schedule.tool))) {
      auto record = state::read_run_record(sources.home, o.schedule.tool);
      if (record) {
        o.record = std::move(*record);
      } else {
        o.record_error = record.error().message;
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::optional<Result<IngestStatus>> observe_ingest(const Sources& sources) {
  auto status = state::read_ingest_status(state::ingest_status_path(sources.home));
  if (!status) return Result<IngestStatus>(std::move(status).error());
  if (!*status) return std::nullopt;
  return Result<IngestStatus>(std::move(**status));
}

Result<std::vector<market::DatasetFreshness>> observe_freshness(const Sources& sources, const Thresholds& t,
                                                                core::TimePoint now) {
  if (t.datasets.empty()) return std::vector<market::DatasetFreshness>{};
  auto uri = warehouse::parse_warehouse_uri(sources.warehouse);
  if (!uri) return std::move(uri).error();
  // A BigQuery warehouse is read through its local staging store: the same
  // rows iris-ingest committed, free to query every cycle (BigQuery bills
  // each query), and fresh exactly when ingest is.
  if (const auto* bq = std::get_if<warehouse::BigQueryUri>(&*uri)) {
    *uri = warehouse::SqliteUri{warehouse::staging_path(*bq, sources.home)};
  }
  auto wh = warehouse::open_warehouse(*uri, warehouse::OpenMode::read_only);
  if (!wh) return std::move(wh).error();
  std::vector<std::string_view> codes;
  for (const auto& [code, age] : t.datasets) codes.emplace_back(code);
  return (*wh)->market().freshness(codes, now);
}

Result<MemoryInfo> observe_memory(const Sources& sources) {
  auto text = core::read_file(sources.meminfo, 1 << 16);
  if (!text) return std::move(text).error();
  return parse_meminfo(*text);
}

}  // namespace

Result<std::vector<ToolSchedule>> schedules_from_crontab(std::string_view text, std::string_view origin) {
  auto crontab = schedule::parse_crontab(text, origin);
  if (!crontab) return std::move(crontab).error();
  // One entry per tool; a tool on several lines fires on the union.
  std::vector<std::pair<std::string, std::vector<schedule::CronExpr>>> tools;
  for (const auto& job : crontab->jobs) {
    const std::string name = job.name();
    auto it = std::find_if(tools.begin(), tools.end(), [&](const auto& t) { return t.first == name; });
    if (it == tools.end()) {
      tools.emplace_back(name, std::vector<schedule::CronExpr>{job.schedule});
    } else {
      it->second.push_back(job.schedule);
    }
  }
  std::vector<ToolSchedule> out;
  for (auto& [name, exprs] : tools) {
    std::string text_all;
    for (const auto& e : exprs) text_all += (text_all.empty() ? "" : " | ") + e.text();
    auto shared = std::make_shared<const std::vector<schedule::CronExpr>>(std::move(exprs));
    out.push_back(
        ToolSchedule{name, std::move(text_all), [shared](core::TimePoint t) -> std::optional<core::TimePoint> {
                       std::optional<core::TimePoint> best;
                       for (const auto& e : *shared) {
                         const auto f = e.next_after(t);
                         if (!best || f < *best) best = f;
                       }
                       return best;
                     }});
  }
  return out;
}

Result<DiskUsage> disk_usage(const std::filesystem::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return make_error(ErrorKind::output, fmt::format("statvfs {}: {}", path.string(), std::strerror(errno)));
  }
  const auto frsize = static_cast<std::uint64_t>(st.f_frsize != 0 ? st.f_frsize : st.f_bsize);
  return DiskUsage{static_cast<std::uint64_t>(st.f_bavail) * frsize, static_cast<std::uint64_t>(st.f_blocks) * frsize};
}

Observations collect(const Sources& sources, const Thresholds& thresholds, core::TimePoint now) {
  Observations obs;
  obs.now = now;
  obs.tools = observe_tools(sources);
  obs.ingest = observe_ingest(sources);
  obs.freshness = observe_freshness(sources, thresholds, now);
  obs.disk = disk_usage(sources.home);
  obs.memory = observe_memory(sources);
  return obs;
}

}  // namespace gbpm::health
