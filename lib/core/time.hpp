#pragma once
// UTC timestamp parsing and formatting (ISO-8601 / RFC 3339). Local time is the
// settlement module's business (market/settlement.hpp), not this one's.

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::core {

// "2026-11-28T10:50:00Z" (seconds precision).
std::string format_utc(TimePoint t);
// "2026-11-28T10:50:00.123Z" (millisecond precision), for logs.
std::string format_utc_millis(TimePoint t);

// Parses an ISO-8601 instant: "2026-11-28T10:50:00Z", with optional fraction
// and an explicit offset ("+01:00", "-0500", "Z"). A space may replace the 'T'.
// A string without an offset is rejected unless `naive_is_utc` (Elexon writes
// some naive UTC stamps). A date alone ("2026-11-28") means midnight UTC only
// when `naive_is_utc`. Years must lie in 1899..2200 (the range a TimePoint
// holds with room to spare). Errors are ErrorKind::data quoting the text (cut
// to 64 characters).
Result<TimePoint> parse_utc(std::string_view text, bool naive_is_utc = false);

// Parses an HTTP-date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT").
Result<TimePoint> parse_http_date(std::string_view text);

}  // namespace gbpm::core
