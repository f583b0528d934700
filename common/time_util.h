#pragma once
// Time formatting shared by the programs. All event timestamps are UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logpipe {

// 1700000000123456 -> "2023-11-14T22:13:20.123456Z"
std::string format_rfc3339_micros(int64_t epoch_micros);
// 1700000000123456 -> "2023-11-14T22:13:20.123Z"
std::string format_rfc3339_millis(int64_t epoch_micros);
// "2023.11.14" style day for daily index names.
std::string format_day(int64_t epoch_micros, char separator);

// Exactly `n` ASCII digits at s[pos..pos+n) as a number; false if any is not a digit or s is too short.
bool parse_digits(std::string_view s, size_t pos, size_t n, int& out);

// Parses RFC 3339 / ISO-8601 with 'Z' or a +hh:mm / +hhmm offset and 0-9 fraction digits.
std::optional<int64_t> parse_rfc3339_micros(std::string_view s);

}  // namespace logpipe
