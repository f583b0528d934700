#include "common/time_util.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

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
