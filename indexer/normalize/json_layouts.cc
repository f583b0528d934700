#include "indexer/normalize/json_layouts.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace logpipe::indexer {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

enum class Key : uint8_t {
  kTimestamp,        // @timestamp, log4j2 JsonLayout's instant{epochSecond,nanoOfSecond}: beat the weak ones
  kWeakTimestamp,    // timestamp, time, ts, timeMillis
  kMessage,          // message, @message, short_message, msg
  kFullMessage,      // GELF full_message
  kLevel,
  kLogger,
  kThread,
  kStackTrace,       // a string, or log4j2 JsonLayout's array of frame objects
  kException,        // JSONEventLayoutV1 object (lifted), or a string
  kErrorType,
  kErrorMessage,
  kTraceId,
  kSpanId,
  kLift,             // mdc, @fields, contextMap: their members are mapped as if at the top level
  kTags,
  kHost,             // the sender's own host name (used for TCP records, else kept under `fields`)
  kService,          // the sender's own service name (likewise)
  kDrop,             // format metadata: @version, ecs.version, level_value
  kExtra,
};

struct KeyEntry {
  std::string_view name;
  Key key;
};

// Matched against the member's full dotted path: "log.level" and {"log":{"level":..}} both give
// "log.level". Members of lifted objects (mdc, @fields, exception, contextMap) are matched by their own name.
constexpr std::array<KeyEntry, 59> kKeys{{
    {"@timestamp", Key::kTimestamp},      {"instant", Key::kTimestamp},        {"timestamp", Key::kWeakTimestamp},
    {"time", Key::kWeakTimestamp},        {"ts", Key::kWeakTimestamp},         {"timeMillis", Key::kWeakTimestamp},
    {"message", Key::kMessage},           {"@message", Key::kMessage},         {"short_message", Key::kMessage},
    {"msg", Key::kMessage},               {"full_message", Key::kFullMessage}, {"level", Key::kLevel},
    {"log.level", Key::kLevel},           {"levelname", Key::kLevel},          {"severity", Key::kLevel},
    {"logger_name", Key::kLogger},        {"log.logger", Key::kLogger},        {"logger", Key::kLogger},
    {"loggerName", Key::kLogger},         {"_logger", Key::kLogger},           {"thread_name", Key::kThread},
    {"process.thread.name", Key::kThread}, {"thread", Key::kThread},           {"threadName", Key::kThread},
    {"_thread", Key::kThread},            {"stack_trace", Key::kStackTrace},   {"error.stack_trace", Key::kStackTrace},
    {"exc_text", Key::kStackTrace},       {"exc_info", Key::kStackTrace},      {"stacktrace", Key::kStackTrace},
    {"thrown.extendedStackTrace", Key::kStackTrace}, {"exception", Key::kException},
    {"error.type", Key::kErrorType},      {"exception_class", Key::kErrorType}, {"thrown.name", Key::kErrorType},
    {"error.message", Key::kErrorMessage}, {"exception_message", Key::kErrorMessage},
    {"thrown.message", Key::kErrorMessage}, {"trace_id", Key::kTraceId},      {"traceId", Key::kTraceId},
    {"trace.id", Key::kTraceId},          {"span_id", Key::kSpanId},           {"spanId", Key::kSpanId},
    {"span.id", Key::kSpanId},            {"mdc", Key::kLift},                 {"@fields", Key::kLift},
    {"contextMap", Key::kLift},           {"tags", Key::kTags},                {"@tags", Key::kTags},
    {"host", Key::kHost},                 {"host.name", Key::kHost},           {"@source_host", Key::kHost},
    {"source_host", Key::kHost},          {"HOSTNAME", Key::kHost},            {"@version", Key::kDrop},
    {"ecs.version", Key::kDrop},          {"level_value", Key::kDrop},         {"service.name", Key::kService},
    {"service", Key::kService},  // a TCP sender's plain service string; an object is walked to service.name
}};

constexpr int kMaxDepth = 8;  // deeper objects are kept whole as one leaf

constexpr size_t kMaxKeyLength = 32;  // no name in kKeys is longer

// kKeys by a perfect hash of the name, so a member's key is compared with one name at most. The hash
// mixes the name's first and last 8 bytes (or its only up to 7) and its length, times a multiplier that
// the compiler picks from a fixed sequence so that no two names of kKeys share a slot.
constexpr size_t kKeySlotBits = 8;
constexpr uint64_t key_bytes(std::string_view k, size_t from, size_t n) {
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= uint64_t{static_cast<unsigned char>(k[from + i])} << (8 * i);
  return w;
}
// 1 <= k.size() <= kMaxKeyLength.
constexpr uint64_t key_signature(std::string_view k) {
  const size_t n = k.size();
  uint64_t first, last;
  if (std::is_constant_evaluated() || std::endian::native != std::endian::little) {
    first = key_bytes(k, 0, std::min<size_t>(n, 8));
    last = n >= 8 ? key_bytes(k, n - 8, 8) : first;
  } else if (n >= 8) {
    std::memcpy(&first, k.data(), 8);
    std::memcpy(&last, k.data() + n - 8, 8);
  } else if (n >= 4) {  // two overlapping 4-byte loads, the bytes in order
    uint32_t lo, hi;
    std::memcpy(&lo, k.data(), 4);
    std::memcpy(&hi, k.data() + n - 4, 4);
    first = last = lo | (uint64_t{hi} << (8 * (n - 4)));
  } else {
    first = last = key_bytes(k, 0, n);
  }
  return first ^ (last << 1) ^ n;
}
constexpr size_t key_slot(uint64_t signature, uint64_t multiplier) {
  return static_cast<size_t>((signature * multiplier) >> (64 - kKeySlotBits));
}
struct KeyTable {
  uint64_t multiplier = 0;
  std::array<uint8_t, size_t{1} << kKeySlotBits> slot{};  // 1 + index into kKeys, 0: no name
};
constexpr KeyTable index_keys() {
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (int attempt = 0; attempt < 10000; ++attempt) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);  // splitmix64
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    KeyTable t;
    t.multiplier = (z ^ (z >> 31)) | 1;
    bool clash = false;
    for (size_t i = 0; i < kKeys.size() && !clash; ++i) {
      uint8_t& s = t.slot[key_slot(key_signature(kKeys[i].name), t.multiplier)];
      clash = s != 0;
      s = static_cast<uint8_t>(i + 1);
    }
    if (!clash) return t;
  }
  return {};
}
constexpr KeyTable kKeyTable = index_keys();
static_assert(kKeyTable.multiplier != 0, "no collision-free multiplier for kKeys: widen kKeySlotBits");
static_assert([] {
  for (const KeyEntry& e : kKeys)
    if (e.name.empty() || e.name.size() > kMaxKeyLength) return false;
  return true;
}(), "a name in kKeys is empty or longer than kMaxKeyLength");

// a[0, n) == b[0, n) for 1 <= n <= kMaxKeyLength, inline: a libc memcmp call costs more than these short
// keys (every member of every line is classified).
bool same_bytes(const char* a, const char* b, size_t n) {
  const auto word = [](const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (word(a + i) != word(b + i)) return false;
    return word(a + n - 8) == word(b + n - 8);  // the last 8 bytes, overlapping the words before
  }
  if (n >= 4) {
    uint32_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return a0 == b0 && a1 == b1;
  }
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

Key classify(std::string_view k) {
  if (k.empty() || k.size() > kMaxKeyLength) return Key::kExtra;
  const uint8_t i = kKeyTable.slot[key_slot(key_signature(k), kKeyTable.multiplier)];
  if (i == 0) return Key::kExtra;
  const KeyEntry& e = kKeys[i - 1];
  return e.name.size() == k.size() && same_bytes(e.name.data(), k.data(), k.size()) ? e.key : Key::kExtra;
}

bool as_string(element v, std::string_view& out) { return v.get(out) == simdjson::SUCCESS; }

// "<prefix>.<key>" in the event's path arena; false when the arena is full (the arena never reallocates,
// so earlier views stay valid).
bool compose(Event& ev, std::string_view prefix, std::string_view key, std::string_view& out) {
  const size_t n = prefix.size() + 1 + key.size();
  if (ev.paths.size() + n > ev.paths.capacity()) return false;
  const size_t start = ev.paths.size();
  ev.paths.append(prefix).push_back('.');
  ev.paths.append(key);
  out = std::string_view(ev.paths.data() + start, n);
  return true;
}

void walk(std::string_view prefix, simdjson::dom::object object, Event& ev, int depth);

// Keeps `value` under `fields` as `path`, objects flattened into their leaves without looking for known
// fields. First value of a path wins; nulls and empty objects are dropped.
void keep_leaves(Event& ev, std::string_view path, element value, int depth) {
  if (path.empty() || value.is_null()) return;
  simdjson::dom::object o;
  if (value.get(o) == simdjson::SUCCESS) {
    if (depth < kMaxDepth) {
      for (const auto field : o) {
        std::string_view sub;
        if (!compose(ev, path, field.key, sub)) {
          ev.extras_truncated = true;
          continue;
        }
        keep_leaves(ev, sub, field.value, depth + 1);
      }
      return;
    }
    if (o.size() == 0) return;
  }
  for (const auto& [k, v] : ev.extras)
    if (k == path) return;
  if (ev.extras.size() < kMaxExtraFields) {
    ev.extras.emplace_back(path, value);
  } else {
    ev.extras_truncated = true;
  }
}

// A member no layout maps: objects are flattened into their leaves (dotted paths), empty objects and
// nulls are dropped, everything else is kept with its JSON type.
void unmapped(Event& ev, std::string_view path, element value, int depth) {
  simdjson::dom::object o;
  if (value.get(o) == simdjson::SUCCESS && depth < kMaxDepth) return walk(path, o, ev, depth + 1);
  keep_leaves(ev, path, value, kMaxDepth);
}

// Whether a timestamp member of strength `key` may replace what the event has; a replaced one is kept in `fields`.
bool take_timestamp(Event& ev, std::string_view k, element v, Key key) {
  if (ev.timestamp_value) {
    const bool have_strong = classify(ev.timestamp_key) == Key::kTimestamp;
    if (have_strong || key == Key::kWeakTimestamp) return false;
    keep_leaves(ev, ev.timestamp_key, *ev.timestamp_value, 0);
  }
  ev.timestamp_key = k;
  ev.timestamp_value = v;
  ev[Field::kTimestamp] = {};
  ev.timestamp_number.reset();
  ev.timestamp_number_bad = false;
  return true;
}

void map_timestamp(Event& ev, element v) {
  std::string_view s;
  double d;
  simdjson::dom::object o;
  if (as_string(v, s)) {
    ev[Field::kTimestamp] = s;
    if (s.empty()) ev.timestamp_number_bad = true;  // present but unusable
  } else if (v.get(d) == simdjson::SUCCESS) {  // GELF: seconds with a fraction; others: epoch ms
    ev.timestamp_number = epoch_number_to_micros(d);
    ev.timestamp_number_bad = !ev.timestamp_number;
  } else if (v.get(o) == simdjson::SUCCESS) {  // log4j2 JsonLayout: instant{epochSecond, nanoOfSecond}
    int64_t sec = 0, nanos = 0;
    if (o["epochSecond"].get(sec) == simdjson::SUCCESS && o["nanoOfSecond"].get(nanos) == simdjson::SUCCESS &&
        nanos >= 0 && nanos < 1'000'000'000 && sec > -9'000'000'000'000LL && sec < 9'000'000'000'000LL) {
      ev.timestamp_number = sec * 1'000'000 + nanos / 1000;
    } else {
      ev.timestamp_number_bad = true;
    }
  } else {
    ev.timestamp_number_bad = true;
  }
}

void map_member(std::string_view k, element v, Event& ev, int depth) {
  std::string_view s;
  const Key key = classify(k);
  switch (key) {
    case Key::kTimestamp:
    case Key::kWeakTimestamp:
      if (!take_timestamp(ev, k, v, key)) return unmapped(ev, k, v, depth);
      return map_timestamp(ev, v);
    case Key::kMessage:
      if (as_string(v, s) && ev[Field::kMessage].empty()) return ev.set(Field::kMessage, s);
      return unmapped(ev, k, v, depth);
    case Key::kFullMessage:
      if (as_string(v, s) && s.find('\n') != std::string_view::npos && ev[Field::kStackTrace].empty())
        return ev.set(Field::kStackTrace, s);
      return unmapped(ev, k, v, depth);
    case Key::kLevel: {
      if (as_string(v, s)) return ev.set(Field::kLevel, s);
      int64_t n;
      if (v.get(n) == simdjson::SUCCESS && ev.level_number < 0 && n >= 0) {
        ev.level_number = n;
        return;
      }
      return unmapped(ev, k, v, depth);
    }
    case Key::kLogger:
      if (as_string(v, s)) return ev.set(Field::kLogger, s);
      return unmapped(ev, k, v, depth);
    case Key::kThread:
      if (as_string(v, s)) return ev.set(Field::kThread, s);
      return unmapped(ev, k, v, depth);
    case Key::kStackTrace: {
      if (as_string(v, s) && !s.empty()) return ev.set(Field::kStackTrace, s);
      if (v.is_null() || v.is_bool()) return;  // exc_info: null / false
      simdjson::dom::array frames;
      if (v.get(frames) == simdjson::SUCCESS && frames.size() > 0 && !ev.stack_frames) {
        ev.stack_frames = v;  // rendered as text once the type and message are known
        return;
      }
      return unmapped(ev, k, v, depth);
    }
    case Key::kException: {
      if (as_string(v, s)) return ev.set(Field::kStackTrace, s);
      simdjson::dom::object o;
      if (depth < 2 && v.get(o) == simdjson::SUCCESS) return walk({}, o, ev, depth + 1);
      return unmapped(ev, k, v, depth);
    }
    case Key::kErrorType:
      if (as_string(v, s)) return ev.set(Field::kErrorType, s);
      return unmapped(ev, k, v, depth);
    case Key::kErrorMessage:
      if (as_string(v, s)) return ev.set(Field::kErrorMessage, s);
      return unmapped(ev, k, v, depth);
    case Key::kTraceId:
      if (as_string(v, s)) return ev.set(Field::kTraceId, s);
      return unmapped(ev, k, v, depth);
    case Key::kSpanId:
      if (as_string(v, s)) return ev.set(Field::kSpanId, s);
      return unmapped(ev, k, v, depth);
    case Key::kLift: {
      simdjson::dom::object o;
      if (depth < 2 && v.get(o) == simdjson::SUCCESS) return walk({}, o, ev, depth + 1);
      return unmapped(ev, k, v, depth);
    }
    case Key::kTags: {
      simdjson::dom::array a;
      if (v.get(a) != simdjson::SUCCESS) return unmapped(ev, k, v, depth);
      // The line's own tags take at most half the room, so the problem tags added later always fit.
      for (element t : a)
        if (as_string(t, s) && !s.empty() && ev.tag_count < kMaxTags / 2) ev.tag(s);
      return;
    }
    case Key::kHost:
      if (ev.want_sender_identity && as_string(v, s) && !s.empty() && ev.sender_host.empty()) {
        ev.sender_host = s;
        return;
      }
      return unmapped(ev, k, v, depth);
    case Key::kService:
      if (ev.want_sender_identity && as_string(v, s) && !s.empty() && ev.sender_service.empty()) {
        ev.sender_service = s;
        return;
      }
      return unmapped(ev, k, v, depth);
    case Key::kDrop:
      return;
    case Key::kExtra:
      return unmapped(ev, k, v, depth);
  }
}

void walk(std::string_view prefix, simdjson::dom::object object, Event& ev, int depth) {
  for (const auto field : object) {
    std::string_view path = field.key;
    if (!prefix.empty() && !compose(ev, prefix, field.key, path)) {
      ev.extras_truncated = true;
      continue;
    }
    map_member(path, field.value, ev, depth);
  }
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// log4j2 JsonLayout's thrown.extendedStackTrace: [{"class","method","file","line"}, ...] as Java prints
// it, after the "type: message" line, so error.* and the fingerprint work as for a text trace.
void render_frames(Event& ev) {
  simdjson::dom::array frames;
  if (!ev.stack_frames || ev.stack_frames->get(frames) != simdjson::SUCCESS) return;
  std::string& out = ev.built_stack_trace;
  out.clear();
  if (!ev[Field::kErrorType].empty()) {
    out.append(ev[Field::kErrorType]);
    if (!ev[Field::kErrorMessage].empty()) out.append(": ").append(ev[Field::kErrorMessage]);
    out.push_back('\n');
  }
  for (element f : frames) {
    std::string_view cls, method, file;
    int64_t line = -1;
    if (f["class"].get(cls) != simdjson::SUCCESS || f["method"].get(method) != simdjson::SUCCESS) continue;
    out.append("\tat ").append(cls).append(".").append(method).append("(");
    if (f["file"].get(file) == simdjson::SUCCESS && !file.empty()) {
      out.append(file);
      if (f["line"].get(line) == simdjson::SUCCESS && line >= 0) {
        out.push_back(':');
        append_int(out, line);
      }
    } else {
      out.append("Unknown Source");
    }
    out.append(")\n");
  }
  if (!out.empty()) ev.set(Field::kStackTrace, out);
}

}  // namespace

void keep_unmapped(Event& ev, std::string_view path, simdjson::dom::element value) { keep_leaves(ev, path, value, 0); }

void map_json_object(simdjson::dom::object object, Event& ev) {
  // GELF's "version":"1.1" is format metadata here; everything else goes through the table.
  std::string_view version;
  const bool gelf = object["short_message"].error() == simdjson::SUCCESS &&
                    object["version"].get(version) == simdjson::SUCCESS;
  for (const auto field : object) {
    if (gelf && field.key == "version") continue;
    map_member(field.key, field.value, ev, 0);
  }
  if (ev[Field::kStackTrace].empty() && ev.stack_frames) render_frames(ev);
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
