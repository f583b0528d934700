#include "indexer/normalize/timestamp.h"

#include "common/time_util.h"

#include <chrono>
#include <cmath>
#include <cstdint>

namespace logpipe::indexer {
namespace {


std::optional<int64_t> civil_to_micros(int y, int mo, int d, int h, int mi, int sec) {
  const auto days = days_from_civil(y, mo, d);
  if (!days || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return (*days * 86400LL + h * 3600LL + mi * 60LL + sec) * 1'000'000LL;
}

// Optional fraction at `pos` ('.' or ','), 1-9 digits, truncated to microseconds.
bool fraction(std::string_view s, size_t& pos, int64_t& micros) {
  micros = 0;
  if (pos >= s.size() || (s[pos] != '.' && s[pos] != ',')) return true;
  ++pos;
  int64_t scale = 100000;
  size_t n = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    micros += (s[pos] - '0') * scale;
    scale /= 10;
    ++pos;
    ++n;
  }
  return n > 0;
}

// Zone at `pos`: nothing (UTC), Z, UTC, GMT, ±hh, ±hhmm, ±hh:mm, optionally after one space.
bool zone(std::string_view s, size_t pos, int64_t& offset_seconds) {
  offset_seconds = 0;
  if (pos < s.size() && s[pos] == ' ') ++pos;
  const std::string_view z = s.substr(pos);
  if (z.empty() || z == "Z" || z == "z" || z == "UTC" || z == "GMT") return true;
  if (z[0] != '+' && z[0] != '-') return false;
  const int sign = z[0] == '-' ? -1 : 1;
  int oh = 0, om = 0;
  if (!parse_digits(z, 1, 2, oh)) return false;
  size_t p = 3;
  if (p < z.size()) {
    if (z[p] == ':') ++p;
    if (!parse_digits(z, p, 2, om)) return false;
    p += 2;
  }
  if (p != z.size() || oh > 23 || om > 59) return false;
  offset_seconds = sign * (oh * 3600 + om * 60);
  return true;
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 19 || !parse_digits(s, 0, 4, y) || (s[4] != '-' && s[4] != '/') || !parse_digits(s, 5, 2, mo) ||
      s[7] != s[4] || !parse_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !parse_digits(s, 11, 2, h) || s[13] != ':' || !parse_digits(s, 14, 2, mi) || s[16] != ':' || !parse_digits(s, 17, 2, sec))
    return std::nullopt;
  size_t pos = 19;
  int64_t frac = 0, offset = 0;
  if (!fraction(s, pos, frac) || !zone(s, pos, offset)) return std::nullopt;
  auto t = civil_to_micros(y, mo, d, h, mi, sec);
  if (!t) return std::nullopt;
  return *t + frac - offset * 1'000'000LL;
}

int month_from_abbrev(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i + 1;
  return 0;
}

// 05/Mar/2024:10:11:12 +0100
std::optional<int64_t> parse_clf(std::string_view s) {
  int d, y, h, mi, sec;
  if (s.size() < 20 || !parse_digits(s, 0, 2, d) || s[2] != '/' || s[6] != '/' || !parse_digits(s, 7, 4, y) ||
      s[11] != ':' || !parse_digits(s, 12, 2, h) || s[14] != ':' || !parse_digits(s, 15, 2, mi) || s[17] != ':' ||
      !parse_digits(s, 18, 2, sec))
    return std::nullopt;
  const int mo = month_from_abbrev(s.substr(3, 3));
  size_t pos = 20;
  int64_t frac = 0, offset = 0;
  if (mo == 0 || !fraction(s, pos, frac) || !zone(s, pos, offset)) return std::nullopt;
  auto t = civil_to_micros(y, mo, d, h, mi, sec);
  if (!t) return std::nullopt;
  return *t + frac - offset * 1'000'000LL;
}

// "Mar  5 10:11:12" or "Mar 05 10:11:12[.123]". The year is the reference time's, or the year before
// when that would put the line more than a day in the future (a December line read in January).
std::optional<int64_t> parse_syslog(std::string_view s, int64_t reference_micros) {
  int d, h, mi, sec;
  if (s.size() < 15 || s[3] != ' ') return std::nullopt;
  const int mo = month_from_abbrev(s.substr(0, 3));
  if (mo == 0) return std::nullopt;
  if (s[4] == ' ') {
    if (!parse_digits(s, 5, 1, d)) return std::nullopt;
  } else if (!parse_digits(s, 4, 2, d)) {
    return std::nullopt;
  }
  if (s[6] != ' ' || !parse_digits(s, 7, 2, h) || s[9] != ':' || !parse_digits(s, 10, 2, mi) || s[12] != ':' ||
      !parse_digits(s, 13, 2, sec))
    return std::nullopt;
  size_t pos = 15;
  int64_t frac = 0;
  if (!fraction(s, pos, frac) || pos != s.size()) return std::nullopt;
  using namespace std::chrono;
  const auto ref_day = floor<days>(sys_time<microseconds>{microseconds{reference_micros}});
  const int ref_year = static_cast<int>(year_month_day{ref_day}.year());
  auto t = civil_to_micros(ref_year, mo, d, h, mi, sec);
  if (!t || *t + frac > reference_micros + 86'400'000'000LL) t = civil_to_micros(ref_year - 1, mo, d, h, mi, sec);
  if (!t) return std::nullopt;  // Feb 29 in a year without one
  return *t + frac;
}

std::optional<int64_t> parse_time_of_day(std::string_view s, int64_t reference_micros) {
  int h, mi, sec;
  if (s.size() < 8 || !parse_digits(s, 0, 2, h) || s[2] != ':' || !parse_digits(s, 3, 2, mi) || s[5] != ':' ||
      !parse_digits(s, 6, 2, sec) || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  size_t pos = 8;
  int64_t frac = 0;
  if (!fraction(s, pos, frac) || pos != s.size()) return std::nullopt;
  constexpr int64_t kDay = 86'400'000'000LL;
  const int64_t day_start = reference_micros - ((reference_micros % kDay) + kDay) % kDay;
  int64_t t = day_start + (h * 3600LL + mi * 60LL + sec) * 1'000'000LL + frac;
  if (t > reference_micros + 3'600'000'000LL) t -= kDay;
  return t;
}

std::optional<int64_t> parse_epoch(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t pos = 0;
  const bool neg = s[0] == '-';
  if (neg) ++pos;
  int64_t whole = 0;
  size_t n = 0;
  for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n) {
    if (whole > (INT64_MAX - 9) / 10) return std::nullopt;
    whole = whole * 10 + (s[pos] - '0');
  }
  if (n == 0) return std::nullopt;
  if (pos == s.size()) return epoch_number_to_micros(neg ? -whole : whole);
  if (s[pos] != '.') return std::nullopt;
  double v = static_cast<double>(whole);
  double scale = 0.1;
  for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) v += (s[pos] - '0') * scale;
  if (pos != s.size()) return std::nullopt;
  return epoch_number_to_micros(neg ? -v : v);
}

}  // namespace

std::optional<TimestampFormat> timestamp_format_from_name(std::string_view name) {
  if (name == "iso8601") return TimestampFormat::kIso8601;
  if (name == "clf") return TimestampFormat::kClf;
  if (name == "syslog") return TimestampFormat::kSyslog;
  if (name == "time_of_day") return TimestampFormat::kTimeOfDay;
  if (name == "epoch") return TimestampFormat::kEpoch;
  if (name == "auto") return TimestampFormat::kAuto;
  return std::nullopt;
}

std::optional<int64_t> epoch_number_to_micros(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  const double a = std::fabs(v);
  double micros;
  if (a < 1e11) micros = v * 1e6;
  else if (a < 1e14) micros = v * 1e3;
  else if (a < 1e17) micros = v;
  else micros = v / 1e3;
  if (std::fabs(micros) > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(micros));
}

std::optional<int64_t> epoch_number_to_micros(int64_t v) {
  const int64_t a = v < 0 ? -(v + 1) : v;  // no overflow on INT64_MIN
  if (a < 100'000'000'000LL) return v * 1'000'000LL;
  if (a < 100'000'000'000'000LL) return v * 1'000LL;
  if (a < 100'000'000'000'000'000LL) return v;
  return v / 1'000LL;
}

std::optional<int64_t> parse_timestamp(std::string_view s, TimestampFormat format, int64_t reference_micros) {
  switch (format) {
    case TimestampFormat::kIso8601: return parse_iso8601(s);
    case TimestampFormat::kClf: return parse_clf(s);
    case TimestampFormat::kSyslog: return parse_syslog(s, reference_micros);
    case TimestampFormat::kTimeOfDay: return parse_time_of_day(s, reference_micros);
    case TimestampFormat::kEpoch: return parse_epoch(s);
    case TimestampFormat::kAuto:
      if (auto t = parse_iso8601(s)) return t;
      return parse_epoch(s);
  }
  return std::nullopt;
}

}  // namespace logpipe::indexer
