#include "common/time_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

using logpipe::format_day;
using logpipe::format_rfc3339_micros;
using logpipe::format_rfc3339_millis;
using logpipe::parse_rfc3339_micros;

namespace {

constexpr int64_t kSample = 1700000000123456;  // 2023-11-14T22:13:20.123456Z
constexpr int64_t kRejected = std::numeric_limits<int64_t>::min();

// The parsed value, or kRejected (keeps Catch's failure messages readable).
int64_t parsed(std::string_view s) { return parse_rfc3339_micros(s).value_or(kRejected); }

}  // namespace

TEST_CASE("format_rfc3339_micros formats known epochs in UTC", "[common]") {
  CHECK(format_rfc3339_micros(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(format_rfc3339_micros(kSample) == "2023-11-14T22:13:20.123456Z");
  CHECK(format_rfc3339_micros(1) == "1970-01-01T00:00:00.000001Z");
  CHECK(format_rfc3339_micros(951782400000000) == "2000-02-29T00:00:00.000000Z");  // leap day
  CHECK(format_rfc3339_micros(4102444799999999) == "2099-12-31T23:59:59.999999Z");
}

TEST_CASE("format_rfc3339_micros handles times before 1970", "[common]") {
  CHECK(format_rfc3339_micros(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_rfc3339_micros(-86400000000) == "1969-12-31T00:00:00.000000Z");
  CHECK(format_rfc3339_micros(-14182940000000) == "1969-07-20T20:17:40.000000Z");
}

TEST_CASE("format_rfc3339_millis truncates to milliseconds", "[common]") {
  CHECK(format_rfc3339_millis(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_millis(kSample) == "2023-11-14T22:13:20.123Z");
  CHECK(format_rfc3339_millis(999) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_millis(1999) == "1970-01-01T00:00:00.001Z");
  CHECK(format_rfc3339_millis(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("format_day gives the UTC calendar day with the separator", "[common]") {
  CHECK(format_day(kSample, '.') == "2023.11.14");
  CHECK(format_day(kSample, '-') == "2023-11-14");
  CHECK(format_day(0, '.') == "1970.01.01");
  CHECK(format_day(-1, '.') == "1969.12.31");
  // Last and first microsecond of a day.
  CHECK(format_day(1709164800000000 - 1, '.') == "2024.02.28");
  CHECK(format_day(1709164800000000, '.') == "2024.02.29");
}

TEST_CASE("parse_rfc3339_micros accepts UTC with Z", "[common]") {
  CHECK(parsed("1970-01-01T00:00:00Z") == 0);
  CHECK(parsed("2023-11-14T22:13:20.123456Z") == kSample);
  CHECK(parsed("2023-11-14t22:13:20.123456z") == kSample);
  CHECK(parsed("2023-11-14 22:13:20.123456Z") == kSample);
  CHECK(parsed("1969-12-31T23:59:59.999999Z") == -1);
  CHECK(parsed("1969-07-20T20:17:40Z") == -14182940000000);
}

TEST_CASE("parse_rfc3339_micros handles 0 to 9 fraction digits", "[common]") {
  CHECK(parsed("2023-11-14T22:13:20Z") == 1700000000000000);
  CHECK(parsed("2023-11-14T22:13:20.1Z") == 1700000000100000);
  CHECK(parsed("2023-11-14T22:13:20.123Z") == 1700000000123000);
  CHECK(parsed("2023-11-14T22:13:20.123456Z") == kSample);
  // Nanoseconds are truncated to microseconds.
  CHECK(parsed("2023-11-14T22:13:20.123456789Z") == kSample);
  CHECK(parsed("2023-11-14T22:13:20,123Z") == 1700000000123000);
}

TEST_CASE("parse_rfc3339_micros applies numeric zone offsets", "[common]") {
  // 22:13:20.123456 at +02:00 is 20:13:20.123456Z.
  CHECK(parsed("2023-11-14T22:13:20.123456+02:00") == 1699992800123456);
  CHECK(parsed("2023-11-14T22:13:20.123456+0200") == 1699992800123456);
  // 22:13:20.123456 at -05:30 is 03:43:20.123456Z the next day.
  CHECK(parsed("2023-11-14T22:13:20.123456-0530") == 1700019800123456);
  CHECK(parsed("2023-11-14T22:13:20.123456-05:30") == 1700019800123456);
  CHECK(parsed("2023-11-14T22:13:20.123456+00:00") == kSample);
  CHECK(parsed("2023-11-14T22:13:20.123456-00:00") == kSample);
  CHECK(parsed("2024-03-05T10:11:12.345+01:00") == 1709629872345000);
}

TEST_CASE("parse_rfc3339_micros round-trips format_rfc3339_micros", "[common]") {
  for (int64_t v : {int64_t{0}, kSample, int64_t{-1}, int64_t{951782400000000}, int64_t{4102444799999999}}) {
    INFO(v);
    CHECK(parsed(format_rfc3339_micros(v)) == v);
  }
}

TEST_CASE("parse_rfc3339_micros rejects malformed input", "[common]") {
  const char* bad[] = {
      "",
      "garbage",
      "2023-11-14",
      "2023-11-14T22:13:20",            // no zone
      "2023-11-14T22:13:20.123",        // no zone after fraction
      "2023-13-14T22:13:20Z",           // month 13
      "2023-00-14T22:13:20Z",           // month 0
      "2023-02-30T22:13:20Z",           // no such day
      "2023-11-14T24:00:00Z",           // hour 24
      "2023-11-14T22:60:00Z",           // minute 60
      "2023-11-14T22:13:20.Z",          // fraction without digits
      "2023-11-14T22:13:20ZZ",          // trailing characters
      "2023-11-14T22:13:20Z ",          // trailing space
      "2023-11-14T22:13:20+02:00x",     // trailing after offset
      "2023-11-14T22:13:20+2",          // short offset
      "2023-11-14T22:13:20+02:",        // offset without minutes
      "2023-11-14T22:13:20UTC",         // zone name
      "2023-11-14X22:13:20Z",           // bad separator
      "2023/11/14T22:13:20Z",           // bad date separator
      "2023-11-14T22-13-20Z",           // bad time separator
      "20x3-11-14T22:13:20Z",           // non-digit in year
      " 2023-11-14T22:13:20Z",          // leading space
  };
  for (const char* s : bad) {
    INFO("input: '" << s << "'");
    CHECK(parsed(s) == kRejected);
  }
}

TEST_CASE("time: zone offsets outside RFC 3339's range are rejected", "[common]") {
  CHECK_FALSE(logpipe::parse_rfc3339_micros("2023-11-14T22:13:20+99:99").has_value());
  CHECK_FALSE(logpipe::parse_rfc3339_micros("2023-11-14T22:13:20+24:00").has_value());
  CHECK_FALSE(logpipe::parse_rfc3339_micros("2023-11-14T22:13:20-05:60").has_value());
  CHECK(logpipe::parse_rfc3339_micros("2023-11-14T22:13:20+23:59").has_value());
}

// ---------------------------------------------------------------------------------------------------------
// The formatters write digits by hand; these compare them with the <chrono> + snprintf formatting they
// replaced, on many values.
namespace {

struct RefCivil {
  int year;
  unsigned month, day, hour, minute, second;
  long long micros;
};
RefCivil ref_civil(int64_t epoch_micros) {
  using namespace std::chrono;
  const sys_time<microseconds> tp{microseconds{epoch_micros}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss tod{tp - day};
  return {static_cast<int>(ymd.year()),  static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<unsigned>(tod.hours().count()),
          static_cast<unsigned>(tod.minutes().count()), static_cast<unsigned>(tod.seconds().count()),
          static_cast<long long>(tod.subseconds().count())};
}
std::string ref_micros(int64_t t) {
  const RefCivil c = ref_civil(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%06lldZ", c.year, c.month, c.day, c.hour, c.minute,
                c.second, c.micros);
  return buf;
}
std::string ref_millis(int64_t t) {
  const RefCivil c = ref_civil(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03lldZ", c.year, c.month, c.day, c.hour, c.minute,
                c.second, c.micros / 1000);
  return buf;
}
std::string ref_day(int64_t t, char sep) {
  const RefCivil c = ref_civil(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%c%02u%c%02u", c.year, sep, c.month, sep, c.day);
  return buf;
}

// Values to compare on: every day boundary (+-1 us) from 1899 to 2101, a fixed-seed spread over years
// 0-9999 and beyond, and the edges of the fast path (years 0 and 9999).
std::vector<int64_t> sample_times() {
  constexpr int64_t kDay = 86'400'000'000LL;
  std::vector<int64_t> v = {0, 1, -1, 999, -999, kDay - 1, -kDay, -kDay - 1};
  for (int64_t d = -25567; d <= 48000; ++d)  // 1900-01-01 .. 2101-06
    for (int64_t delta : {int64_t{-1}, int64_t{0}, int64_t{1}, int64_t{43'200'123'456}}) v.push_back(d * kDay + delta);
  uint64_t s = 42;
  for (int i = 0; i < 200000; ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    // years about -300 .. 10300: both sides of the fast path's 0000-9999
    constexpr int64_t lo = -72'000'000'000'000'000LL, hi = 270'000'000'000'000'000LL;
    v.push_back(lo + static_cast<int64_t>((s >> 1) % static_cast<uint64_t>(hi - lo)));
  }
  const int64_t year0 = -62167219200LL * 1'000'000;       // 0000-01-01T00:00:00Z
  const int64_t year10000 = 253402300800LL * 1'000'000;   // 10000-01-01T00:00:00Z
  for (int64_t edge : {year0, year10000})
    for (int64_t delta = -3; delta <= 3; ++delta) v.push_back(edge + delta);
  return v;
}

}  // namespace

TEST_CASE("format_rfc3339_micros/_millis and format_day match the chrono + snprintf formatting", "[common]") {
  size_t mismatches = 0;
  for (int64_t t : sample_times()) {
    char buf[logpipe::kMaxFormattedTime];
    const std::string fast(buf, logpipe::format_rfc3339_micros(t, buf));
    const std::string day(buf, logpipe::format_day(t, '.', buf));
    if (fast != ref_micros(t) || format_rfc3339_micros(t) != ref_micros(t) ||
        format_rfc3339_millis(t) != ref_millis(t) || day != ref_day(t, '.') || format_day(t, '-') != ref_day(t, '-')) {
      if (++mismatches <= 5) FAIL_CHECK("t=" << t << ": " << fast << " vs " << ref_micros(t));
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("days_from_civil matches chrono on every day of 1600-2600 and rejects what chrono rejects", "[common]") {
  using namespace std::chrono;
  size_t mismatches = 0;
  for (sys_days d = sys_days{year{1600} / January / 1}; d < sys_days{year{2601} / January / 1}; d += days{1}) {
    const year_month_day ymd{d};
    const auto got = logpipe::days_from_civil(static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                                              static_cast<int>(unsigned(ymd.day())));
    if (!got || *got != d.time_since_epoch().count()) ++mismatches;
  }
  CHECK(mismatches == 0);
  for (int y : {-32767, -1, 0, 1, 1900, 2000, 2023, 2024, 2100, 9999, 32767})
    for (int m = 0; m <= 13; ++m)
      for (int d = 0; d <= 32; ++d) {
        const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
        const auto got = logpipe::days_from_civil(y, m, d);
        INFO(y << "-" << m << "-" << d);
        REQUIRE(got.has_value() == ymd.ok());
        if (got) CHECK(*got == sys_days{ymd}.time_since_epoch().count());
      }
  CHECK_FALSE(logpipe::days_from_civil(40000, 1, 1).has_value());
  CHECK_FALSE(logpipe::days_from_civil(-40000, 1, 1).has_value());
}
