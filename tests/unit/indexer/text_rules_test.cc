#include "indexer/normalize/text_rules.h"

#include <catch2/catch.hpp>
#include <string>

#include "indexer/normalize/event.h"

using logpipe::indexer::Event;
using logpipe::indexer::Field;
using logpipe::indexer::MatchScratch;
using logpipe::indexer::TextRules;

TEST_CASE("text rules: the built-in rules load, and each rule matches its own example first",
          "[indexer][text_rules]") {
  auto parsed = TextRules::parse(std::string_view(logpipe::indexer::kParsingRulesYaml), "builtin");
  INFO((parsed ? std::string() : parsed.error().message()));
  REQUIRE(parsed);
  const auto rules = TextRules::builtin();
  REQUIRE(rules->size() == (*parsed)->size());
  REQUIRE(rules->size() >= 12);
  MatchScratch scratch;
  for (const auto& rule : rules->rules()) {
    INFO(rule.name << ": " << rule.example);
    REQUIRE_FALSE(rule.example.empty());
    Event ev;
    const auto* hit = rules->match(rule.example, ev, scratch);
    REQUIRE(hit != nullptr);
    CHECK(hit->name == rule.name);
  }
}

TEST_CASE("text rules: no match leaves the event untouched", "[indexer][text_rules]") {
  MatchScratch scratch;
  Event ev;
  CHECK(TextRules::builtin()->match("GET /cart 200 12ms", ev, scratch) == nullptr);
  CHECK(ev[Field::kMessage].empty());
  CHECK(TextRules::builtin()->match("", ev, scratch) == nullptr);
}

TEST_CASE("text rules: a custom rule file", "[indexer][text_rules]") {
  auto r = TextRules::parse(R"y(
version: 1
rules:
  - name: kv
    pattern: 'lvl=(?P<l>\w+) (?:pid=(?P<p>\d+) )?msg="(?P<m>[^"]*)"'
    timestamp_format: epoch
    fields: {l: log.level, p: process.pid, m: message}
)y", "test.yaml");
  INFO((r ? std::string() : r.error().message()));
  REQUIRE(r);
  MatchScratch scratch;
  Event ev;
  REQUIRE((*r)->match(R"y(lvl=warn msg="disk 91% full")y", ev, scratch) != nullptr);
  CHECK(ev[Field::kLevel] == "warn");
  CHECK(ev[Field::kMessage] == "disk 91% full");
  CHECK(ev[Field::kPid].empty());  // optional group not taken
  CHECK((*r)->match(R"y(lvl=warn msg="x" trailing)y", ev, scratch) == nullptr);  // whole line only
}

TEST_CASE("text rules: every problem in a rule file is reported", "[indexer][text_rules]") {
  auto r = TextRules::parse(R"y(
version: 1
rules:
  - name: broken-regex
    pattern: '(?P<m>unclosed'
    fields: {m: message}
  - name: unmapped
    pattern: '(?P<m>.*) (?P<extra>\d+)'
    fields: {m: message}
  - name: bad-target
    pattern: '(?P<m>.*)'
    fields: {m: my.custom.field}
  - name: bad-format
    pattern: '(?P<m>.*)'
    timestamp_format: rfc822
    fields: {m: message, nope: message}
  - pattern: 'x'
    colour: red
)y", "rules.yaml");
  REQUIRE_FALSE(r);
  const std::string& e = r.error().message();
  INFO(e);
  CHECK_THAT(e, Catch::Contains("rules.yaml: rules[0] (broken-regex): pattern: missing )"));
  CHECK_THAT(e, Catch::Contains("(unmapped): named group `extra` is not mapped"));
  CHECK_THAT(e, Catch::Contains("(bad-target): group `m`: `my.custom.field` is not a field rules can set"));
  CHECK_THAT(e, Catch::Contains("(bad-format): timestamp_format `rfc822`"));
  CHECK_THAT(e, Catch::Contains("(bad-format): fields: `nope` is not a named group"));
  CHECK_THAT(e, Catch::Contains("rules[4]: `name` is required"));
  CHECK_THAT(e, Catch::Contains("rules[4]: unknown key `colour`"));
}

TEST_CASE("text rules: not YAML, or not the expected shape", "[indexer][text_rules]") {
  CHECK_FALSE(TextRules::parse("rules: [", "a.yaml"));
  CHECK_FALSE(TextRules::parse("- just a list", "b.yaml"));
  CHECK_FALSE(TextRules::parse("version: 2\nrules: []\n", "c.yaml"));
  CHECK_FALSE(TextRules::load_file("/nonexistent/rules.yaml"));
  CHECK(TextRules::parse("version: 1\nrules: []\n", "empty.yaml"));
}
