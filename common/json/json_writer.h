#pragma once
// A small streaming JSON writer for the hot path (bulk bodies, query DSL, logs). It never throws and
// always produces valid JSON: bytes that are not valid UTF-8 are written as U+FFFD, so one bad line
// cannot make Elasticsearch reject a whole bulk request.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace logpipe::json {

// Appends `s` to `out` as the inside of a JSON string (no quotes). Returns false if `s` held invalid
// UTF-8 (those bytes became U+FFFD), so callers can tag the event.
bool append_escaped(std::string& out, std::string_view s);

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);
  Writer& string(std::string_view v);
  Writer& number(int64_t v);
  Writer& number(uint64_t v);
  Writer& number(int v) { return number(static_cast<int64_t>(v)); }
  Writer& number(double v);
  Writer& boolean(bool v);
  Writer& null();
  // Inserts already-serialized JSON (must be valid) as one value.
  Writer& raw(std::string_view json);

  // Shorthands for object members.
  Writer& kv(std::string_view k, std::string_view v) { return key(k).string(v); }
  Writer& kv(std::string_view k, const char* v) { return key(k).string(v); }
  Writer& kv(std::string_view k, int64_t v) { return key(k).number(v); }

  // True if any string written so far had invalid UTF-8.
  bool saw_invalid_utf8() const { return invalid_utf8_; }

 private:
  void before_value();
  std::string& out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  bool invalid_utf8_ = false;
};

}  // namespace logpipe::json
