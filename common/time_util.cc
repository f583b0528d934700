#include "common/time_util.h"

#include <chrono>
#include <cstdio>
#include <cstring>

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

// The general formatting through <chrono> and snprintf, for years outside 0000-9999 (what %04d does then).
std::string format_micros_slow(int64_t epoch_micros) {
  const Civil c = to_civil(epoch_micros);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%06lldZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second, static_cast<long long>(c.micros));
  return buf;
}

std::string format_millis_slow(int64_t epoch_micros) {
  const Civil c = to_civil(epoch_micros);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03lldZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second, static_cast<long long>(c.micros / 1000));
  return buf;
}

std::string format_day_slow(int64_t epoch_micros, char separator) {
  const Civil c = to_civil(epoch_micros);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%c%02u%c%02u", c.year, separator, c.month, separator, c.day);
  return buf;
}

// Proleptic Gregorian date of a day count since 1970-01-01 (shifting the year to start in March puts the
// leap day last; 400-year eras repeat exactly). Valid for the whole int64 day range used here.
struct Ymd {
  int64_t year;
  unsigned month, day;
};
Ymd civil_from_days(int64_t days) {
  const int64_t shifted = days + 719468;  // days since 0000-03-01
  const int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  const int64_t day_of_era = shifted - era * 146097;                                                   // [0, 146096]
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);   // [0, 365]
  const int64_t mp = (5 * day_of_year + 2) / 153;                                                      // March = 0
  const auto day = static_cast<unsigned>(day_of_year - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// Two decimal digits per table lookup.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
inline void put2(char* p, unsigned v) {
  p[0] = kDigitPairs[2 * v];
  p[1] = kDigitPairs[2 * v + 1];
}
inline void put4(char* p, unsigned v) {
  put2(p, v / 100);
  put2(p + 2, v % 100);
}
// YYYY<sep>MM<sep>DD: 10 chars.
inline void put_date(char* p, const Ymd& d, char sep) {
  put4(p, static_cast<unsigned>(d.year));
  p[4] = sep;
  put2(p + 5, d.month);
  p[7] = sep;
  put2(p + 8, d.day);
}

}  // namespace

std::optional<int64_t> days_from_civil(int year, int month, int day) {
  if (year < -32767 || year > 32767 || month < 1 || month > 12 || day < 1) return std::nullopt;
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  static constexpr int kLength[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kLength[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  // Years counted from March, so the leap day is the last day of its year; eras of 400 years repeat.
  const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                                       // [0, 399]
  const int64_t day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;        // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

size_t format_rfc3339_micros(int64_t epoch_micros, char* out) {
  constexpr int64_t kDay = 86'400'000'000LL;
  const int64_t days = epoch_day(epoch_micros);
  // Consecutive events are mostly from the same day: the date part is kept per thread.
  thread_local int64_t cached_days = INT64_MIN;
  thread_local char cached_date[10];
  if (days != cached_days) {
    const Ymd d = civil_from_days(days);
    if (d.year < 0 || d.year > 9999) {
      const std::string s = format_micros_slow(epoch_micros);
      s.copy(out, s.size());
      return s.size();
    }
    put_date(cached_date, d, '-');
    cached_days = days;
  }
  std::memcpy(out, cached_date, 10);
  const int64_t in_day = epoch_micros - days * kDay;  // [0, kDay)
  const auto secs = static_cast<unsigned>(in_day / 1'000'000);
  const auto micros = static_cast<unsigned>(in_day % 1'000'000);
  out[10] = 'T';
  put2(out + 11, secs / 3600);
  out[13] = ':';
  put2(out + 14, secs / 60 % 60);
  out[16] = ':';
  put2(out + 17, secs % 60);
  out[19] = '.';
  put2(out + 20, micros / 10000);
  put4(out + 22, micros % 10000);
  out[26] = 'Z';
  return 27;
}

size_t format_day(int64_t epoch_micros, char separator, char* out) {
  const Ymd d = civil_from_days(epoch_day(epoch_micros));
  if (d.year < 0 || d.year > 9999) {
    const std::string s = format_day_slow(epoch_micros, separator);
    s.copy(out, s.size());
    return s.size();
  }
  put_date(out, d, separator);
  return 10;
}

std::string format_rfc3339_micros(int64_t epoch_micros) {
  char buf[kMaxFormattedTime];
  return std::string(buf, format_rfc3339_micros(epoch_micros, buf));
}

std::string format_rfc3339_millis(int64_t epoch_micros) {
  char buf[kMaxFormattedTime];
  size_t n = format_rfc3339_micros(epoch_micros, buf);
  if (n == 27) {
    buf[23] = 'Z';
    return std::string(buf, 24);
  }
  return format_millis_slow(epoch_micros);
}

std::string format_day(int64_t epoch_micros, char separator) {
  char buf[kMaxFormattedTime];
  return std::string(buf, format_day(epoch_micros, separator, buf));
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
  const auto days = days_from_civil(y, mo, d);
  if (!days || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return (*days * 86400LL + h * 3600LL + mi * 60LL + sec - offset_seconds) * 1'000'000LL + frac_micros;
}

}  // namespace logpipe
