#include "warehouse/uri.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace gbpm::warehouse {
namespace {

Error bad_uri(std::string_view text, std::string_view why) {
  return make_error(ErrorKind::config, fmt::format("warehouse URI \"{}\": {} (expected sqlite:PATH or "
                                                   "bigquery:PROJECT/DATASET[?location=US])",
                                                   text, why));
}

bool valid_project(std::string_view p) {
  if (p.size() < 6 || p.size() > 30) return false;
  if (std::islower(static_cast<unsigned char>(p.front())) == 0) return false;
  return std::all_of(p.begin(), p.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool valid_dataset(std::string_view d) {
  if (d.empty() || d.size() > 1024) return false;
  return std::all_of(d.begin(), d.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

}  // namespace

Result<WarehouseUri> parse_warehouse_uri(std::string_view text) {
  if (text.substr(0, 7) == "sqlite:") {
    const std::string_view path = text.substr(7);
    if (path.empty()) return bad_uri(text, "empty path");
    return WarehouseUri{SqliteUri{std::filesystem::path(std::string(path))}};
  }
  if (text.substr(0, 9) == "bigquery:") {
    std::string_view rest = text.substr(9);
    std::string_view query;
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return bad_uri(text, "missing /DATASET");
    BigQueryUri uri{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1)), {}};
    if (!valid_project(uri.project)) {
      return bad_uri(text, fmt::format("\"{}\" is not a valid project id", uri.project));
    }
    if (!valid_dataset(uri.dataset)) {
      return bad_uri(text, fmt::format("\"{}\" is not a valid dataset id", uri.dataset));
    }
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view param = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      const auto eq = param.find('=');
      const std::string_view key = param.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
      if (key != "location") return bad_uri(text, fmt::format("unknown parameter \"{}\"", key));
      if (value.empty()) return bad_uri(text, "empty location");
      uri.location = std::string(value);
    }
    return WarehouseUri{std::move(uri)};
  }
  return bad_uri(text, "unknown scheme");
}

std::string to_string(const WarehouseUri& uri) {
  if (const auto* s = std::get_if<SqliteUri>(&uri)) return "sqlite:" + s->path.string();
  const auto& b = std::get<BigQueryUri>(uri);
  std::string out = "bigquery:" + b.project + "/" + b.dataset;
  if (!b.location.empty()) out += "?location=" + b.location;
  return out;
}

}  // namespace gbpm::warehouse
