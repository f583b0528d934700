#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "indexer/indexer_config.h"
#include "indexer/normalize/event_builder.h"
#include "tests/fakes/temp_dir.h"
#include "parsed_doc.h"

using logpipe::indexer::load_config;

namespace {
void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}
}  // namespace

TEST_CASE("config: parsing.rules_file replaces the built-in rules", "[indexer][config]") {
  logpipe::testing::TempDir dir;
  write(dir.path() / "rules.yaml",
        "version: 1\nrules:\n  - name: kv\n    pattern: 'lvl=(?P<l>\\w+) (?P<m>.*)'\n    fields: {l: log.level, m: message}\n");
  write(dir.path() / "indexer.yaml", "parsing:\n  rules_file: " + (dir.path() / "rules.yaml").string() + "\n");
  auto cfg = load_config((dir.path() / "indexer.yaml").string());
  INFO((cfg ? std::string() : cfg.error().message()));
  REQUIRE(cfg);
  REQUIRE(cfg->parsing_rules);
  CHECK(cfg->parsing_rules->size() == 1);

  logpipe::indexer::EventBuilder b(logpipe::indexer::BuildOptions{"logs-", cfg->parsing_rules});
  logpipe::test::Doc d(b.build(logpipe::test::sample_record("lvl=WARNING disk low", "plain"), 0).source);
  CHECK(d.str("/log/level") == "warn");
  CHECK(d.str("/message") == "disk low");
  // The built-in rules are gone: a Kafka line is not parsed.
  logpipe::test::Doc k(b.build(logpipe::test::sample_record("[2026-11-23 16:52:13,272] INFO x (a.B)", "plain"), 0).source);
  CHECK(k.tags() == std::vector<std::string>{"_no_rule_matched"});
}

TEST_CASE("config: default is the built-in rules, a broken rules file is a config error", "[indexer][config]") {
  auto defaults = load_config("");
  REQUIRE(defaults);
  CHECK(defaults->parsing_rules_file.empty());
  CHECK_FALSE(defaults->parsing_rules);  // the builder then uses TextRules::builtin()

  logpipe::testing::TempDir dir;
  write(dir.path() / "bad.yaml", "version: 1\nrules:\n  - name: x\n    pattern: '(?P<a>['\n    fields: {a: message}\n");
  write(dir.path() / "indexer.yaml", "parsing:\n  rules_file: " + (dir.path() / "bad.yaml").string() + "\n");
  auto cfg = load_config((dir.path() / "indexer.yaml").string());
  REQUIRE_FALSE(cfg);
  CHECK_THAT(cfg.error().message(), Catch::Contains("parsing.rules_file: "));
  CHECK_THAT(cfg.error().message(), Catch::Contains("rules[0] (x): pattern: missing ]"));

  write(dir.path() / "missing.yaml", "parsing:\n  rules_file: /nonexistent/rules.yaml\n");
  auto missing = load_config((dir.path() / "missing.yaml").string());
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message(), Catch::Contains("/nonexistent/rules.yaml: cannot open"));
}
