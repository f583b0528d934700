#include "indexer/normalize/json_layouts.h"

#include <array>

namespace logpipe::indexer {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

enum class Key : uint8_t {
  kTimestamp,        // @timestamp (always wins over the weaker ones below)
  kWeakTimestamp,    // timestamp, time, ts
  kMessage,          // message, @message, short_message, msg
  kFullMessage,      // GELF full_message
  kLevel,
  kLogger,
  kThread,
  kStackTrace,
  kException,        // JSONEventLayoutV1 object, or a string
  kErrorType,
  kErrorMessage,
  kTraceId,
  kSpanId,
  kNested,           // mdc, @fields: their members are mapped with the same table
  kTags,
  kDrop,             // format metadata: @version, ecs.version, level_value
  kExtra,
};

struct KeyEntry {
  std::string_view name;
  Key key;
};

constexpr std::array<KeyEntry, 42> kKeys{{
    {"@timestamp", Key::kTimestamp},      {"timestamp", Key::kWeakTimestamp},  {"time", Key::kWeakTimestamp},
    {"ts", Key::kWeakTimestamp},          {"message", Key::kMessage},          {"@message", Key::kMessage},
    {"short_message", Key::kMessage},     {"msg", Key::kMessage},              {"full_message", Key::kFullMessage},
    {"level", Key::kLevel},               {"log.level", Key::kLevel},          {"levelname", Key::kLevel},
    {"severity", Key::kLevel},            {"logger_name", Key::kLogger},       {"log.logger", Key::kLogger},
    {"logger", Key::kLogger},             {"loggerName", Key::kLogger},        {"thread_name", Key::kThread},
    {"process.thread.name", Key::kThread}, {"thread", Key::kThread},           {"threadName", Key::kThread},
    {"stack_trace", Key::kStackTrace},    {"error.stack_trace", Key::kStackTrace}, {"exc_text", Key::kStackTrace},
    {"exc_info", Key::kStackTrace},       {"stacktrace", Key::kStackTrace},    {"exception", Key::kException},
    {"error.type", Key::kErrorType},      {"exception_class", Key::kErrorType}, {"error.message", Key::kErrorMessage},
    {"exception_message", Key::kErrorMessage}, {"trace_id", Key::kTraceId},   {"traceId", Key::kTraceId},
    {"trace.id", Key::kTraceId},          {"span_id", Key::kSpanId},           {"spanId", Key::kSpanId},
    {"span.id", Key::kSpanId},            {"mdc", Key::kNested},               {"@fields", Key::kNested},
    {"tags", Key::kTags},                 {"@tags", Key::kTags},               {"@version", Key::kDrop},
}};

Key classify(std::string_view k) {
  for (const auto& e : kKeys)
    if (e.name == k) return e.key;
  if (k == "ecs.version" || k == "level_value") return Key::kDrop;
  return Key::kExtra;
}

// Unmapped members, kept under `fields`. Nulls and empty keys are dropped, a repeated key keeps its first
// value (Elasticsearch rejects documents with duplicate keys).
void extra(Event& ev, std::string_view key, element value) {
  if (key.empty() || value.is_null()) return;
  for (const auto& [k, v] : ev.extras)
    if (k == key) return;
  if (ev.extras.size() < kMaxExtraFields) {
    ev.extras.emplace_back(key, value);
  } else {
    ev.extras_truncated = true;
  }
}

bool as_string(element v, std::string_view& out) { return v.get(out) == simdjson::SUCCESS; }

void map_members(simdjson::dom::object object, Event& ev, int depth);

void map_member(std::string_view k, element v, Event& ev, int depth) {
  std::string_view s;
  const Key key = classify(k);
  switch (key) {
    case Key::kTimestamp:
    case Key::kWeakTimestamp: {
      if (key == Key::kWeakTimestamp && (!ev[Field::kTimestamp].empty() || ev.timestamp_number)) return extra(ev, k, v);
      if (as_string(v, s)) {
        ev[Field::kTimestamp] = s;
        ev.timestamp_number.reset();
        return;
      }
      double d;
      if (v.get(d) == simdjson::SUCCESS) {  // GELF: seconds with a fraction; others: epoch ms
        ev[Field::kTimestamp] = {};
        ev.timestamp_number = epoch_number_to_micros(d);
        ev.timestamp_number_bad = !ev.timestamp_number;
        return;
      }
      return extra(ev, k, v);
    }
    case Key::kMessage:
      if (as_string(v, s) && ev[Field::kMessage].empty()) return ev.set(Field::kMessage, s);
      return extra(ev, k, v);
    case Key::kFullMessage:
      if (as_string(v, s) && s.find('\n') != std::string_view::npos && ev[Field::kStackTrace].empty())
        return ev.set(Field::kStackTrace, s);
      return extra(ev, k, v);
    case Key::kLevel: {
      if (as_string(v, s)) return ev.set(Field::kLevel, s);
      int64_t n;
      if (v.get(n) == simdjson::SUCCESS && ev.level_number < 0 && n >= 0) {
        ev.level_number = n;
        return;
      }
      return extra(ev, k, v);
    }
    case Key::kLogger:
      if (as_string(v, s)) return ev.set(Field::kLogger, s);
      return extra(ev, k, v);
    case Key::kThread:
      if (as_string(v, s)) return ev.set(Field::kThread, s);
      return extra(ev, k, v);
    case Key::kStackTrace:
      if (as_string(v, s) && !s.empty()) return ev.set(Field::kStackTrace, s);
      if (v.is_null() || v.is_bool()) return;  // exc_info: null / false
      return extra(ev, k, v);
    case Key::kException: {
      if (as_string(v, s)) return ev.set(Field::kStackTrace, s);
      simdjson::dom::object o;
      if (depth < 2 && v.get(o) == simdjson::SUCCESS) return map_members(o, ev, depth + 1);
      return extra(ev, k, v);
    }
    case Key::kErrorType:
      if (as_string(v, s)) return ev.set(Field::kErrorType, s);
      return extra(ev, k, v);
    case Key::kErrorMessage:
      if (as_string(v, s)) return ev.set(Field::kErrorMessage, s);
      return extra(ev, k, v);
    case Key::kTraceId:
      if (as_string(v, s)) return ev.set(Field::kTraceId, s);
      return extra(ev, k, v);
    case Key::kSpanId:
      if (as_string(v, s)) return ev.set(Field::kSpanId, s);
      return extra(ev, k, v);
    case Key::kNested: {
      simdjson::dom::object o;
      if (depth < 2 && v.get(o) == simdjson::SUCCESS) return map_members(o, ev, depth + 1);
      return extra(ev, k, v);
    }
    case Key::kTags: {
      simdjson::dom::array a;
      if (v.get(a) != simdjson::SUCCESS) return extra(ev, k, v);
      // The line's own tags take at most half the room, so the problem tags added later always fit.
      for (element t : a)
        if (as_string(t, s) && !s.empty() && ev.tag_count < kMaxTags / 2) ev.tag(s);
      return;
    }
    case Key::kDrop:
      return;
    case Key::kExtra:
      return extra(ev, k, v);
  }
}

void map_members(simdjson::dom::object object, Event& ev, int depth) {
  for (const auto field : object) map_member(field.key, field.value, ev, depth);
}

}  // namespace

void map_json_object(simdjson::dom::object object, Event& ev) {
  // GELF's "version":"1.1" and "host" are format metadata here; everything else goes through the table.
  std::string_view version;
  const bool gelf = object["short_message"].error() == simdjson::SUCCESS &&
                    object["version"].get(version) == simdjson::SUCCESS;
  for (const auto field : object) {
    if (gelf && field.key == "version") continue;
    map_member(field.key, field.value, ev, 0);
  }
}

bool docker_wrapper(simdjson::dom::object object, std::string_view& inner, std::string_view& time,
                    std::string_view& stream) {
  if (object.size() != 3 || object["log"].get(inner) != simdjson::SUCCESS ||
      object["time"].get(time) != simdjson::SUCCESS || object["stream"].get(stream) != simdjson::SUCCESS)
    return false;
  if (!inner.empty() && inner.back() == '\n') inner.remove_suffix(1);
  if (!inner.empty() && inner.back() == '\r') inner.remove_suffix(1);
  return true;
}

}  // namespace logpipe::indexer
