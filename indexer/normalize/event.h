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
  kSyslogStructuredData,  // the RFC 5424 STRUCTURED-DATA text; rendered parsed (structured_data.h)
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

// Unknown JSON members, rendered under `fields` (not indexed): one entry per leaf, named by its dotted
// path (nested objects are flattened, so {"a":{"b":1}} and {"a.b":1} are the same field). At most
// kMaxExtraFields per event; composed paths live in Event::paths, at most kPathArenaBytes per event.
inline constexpr size_t kMaxExtraFields = 64;
inline constexpr size_t kPathArenaBytes = 8192;
inline constexpr size_t kMaxTags = 16;

struct Event {
  Event() {
    extras.reserve(kMaxExtraFields);
    paths.reserve(kPathArenaBytes);
  }
  std::array<std::string_view, kFieldCount> field{};
  TimestampFormat timestamp_format = TimestampFormat::kAuto;
  std::optional<int64_t> timestamp_number;  // a numeric JSON timestamp, already in micros
  bool timestamp_number_bad = false;
  // The JSON member the timestamp came from: kept under `fields` when it does not parse.
  std::string_view timestamp_key;
  std::optional<simdjson::dom::element> timestamp_value;
  std::vector<std::pair<std::string_view, simdjson::dom::element>> extras;
  bool extras_truncated = false;
  // Storage for dotted paths composed while flattening nested objects. Never grows past the capacity
  // reserved in the constructor, so views into it stay valid for the whole event.
  std::string paths;
  std::optional<simdjson::dom::element> stack_frames;  // log4j2 JsonLayout thrown.extendedStackTrace
  // Text built from structured data (log4j2 JsonLayout's stack frame array -> error.stack_trace).
  std::string built_stack_trace;
  // What the sender says about itself: its host name (python-logstash `host`/`@source_host`, GELF `host`,
  // `source_host`, `host.name`, `HOSTNAME`) and service (`service.name`). Only looked for when
  // `want_sender_identity` (records of the TCP input, where the shipper is not on the sender's host);
  // otherwise these members stay under `fields`.
  bool want_sender_identity = false;
  std::string_view sender_host;
  std::string_view sender_service;
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
    timestamp_key = {};
    timestamp_value.reset();
    extras.clear();
    extras_truncated = false;
    paths.clear();
    stack_frames.reset();
    built_stack_trace.clear();
    want_sender_identity = false;
    sender_host = {};
    sender_service = {};
    tag_count = 0;
    level_number = -1;
  }
};

}  // namespace logpipe::indexer
