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

// The same, written into a caller's buffer (no allocation, no snprintf on the common path): they return the
// number of chars written, at most kMaxFormattedTime. Identical output to the std::string versions for every
// input (years outside 0000-9999 take the slow path).
inline constexpr size_t kMaxFormattedTime = 40;
size_t format_rfc3339_micros(int64_t epoch_micros, char* out);
size_t format_day(int64_t epoch_micros, char separator, char* out);

// Floor division of epoch micros into (days since 1970-01-01, micros into that day).
inline int64_t epoch_day(int64_t epoch_micros) {
  constexpr int64_t kDay = 86'400'000'000LL;
  return epoch_micros / kDay - (epoch_micros % kDay < 0 ? 1 : 0);
}

// Exactly `n` ASCII digits at s[pos..pos+n) as a number; false if any is not a digit or s is too short.
inline bool parse_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date, or nullopt unless it is a real date (what
// std::chrono::year_month_day::ok() accepts: years -32767..32767, the month's length, Feb 29 in leap years).
std::optional<int64_t> days_from_civil(int year, int month, int day);

// Parses RFC 3339 / ISO-8601 with 'Z' or a +hh:mm / +hhmm offset and 0-9 fraction digits.
std::optional<int64_t> parse_rfc3339_micros(std::string_view s);

}  // namespace logpipe
