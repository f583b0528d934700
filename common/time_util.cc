#include "common/time_util.h"

#include <chrono>
#include <cstdio>

namespace logpipe {
namespace {

struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
  int64_t micros;
};

Civil to_civil(int64_t epoch_micros) {
  using namespace std::chrono;
  const sys_time<microseconds> tp{microseconds{epoch_micros}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss tod{tp - day};
  return {static_cast<int>(ymd.year()),          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),      static_cast<unsigned>(tod.hours().count()),
          static_cast<unsigned>(tod.minutes().count()), static_cast<unsigned>(tod.seconds().count()),
          tod.subseconds().count()};
}


}  // namespace

bool parse_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

std::string format_rfc3339_micros(int64_t epoch_micros) {
  const Civil c = to_civil(epoch_micros);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%06lldZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second, static_cast<long long>(c.micros));
  return buf;
}

std::string format_rfc3339_millis(int64_t epoch_micros) {
  const Civil c = to_civil(epoch_micros);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03lldZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second, static_cast<long long>(c.micros / 1000));
  return buf;
}

std::string format_day(int64_t epoch_micros, char separator) {
  const Civil c = to_civil(epoch_micros);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%c%02u%c%02u", c.year, separator, c.month, separator, c.day);
  return buf;
}

std::optional<int64_t> parse_rfc3339_micros(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!parse_digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !parse_digits(s, 5, 2, mo) || s[7] != '-' ||
      !parse_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !parse_digits(s, 11, 2, h) ||
      s[13] != ':' || !parse_digits(s, 14, 2, mi) || s[16] != ':' || !parse_digits(s, 17, 2, sec))
    return std::nullopt;
  size_t pos = 19;
  int64_t frac_micros = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int64_t scale = 100000;
    size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (pos == s.size()) return std::nullopt;  // a zone is required
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!parse_digits(s, pos + 1, 2, oh)) return std::nullopt;
    size_t p = pos + 3;
    if (p < s.size() && s[p] == ':') ++p;
    if (!parse_digits(s, p, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_seconds = sign * (oh * 3600 + om * 60);
    pos = p + 2;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const int64_t day_seconds = sys_days{ymd}.time_since_epoch().count() * 86400LL;
  return (day_seconds + h * 3600LL + mi * 60LL + sec - offset_seconds) * 1'000'000LL + frac_micros;
}

}  // namespace logpipe
