#include "query/time_expr.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>

#include "common/time_util.h"

namespace logpipe::query {
namespace {

// "15m" -> true with n=15, unit='m'. Only a plain positive decimal number and one of s, m, h, d.
bool parse_duration(const std::string& s, int64_t& n, char& unit) {
  n = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, n);
  if (s.empty() || s[0] == '+' || s[0] == '-' || ec != std::errc() || n <= 0 || end - p != 1) return false;
  unit = *p;
  return unit == 's' || unit == 'm' || unit == 'h' || unit == 'd';
}

int64_t local_offset_seconds(int64_t epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  if (::localtime_r(&t, &tm) == nullptr) return 0;
  return tm.tm_gmtoff;
}

std::optional<int64_t> parse_absolute(const std::string& text, Zone zone) {
  if (auto v = parse_rfc3339_micros(text)) return v;
  // No zone: read as UTC first, then (for local) move by the local offset at about that time.
  auto utc = parse_rfc3339_micros(text + "Z");
  if (!utc) return std::nullopt;
  if (zone == Zone::kUtc) return utc;
  const int64_t guess = *utc - local_offset_seconds(*utc / 1'000'000) * 1'000'000;
  return *utc - local_offset_seconds(guess / 1'000'000) * 1'000'000;
}

}  // namespace

Result<std::string> since_to_date_math(const std::string& since) {
  int64_t n = 0;
  char unit = 0;
  if (!parse_duration(since, n, unit))
    return Error("bad --since '" + since + "': use a number with s, m, h or d (e.g. 15m)");
  return "now-" + std::to_string(n) + unit;
}

Result<std::string> parse_time_point(const std::string& text, const std::string& flag, Zone zone) {
  auto bad = [&] {
    return Error("bad " + flag + " '" + text +
                 "': use RFC 3339 (2024-03-05T10:00:00Z), now, now-2h, now+5m or '2h ago' (units s, m, h, d)");
  };
  if (text == "now") return std::string("now");
  int64_t n = 0;
  char unit = 0;
  if (text.size() > 4 && text.compare(0, 3, "now") == 0 && (text[3] == '-' || text[3] == '+')) {
    if (!parse_duration(text.substr(4), n, unit)) return bad();
    return "now" + std::string(1, text[3]) + std::to_string(n) + unit;
  }
  constexpr std::string_view kAgo = " ago";
  if (text.size() > kAgo.size() && text.compare(text.size() - kAgo.size(), kAgo.size(), kAgo) == 0) {
    if (!parse_duration(text.substr(0, text.size() - kAgo.size()), n, unit)) return bad();
    return "now-" + std::to_string(n) + unit;
  }
  if (auto micros = parse_absolute(text, zone)) return format_rfc3339_micros(*micros);
  return bad();
}

std::string shift_time_point(const std::string& point, char sign, const std::string& delta) {
  if (point.compare(0, 3, "now") == 0) return point + sign + delta;
  return point + "||" + sign + delta;
}

std::string format_local_millis(int64_t epoch_micros) {
  int64_t secs = epoch_micros / 1'000'000;
  int64_t micros = epoch_micros % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (::localtime_r(&t, &tm) == nullptr) return format_rfc3339_millis(epoch_micros);
  const long off = tm.tm_gmtoff;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lld%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros / 1000),
                off < 0 ? '-' : '+', (off < 0 ? -off : off) / 3600, ((off < 0 ? -off : off) % 3600) / 60);
  return buf;
}

}  // namespace logpipe::query
