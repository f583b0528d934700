#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "shipper/tcp_input/json_array.h"
#include "shipper/tcp_input/line_framer.h"

using logpipe::shipper::tcp::JsonArraySplitter;
using logpipe::shipper::tcp::LineFramer;

namespace {

struct Out {
  std::vector<std::string> lines;
  std::vector<bool> truncated;
};

// Feeds `chunks` one after another, then ends the stream.
Out frame(const std::vector<std::string>& chunks, size_t max_line = 1 << 20, LineFramer* keep = nullptr) {
  Out out;
  LineFramer local(max_line);
  LineFramer& f = keep != nullptr ? *keep : local;
  auto sink = [&](std::string_view line, bool t) {
    out.lines.emplace_back(line);
    out.truncated.push_back(t);
  };
  for (const auto& c : chunks) f.feed(c, sink);
  f.finish(sink);
  return out;
}

std::vector<std::string> bytes_of(const std::string& s) {
  std::vector<std::string> v;
  for (char c : s) v.emplace_back(1, c);
  return v;
}

}  // namespace

TEST_CASE("tcp framing 1: lines split on newline, one trailing CR dropped", "[shipper][tcp]") {
  auto out = frame({"{\"a\":1}\r\n{\"b\":2}\n{\"c\":3}\r\r\nplain\n"});
  REQUIRE(out.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}\r", "plain"});
  CHECK(out.truncated == std::vector<bool>(4, false));
}

TEST_CASE("tcp framing 2: blank lines (keep-alives) are skipped and counted, not errors", "[shipper][tcp]") {
  LineFramer f(1024);
  auto out = frame({"\n\n{\"a\":1}\n\r\n\n", "\n{\"b\":2}\n"}, 1024, &f);
  CHECK(out.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
  CHECK(f.stats().blank_lines == 5);
  CHECK(f.stats().lines == 2);
  CHECK(f.stats().truncated == 0);
}

TEST_CASE("tcp framing 3: NUL is a separator too (log4j2 nullEventDelimiterEnabled sends }\\n\\0)", "[shipper][tcp]") {
  LineFramer f(1024);
  auto out = frame({"{\"a\":1}\n", std::string("\0", 1), "{\"b\":2}\n", std::string("\0{\"c\":3}\0", 9)}, 1024, &f);
  CHECK(out.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  CHECK(f.stats().blank_lines == 2);
}

TEST_CASE("tcp framing 4: byte-at-a-time and 1000 events in one write give the same events, last line at EOF",
          "[shipper][tcp]") {
  std::string all;
  for (int i = 0; i < 1000; ++i)
    all += "{\"@timestamp\":\"2024-05-01T10:00:00.000Z\",\"message\":\"event " + std::to_string(i) + "\"}" +
           (i % 3 == 0 ? "\r\n" : "\n");
  all += "{\"message\":\"unterminated\"}";
  const auto one_write = frame({all});
  const auto byte_at_a_time = frame(bytes_of(all));
  REQUIRE(one_write.lines.size() == 1001);
  CHECK(byte_at_a_time.lines == one_write.lines);
  CHECK(one_write.lines[7] == "{\"@timestamp\":\"2024-05-01T10:00:00.000Z\",\"message\":\"event 7\"}");
  CHECK(one_write.lines.back() == "{\"message\":\"unterminated\"}");
  // Odd chunk sizes across separators and CRLFs.
  std::vector<std::string> odd;
  for (size_t i = 0; i < all.size(); i += 7) odd.push_back(all.substr(i, 7));
  CHECK(frame(odd).lines == one_write.lines);
}

TEST_CASE("tcp framing 7: over-long lines are cut to max_line_bytes, flagged and resynced at the next newline",
          "[shipper][tcp]") {
  const std::string longline(300, 'x');
  for (const auto& chunks : {std::vector<std::string>{longline + "\n{\"ok\":1}\n"}, bytes_of(longline + "\n{\"ok\":1}\n")}) {
    LineFramer f(100);
    auto out = frame(chunks, 100, &f);
    REQUIRE(out.lines.size() == 2);
    CHECK(out.lines[0] == std::string(100, 'x'));
    CHECK(out.truncated[0]);
    CHECK(out.lines[1] == "{\"ok\":1}");
    CHECK_FALSE(out.truncated[1]);
    CHECK(f.stats().truncated == 1);
  }
  // Exactly max_line_bytes before a CRLF is not over-long.
  auto exact = frame({std::string(100, 'y') + "\r\n"}, 100);
  CHECK(exact.lines == std::vector<std::string>{std::string(100, 'y')});
  CHECK_FALSE(exact.truncated[0]);
  auto exact_split = frame({std::string(60, 'y'), std::string(40, 'y') + "\r", "\n"}, 100);
  CHECK(exact_split.lines == std::vector<std::string>{std::string(100, 'y')});
  CHECK_FALSE(exact_split.truncated[0]);
  // An over-long unterminated last line is cut too.
  auto tail = frame({std::string(150, 'z')}, 100);
  CHECK(tail.lines == std::vector<std::string>{std::string(100, 'z')});
  CHECK(tail.truncated[0]);
}

TEST_CASE("tcp framing 5: invalid UTF-8 and binary garbage pass through untouched", "[shipper][tcp]") {
  const std::string bad = "{\"message\":\"\xff\xfe\xc3\x28\"}";
  auto out = frame({bad + "\n\x80\x81\x82\n"});
  CHECK(out.lines == std::vector<std::string>{bad, "\x80\x81\x82"});
}

TEST_CASE("tcp json 6: a top-level array gives one event per element, raw JSON as received", "[shipper][tcp]") {
  JsonArraySplitter s;
  std::vector<std::string_view> e;
  const std::string line =
      " [ {\"message\":\"a, [b]\",\"n\":{\"x\":[1,2]}} ,{\"message\":\"q\\\"}\"},\n\t[1,2],\"s\", 3 , null ] ";
  REQUIRE(s.split(line, e));
  REQUIRE(e.size() == 6);
  CHECK(e[0] == "{\"message\":\"a, [b]\",\"n\":{\"x\":[1,2]}}");
  CHECK(e[1] == "{\"message\":\"q\\\"}\"}");
  CHECK(e[2] == "[1,2]");
  CHECK(e[3] == "\"s\"");
  CHECK(e[4] == "3");
  CHECK(e[5] == "null");

  e.clear();
  CHECK(s.split("[]", e));
  CHECK(e.empty());
  // Not arrays, or not valid: forwarded as is by the caller (the indexer tags _jsonparsefailure).
  CHECK_FALSE(s.split("{\"a\":[1,2]}", e));
  CHECK_FALSE(s.split("[{\"a\":1},", e));
  CHECK_FALSE(s.split("42", e));
  CHECK_FALSE(s.split("\"just a string\"", e));
  CHECK_FALSE(s.split("[\"\xff\"]", e));  // invalid UTF-8
  CHECK_FALSE(s.split("not json at all", e));
  CHECK(e.empty());
}
