#include "indexer/normalize/text_rules.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "indexer/normalize/event.h"
#include "tests/unit/indexer/parsed_doc.h"

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

// ---------------------------------------------------------------------------------------------------------
// Rules of the shape "A(?P<name>.*)" are matched as A from the line start plus the rest of the line
// (TextRule::prefix_regex). These check that this gives exactly what matching the whole pattern gives.
namespace {

// What the first matching rule, matched whole with RE2 (no split), sets: "field=value" per captured field.
std::vector<std::string> reference_fields(const TextRules& rules, std::string_view line, std::string& rule_name) {
  const re2::StringPiece text(line.data(), line.size());
  for (const auto& rule : rules.rules()) {
    std::vector<re2::StringPiece> g(rule.group_field.size());
    if (!rule.regex->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, g.data(), static_cast<int>(g.size()))) continue;
    rule_name = rule.name;
    std::vector<std::string> out;
    for (size_t i = 1; i < g.size(); ++i)
      if (rule.group_field[i] && g[i].data() != nullptr && !g[i].empty() && g[i] != "-")
        out.push_back(std::string(logpipe::indexer::ecs_name(*rule.group_field[i])) + "=" + std::string(g[i]));
    return out;
  }
  rule_name.clear();
  return {};
}

std::vector<std::string> matched_fields(const TextRules& rules, std::string_view line, std::string& rule_name) {
  MatchScratch scratch;
  Event ev;
  const auto* hit = rules.match(line, ev, scratch);
  rule_name = hit ? hit->name : "";
  std::vector<std::string> out;
  for (size_t f = 0; f < logpipe::indexer::kFieldCount; ++f)
    if (!ev.field[f].empty()) out.push_back(std::string(logpipe::indexer::ecs_name(static_cast<Field>(f))) + "=" + std::string(ev.field[f]));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("text rules: the split match gives the same fields as the whole pattern", "[indexer][text_rules]") {
  const auto rules = TextRules::builtin();
  size_t split = 0;
  for (const auto& rule : rules->rules()) split += rule.prefix_regex != nullptr;
  CHECK(split >= 8);  // most built-in rules end with (?P<msg>.*)

  // Lines: every rule's example, every sample log line, and variations that stress the optional parts.
  std::vector<std::string> lines;
  for (const auto& rule : rules->rules()) lines.push_back(rule.example);
  for (const char* name : {"kafka-server.log", "es-server.log", "nginx-access.log", "nginx-error.log", "python.log", "syslog.log"})
    for (const auto& l : logpipe::test::sample_lines(name)) lines.push_back(l);
  const size_t base = lines.size();
  for (size_t i = 0; i < base; ++i) {
    const std::string l = lines[i];  // a copy: push_back below may move the vector
    lines.push_back(l + " - trailing - dash: and : colon");
    lines.push_back(l.substr(0, l.size() / 2));
    if (l.size() > 30) lines.push_back(l.substr(0, 30) + "  - " + l.substr(30));
    lines.push_back(l + "\r");
  }
  lines.push_back("2024-03-05 10:11:12,345 WARN  [main] org.apache.zookeeper.ClientCnxn: - Session timed out");
  lines.push_back("2024-03-05 10:11:12,345 WARN  [main] a:b:c: x");
  lines.push_back("WARNING:a:b:c");
  lines.push_back("10:11:12.345 [main] INFO  com.shop.App - ");
  for (const auto& line : lines) {
    std::string ref_rule, got_rule;
    auto ref = reference_fields(*rules, line, ref_rule);
    std::sort(ref.begin(), ref.end());
    const auto got = matched_fields(*rules, line, got_rule);
    INFO(line);
    CHECK(got_rule == ref_rule);
    CHECK(got == ref);
  }
}

TEST_CASE("text rules: patterns that must not be split are matched whole", "[indexer][text_rules]") {
  // A top-level alternation, a lazy or non-final rest, a class or escape hiding the group: no split.
  auto parsed = TextRules::parse(R"(
version: 1
rules:
  - {name: alt, pattern: 'x(?P<a>\d)|y(?P<msg>.*)', fields: {a: log.level, msg: message}, example: "yabc"}
  - {name: lazy, pattern: 'z(?P<msg>.*?)', fields: {msg: message}, example: "zq"}
  - {name: classy, pattern: 'c[|](?P<msg>.*)', fields: {msg: message}, example: "c|r"}
  - {name: split, pattern: '(?P<lvl>[A-Z]+):(?P<msg>.*)', fields: {lvl: log.level, msg: message}, example: "E:m"}
)", "test");
  REQUIRE(parsed);
  const auto& r = (*parsed)->rules();
  REQUIRE(r.size() == 4);
  CHECK(r[0].prefix_regex == nullptr);
  CHECK(r[1].prefix_regex == nullptr);
  CHECK(r[2].prefix_regex != nullptr);  // the `|` is inside a class: still one alternative
  CHECK(r[3].prefix_regex != nullptr);
  for (const std::string line : {"yabc", "x1", "zq", "c|r", "E:m", "E:", "x", "y"}) {
    std::string ref_rule, got_rule;
    auto ref = reference_fields(**parsed, line, ref_rule);
    std::sort(ref.begin(), ref.end());
    INFO(line);
    CHECK(matched_fields(**parsed, line, got_rule) == ref);
    CHECK(got_rule == ref_rule);
  }
}
