#pragma once
// Internal to lib/state: the state files' timestamp fields, written as
// ISO-8601 UTC with milliseconds (or null when absent) and read back strictly.

#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::json {
class View;
class Writer;
}  // namespace gbpm::json

namespace gbpm::state::detail {

void put_time(json::Writer& w, std::string_view key, const std::optional<core::TimePoint>& t);

// A missing or null field is nullopt; anything but a parseable UTC string is
// ErrorKind::data carrying the field's JSON path.
Result<std::optional<core::TimePoint>> get_time(const json::View& v);

}  // namespace gbpm::state::detail
