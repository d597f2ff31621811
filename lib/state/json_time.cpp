#include "state/json_time.hpp"

#include "core/time.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::state::detail {

void put_time(json::Writer& w, std::string_view key, const std::optional<core::TimePoint>& t) {
  w.key(key);
  if (t) {
    w.string(core::format_utc_millis(*t));
  } else {
    w.null();
  }
}

Result<std::optional<core::TimePoint>> get_time(const json::View& v) {
  auto s = v.optional_string();
  if (!s) return std::move(s).error();
  if (!*s) return std::optional<core::TimePoint>{};
  auto t = core::parse_utc(**s);
  if (!t) return v.error(t.error().message);
  return std::optional<core::TimePoint>{*t};
}

}  // namespace gbpm::state::detail
