#include "health/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/config.hpp"
#include "core/time.hpp"
#include "elexon/dataset.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::health {

using std::chrono::duration_cast;
using std::chrono::seconds;

namespace {

// Counting due slots stops here: a tool this far behind is failed anyway, and
// the bound keeps one check cheap whatever the schedule.
constexpr int kMaxCountedSlots = 10000;

double seconds_between(core::TimePoint from, core::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

double mib(std::uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

CheckResult failed(std::string name, std::string message, Measure threshold = {}) {
  return CheckResult{std::move(name), CheckStatus::fail, Measure{std::nullopt, threshold.unit}, std::move(threshold),
                     std::move(message)};
}

// Limits given as "<n>MB" keys are whole mebibytes.
Result<std::uint64_t> get_mebibytes(const config::Config& config, std::string_view key, std::uint64_t fallback) {
  if (!config.has(key)) return fallback;
  auto v = config.get_int(key, 0, 1LL << 40);
  if (!v) return std::move(v).error();
  return static_cast<std::uint64_t>(*v) << 20;
}

Result<seconds> get_seconds(const config::Config& config, std::string_view key, seconds fallback) {
  if (!config.has(key)) return fallback;
  auto d = config.get_duration(key);
  if (!d) return std::move(d).error();
  return duration_cast<seconds>(*d);
}

std::optional<core::TimePoint> last_success_of(const state::RunRecord& r) {
  if (r.last_success) return r.last_success;
  if (r.state == "ok" && r.end) return r.end;
  return std::nullopt;
}

// Prometheus label values escape backslash, double quote and newline.
std::string label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

double epoch_seconds(core::TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// Appends one metric family: HELP and TYPE once, then its samples.
class MetricsText {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    m_out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, std::string_view labels, double value) {
    if (labels.empty()) {
      m_out += fmt::format("{} {}\n", name, number(value));
    } else {
      m_out += fmt::format("{}{{{}}} {}\n", name, labels, number(value));
    }
  }
  std::string take() { return std::move(m_out); }

 private:
  std::string m_out;
};

int status_level(CheckStatus s) {
  return s == CheckStatus::pass ? 0 : s == CheckStatus::warn ? 1 : 2;
}

void put_measure(json::Writer& w, std::string_view key, const Measure& m) {
  w.key(key);
  if (!m.value) {
    w.null();
  } else if (std::abs(*m.value) < 9e15 && std::floor(*m.value) == *m.value) {
    w.int64(static_cast<std::int64_t>(*m.value));
  } else {
    w.float64(*m.value);
  }
}

}  // namespace

std::string_view to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::warn: return "warn";
    case CheckStatus::fail: return "fail";
  }
  return "fail";
}

std::string_view to_string(Overall overall) {
  switch (overall) {
    case Overall::healthy: return "healthy";
    case Overall::degraded: return "degraded";
    case Overall::unhealthy: return "unhealthy";
  }
  return "unhealthy";
}

Result<std::vector<std::pair<std::string, seconds>>> parse_dataset_ages(std::string_view text) {
  std::vector<std::pair<std::string, seconds>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return make_error(ErrorKind::config, fmt::format("\"{}\" is not DATASET=AGE (e.g. FUELINST=20m)", item));
    }
    std::string code(item.substr(0, eq));
    code.erase(0, code.find_first_not_of(" \t"));
    code.erase(code.find_last_not_of(" \t") + 1);
    if (elexon::find_dataset(code) == nullptr) {
      return make_error(ErrorKind::config, fmt::format("\"{}\" is not a dataset gbpm stores", code));
    }
    auto age = config::parse_duration(item.substr(eq + 1));
    if (!age || age->count() <= 0) {
      return make_error(ErrorKind::config,
                        fmt::format("\"{}\": the age must be a positive duration such as 20m", item));
    }
    out.emplace_back(std::move(code), duration_cast<seconds>(*age));
  }
  return out;
}

Result<Thresholds> thresholds_from_config(const config::Config& config) {
  Thresholds t;
  auto grace = get_seconds(config, "GBPM_HEALTH_RUN_GRACE", t.run_grace);
  if (!grace) return std::move(grace).error();
  t.run_grace = *grace;
  for (auto [key, out] : {std::pair<std::string_view, int*>{"GBPM_HEALTH_RUN_WARN_MISSED", &t.run_warn_missed},
                          {"GBPM_HEALTH_RUN_FAIL_MISSED", &t.run_fail_missed}}) {
    if (!config.has(key)) continue;
    auto v = config.get_int(key, 1, 1000);
    if (!v) return std::move(v).error();
    *out = static_cast<int>(*v);
  }
  auto heartbeat = get_seconds(config, "GBPM_HEALTH_INGEST_HEARTBEAT", t.ingest_heartbeat);
  if (!heartbeat) return std::move(heartbeat).error();
  t.ingest_heartbeat = *heartbeat;
  auto message_age = get_seconds(config, "GBPM_HEALTH_INGEST_MESSAGE_AGE", t.ingest_message_age);
  if (!message_age) return std::move(message_age).error();
  t.ingest_message_age = *message_age;
  if (const auto e = config.find("GBPM_HEALTH_DATASETS")) {
    auto ages = parse_dataset_ages(e->value);
    if (!ages) return ages.error().with_context(fmt::format("GBPM_HEALTH_DATASETS from {}", e->origin));
    t.datasets = std::move(*ages);
  }
  for (auto [key, out] :
       {std::pair<std::string_view, std::uint64_t*>{"GBPM_HEALTH_DISK_WARN_MB", &t.disk_warn_free_bytes},
        {"GBPM_HEALTH_DISK_FAIL_MB", &t.disk_fail_free_bytes},
        {"GBPM_HEALTH_MEMORY_WARN_MB", &t.memory_warn_available_bytes},
        {"GBPM_HEALTH_MEMORY_FAIL_MB", &t.memory_fail_available_bytes}}) {
    auto v = get_mebibytes(config, key, *out);
    if (!v) return std::move(v).error();
    *out = *v;
  }
  if (t.run_warn_missed > t.run_fail_missed) {
    return make_error(ErrorKind::config, "GBPM_HEALTH_RUN_WARN_MISSED must not exceed GBPM_HEALTH_RUN_FAIL_MISSED");
  }
  if (t.disk_warn_free_bytes < t.disk_fail_free_bytes) {
    return make_error(ErrorKind::config, "GBPM_HEALTH_DISK_WARN_MB must be at least GBPM_HEALTH_DISK_FAIL_MB");
  }
  if (t.memory_warn_available_bytes < t.memory_fail_available_bytes) {
    return make_error(ErrorKind::config, "GBPM_HEALTH_MEMORY_WARN_MB must be at least GBPM_HEALTH_MEMORY_FAIL_MB");
  }
  return t;
}

Result<MemoryInfo> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> available;
  std::optional<std::uint64_t> total;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    if (key != "MemAvailable" && key != "MemTotal") continue;
    std::string_view rest = line.substr(colon + 1);
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    std::uint64_t kib = 0;
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    if (ec != std::errc{} ||
        std::string_view(ptr, static_cast<std::size_t>(rest.data() + rest.size() - ptr)) != " kB") {
      return make_error(ErrorKind::data, fmt::format("/proc/meminfo: cannot read \"{}\"", line));
    }
    (key == "MemAvailable" ? available : total) = kib * 1024;
  }
  if (!available) return make_error(ErrorKind::data, "/proc/meminfo has no MemAvailable line (kernel < 3.14?)");
  return MemoryInfo{*available, total.value_or(0)};
}

CheckResult check_tool(const ToolObservation& tool, core::TimePoint now, const Thresholds& t) {
  const std::string& name = tool.schedule.tool;
  const Measure limit{static_cast<double>(t.run_fail_missed), "runs"};
  std::string check = "run:" + name;
  if (!tool.record_error.empty()) {
    return failed(std::move(check), fmt::format("{}: cannot read its run record: {}", name, tool.record_error), limit);
  }
  if (!tool.record) {
    return failed(
        std::move(check),
        fmt::format("{} has no run record: it never ran here (schedule \"{}\")", name, tool.schedule.expression),
        limit);
  }
  const state::RunRecord& r = *tool.record;
  const auto last = last_success_of(r);
  const std::string last_failure =
      r.state == "failed" ? fmt::format("; last run failed ({} {}): {}", r.exit_code.value_or(0), r.exit_name, r.error)
                          : std::string();
  if (!last) {
    return failed(std::move(check), fmt::format("{} has never succeeded{}", name, last_failure), limit);
  }
  const core::TimePoint cutoff = now - t.run_grace;
  int missed = 0;
  std::optional<core::TimePoint> first_missed;
  for (auto f = tool.schedule.next_after(*last); f && *f <= cutoff && missed < kMaxCountedSlots;
       f = tool.schedule.next_after(*f)) {
    if (!first_missed) first_missed = f;
    ++missed;
  }
  CheckResult out{std::move(check), CheckStatus::pass, Measure{static_cast<double>(missed), "runs"}, limit, {}};
  const auto age = static_cast<long long>(std::max(0.0, seconds_between(*last, now)));
  if (missed >= t.run_fail_missed) {
    out.status = CheckStatus::fail;
  } else if (missed >= t.run_warn_missed) {
    out.status = CheckStatus::warn;
  }
  if (missed == 0) {
    out.message = fmt::format("{} last succeeded {} ({} s ago), no scheduled run missed (schedule \"{}\")", name,
                              core::format_utc(*last), age, tool.schedule.expression);
  } else {
    out.message = fmt::format(
        "{} is stale: last success {} ({} s ago); {}{} scheduled run(s) due since then did not succeed, the first "
        "at {} (schedule \"{}\", grace {} s; warn at {}, fail at {}){}",
        name, core::format_utc(*last), age, missed >= kMaxCountedSlots ? ">=" : "", missed,
        core::format_utc(*first_missed), tool.schedule.expression, t.run_grace.count(), t.run_warn_missed,
        t.run_fail_missed, last_failure);
  }
  return out;
}

std::vector<CheckResult> check_ingest(const std::optional<Result<IngestStatus>>& status, core::TimePoint now,
                                      const Thresholds& t) {
  const Measure heartbeat_limit{static_cast<double>(t.ingest_heartbeat.count()), "s"};
  const Measure message_limit{static_cast<double>(t.ingest_message_age.count()), "s"};
  if (!status) {
    const std::string why = "iris-ingest has written no status file (runs/iris-ingest.status.json): is it running?";
    return {failed("ingest:heartbeat", why, heartbeat_limit), failed("ingest:newest_message", why, message_limit)};
  }
  if (!*status) {
    const std::string why = "cannot read iris-ingest's status file: " + status->error().message;
    return {failed("ingest:heartbeat", why, heartbeat_limit), failed("ingest:newest_message", why, message_limit)};
  }
  const IngestStatus& s = **status;
  std::vector<CheckResult> out;

  const double beat_age = std::max(0.0, seconds_between(s.updated_at, now));
  CheckResult beat{"ingest:heartbeat", CheckStatus::pass, Measure{beat_age, "s"}, heartbeat_limit, {}};
  if (s.state != "running") {
    beat.status = CheckStatus::fail;
    beat.message = fmt::format("iris-ingest is {} (status written {}){}{}", s.state, core::format_utc(s.updated_at),
                               s.last_error.empty() ? "" : ": ", s.last_error);
  } else if (beat_age > static_cast<double>(t.ingest_heartbeat.count())) {
    beat.status = CheckStatus::fail;
    beat.message = fmt::format("iris-ingest's heartbeat is {:.0f} s old (limit {} s): hung or killed", beat_age,
                               t.ingest_heartbeat.count());
  } else {
    beat.message = fmt::format("iris-ingest running, status written {:.0f} s ago", beat_age);
  }
  out.push_back(std::move(beat));

  CheckResult msg{"ingest:newest_message", CheckStatus::pass, Measure{std::nullopt, "s"}, message_limit, {}};
  if (s.newest_message_at) {
    const double age = std::max(0.0, seconds_between(*s.newest_message_at, now));
    msg.observed.value = age;
    if (age > static_cast<double>(t.ingest_message_age.count())) {
      msg.status = CheckStatus::fail;
      msg.message = fmt::format("the newest IRIS message is {:.0f} s old (limit {} s): is the feed flowing?", age,
                                t.ingest_message_age.count());
    } else {
      msg.message = fmt::format("the newest IRIS message is {:.0f} s old", age);
    }
  } else if (s.started_at && seconds_between(*s.started_at, now) <= static_cast<double>(t.ingest_message_age.count())) {
    msg.message = fmt::format("no message yet; iris-ingest started {:.0f} s ago", seconds_between(*s.started_at, now));
  } else {
    msg.status = CheckStatus::fail;
    msg.message = fmt::format("iris-ingest has acknowledged no message since it started (limit {} s)",
                              t.ingest_message_age.count());
  }
  out.push_back(std::move(msg));
  return out;
}

std::vector<CheckResult> check_freshness(const Result<std::vector<market::DatasetFreshness>>& freshness,
                                         core::TimePoint now, const Thresholds& t) {
  std::vector<CheckResult> out;
  if (!freshness) {
    for (const auto& [code, max_age] : t.datasets) {
      out.push_back(failed("data:" + code, "cannot ask the warehouse: " + freshness.error().message,
                           Measure{static_cast<double>(max_age.count()), "s"}));
    }
    return out;
  }
  for (const auto& [code, max_age] : t.datasets) {
    const Measure limit{static_cast<double>(max_age.count()), "s"};
    const auto it = std::find_if(freshness->begin(), freshness->end(),
                                 [&, c = std::string_view(code)](const auto& f) { return f.dataset == c; });
    if (it == freshness->end() || !it->newest_record) {
      out.push_back(failed("data:" + code, fmt::format("the warehouse has no recent {} data", code), limit));
      continue;
    }
    const double age = std::max(0.0, seconds_between(*it->newest_record, now));
    CheckResult r{"data:" + code, CheckStatus::pass, Measure{age, "s"}, limit, {}};
    if (age > static_cast<double>(max_age.count())) {
      r.status = CheckStatus::fail;
      r.message = fmt::format("{} is stale: newest record {} ({:.0f} s old, limit {} s)", code,
                              core::format_utc(*it->newest_record), age, max_age.count());
    } else {
      r.message = fmt::format("{} newest record {} ({:.0f} s old)", code, core::format_utc(*it->newest_record), age);
    }
    out.push_back(std::move(r));
  }
  return out;
}

CheckResult check_disk(const Result<DiskUsage>& disk, const Thresholds& t) {
  const Measure limit{static_cast<double>(t.disk_fail_free_bytes), "bytes"};
  if (!disk) return failed("disk", "cannot measure free space on $GBPM_HOME: " + disk.error().message, limit);
  CheckResult r{"disk", CheckStatus::pass, Measure{static_cast<double>(disk->free_bytes), "bytes"}, limit, {}};
  if (disk->free_bytes < t.disk_fail_free_bytes) {
    r.status = CheckStatus::fail;
  } else if (disk->free_bytes < t.disk_warn_free_bytes) {
    r.status = CheckStatus::warn;
  }
  r.message = fmt::format("{:.0f} MiB free of {:.0f} MiB on $GBPM_HOME (warn below {:.0f} MiB, fail below {:.0f} MiB)",
                          mib(disk->free_bytes), mib(disk->total_bytes), mib(t.disk_warn_free_bytes),
                          mib(t.disk_fail_free_bytes));
  return r;
}

CheckResult check_memory(const Result<MemoryInfo>& memory, const Thresholds& t) {
  const Measure limit{static_cast<double>(t.memory_fail_available_bytes), "bytes"};
  if (!memory) return failed("memory", "cannot read available memory: " + memory.error().message, limit);
  CheckResult r{"memory", CheckStatus::pass, Measure{static_cast<double>(memory->available_bytes), "bytes"}, limit, {}};
  if (memory->available_bytes < t.memory_fail_available_bytes) {
    r.status = CheckStatus::fail;
  } else if (memory->available_bytes < t.memory_warn_available_bytes) {
    r.status = CheckStatus::warn;
  }
  r.message = fmt::format("{:.0f} MiB available of {:.0f} MiB (warn below {:.0f} MiB, fail below {:.0f} MiB)",
                          mib(memory->available_bytes), mib(memory->total_bytes), mib(t.memory_warn_available_bytes),
                          mib(t.memory_fail_available_bytes));
  return r;
}

Overall overall_of(const std::vector<CheckResult>& checks) {
  Overall o = Overall::healthy;
  for (const auto& c : checks) {
    if (c.status == CheckStatus::fail) return Overall::unhealthy;
    if (c.status == CheckStatus::warn) o = Overall::degraded;
  }
  return o;
}

int http_status(Overall overall) {
  return overall == Overall::healthy ? 200 : 503;
}

Report evaluate(const Observations& obs, const Thresholds& t) {
  Report report;
  report.checked_at = obs.now;
  if (!obs.tools) {
    report.checks.push_back(failed("crontab", "cannot read the schedule: " + obs.tools.error().message));
  } else {
    for (const auto& tool : *obs.tools) report.checks.push_back(check_tool(tool, obs.now, t));
  }
  for (auto& c : check_ingest(obs.ingest, obs.now, t)) report.checks.push_back(std::move(c));
  for (auto& c : check_freshness(obs.freshness, obs.now, t)) report.checks.push_back(std::move(c));
  report.checks.push_back(check_disk(obs.disk, t));
  report.checks.push_back(check_memory(obs.memory, t));
  report.overall = overall_of(report.checks);
  return report;
}

std::string render_health_json(const Report& report) {
  json::Writer w;
  w.begin_object();
  w.key("status").string(to_string(report.overall));
  w.key("checked_at").string(core::format_utc(report.checked_at));
  w.key("checks").begin_object();
  for (const auto& c : report.checks) {
    w.key(c.name).begin_object();
    w.key("status").string(to_string(c.status));
    put_measure(w, "observed", c.observed);
    put_measure(w, "threshold", c.threshold);
    w.key("unit").string(c.threshold.unit.empty() ? c.observed.unit : c.threshold.unit);
    w.key("message").string(c.message);
    w.end_object();
  }
  w.end_object();
  w.end_object();
  auto text = w.finish();
  // The writer only fails on invalid UTF-8 in a message (e.g. a tool's error
  // text); say so rather than serve nothing.
  if (!text) return R"({"status":"unhealthy","checked_at":null,"checks":{},"error":"cannot serialise the report"})";
  return *text + "\n";
}

std::string render_metrics(const Report& report, const Observations& obs) {
  MetricsText m;
  m.family("gbpm_health_status", "gauge", "Overall health: 0 healthy, 1 degraded, 2 unhealthy.");
  m.sample("gbpm_health_status", "", static_cast<double>(report.overall));
  m.family("gbpm_health_check_status", "gauge", "Per check: 0 pass, 1 warn, 2 fail.");
  for (const auto& c : report.checks) {
    m.sample("gbpm_health_check_status", fmt::format("check=\"{}\"", label(c.name)), status_level(c.status));
  }
  m.family("gbpm_health_checked_timestamp_seconds", "gauge", "When the checks last ran (Unix time).");
  m.sample("gbpm_health_checked_timestamp_seconds", "", epoch_seconds(report.checked_at));
  m.family("gbpm_health_check_duration_seconds", "gauge", "How long the last check cycle took.");
  m.sample("gbpm_health_check_duration_seconds", "", std::chrono::duration<double>(report.duration).count());

  if (obs.tools) {
    m.family("gbpm_tool_last_success_timestamp_seconds", "gauge", "Last successful run of each cron tool (Unix time).");
    for (const auto& tool : *obs.tools) {
      if (!tool.record) continue;
      if (const auto last = last_success_of(*tool.record)) {
        m.sample("gbpm_tool_last_success_timestamp_seconds", fmt::format("tool=\"{}\"", label(tool.schedule.tool)),
                 epoch_seconds(*last));
      }
    }
    m.family("gbpm_tool_last_run_duration_seconds", "gauge", "Duration of each cron tool's last finished run.");
    for (const auto& tool : *obs.tools) {
      if (!tool.record || !tool.record->end) continue;
      m.sample("gbpm_tool_last_run_duration_seconds", fmt::format("tool=\"{}\"", label(tool.schedule.tool)),
               std::max(0.0, seconds_between(tool.record->start, *tool.record->end)));
    }
    m.family("gbpm_tool_last_exit_code", "gauge", "Exit code of each cron tool's last finished run.");
    for (const auto& tool : *obs.tools) {
      if (!tool.record || !tool.record->exit_code) continue;
      m.sample("gbpm_tool_last_exit_code", fmt::format("tool=\"{}\"", label(tool.schedule.tool)),
               *tool.record->exit_code);
    }
  }

  if (obs.freshness) {
    m.family("gbpm_dataset_freshness_seconds", "gauge", "Age of the newest record of each key dataset.");
    for (const auto& f : *obs.freshness) {
      if (!f.newest_record) continue;
      m.sample("gbpm_dataset_freshness_seconds", fmt::format("dataset=\"{}\"", label(f.dataset)),
               std::max(0.0, seconds_between(*f.newest_record, obs.now)));
    }
    m.family("gbpm_dataset_received_age_seconds", "gauge", "Time since a record of each key dataset was received.");
    for (const auto& f : *obs.freshness) {
      if (!f.newest_received) continue;
      m.sample("gbpm_dataset_received_age_seconds", fmt::format("dataset=\"{}\"", label(f.dataset)),
               std::max(0.0, seconds_between(*f.newest_received, obs.now)));
    }
  }

  if (obs.ingest && *obs.ingest) {
    const IngestStatus& s = **obs.ingest;
    m.family("gbpm_ingest_heartbeat_age_seconds", "gauge", "Time since iris-ingest last wrote its status file.");
    m.sample("gbpm_ingest_heartbeat_age_seconds", "", std::max(0.0, seconds_between(s.updated_at, obs.now)));
    if (s.newest_message_at) {
      m.family("gbpm_ingest_newest_message_age_seconds", "gauge", "Age of the newest acknowledged IRIS message.");
      m.sample("gbpm_ingest_newest_message_age_seconds", "",
               std::max(0.0, seconds_between(*s.newest_message_at, obs.now)));
    }
    m.family("gbpm_ingest_messages_total", "counter",
             "IRIS messages by outcome since iris-ingest started (resets on restart).");
    m.sample("gbpm_ingest_messages_total", "outcome=\"acknowledged\"", static_cast<double>(s.messages));
    m.sample("gbpm_ingest_messages_total", "outcome=\"kept_raw\"", static_cast<double>(s.kept_raw));
    m.sample("gbpm_ingest_messages_total", "outcome=\"quarantined\"", static_cast<double>(s.quarantined));
    m.sample("gbpm_ingest_messages_total", "outcome=\"released\"", static_cast<double>(s.released));
    m.family("gbpm_ingest_failures_total", "counter", "Failed warehouse commits and receives since start.");
    m.sample("gbpm_ingest_failures_total", "kind=\"store\"", static_cast<double>(s.store_failures));
    m.sample("gbpm_ingest_failures_total", "kind=\"receive\"", static_cast<double>(s.receive_failures));
    m.family("gbpm_ingest_rows_total", "counter", "Typed rows per dataset by outcome since iris-ingest started.");
    for (const auto& d : s.datasets) {
      const std::string ds = label(d.name);
      m.sample("gbpm_ingest_rows_total", fmt::format("dataset=\"{}\",outcome=\"inserted\"", ds),
               static_cast<double>(d.inserted));
      m.sample("gbpm_ingest_rows_total", fmt::format("dataset=\"{}\",outcome=\"updated\"", ds),
               static_cast<double>(d.updated));
      m.sample("gbpm_ingest_rows_total", fmt::format("dataset=\"{}\",outcome=\"ignored\"", ds),
               static_cast<double>(d.ignored));
    }
  }

  if (obs.disk) {
    m.family("gbpm_disk_free_bytes", "gauge", "Free space on $GBPM_HOME's file system (unprivileged).");
    m.sample("gbpm_disk_free_bytes", "", static_cast<double>(obs.disk->free_bytes));
    m.family("gbpm_disk_total_bytes", "gauge", "Size of $GBPM_HOME's file system.");
    m.sample("gbpm_disk_total_bytes", "", static_cast<double>(obs.disk->total_bytes));
  }
  if (obs.memory) {
    m.family("gbpm_memory_available_bytes", "gauge", "MemAvailable from /proc/meminfo.");
    m.sample("gbpm_memory_available_bytes", "", static_cast<double>(obs.memory->available_bytes));
  }
  return m.take();
}

}  // namespace gbpm::health
