#include "state/run_record.hpp"

#include "core/fs.hpp"
#include "core/time.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "state/json_time.hpp"

namespace gbpm::state {
namespace {

constexpr std::size_t kMaxRecordBytes = 1 << 20;

using detail::get_time;
using detail::put_time;

}  // namespace

Result<std::string> RunRecord::to_json() const {
  json::Writer w;
  w.begin_object();
  w.key("tool").string(tool).key("version").string(version).key("host").string(host);
  w.key("pid").int64(pid).key("state").string(state);
  put_time(w, "start", start);
  put_time(w, "end", end);
  w.key("exit_code");
  if (exit_code) {
    w.int64(*exit_code);
  } else {
    w.null();
  }
  w.key("exit_name").string(exit_name).key("error").string(error);
  w.key("rows_read").int64(stats.rows_read).key("rows_written").int64(stats.rows_written);
  w.key("api_calls").int64(stats.api_calls).key("bytes_scanned").int64(stats.bytes_scanned);
  put_time(w, "watermark", stats.watermark);
  put_time(w, "last_success", last_success);
  w.end_object();
  auto text = w.finish();
  if (!text) return std::move(text).error();
  return *text + "\n";
}

Result<RunRecord> RunRecord::from_json(std::string_view text) {
  auto doc = json::parse(text, json::Limits{.max_bytes = kMaxRecordBytes, .max_depth = 4});
  if (!doc) return std::move(doc).error();
  const json::View root = doc->root();
  RunRecord r;
  // Each field read reports the first problem with its JSON path.
  auto str = [&](std::string_view key, std::string& out) -> Status {
    auto v = root.field(key).optional_string();
    if (!v) return std::move(v).error();
    out = std::string(v->value_or(""));
    return {};
  };
  auto num = [&](std::string_view key, std::int64_t& out) -> Status {
    auto v = root.field(key).optional_int64();
    if (!v) return std::move(v).error();
    out = v->value_or(0);
    return {};
  };
  for (auto [key, out] : {std::pair<std::string_view, std::string*>{"tool", &r.tool},
                          {"version", &r.version},
                          {"host", &r.host},
                          {"state", &r.state},
                          {"exit_name", &r.exit_name},
                          {"error", &r.error}}) {
    if (auto st = str(key, *out); !st) return std::move(st).error();
  }
  std::int64_t pid = 0;
  for (auto [key, out] : {std::pair<std::string_view, std::int64_t*>{"pid", &pid},
                          {"rows_read", &r.stats.rows_read},
                          {"rows_written", &r.stats.rows_written},
                          {"api_calls", &r.stats.api_calls},
                          {"bytes_scanned", &r.stats.bytes_scanned}}) {
    if (auto st = num(key, *out); !st) return std::move(st).error();
  }
  r.pid = static_cast<long>(pid);
  auto code = root.field("exit_code").optional_int();
  if (!code) return std::move(code).error();
  r.exit_code = *code;
  auto start = get_time(root.field("start"));
  if (!start) return std::move(start).error();
  if (!*start) return root.field("start").error("a run record needs a start time");
  r.start = **start;
  auto end = get_time(root.field("end"));
  if (!end) return std::move(end).error();
  r.end = *end;
  auto watermark = get_time(root.field("watermark"));
  if (!watermark) return std::move(watermark).error();
  r.stats.watermark = *watermark;
  auto last_success = get_time(root.field("last_success"));
  if (!last_success) return std::move(last_success).error();
  r.last_success = *last_success;
  return r;
}

std::filesystem::path run_record_path(const std::filesystem::path& home, std::string_view tool) {
  return home / "runs" / (std::string(tool) + ".json");
}

Status write_run_record(const std::filesystem::path& home, const RunRecord& record) {
  const auto path = run_record_path(home, record.tool);
  if (auto st = core::ensure_directory(path.parent_path()); !st) return st;
  auto text = record.to_json();
  if (!text) return std::move(text).error();
  return core::write_file_atomic(path, *text);
}

Result<RunRecord> read_run_record(const std::filesystem::path& home, std::string_view tool) {
  const auto path = run_record_path(home, tool);
  auto text = core::read_file(path, kMaxRecordBytes);
  if (!text) return std::move(text).error();
  auto record = RunRecord::from_json(*text);
  if (!record) return record.error().with_context(path.string());
  return record;
}

}  // namespace gbpm::state
