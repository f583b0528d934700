#pragma once
// Time expressions of the CLI, turned into Elasticsearch date math or absolute RFC 3339 (UTC) strings.
// Nothing here reads the clock: "now" stays symbolic ("now-2h") and Elasticsearch resolves it, so the
// same input always gives the same query (and golden tests need no clock).

#include <cstdint>
#include <string>

#include "common/result.h"

namespace logpipe::query {

enum class Zone { kLocal, kUtc };

// "15m" -> "now-15m" after validation (s, m, h or d); errors name the bad input.
Result<std::string> since_to_date_math(const std::string& since);

// A point in time, as used by --from, --to and --around:
//   RFC 3339 with a zone          2024-03-05T10:00:00Z, 2024-03-05T11:00:00.5+01:00 -> UTC, micros
//   RFC 3339 without a zone       2024-03-05T10:00:00 or "2024-03-05 10:00:00": read in `zone`
//   date math                     now, now-2h, now+5m                                -> as is
//   "N<unit> ago"                 "2h ago", "15m ago"                                -> now-2h
// `flag` names the option in the error message.
Result<std::string> parse_time_point(const std::string& text, const std::string& flag, Zone zone);

// The date math for `point` shifted by `delta` ("5m", "-5m"): "now-2h-5m" or "2024-...Z||-5m".
std::string shift_time_point(const std::string& point, char sign, const std::string& delta);

// Local wall-clock rendering of an epoch time: "2024-03-05T11:11:12.000+01:00".
std::string format_local_millis(int64_t epoch_micros);

}  // namespace logpipe::query
