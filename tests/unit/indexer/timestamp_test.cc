#include "indexer/normalize/timestamp.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/time_util.h"

using logpipe::format_rfc3339_micros;
using logpipe::indexer::epoch_number_to_micros;
using logpipe::indexer::parse_timestamp;
using logpipe::indexer::TimestampFormat;

namespace {

constexpr int64_t kRef = 1795453200000000;  // 2026-11-23T17:00:00Z

std::string parsed(std::string_view s, TimestampFormat f, int64_t ref = kRef) {
  auto t = parse_timestamp(s, f, ref);
  return t ? format_rfc3339_micros(*t) : "<none>";
}

}  // namespace

TEST_CASE("timestamp: ISO-8601 with zone, offset, or none (UTC)", "[indexer][timestamp]") {
  const auto iso = TimestampFormat::kIso8601;
  CHECK(parsed("2024-03-05T10:11:12Z", iso) == "2024-03-05T10:11:12.000000Z");
  CHECK(parsed("2024-03-05T10:11:12.345+01:00", iso) == "2024-03-05T09:11:12.345000Z");
  CHECK(parsed("2024-03-05T10:11:12.345-0530", iso) == "2024-03-05T15:41:12.345000Z");
  CHECK(parsed("2024-03-05T10:11:12+02", iso) == "2024-03-05T08:11:12.000000Z");
  CHECK(parsed("2024-03-05T10:11:12.123456789Z", iso) == "2024-03-05T10:11:12.123456Z");  // ns truncated
  // Kafka/log4j comma fraction, Elasticsearch plain log, Python asctime: no zone -> UTC.
  CHECK(parsed("2026-11-23 16:52:13,272", iso) == "2026-11-23T16:52:13.272000Z");
  CHECK(parsed("2026-11-23T16:42:09,116", iso) == "2026-11-23T16:42:09.116000Z");
  CHECK(parsed("2026/11/23 16:58:06", iso) == "2026-11-23T16:58:06.000000Z");  // nginx error log
  CHECK(parsed("2026-11-23 16:40:01.123 UTC", iso) == "2026-11-23T16:40:01.123000Z");
  CHECK(parsed("2026-11-23 16:40:01 +01:00", iso) == "2026-11-23T15:40:01.000000Z");
}

TEST_CASE("timestamp: malformed ISO-8601 is rejected", "[indexer][timestamp]") {
  const auto iso = TimestampFormat::kIso8601;
  for (const char* bad : {"", "2024-03-05", "2024-13-05T10:11:12Z", "2024-02-30T10:11:12Z", "2024-03-05T24:00:00Z",
                          "2024-03-05T10:11:12.Z", "2024-03-05T10:11:12+25:00", "2024-03-05T10:11:12 CEST",
                          "2024-03/05T10:11:12Z", "2024-03-05T10:11:12Zjunk", "yesterday at noon"}) {
    INFO(bad);
    CHECK_FALSE(parse_timestamp(bad, iso, kRef));
  }
}

TEST_CASE("timestamp: access log (CLF) form", "[indexer][timestamp]") {
  CHECK(parsed("23/Nov/2026:17:58:03 +0100", TimestampFormat::kClf) == "2026-11-23T16:58:03.000000Z");
  CHECK(parsed("10/Oct/2000:13:55:36 -0700", TimestampFormat::kClf) == "2000-10-10T20:55:36.000000Z");
  CHECK_FALSE(parse_timestamp("10/Foo/2000:13:55:36 -0700", TimestampFormat::kClf, kRef));
  CHECK_FALSE(parse_timestamp("10/Oct/2000 13:55:36", TimestampFormat::kClf, kRef));
}

TEST_CASE("timestamp: syslog without a year takes the read time's year", "[indexer][timestamp]") {
  const auto sys = TimestampFormat::kSyslog;
  CHECK(parsed("Nov 23 16:55:37", sys) == "2026-11-23T16:55:37.000000Z");
  CHECK(parsed("Nov  3 06:05:04", sys) == "2026-11-03T06:05:04.000000Z");
  CHECK(parsed("Nov 23 16:55:37.250", sys) == "2026-11-23T16:55:37.250000Z");
  // A December line read in early January is from last year.
  const int64_t jan2 = 1798848000000000;  // 2027-01-02T00:00:00Z
  CHECK(parsed("Dec 31 23:59:58", sys, jan2) == "2026-12-31T23:59:58.000000Z");
  // A few hours ahead of the read time (clock skew) stays in this year.
  CHECK(parsed("Nov 23 20:00:00", sys) == "2026-11-23T20:00:00.000000Z");
  CHECK_FALSE(parse_timestamp("Foo 23 16:55:37", sys, kRef));
  CHECK_FALSE(parse_timestamp("Nov 23 16:55", sys, kRef));
}

TEST_CASE("timestamp: time of day takes the read time's day", "[indexer][timestamp]") {
  const auto tod = TimestampFormat::kTimeOfDay;
  CHECK(parsed("16:59:58.123", tod) == "2026-11-23T16:59:58.123000Z");
  CHECK(parsed("17:30:00.000", tod) == "2026-11-23T17:30:00.000000Z");  // within the hour of skew
  CHECK(parsed("23:59:59.999", tod) == "2026-11-22T23:59:59.999000Z");  // 7 h ahead: yesterday
  CHECK_FALSE(parse_timestamp("25:00:00.000", tod, kRef));
}

TEST_CASE("timestamp: epoch seconds, milliseconds, microseconds, nanoseconds", "[indexer][timestamp]") {
  const auto ep = TimestampFormat::kEpoch;
  CHECK(parsed("1700000000", ep) == "2023-11-14T22:13:20.000000Z");
  CHECK(parsed("1700000000.5", ep) == "2023-11-14T22:13:20.500000Z");
  CHECK(parsed("1700000000123", ep) == "2023-11-14T22:13:20.123000Z");
  CHECK(parsed("1700000000123456", ep) == "2023-11-14T22:13:20.123456Z");
  CHECK(parsed("1700000000123456789", ep) == "2023-11-14T22:13:20.123456Z");
  CHECK(parsed("0", ep) == "1970-01-01T00:00:00.000000Z");
  CHECK_FALSE(parse_timestamp("99999999999999999999", ep, kRef));
  CHECK_FALSE(parse_timestamp("12ab", ep, kRef));
  CHECK_FALSE(parse_timestamp("", ep, kRef));
  CHECK(epoch_number_to_micros(1700000000.123) == std::optional<int64_t>(1700000000123000));
  CHECK_FALSE(epoch_number_to_micros(1e300));
}

TEST_CASE("timestamp: auto tries ISO-8601 then epoch", "[indexer][timestamp]") {
  CHECK(parsed("2024-03-05T10:11:12Z", TimestampFormat::kAuto) == "2024-03-05T10:11:12.000000Z");
  CHECK(parsed("1700000000123", TimestampFormat::kAuto) == "2023-11-14T22:13:20.123000Z");
  CHECK(parsed("soon", TimestampFormat::kAuto) == "<none>");
}
