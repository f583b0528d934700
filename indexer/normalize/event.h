#pragma once
// The normalized event before rendering: views into the record (or the JSON parser's buffers), so
// parsing allocates nothing per event. The closed set of ECS fields a parser can fill is `Field`; the
// index template maps each of them (schemas/event-schema.md).

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "indexer/normalize/timestamp.h"

namespace logpipe::indexer {

enum class Field : uint8_t {
  kTimestamp,  // the line's timestamp text, parsed with Event::timestamp_format
  kMessage,
  kLevel,  // as written; normalized when rendered
  kLogger,
  kThread,
  kPid,
  kProcessName,
  kSyslogHostname,
  kSyslogAppname,
  kSyslogProcid,
  kSyslogMsgid,
  kSyslogPriority,
  kSourceAddress,
  kUserName,
  kHttpMethod,
  kUrl,
  kHttpVersion,
  kHttpStatus,
  kHttpBytes,
  kReferrer,
  kUserAgent,
  kTraceId,
  kSpanId,
  kErrorType,
  kErrorMessage,
  kStackTrace,
  kCount
};
inline constexpr size_t kFieldCount = static_cast<size_t>(Field::kCount);

// The ECS name a rule's `fields:` map uses for `f` ("log.level"); "@timestamp" for kTimestamp.
std::string_view ecs_name(Field f);
std::optional<Field> field_from_ecs_name(std::string_view name);

// Unknown JSON members, rendered under `fields` (not indexed). At most kMaxExtraFields per event.
inline constexpr size_t kMaxExtraFields = 64;
inline constexpr size_t kMaxTags = 16;

struct Event {
  std::array<std::string_view, kFieldCount> field{};
  TimestampFormat timestamp_format = TimestampFormat::kAuto;
  std::optional<int64_t> timestamp_number;  // a numeric JSON timestamp, already in micros
  bool timestamp_number_bad = false;
  std::vector<std::pair<std::string_view, simdjson::dom::element>> extras;
  bool extras_truncated = false;
  std::array<std::string_view, kMaxTags> tags{};
  size_t tag_count = 0;
  int64_t level_number = -1;  // a numeric level (GELF/syslog severity) when no string was given

  std::string_view& operator[](Field f) { return field[static_cast<size_t>(f)]; }
  std::string_view operator[](Field f) const { return field[static_cast<size_t>(f)]; }
  // Sets `f` unless an earlier source already did (first writer wins).
  void set(Field f, std::string_view v) {
    if ((*this)[f].empty()) (*this)[f] = v;
  }
  void tag(std::string_view t) {
    for (size_t i = 0; i < tag_count; ++i)
      if (tags[i] == t) return;
    if (tag_count < kMaxTags) tags[tag_count++] = t;
  }
  void reset() {
    field = {};
    timestamp_format = TimestampFormat::kAuto;
    timestamp_number.reset();
    timestamp_number_bad = false;
    extras.clear();
    extras_truncated = false;
    tag_count = 0;
    level_number = -1;
  }
};

}  // namespace logpipe::indexer
