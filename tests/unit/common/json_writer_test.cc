#include "common/json/json_writer.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

using logpipe::json::append_escaped;
using logpipe::json::Writer;

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

std::string escaped(std::string_view s, bool* valid = nullptr) {
  std::string out;
  const bool ok = append_escaped(out, s);
  if (valid != nullptr) *valid = ok;
  return out;
}

// Wraps `s` as a JSON string literal, parses it back and returns the decoded value.
std::string round_trip(std::string_view s) {
  const std::string doc = "\"" + escaped(s) + "\"";
  simdjson::dom::parser parser;
  simdjson::dom::element el;
  REQUIRE(parser.parse(doc).get(el) == simdjson::SUCCESS);
  std::string_view v;
  REQUIRE(el.get(v) == simdjson::SUCCESS);
  return std::string(v);
}

// Asserts that `out` is `prefix`, then one or more U+FFFD and nothing else, then `suffix`.
void require_replaced(const std::string& out, std::string_view prefix, std::string_view suffix) {
  REQUIRE(out.size() > prefix.size() + suffix.size());
  CHECK(std::string_view(out).substr(0, prefix.size()) == prefix);
  CHECK(std::string_view(out).substr(out.size() - suffix.size()) == suffix);
  std::string_view middle = std::string_view(out).substr(prefix.size(), out.size() - prefix.size() - suffix.size());
  REQUIRE_FALSE(middle.empty());
  while (middle.starts_with(kReplacement)) middle.remove_prefix(kReplacement.size());
  CHECK(middle.empty());
}

bool is_valid_json(const std::string& s) {
  simdjson::dom::parser parser;
  simdjson::dom::element el;
  return parser.parse(s).get(el) == simdjson::SUCCESS;
}

}  // namespace

TEST_CASE("append_escaped leaves plain ASCII untouched", "[common]") {
  bool valid = false;
  CHECK(escaped("hello world 123 {}[]:,/'", &valid) == "hello world 123 {}[]:,/'");
  CHECK(valid);
  CHECK(escaped("", &valid).empty());
  CHECK(valid);
}

TEST_CASE("append_escaped escapes quotes, backslashes and control characters", "[common]") {
  CHECK(escaped("say \"hi\"") == R"(say \"hi\")");
  CHECK(escaped("C:\\dir\\file") == R"(C:\\dir\\file)");
  CHECK(escaped("a\nb") == R"(a\nb)");
  CHECK(escaped("a\tb") == R"(a\tb)");
  CHECK(escaped("a\rb") == R"(a\rb)");
  CHECK(escaped("\b\f") == R"(\b\f)");
  CHECK(escaped("\x01") == R"(\u0001)");
  CHECK(escaped("\x1f") == R"(\u001f)");
  CHECK(escaped(std::string_view("a\0b", 3)) == R"(a\u0000b)");
  // DEL is not a JSON control character.
  CHECK(escaped("\x7f") == "\x7f");
}

TEST_CASE("append_escaped output parses back to the original string", "[common]") {
  const std::string nasty = std::string("quote\" back\\slash \n\r\t\b\f ctl\x01\x1f nul") + '\0' + "end \"}} ]";
  CHECK(round_trip(nasty) == nasty);
}

TEST_CASE("append_escaped keeps valid multi-byte UTF-8 as is", "[common]") {
  const std::string s =
      "\xC2\x80 "             // U+0080, smallest 2-byte code point
      "caf\xC3\xA9 "          // é (2 bytes)
      "\xE0\xA0\x80 "         // U+0800, smallest 3-byte code point
      "\xE2\x82\xAC "         // € (3 bytes)
      "\xED\x9F\xBF "         // U+D7FF, last code point before the surrogates
      "\xEE\x80\x80 "         // U+E000, first after the surrogates
      "\xF0\x90\x80\x80 "     // U+10000, smallest 4-byte code point
      "\xF0\x9F\x98\x80 "     // 😀 (4 bytes)
      "\xF4\x8F\xBF\xBF";     // U+10FFFF, the largest code point
  bool valid = false;
  CHECK(escaped(s, &valid) == s);
  CHECK(valid);
  CHECK(round_trip(s) == s);
}

TEST_CASE("append_escaped replaces invalid UTF-8 by U+FFFD and reports it", "[common]") {
  bool valid = true;
  std::string out;

  SECTION("lone 0xff") {
    out = escaped("a\xFF" "b", &valid);
    CHECK(out == "a\xEF\xBF\xBD" "b");
  }
  SECTION("lone continuation byte") {
    out = escaped("a\x80" "b", &valid);
    CHECK(out == "a\xEF\xBF\xBD" "b");
  }
  SECTION("truncated 3-byte sequence in the middle") {
    out = escaped("a\xE2\x82" "b", &valid);
    require_replaced(out, "a", "b");
  }
  SECTION("truncated 4-byte sequence at the end of the input") {
    out = escaped("ab\xF0\x9F\x98", &valid);
    require_replaced(out, "ab", "");
  }
  SECTION("overlong encoding of '/' (0xC0 0xAF)") {
    out = escaped("a\xC0\xAF" "b", &valid);
    require_replaced(out, "a", "b");
    CHECK(out.find('/') == std::string::npos);
  }
  SECTION("overlong 2-byte encoding (0xC1 0xBF)") {
    out = escaped("a\xC1\xBF" "b", &valid);
    require_replaced(out, "a", "b");
  }
  SECTION("overlong 4-byte encoding (0xF0 0x8F 0xBF 0xBF)") {
    out = escaped("a\xF0\x8F\xBF\xBF" "b", &valid);
    require_replaced(out, "a", "b");
  }
  SECTION("3-byte sequence with an ASCII third byte keeps the ASCII byte") {
    out = escaped("a\xE2\x82" "Ab", &valid);
    require_replaced(out, "a", "Ab");
  }
  SECTION("overlong 3-byte encoding (0xE0 0x80 0xAF)") {
    out = escaped("a\xE0\x80\xAF" "b", &valid);
    require_replaced(out, "a", "b");
  }
  SECTION("UTF-16 surrogate U+DFFF (0xED 0xBF 0xBF)") {
    out = escaped("a\xED\xBF\xBF" "b", &valid);
    require_replaced(out, "a", "b");
  }
  SECTION("UTF-16 surrogate U+D800 (0xED 0xA0 0x80)") {
    out = escaped("a\xED\xA0\x80" "b", &valid);
    require_replaced(out, "a", "b");
  }
  SECTION("above U+10FFFF (0xF4 0x90 0x80 0x80)") {
    out = escaped("a\xF4\x90\x80\x80" "b", &valid);
    require_replaced(out, "a", "b");
  }
  SECTION("0xF5 lead byte") {
    out = escaped("a\xF5\x80\x80\x80" "b", &valid);
    require_replaced(out, "a", "b");
  }

  CHECK_FALSE(valid);
  // Whatever was replaced, the result is a valid JSON string.
  CHECK(is_valid_json("\"" + out + "\""));
}

TEST_CASE("append_escaped appends to existing content", "[common]") {
  std::string out = "prefix:";
  CHECK(append_escaped(out, "x\"y"));
  CHECK(out == R"(prefix:x\"y)");
}

TEST_CASE("Writer separates object members and array elements with commas", "[common]") {
  std::string out;
  Writer w(out);
  w.begin_object();
  w.kv("a", "x");
  w.kv("b", int64_t{1});
  w.key("arr").begin_array().number(1).number(2).begin_object().end_object().begin_array().end_array().string("s").end_array();
  w.key("obj").begin_object().key("inner").begin_object().kv("k", "v").end_object().kv("after", "y").end_object();
  w.key("empty_obj").begin_object().end_object();
  w.key("empty_arr").begin_array().end_array();
  w.key("t").boolean(true);
  w.key("f").boolean(false);
  w.key("n").null();
  w.key("raw").raw(R"({"pre":[1,2]})");
  w.end_object();

  CHECK(out ==
        R"({"a":"x","b":1,"arr":[1,2,{},[],"s"],"obj":{"inner":{"k":"v"},"after":"y"},)"
        R"("empty_obj":{},"empty_arr":[],"t":true,"f":false,"n":null,"raw":{"pre":[1,2]}})");
  CHECK(is_valid_json(out));
  CHECK_FALSE(w.saw_invalid_utf8());
}

TEST_CASE("Writer top-level array of objects", "[common]") {
  std::string out;
  Writer w(out);
  w.begin_array();
  w.begin_object().kv("i", int64_t{0}).end_object();
  w.begin_object().kv("i", int64_t{1}).end_object();
  w.raw("null");
  w.end_array();
  CHECK(out == R"([{"i":0},{"i":1},null])");
}

TEST_CASE("Writer escapes keys and string values", "[common]") {
  std::string out;
  Writer w(out);
  w.begin_object().kv("k\"ey\n", "va\\l\"}}").end_object();
  CHECK(out == R"({"k\"ey\n":"va\\l\"}}"})");

  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  REQUIRE(parser.parse(out).get(obj) == simdjson::SUCCESS);
  std::string_view v;
  REQUIRE(obj["k\"ey\n"].get(v) == simdjson::SUCCESS);
  CHECK(v == "va\\l\"}}");
}

TEST_CASE("Writer integer numbers including int64 and uint64 limits", "[common]") {
  std::string out;
  Writer w(out);
  w.begin_array()
      .number(std::numeric_limits<int64_t>::min())
      .number(std::numeric_limits<int64_t>::max())
      .number(int64_t{0})
      .number(-42)
      .number(std::numeric_limits<uint64_t>::max())
      .end_array();
  CHECK(out == "[-9223372036854775808,9223372036854775807,0,-42,18446744073709551615]");

  simdjson::dom::parser parser;
  simdjson::dom::array arr;
  REQUIRE(parser.parse(out).get(arr) == simdjson::SUCCESS);
  int64_t v = 0;
  REQUIRE(arr.at(0).get(v) == simdjson::SUCCESS);
  CHECK(v == std::numeric_limits<int64_t>::min());
  REQUIRE(arr.at(1).get(v) == simdjson::SUCCESS);
  CHECK(v == std::numeric_limits<int64_t>::max());
  uint64_t u = 0;
  REQUIRE(arr.at(4).get(u) == simdjson::SUCCESS);
  CHECK(u == std::numeric_limits<uint64_t>::max());
}

TEST_CASE("Writer doubles round-trip and non-finite values become null", "[common]") {
  std::string out;
  Writer w(out);
  w.begin_array()
      .number(1.5)
      .number(0.1)
      .number(-2.25)
      .number(1e300)
      .number(std::numeric_limits<double>::quiet_NaN())
      .number(std::numeric_limits<double>::infinity())
      .number(-std::numeric_limits<double>::infinity())
      .end_array();
  CHECK(out == "[1.5,0.1,-2.25,1e+300,null,null,null]");

  simdjson::dom::parser parser;
  simdjson::dom::array arr;
  REQUIRE(parser.parse(out).get(arr) == simdjson::SUCCESS);
  double d = 0;
  REQUIRE(arr.at(1).get(d) == simdjson::SUCCESS);
  CHECK(d == 0.1);
  REQUIRE(arr.at(3).get(d) == simdjson::SUCCESS);
  CHECK(d == 1e300);
  CHECK(arr.at(4).is_null());
}

TEST_CASE("Writer reports invalid UTF-8 in values and in keys", "[common]") {
  SECTION("value") {
    std::string out;
    Writer w(out);
    w.begin_object().kv("ok", "fine");
    CHECK_FALSE(w.saw_invalid_utf8());
    w.kv("bad", "x\xFFy").end_object();
    CHECK(w.saw_invalid_utf8());
    CHECK(out == "{\"ok\":\"fine\",\"bad\":\"x\xEF\xBF\xBDy\"}");
    CHECK(is_valid_json(out));
  }
  SECTION("key") {
    std::string out;
    Writer w(out);
    w.begin_object().kv("k\xC0\xAF", "v").end_object();
    CHECK(w.saw_invalid_utf8());
    CHECK(is_valid_json(out));
  }
  SECTION("stays set after later valid strings") {
    std::string out;
    Writer w(out);
    w.begin_array().string("\xED\xA0\x80").string("valid").end_array();
    CHECK(w.saw_invalid_utf8());
    CHECK(is_valid_json(out));
  }
}

// ---------------------------------------------------------------------------------------------------------
// plain_prefix (the word-at-a-time scan) and the deferred mode, against simple references.
namespace {

size_t ref_plain_prefix(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return i;
  }
  return s.size();
}

// Writes the same tokens through `w`: strings of every kind, numbers, nesting.
void write_sample(Writer& w, const std::vector<std::string>& strings) {
  w.begin_object();
  for (size_t i = 0; i < strings.size(); ++i) {
    const std::string& s = strings[i];
    switch (i % 5) {
      case 0: w.kv(s, s); break;
      case 1: w.key(s).string(s); break;
      case 2: w.key("arr").begin_array().string(s).number(int64_t(i)).number(0.5).boolean(i % 2 == 0).null().end_array(); break;
      case 3: w.key(s).begin_object().kv("n", int64_t(-7)).key("raw").raw("[1]").end_object(); break;
      default: w.kv("k", s).kv(s, "v"); break;
    }
  }
  w.end_object();
}

}  // namespace

TEST_CASE("plain_prefix finds the first byte needing escape at every position and length", "[common]") {
  // Every length 0..40, every special byte kind at every position, scans starting anywhere.
  const std::string specials = std::string("\"\\\x01\x1f\x7f\x80\xff", 7) + std::string(1, '\0') + " ~";
  size_t checks = 0;
  for (size_t len = 0; len <= 40; ++len) {
    for (size_t pos = 0; pos <= len; ++pos) {
      for (char c : specials) {
        std::string s(len, 'a');
        if (pos < len) s[pos] = c;
        for (size_t from = 0; from <= len; from += (len > 20 ? 3 : 1)) {
          INFO("len " << len << " special " << int(static_cast<unsigned char>(c)) << " at " << pos << " from " << from);
          REQUIRE(logpipe::json::plain_prefix(s, from) == ref_plain_prefix(s, from));
          ++checks;
        }
      }
    }
  }
  CHECK(checks > 10000);
  // Two specials: the first one wins, also when a borrow could flag a later byte.
  CHECK(logpipe::json::plain_prefix(std::string("abc\x01\x21xyzabcdefgh", 15)) == 3);
  CHECK(logpipe::json::plain_prefix(std::string("abcdefghijklmnopq\x10\x10zzz", 22)) == 17);
}

TEST_CASE("Writer deferred mode writes exactly what append mode writes", "[common]") {
  // Strings: plain, with escapes, invalid UTF-8, valid multi-byte, long (past the initial room), empty.
  std::vector<std::string> strings = {"", "a", "plain ascii text", "quote\" back\\slash\nnew\tline\x01",
                                      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "bad\xFF\xC0\xAF utf8",
                                      std::string(5000, 'x'), std::string(3000, '"'), std::string(2000, '\x02')};
  uint64_t seed = 7;
  for (int i = 0; i < 300; ++i) {
    std::string s;
    const size_t len = (seed >> 33) % 70;
    for (size_t k = 0; k < len; ++k) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const int r = static_cast<int>((seed >> 40) % 100);
      s.push_back(r < 80 ? static_cast<char>('a' + r % 26) : r < 85 ? '"' : r < 88 ? '\\' : r < 92 ? '\n' : static_cast<char>(0x80 + r));
    }
    strings.push_back(s);
  }
  std::string appended = "prefix,", deferred = "prefix,";
  bool invalid_a = false, invalid_d = false;
  {
    Writer a(appended);
    write_sample(a, strings);
    invalid_a = a.saw_invalid_utf8();
  }
  for (size_t expected : {size_t{0}, size_t{1}, size_t{64}, size_t{100000}}) {
    std::string out = "prefix,";
    {
      auto d = Writer::deferred(out, expected);
      write_sample(d, strings);
      invalid_d = d.saw_invalid_utf8();
      d.finish();
      CHECK(out == appended);
    }
    CHECK(out == appended);  // the destructor's finish() changes nothing more
    CHECK(invalid_d == invalid_a);
  }
  CHECK(invalid_a);
  CHECK(is_valid_json(appended.substr(7)));
}

TEST_CASE("Writer nests deeper than 64 levels in both modes", "[common]") {
  for (bool deferred : {false, true}) {
    std::string out;
    {
      auto run = [&](Writer& w) {
        for (int i = 0; i < 100; ++i) w.begin_array().number(int64_t{i});
        for (int i = 0; i < 100; ++i) w.end_array().string("after");
      };
      if (deferred) {
        auto w = Writer::deferred(out, 16);
        w.begin_array();
        run(w);
        w.end_array();
      } else {
        Writer w(out);
        w.begin_array();
        run(w);
        w.end_array();
      }
    }
    INFO("deferred " << deferred);
    CHECK(is_valid_json(out));
    CHECK(out.substr(0, 8) == "[[0,[1,[");
    CHECK(out.find("[99]") != std::string::npos);
    CHECK(out.find("[64,[65,[66") != std::string::npos);
    CHECK(out.find("],\"after\"],\"after\"") != std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Fused fragments (fragment, fragment_string, fragment_plain, fragment_number, begin_members / end_members,
// fragment_key), against the comma-tracking calls.
namespace {

// One document through fragments into `out` (deferred with `expected` room, or append mode when expected is
// SIZE_MAX); returns whether invalid UTF-8 was seen.
bool write_fragments(std::string& out, size_t expected, std::string_view s, bool with_optional) {
  auto body = [&](Writer& w) {
    w.fragment_string("{\"s\":\"", s);
    w.fragment(",\"o\":");
    const size_t o = w.begin_members();
    if (with_optional) w.fragment_string(",\"a\":\"", s).fragment_number(",\"n\":", -42);
    w.end_members(o);
    w.fragment(",\"e\":");
    w.end_members(w.begin_members());
    w.fragment_plain(",\"p\":\"", "2026-11-24T00:00:00.000000Z");
    w.fragment_key(",\"g\":").begin_object().kv("k", s).key("arr").begin_array().string(s).end_array().end_object();
    w.fragment_bytes(",\"raw\":[1,2]").fragment("}");
    return w.saw_invalid_utf8();
  };
  if (expected == SIZE_MAX) {
    Writer w(out);
    return body(w);
  }
  auto w = Writer::deferred(out, expected);
  return body(w);
}

// The same document through the comma-tracking calls.
std::string write_tokens(std::string_view s, bool with_optional) {
  std::string out;
  Writer w(out);
  w.begin_object().kv("s", s).key("o").begin_object();
  if (with_optional) w.kv("a", s).kv("n", int64_t{-42});
  w.end_object().key("e").begin_object().end_object().kv("p", "2026-11-24T00:00:00.000000Z");
  w.key("g").begin_object().kv("k", s).key("arr").begin_array().string(s).end_array().end_object();
  w.key("raw").raw("[1,2]").end_object();
  return out;
}

}  // namespace

TEST_CASE("Writer fragments write what the comma-tracking calls write, in both modes", "[common]") {
  // Strings around the scan's 8- and 16-byte steps with a byte to escape at the start, in the middle and
  // at the end of each step; control characters; invalid and valid UTF-8; empty; longer than the room.
  std::vector<std::string> strings = {"", "a", std::string(1, '\0'), "\x1f", "\"", "\\", "caf\xC3\xA9",
                                      "bad\xFF", "\xC0\xAF", "\xE2\x82", std::string(3000, '\x01')};
  for (size_t len : {7, 8, 9, 15, 16, 17, 31, 32, 33}) {
    for (size_t at : {size_t{0}, len / 2, len - 1}) {
      for (const char c : {'"', '\\', '\n', '\x7f', '\x80', '\x01'}) {
        std::string s(len, 'x');
        s[at] = c;
        strings.push_back(s);
      }
      strings.push_back(std::string(len, 'y'));
    }
  }
  for (const std::string& s : strings) {
    for (bool optional : {false, true}) {
      const std::string want = write_tokens(s, optional);
      REQUIRE(is_valid_json(want));
      std::string plain_out;
      std::string check;
      const bool invalid = !logpipe::json::append_escaped(check, s);
      for (size_t expected : {size_t{0}, size_t{1}, size_t{40}, size_t{100000}, SIZE_MAX}) {
        INFO("string of " << s.size() << " bytes, optional " << optional << ", expected " << expected);
        std::string out = "kept|";
        const bool saw = write_fragments(out, expected, s, optional);
        CHECK(out == "kept|" + want);
        CHECK(saw == invalid);
      }
    }
  }
}

TEST_CASE("Writer end_members writes {} for an object without members, and the first member's comma becomes {",
          "[common]") {
  std::string out;
  {
    auto w = Writer::deferred(out, 0);
    w.fragment("[");
    const size_t a = w.begin_members();
    w.end_members(a);
    w.fragment(",");
    const size_t b = w.begin_members();
    w.fragment_number(",\"x\":", 1).fragment_number(",\"y\":", 2);
    w.end_members(b);
    w.fragment("]");
  }
  CHECK(out == "[{},{\"x\":1,\"y\":2}]");
}
