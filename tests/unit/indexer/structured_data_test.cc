#include "indexer/normalize/structured_data.h"

#include <catch2/catch.hpp>
#include <string>

using logpipe::indexer::kMaxStructuredDataEntries;
using logpipe::indexer::StructuredData;

namespace {
std::string dump(const StructuredData& sd) {
  std::string out;
  for (const auto& e : sd.entries) {
    out += std::string(e.id);
    if (!e.name.empty()) out += "." + std::string(e.name) + "=" + std::string(e.value);
    out += ";";
  }
  return out;
}
}  // namespace

TEST_CASE("structured data: elements, params, an element without params, nil", "[indexer][structured_data]") {
  StructuredData sd;
  REQUIRE(sd.parse(R"([exampleSDID@32473 iut="3" eventSource="Application"][meta][x@1 a=""])"));
  CHECK(dump(sd) == "exampleSDID@32473;exampleSDID@32473.iut=3;exampleSDID@32473.eventSource=Application;meta;x@1;x@1.a=;");
  CHECK_FALSE(sd.truncated);
  REQUIRE(sd.parse("-"));
  CHECK(sd.entries.empty());
}

TEST_CASE("structured data: escapes in values; other backslashes stay", "[indexer][structured_data]") {
  StructuredData sd;
  const std::string text = R"([e a="q\"uote" b="back\\slash" c="br\]acket" d="keep\n" e="[open"])";
  REQUIRE(sd.parse(text));
  CHECK(dump(sd) == "e;e.a=q\"uote;e.b=back\\slash;e.c=br]acket;e.d=keep\\n;e.e=[open;");
  // Values without escapes are views into the input; unescaped ones live in the arena.
  CHECK(sd.entries[4].value.data() == text.data() + text.find("keep"));
  CHECK(sd.entries[1].value.data() >= sd.arena.data());
  CHECK(sd.entries[1].value.data() < sd.arena.data() + sd.arena.size());
}

TEST_CASE("structured data: text that does not follow the grammar is refused", "[indexer][structured_data]") {
  StructuredData sd;
  for (const char* bad : {"[]", "[ a=\"1\"]", "[e a=1]", "[e a]", "[e a=\"1\"", "[e a=\"1]", "[e  a=\"1\"]", "x[e]",
                          "[e][", "[e a=\"1\"b=\"2\"]", "[e=x]"}) {
    INFO(bad);
    CHECK_FALSE(sd.parse(bad));
  }
}

TEST_CASE("structured data: at most kMaxStructuredDataEntries entries, then truncated", "[indexer][structured_data]") {
  std::string text = "[big";
  for (size_t i = 0; i < kMaxStructuredDataEntries + 10; ++i) text += " p" + std::to_string(i) + "=\"" + std::to_string(i) + "\"";
  text += "]";
  StructuredData sd;
  REQUIRE(sd.parse(text));
  CHECK(sd.entries.size() == kMaxStructuredDataEntries);
  CHECK(sd.truncated);
  REQUIRE(sd.parse("[small a=\"1\"]"));  // a parse starts afresh
  CHECK_FALSE(sd.truncated);
  CHECK(sd.entries.size() == 2);
}
