#include "failover/state_store.hpp"

#include <fmt/format.h>

#include <system_error>

#include "core/fs.hpp"
#include "core/time.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::failover {
namespace {

std::optional<FailureClass> parse_failure_class(std::string_view s) {
  for (const auto c :
       {FailureClass::none, FailureClass::unclassified, FailureClass::host_down, FailureClass::service_degraded}) {
    if (failure_class_name(c) == s) return c;
  }
  return std::nullopt;
}

Result<core::TimePoint> time_field(const json::View& v) {
  auto s = v.as_string();
  if (!s) return std::move(s).error();
  auto t = core::parse_utc(*s);
  if (!t) return v.error(t.error().message);
  return *t;
}

Result<std::uint64_t> count_field(const json::View& v) {
  auto n = v.as_int64();
  if (!n) return std::move(n).error();
  if (*n < 0) return v.error("expected a count >= 0");
  return static_cast<std::uint64_t>(*n);
}

}  // namespace

std::filesystem::path state_path(const std::filesystem::path& home) {
  return home / "failover-state.json";
}

std::string state_to_json(const PersistedState& state) {
  json::Writer w;
  const Counters& c = state.machine.counters;
  w.begin_object();
  w.key("role").string(role_name(state.machine.role));
  w.key("since").string(core::format_utc(state.machine.since));
  w.key("updated_at").string(core::format_utc(state.updated_at));
  w.key("pid").int64(state.pid);
  w.key("counters").begin_object();
  w.key("consecutive_failures").int64(c.consecutive_failures);
  w.key("consecutive_successes").int64(c.consecutive_successes);
  w.key("probes").uint64(c.probes);
  w.key("failures").uint64(c.failures);
  w.key("takeovers").uint64(c.takeovers);
  w.key("failbacks").uint64(c.failbacks);
  w.end_object();
  w.key("last_probe");
  if (state.last_probe) {
    const ProbeResult& p = *state.last_probe;
    w.begin_object();
    w.key("at").string(core::format_utc(p.at));
    w.key("healthy").boolean(p.healthy);
    w.key("http_status").int64(p.http_status);
    w.key("latency_ms").int64(p.latency.count());
    w.key("detail").string(p.detail);
    w.key("failure").string(failure_class_name(p.failure));
    w.end_object();
  } else {
    w.null();
  }
  w.key("jobs").begin_array();
  for (const auto& j : state.jobs) {
    w.begin_object();
    w.key("name").string(j.name);
    w.key("schedule").string(j.schedule);
    w.key("started").uint64(j.started);
    w.key("skipped_overlap").uint64(j.skipped_overlap);
    w.key("failed").uint64(j.failed);
    w.key("timed_out").uint64(j.timed_out);
    w.key("last_exit");
    if (j.last_exit) {
      w.int64(*j.last_exit);
    } else {
      w.null();
    }
    w.key("running").boolean(j.running);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  auto text = w.finish();
  return text ? *text + "\n" : std::string("{}\n");
}

Result<PersistedState> state_from_json(std::string_view text) {
  auto doc = json::parse(text, json::Limits{.max_bytes = 1 << 20, .max_depth = 8});
  if (!doc) return std::move(doc).error();
  const json::View root = doc->root();
  PersistedState s;
  auto role_text = root.field("role").as_string();
  if (!role_text) return std::move(role_text).error();
  const auto role = parse_role(*role_text);
  if (!role) return root.field("role").error("expected \"active\" or \"standby\"");
  s.machine.role = *role;
  auto since = time_field(root.field("since"));
  if (!since) return std::move(since).error();
  s.machine.since = *since;
  if (auto updated = time_field(root.field("updated_at"))) s.updated_at = *updated;
  if (auto pid = root.field("pid").optional_int64(); pid && *pid) s.pid = static_cast<long>(**pid);

  const json::View c = root.field("counters");
  auto cf = c.field("consecutive_failures").as_int();
  auto cs = c.field("consecutive_successes").as_int();
  if (!cf) return std::move(cf).error();
  if (!cs) return std::move(cs).error();
  s.machine.counters.consecutive_failures = std::max(0, *cf);
  s.machine.counters.consecutive_successes = std::max(0, *cs);
  struct Slot {
    const char* name;
    std::uint64_t* out;
  };
  for (const Slot slot :
       {Slot{"probes", &s.machine.counters.probes}, Slot{"failures", &s.machine.counters.failures},
        Slot{"takeovers", &s.machine.counters.takeovers}, Slot{"failbacks", &s.machine.counters.failbacks}}) {
    auto n = count_field(c.field(slot.name));
    if (!n) return std::move(n).error();
    *slot.out = *n;
  }

  const json::View p = root.field("last_probe");
  if (p.is_object()) {
    ProbeResult r;
    auto at = time_field(p.field("at"));
    auto healthy = p.field("healthy").as_bool();
    auto status = p.field("http_status").as_int64();
    auto latency = p.field("latency_ms").as_int64();
    auto detail = p.field("detail").as_string();
    auto failure = p.field("failure").as_string();
    if (!at) return std::move(at).error();
    if (!healthy) return std::move(healthy).error();
    if (!status) return std::move(status).error();
    if (!latency) return std::move(latency).error();
    if (!detail) return std::move(detail).error();
    if (!failure) return std::move(failure).error();
    const auto cls = parse_failure_class(*failure);
    if (!cls) return p.field("failure").error("unknown failure class");
    r.at = *at;
    r.healthy = *healthy;
    r.http_status = static_cast<long>(*status);
    r.latency = std::chrono::milliseconds{*latency};
    r.detail = std::string(*detail);
    r.failure = *cls;
    s.last_probe = std::move(r);
  }

  if (const json::View jobs = root.field("jobs"); jobs.is_array()) {
    auto elements = jobs.as_array();
    if (!elements) return std::move(elements).error();
    for (const json::View j : *elements) {
      JobStats js;
      auto name = j.field("name").as_string();
      auto sched = j.field("schedule").as_string();
      if (!name) return std::move(name).error();
      if (!sched) return std::move(sched).error();
      js.name = std::string(*name);
      js.schedule = std::string(*sched);
      for (const Slot slot : {Slot{"started", &js.started}, Slot{"skipped_overlap", &js.skipped_overlap},
                              Slot{"failed", &js.failed}, Slot{"timed_out", &js.timed_out}}) {
        auto n = count_field(j.field(slot.name));
        if (!n) return std::move(n).error();
        *slot.out = *n;
      }
      if (auto exit = j.field("last_exit").optional_int(); exit && *exit) js.last_exit = **exit;
      if (auto running = j.field("running").as_bool()) js.running = *running;
      s.jobs.push_back(std::move(js));
    }
  }
  return s;
}

Status save_state(const std::filesystem::path& home, const PersistedState& state) {
  return core::write_file_atomic(state_path(home), state_to_json(state), 0644);
}

Result<std::optional<PersistedState>> load_state(const std::filesystem::path& home) {
  const auto path = state_path(home);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<PersistedState>{};
  auto text = core::read_file(path, 1 << 20);
  if (!text) return std::move(text).error();
  auto state = state_from_json(*text);
  if (!state) return state.error().with_context(path.string());
  return std::optional<PersistedState>(std::move(*state));
}

std::string format_status(const PersistedState& state, core::TimePoint now) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  const Counters& c = state.machine.counters;
  std::string out;
  out += fmt::format("state: {} since {} ({}s)\n", state.machine.role == Role::active ? "ACTIVE" : "STANDBY",
                     core::format_utc(state.machine.since), duration_cast<seconds>(now - state.machine.since).count());
  out += fmt::format("updated: {} by pid {}\n", core::format_utc(state.updated_at), state.pid);
  out += fmt::format("consecutive failures: {}  consecutive successes: {}\n", c.consecutive_failures,
                     c.consecutive_successes);
  out += fmt::format("checks: {}  failed: {}  takeovers: {}  failbacks: {}\n", c.probes, c.failures, c.takeovers,
                     c.failbacks);
  if (state.last_probe) {
    const ProbeResult& p = *state.last_probe;
    out += fmt::format("last probe: {} at {} ({} ms): {}{}\n", p.healthy ? "healthy" : "FAILED", core::format_utc(p.at),
                       p.latency.count(), p.detail,
                       p.healthy ? std::string{} : fmt::format(" [{}]", failure_class_name(p.failure)));
  } else {
    out += "last probe: none yet\n";
  }
  for (const auto& j : state.jobs) {
    out += fmt::format("job {} ({}): started {}, skipped {}, failed {}, timed out {}, last exit {}{}\n", j.name,
                       j.schedule, j.started, j.skipped_overlap, j.failed, j.timed_out,
                       j.last_exit ? std::to_string(*j.last_exit) : std::string("-"), j.running ? ", running" : "");
  }
  return out;
}

}  // namespace gbpm::failover
