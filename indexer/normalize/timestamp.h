#pragma once
// Timestamp forms found in log lines, all converted to microseconds since the Unix epoch, UTC.
// No exceptions, no allocation. Times written without a zone or offset are taken as UTC (documented in
// schemas/event-schema.md; a per-input zone is future work).

#include <cstdint>
#include <optional>
#include <string_view>

namespace logpipe::indexer {

enum class TimestampFormat {
  kIso8601,    // 2024-03-05T10:11:12.345+01:00, "2024-03-05 10:11:12,345", 2024/03/05 10:11:12, Z/±hh[:mm]/UTC/GMT
  kClf,        // 05/Mar/2024:10:11:12 +0100 (nginx/Apache access logs)
  kSyslog,     // "Mar  5 10:11:12" (RFC 3164, no year: the year is taken from the reference time)
  kTimeOfDay, // "10:11:12.345" (logback/log4j2 default pattern): the date is the reference time's UTC day,
              // or the day before when that would put the line more than an hour in the future
  kEpoch,      // seconds, milliseconds, microseconds or nanoseconds, by magnitude; fraction allowed
  kAuto,       // ISO-8601, then epoch
};

// Parses a format name as written in schemas/parsing-rules.yaml: iso8601, clf, syslog, time_of_day,
// epoch, auto.
std::optional<TimestampFormat> timestamp_format_from_name(std::string_view name);

// `reference_micros` is the shipper's read time; kSyslog and kTimeOfDay use it (year, day).
std::optional<int64_t> parse_timestamp(std::string_view s, TimestampFormat format, int64_t reference_micros);

// An epoch number of unknown unit: |v| < 1e11 seconds, < 1e14 ms, < 1e17 us, else ns.
std::optional<int64_t> epoch_number_to_micros(double v);
std::optional<int64_t> epoch_number_to_micros(int64_t v);

}  // namespace logpipe::indexer
