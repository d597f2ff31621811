#include "state/ingest_status.hpp"

#include <utility>

#include "core/fs.hpp"
#include "core/paths.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "state/json_time.hpp"

namespace gbpm::state {
namespace {

using detail::get_time;
using detail::put_time;

using Counter = std::pair<std::string_view, std::int64_t IngestStatus::*>;
constexpr Counter kCounters[] = {
    {"messages", &IngestStatus::messages},
    {"records", &IngestStatus::records},
    {"bytes", &IngestStatus::bytes},
    {"batches", &IngestStatus::batches},
    {"kept_raw", &IngestStatus::kept_raw},
    {"quarantined", &IngestStatus::quarantined},
    {"released", &IngestStatus::released},
    {"store_failures", &IngestStatus::store_failures},
    {"receive_failures", &IngestStatus::receive_failures},
    {"locks_renewed", &IngestStatus::locks_renewed},
    {"locks_lost", &IngestStatus::locks_lost},
};

using DatasetCounter = std::pair<std::string_view, std::int64_t IngestStatus::Dataset::*>;
constexpr DatasetCounter kDatasetCounters[] = {
    {"messages", &IngestStatus::Dataset::messages},       {"records", &IngestStatus::Dataset::records},
    {"inserted", &IngestStatus::Dataset::inserted},       {"updated", &IngestStatus::Dataset::updated},
    {"ignored", &IngestStatus::Dataset::ignored},         {"kept_raw", &IngestStatus::Dataset::kept_raw},
    {"quarantined", &IngestStatus::Dataset::quarantined}, {"released", &IngestStatus::Dataset::released},
};

template <typename T, std::size_t N>
Status read_counters(const json::View& object, T& out,
                     const std::pair<std::string_view, std::int64_t T::*> (&table)[N]) {
  for (const auto& [key, member] : table) {
    auto v = object.field(key).optional_int64();
    if (!v) return std::move(v).error();
    out.*member = v->value_or(0);
  }
  return {};
}

}  // namespace

std::filesystem::path ingest_status_path(const std::filesystem::path& home) {
  return core::runs_dir(home) / "iris-ingest.status.json";
}

std::string to_json(const IngestStatus& s) {
  json::Writer w;
  w.begin_object();
  w.key("tool").string("iris-ingest");
  w.key("state").string(s.state);
  w.key("source").string(s.source);
  put_time(w, "updated_at", s.updated_at);
  put_time(w, "started_at", s.started_at);
  for (const auto& [key, member] : kCounters) w.key(key).int64(s.*member);
  put_time(w, "newest_message_at", s.newest_message_at);
  put_time(w, "last_batch_at", s.last_batch_at);
  w.key("last_error").string(s.last_error);
  w.key("datasets").begin_object();
  for (const auto& d : s.datasets) {
    w.key(d.name).begin_object();
    for (const auto& [key, member] : kDatasetCounters) w.key(key).int64(d.*member);
    w.end_object();
  }
  w.end_object();
  w.end_object();
  auto text = w.finish();
  return text ? *text + "\n" : std::string("{}\n");
}

Result<IngestStatus> parse_ingest_status(std::string_view text) {
  auto doc = json::parse(text, json::Limits{.max_bytes = kMaxIngestStatusBytes, .max_depth = 4});
  if (!doc) return std::move(doc).error();
  const json::View root = doc->root();
  IngestStatus s;
  auto state = root.field("state").as_string();
  if (!state) return std::move(state).error();
  s.state = std::string(*state);
  auto source = root.field("source").optional_string();
  if (!source) return std::move(source).error();
  s.source = std::string(source->value_or(""));
  auto updated = get_time(root.field("updated_at"));
  if (!updated) return std::move(updated).error();
  if (!*updated) return root.field("updated_at").error("missing");
  s.updated_at = **updated;
  for (auto [key, out] : {std::pair<std::string_view, std::optional<core::TimePoint>*>{"started_at", &s.started_at},
                          {"newest_message_at", &s.newest_message_at},
                          {"last_batch_at", &s.last_batch_at}}) {
    auto t = get_time(root.field(key));
    if (!t) return std::move(t).error();
    *out = *t;
  }
  if (auto st = read_counters(root, s, kCounters); !st) return std::move(st).error();
  auto err = root.field("last_error").optional_string();
  if (!err) return std::move(err).error();
  s.last_error = std::string(err->value_or(""));
  const json::View datasets = root.field("datasets");
  if (!datasets.is_missing() && !datasets.is_null()) {
    auto members = datasets.as_object();
    if (!members) return std::move(members).error();
    for (const json::Member m : *members) {
      IngestStatus::Dataset d;
      d.name = std::string(m.key);
      if (auto st = read_counters(m.value, d, kDatasetCounters); !st) return std::move(st).error();
      s.datasets.push_back(std::move(d));
    }
  }
  return s;
}

Status write_ingest_status(const std::filesystem::path& path, const IngestStatus& status) {
  return core::write_file_atomic(path, to_json(status));
}

Result<std::optional<IngestStatus>> read_ingest_status(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return std::optional<IngestStatus>{};
  auto text = core::read_file(path, kMaxIngestStatusBytes);
  if (!text) return std::move(text).error();
  auto status = parse_ingest_status(*text);
  if (!status) return std::move(status).error();
  return std::optional<IngestStatus>{std::move(*status)};
}

}  // namespace gbpm::state
