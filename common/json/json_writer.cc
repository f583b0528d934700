#include "common/json/json_writer.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace logpipe::json {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const size_t left = s.size() - i;
  const auto cont = [&](size_t k) { return (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(i + 1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;
    if (c == 0xF4 && b(i + 1) > 0x8F) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

size_t plain_prefix_wide(std::string_view s, size_t i) {
  const char* p = s.data();
  const size_t n = s.size();
#if defined(__SSE2__)
  // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them together with the controls.
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  const auto special = [&](size_t at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    const __m128i bad =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)), _mm_cmplt_epi8(v, space));
    return static_cast<unsigned>(_mm_movemask_epi8(bad));
  };
  for (; n - i >= 16; i += 16)
    if (const unsigned m = special(i); m != 0) return i + static_cast<size_t>(std::countr_zero(m));
  if (i < n && n >= 16) {
    // The last 16 bytes, overlapping ones already known to be plain (their bits are zero).
    const size_t at = n - 16;
    if (const unsigned m = special(at); m != 0) return at + static_cast<size_t>(std::countr_zero(m));
  }
  return n;
#else
  for (; n - i >= 8; i += 8)
    if (const uint64_t f = detail::special_bytes(detail::load8(p + i)); f != 0)
      return i + static_cast<size_t>(std::countr_zero(f)) / 8;
  return plain_prefix(s, i);
#endif
}

bool append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool valid = true;
  size_t i = 0;
  while (i < s.size()) {
    // Copy runs of plain ASCII in one go.
    const size_t run = plain_prefix(s, i);
    out.append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out.append("\xEF\xBF\xBD");
        valid = false;
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
    ++i;
  }
  return valid;
}

void Writer::make_room(size_t n) {
  size_t want = cur_ + n;
  if (deferred_) want = std::max(want + 256, out_.size() + out_.size() / 2);  // amortized growth
  out_.resize(want);
}

char* Writer::escape_rest(char* p, std::string_view s, size_t i, size_t tail) {
  static constexpr char kHex[] = "0123456789abcdef";
  cur_ = static_cast<size_t>(p - out_.data());
  while (i < s.size()) {
    const size_t run = plain_prefix(s, i);
    p = room(run - i + 6);  // the run and one escape, at most 6 chars (\u00XX)
    p = put(p, s.substr(i, run - i));
    i = run;
    if (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        const size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
          p = put(p, "\xEF\xBF\xBD");
          invalid_utf8_ = true;
          ++i;
        } else {
          p = put(p, s.substr(i, n));
          i += n;
        }
      } else {
        *p++ = '\\';
        switch (c) {
          case '"': *p++ = '"'; break;
          case '\\': *p++ = '\\'; break;
          case '\n': *p++ = 'n'; break;
          case '\r': *p++ = 'r'; break;
          case '\t': *p++ = 't'; break;
          case '\b': *p++ = 'b'; break;
          case '\f': *p++ = 'f'; break;
          default:
            p = put(p, "u00");
            *p++ = kHex[c >> 4];
            *p++ = kHex[c & 0xF];
        }
        ++i;
      }
    }
    cur_ = static_cast<size_t>(p - out_.data());
  }
  return room(tail);
}

char* Writer::put_number(char* p, int64_t v) { return std::to_chars(p, p + 20, v).ptr; }

Writer& Writer::number(int64_t v) {
  const size_t comma = take_comma();
  char* p = room(comma + 24);
  if (comma) *p++ = ',';
  commit(put_number(p, v));
  return *this;
}
Writer& Writer::number(uint64_t v) {
  const size_t comma = take_comma();
  char* p = room(comma + 24);
  if (comma) *p++ = ',';
  commit(std::to_chars(p, p + 24, v).ptr);
  return *this;
}
Writer& Writer::number(double v) {
  if (!std::isfinite(v)) return raw("null");  // JSON has no NaN/Inf
  const size_t comma = take_comma();
  char* p = room(comma + 32);
  if (comma) *p++ = ',';
  commit(std::to_chars(p, p + 32, v).ptr);
  return *this;
}
Writer& Writer::boolean(bool v) { return raw(v ? "true" : "false"); }
Writer& Writer::null() { return raw("null"); }
Writer& Writer::raw(std::string_view json) {
  const size_t comma = take_comma();
  char* p = room(comma + json.size());
  if (comma) *p++ = ',';
  commit(put(p, json));
  return *this;
}

}  // namespace logpipe::json
