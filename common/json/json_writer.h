#pragma once
// A small streaming JSON writer for the hot path (bulk bodies, query DSL, logs). It never throws and
// always produces valid JSON: bytes that are not valid UTF-8 are written as U+FFFD, so one bad line
// cannot make Elasticsearch reject a whole bulk request.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace logpipe::json {

// Appends `s` to `out` as the inside of a JSON string (no quotes). Returns false if `s` held invalid
// UTF-8 (those bytes became U+FFFD), so callers can tag the event.
bool append_escaped(std::string& out, std::string_view s);

namespace detail {
inline constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
// The high bit of each byte of `w` that JSON cannot take as is: >= 0x80 (high bit set), < 0x20 (subtracting
// 0x20 borrows), '"' or '\\' (w ^ c has a zero byte). A borrow can only flag bytes above a flagged one, so
// the lowest flag is always a real one.
inline uint64_t special_bytes(uint64_t w) {
  const uint64_t quote = w ^ (kOnes * '"'), bslash = w ^ (kOnes * '\\');
  return (w | ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) | ((bslash - kOnes) & ~bslash)) & kHigh;
}
inline uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
// n (1..7) bytes at p into the low bytes of a word, the rest zero.
inline uint64_t load_partial(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (uint64_t{hi} << (8 * (n - 4)));
  }
  const auto b = [p](size_t k) { return uint64_t{static_cast<unsigned char>(p[k])}; };
  return b(0) | (b(n / 2) << (8 * (n / 2))) | (b(n - 1) << (8 * (n - 1)));
}
}  // namespace detail

// Sixteen bytes per step with SSE2 for s.size() - from >= 16 (out of line; the rest is inline).
size_t plain_prefix_wide(std::string_view s, size_t from);

// The index of the first byte at or after `from` that a JSON string cannot hold as is (a control
// character, '"', '\\', or a byte >= 0x80), or s.size(). Inline so that the check of a literal key folds
// away; strings of 16 bytes or more go to plain_prefix_wide.
[[gnu::always_inline]] inline size_t plain_prefix(std::string_view s, size_t from = 0) {
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = from;
  if constexpr (std::endian::native == std::endian::little) {
    if (n - i >= 16) return plain_prefix_wide(s, i);
    if (n - i >= 8) {
      if (const uint64_t f = detail::special_bytes(detail::load8(p + i)); f != 0)
        return i + static_cast<size_t>(std::countr_zero(f)) / 8;
      i += 8;
    }
    if (i < n) {
      // The tail: the zero bytes above it would flag (and borrow upwards only), so they are masked off.
      const size_t r = n - i;
      const uint64_t f = detail::special_bytes(detail::load_partial(p + i, r)) & ((uint64_t{1} << (8 * r)) - 1);
      return f != 0 ? i + static_cast<size_t>(std::countr_zero(f)) / 8 : n;
    }
    return n;
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
  }
  return i;
}

// Writes JSON tokens in order; commas and colons are placed for the caller. Two modes:
// - Writer(out): appends to `out`, which holds the JSON written so far after every call.
// - Writer::deferred(out, expected): the per-event hot path. Writes through a cursor into room made ahead
//   at the end of `out` (`expected` chars to start with, growing as needed), so a token costs a few
//   stores, not a string append. `out` has unspecified bytes past the JSON until finish(), which the
//   destructor calls: do not read `out` before.
// Either way everything is appended after what `out` held before.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out), cur_(out.size()) {}
  static Writer deferred(std::string& out, size_t expected) { return Writer(out, out.size(), expected); }
  // Deferred mode that replaces `out`'s content instead of appending: its current bytes serve as room, so a
  // string reused for one document after another is not zero-filled again each time.
  static Writer replacing(std::string& out, size_t expected) { return Writer(out, 0, expected); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { finish(); }
  // Deferred mode: trims `out` to the JSON written. Idempotent; nothing to do in append mode.
  void finish() {
    if (deferred_ && out_.size() != cur_) out_.resize(cur_);
  }

  [[gnu::always_inline]] Writer& begin_object() { return open('{'); }
  [[gnu::always_inline]] Writer& end_object() { return close('}'); }
  [[gnu::always_inline]] Writer& begin_array() { return open('['); }
  [[gnu::always_inline]] Writer& end_array() { return close(']'); }
  [[gnu::always_inline]] Writer& key(std::string_view k) {
    const size_t comma = take_comma();
    char* p = room(comma + k.size() + 3);
    if (comma) *p++ = ',';
    *p++ = '"';
    p = quoted_body(p, k, 2);
    *p++ = '"';
    *p++ = ':';
    commit(p);
    after_key_ = true;
    return *this;
  }
  [[gnu::always_inline]] Writer& string(std::string_view v) {
    const size_t comma = take_comma();
    char* p = room(comma + v.size() + 2);
    if (comma) *p++ = ',';
    *p++ = '"';
    p = quoted_body(p, v, 1);
    *p++ = '"';
    commit(p);
    return *this;
  }
  Writer& number(int64_t v);
  Writer& number(uint64_t v);
  Writer& number(int v) { return number(static_cast<int64_t>(v)); }
  Writer& number(double v);
  Writer& boolean(bool v);
  Writer& null();
  // Inserts already-serialized JSON (must be valid) as one value.
  Writer& raw(std::string_view json);

  // Shorthands for object members: [,]"k":"v" with one room check when both need no escaping.
  [[gnu::always_inline]] Writer& kv(std::string_view k, std::string_view v) {
    const size_t comma = take_comma();
    char* p = room(comma + k.size() + v.size() + 6);
    if (comma) *p++ = ',';
    *p++ = '"';
    p = quoted_body(p, k, v.size() + 4);
    *p++ = '"';
    *p++ = ':';
    *p++ = '"';
    p = quoted_body(p, v, 1);
    *p++ = '"';
    commit(p);
    return *this;
  }
  Writer& kv(std::string_view k, const char* v) { return kv(k, std::string_view(v)); }
  Writer& kv(std::string_view k, int64_t v) { return key(k).number(v); }

  // Fused fragments, for a document whose shape the caller knows (the indexer's ECS document): the caller
  // writes each member's comma, key and colon as one string literal (",\"level\":\"") and the writer keeps
  // no comma state for them, so a member is one room check, one copy of a constant and its value.
  // Inside a container written with fragments use only fragments, except for one whole value after
  // fragment_key(), which may be written with the calls above (begin_object() .. end_object(), string(), ...).
  //
  // `lit` verbatim (a string literal; its NUL is not written).
  template <size_t N>
  [[gnu::always_inline]] Writer& fragment(const char (&lit)[N]) {
    char* p = room(N - 1);
    std::memcpy(p, lit, N - 1);
    commit(p + N - 1);
    return *this;
  }
  // `bytes` verbatim (already JSON, or the newlines between bulk lines).
  [[gnu::always_inline]] Writer& fragment_bytes(std::string_view bytes) {
    commit(put(room(bytes.size()), bytes));
    return *this;
  }
  // `lit` verbatim, and the next value is that key's (for the calls above: no comma before it).
  template <size_t N>
  [[gnu::always_inline]] Writer& fragment_key(const char (&lit)[N]) {
    fragment(lit);
    after_key_ = true;
    return *this;
  }
  // `prefix` verbatim (it ends with the value's opening quote), `v` escaped, the closing quote.
  template <size_t N>
  [[gnu::always_inline]] Writer& fragment_string(const char (&prefix)[N], std::string_view v) {
    char* p = room(N + v.size());
    std::memcpy(p, prefix, N - 1);
    p = quoted_body(p + N - 1, v, 1);
    *p++ = '"';
    commit(p);
    return *this;
  }
  // The same for a value the caller formatted itself and knows needs no escaping (digits, base64url,
  // a timestamp): copied without the scan.
  template <size_t N>
  [[gnu::always_inline]] Writer& fragment_plain(const char (&prefix)[N], std::string_view v) {
    char* p = room(N + v.size());
    std::memcpy(p, prefix, N - 1);
    p = put(p + N - 1, v);
    *p++ = '"';
    commit(p);
    return *this;
  }
  // `prefix` verbatim (ending with the colon), then the number.
  template <size_t N>
  [[gnu::always_inline]] Writer& fragment_number(const char (&prefix)[N], int64_t v) {
    char* p = room(N + 23);
    std::memcpy(p, prefix, N - 1);
    commit(put_number(p + N - 1, v));
    return *this;
  }
  // An object whose members are all optional, written with fragments that each start with a comma:
  // begin_members() remembers where the object starts (and writes nothing); end_members() turns the first
  // member's comma into the '{' (or writes "{}" when there was none) and closes the object.
  [[nodiscard]] size_t begin_members() const { return cur_; }
  Writer& end_members(size_t at) {
    char* p = room(2);
    if (out_.data() + at == p) {
      *p++ = '{';
    } else {
      out_[at] = '{';
    }
    *p++ = '}';
    commit(p);
    return *this;
  }

  // True if any string written so far had invalid UTF-8.
  bool saw_invalid_utf8() const { return invalid_utf8_; }

 private:
  Writer(std::string& out, size_t at, size_t expected) : out_(out), cur_(at), deferred_(true) {
    if (out_.size() < cur_ + expected) out_.resize(cur_ + expected);
  }

  // At least n writable chars at the cursor; returns the cursor.
  [[gnu::always_inline]] char* room(size_t n) {
    if (out_.size() - cur_ < n) make_room(n);
    return out_.data() + cur_;
  }
  void make_room(size_t n);
  // Moves the cursor to p (which room() handed out); append mode keeps `out` trimmed to it.
  [[gnu::always_inline]] void commit(char* p) {
    cur_ = static_cast<size_t>(p - out_.data());
    if (!deferred_) out_.resize(cur_);
  }
  // Writes s as the inside of a JSON string at p, which has room for s.size() + tail chars; returns the end,
  // with room for `tail` more. A string that needs escaping takes the slow path, which may move the buffer.
  [[gnu::always_inline]] char* quoted_body(char* p, std::string_view s, size_t tail) {
    const size_t plain = plain_prefix(s);
    p = put(p, s.substr(0, plain));
    if (plain == s.size()) return p;
    return escape_rest(p, s, plain, tail);
  }
  char* escape_rest(char* p, std::string_view s, size_t from, size_t tail);
  // Writes v at p (room for 20 chars); returns the end.
  static char* put_number(char* p, int64_t v);
  // Copies s to p. Short strings (most keys and values) with two overlapping loads and stores instead of
  // a call to memcpy.
  [[gnu::always_inline]] static char* put(char* p, std::string_view s) {
    const char* q = s.data();
    const size_t n = s.size();
    if (n >= 16) {
      std::memcpy(p, q, n);
    } else if (n >= 8) {
      copy_word<uint64_t>(p, q);
      copy_word<uint64_t>(p + n - 8, q + n - 8);
    } else if (n >= 4) {
      copy_word<uint32_t>(p, q);
      copy_word<uint32_t>(p + n - 4, q + n - 4);
    } else if (n > 0) {
      p[0] = q[0];
      p[n / 2] = q[n / 2];
      p[n - 1] = q[n - 1];
    }
    return p + n;
  }
  template <typename Word>
  static void copy_word(char* to, const char* from) {
    Word w;
    std::memcpy(&w, from, sizeof w);
    std::memcpy(to, &w, sizeof w);
  }

  // 1 if the next value needs a comma before it (and records that the container now has an element).
  [[gnu::always_inline]] size_t take_comma() {
    if (after_key_) {
      after_key_ = false;
      return 0;
    }
    if (depth_ == 0) return 0;
    if (depth_ <= 64) {
      const uint64_t bit = uint64_t{1} << (depth_ - 1);
      const size_t comma = (first_ & bit) == 0 ? 1 : 0;
      first_ &= ~bit;
      return comma;
    }
    const size_t comma = deep_.back() ? 0 : 1;
    deep_.back() = false;
    return comma;
  }
  // Containers nest as a stack of "no element written yet" bits: the first 64 levels in a word, deeper
  // ones (only possible for a deeply nested value copied from input) in a vector.
  [[gnu::always_inline]] Writer& open(char c) {
    const size_t comma = take_comma();
    char* p = room(2);
    if (comma) *p++ = ',';
    *p++ = c;
    commit(p);
    ++depth_;
    if (depth_ <= 64) {
      first_ |= uint64_t{1} << (depth_ - 1);
    } else {
      deep_.push_back(true);
    }
    return *this;
  }
  [[gnu::always_inline]] Writer& close(char c) {
    char* p = room(1);
    *p++ = c;
    commit(p);
    if (depth_ > 64) deep_.pop_back();
    --depth_;
    return *this;
  }

  std::string& out_;
  size_t cur_;  // where the next char goes; == out_.size() in append mode between calls
  bool deferred_ = false;
  uint64_t first_ = 0;  // bit d-1: the open container at depth d has no element yet
  size_t depth_ = 0;
  std::vector<bool> deep_;  // the same for depths beyond 64
  bool after_key_ = false;
  bool invalid_utf8_ = false;
};

}  // namespace logpipe::json
