#include "elexon/insights_response.hpp"

#include <fmt/format.h>

#include <utility>

namespace gbpm::elexon {
namespace {

// Collapses control characters and runs of blanks so a server message fits
// on one log line, and cuts it at `limit` bytes.
std::string one_line(std::string_view text, std::size_t limit = 300) {
  std::string out;
  for (const char c : text.substr(0, limit)) {
    const bool blank = static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string string_or_empty(const json::View& v) {
  auto s = v.optional_string();
  if (!s || !*s) return {};
  return std::string(**s);
}

}  // namespace

std::string_view to_string(Envelope envelope) {
  switch (envelope) {
    case Envelope::bare_array: return "bare array";
    case Envelope::data: return "{data}";
    case Envelope::data_with_metadata: return "{metadata, data}";
  }
  return "unknown";
}

Page::Page(json::Document document, json::View rows, Envelope envelope, std::vector<std::string> metadata_datasets)
    : m_document(std::move(document)),
      m_rows(std::move(rows)),
      m_envelope(envelope),
      m_metadata_datasets(std::move(metadata_datasets)) {}

Result<Page> parse_page(std::string_view body, json::Limits limits) {
  auto doc = json::parse(body, limits);
  if (!doc) return std::move(doc).error();
  const json::View root = doc->root();
  if (root.is_array()) return Page(std::move(*doc), root, Envelope::bare_array, {});
  if (!root.is_object()) {
    return root.error(
        fmt::format("expected an array of rows or an object with a \"data\" array, got {}", root.describe()));
  }
  const json::View data = root.field("data");
  if (data.is_missing()) {
    if (auto problem = parse_problem(body)) {
      return root.error(fmt::format("expected rows, got a problem body: {}", problem->title));
    }
    return root.error("expected an object with a \"data\" array; there is no \"data\" member");
  }
  if (!data.is_array()) return data.error(fmt::format("expected an array of rows, got {}", data.describe()));
  const json::View metadata = root.field("metadata");
  if (metadata.is_missing()) return Page(std::move(*doc), data, Envelope::data, {});
  std::vector<std::string> datasets;
  const json::View names = metadata.field("datasets");
  if (!names.is_missing() && !names.is_null()) {
    auto elements = names.as_array();
    if (!elements) return std::move(elements).error();
    for (const json::View name : *elements) {
      auto s = name.as_string();
      if (!s) return std::move(s).error();
      datasets.emplace_back(*s);
    }
  }
  return Page(std::move(*doc), data, Envelope::data_with_metadata, std::move(datasets));
}

std::optional<Problem> parse_problem(std::string_view body) {
  auto doc = json::parse(body, json::Limits{.max_bytes = std::size_t{1} << 20, .max_depth = 16});
  if (!doc) return std::nullopt;
  const json::View root = doc->root();
  if (!root.is_object()) return std::nullopt;
  Problem p;
  p.type = string_or_empty(root.field("type"));
  p.title = string_or_empty(root.field("title"));
  p.detail = string_or_empty(root.field("detail"));
  p.trace_id = string_or_empty(root.field("traceId"));
  if (auto status = root.field("status").optional_int64(); status && *status) p.status = static_cast<long>(**status);
  for (const auto& [field, messages] : root.field("errors").members()) {
    std::vector<std::string>& out = p.errors[std::string(field)];
    if (messages.is_string()) {
      out.push_back(string_or_empty(messages));
      continue;
    }
    for (const json::View m : messages.elements()) {
      if (m.is_string()) out.push_back(string_or_empty(m));
    }
  }
  if (p.title.empty() && p.detail.empty() && p.errors.empty()) return std::nullopt;
  return p;
}

Error response_error(const net::Response& response, std::string_view what) {
  const ErrorKind kind = (response.status == 400 || response.status == 422)
                             ? ErrorKind::usage
                             : net::error_kind_for_status(response.status);
  if (auto problem = parse_problem(response.body)) {
    std::string message = fmt::format("{}: HTTP {}", what, response.status);
    if (!problem->title.empty()) message += " " + one_line(problem->title);
    if (!problem->detail.empty()) message += ": " + one_line(problem->detail);
    bool first = true;
    for (const auto& [field, messages] : problem->errors) {
      for (const std::string& m : messages) {
        message += first ? ": " : "; ";
        first = false;
        if (!field.empty()) message += one_line(field) + ": ";
        message += one_line(m);
      }
    }
    if (!problem->trace_id.empty()) message += fmt::format(" (traceId {})", one_line(problem->trace_id, 80));
    return make_error(kind, std::move(message));
  }
  if (response.status == 404) {
    if (auto doc = json::parse(response.body); doc && doc->root().is_object()) {
      const std::string text = string_or_empty(doc->root().field("message"));
      if (!text.empty()) {
        return make_error(kind, fmt::format("{}: HTTP 404 {} (wrong dataset name or window parameters for this "
                                            "dataset?)",
                                            what, one_line(text)));
      }
    }
  }
  Error fallback = net::status_error(response, what);
  fallback.kind = kind;
  return fallback;
}

}  // namespace gbpm::elexon
