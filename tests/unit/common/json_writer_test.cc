#include "common/json/json_writer.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

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
