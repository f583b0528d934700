#include "query/cli.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "tests/fakes/temp_dir.h"

using logpipe::query::ColorMode;
using logpipe::query::Environment;
using logpipe::query::FieldFilter;
using logpipe::query::Format;
using logpipe::query::parse_command_line;
using logpipe::query::ParseOutcome;
using logpipe::query::use_color;
using logpipe::query::Zone;

namespace {
ParseOutcome parse(std::vector<std::string> args, Environment env = {}) { return parse_command_line(args, env); }
}  // namespace

TEST_CASE("cli: defaults", "[query]") {
  auto r = parse({});
  REQUIRE(r.command);
  const auto& c = *r.command;
  CHECK(c.url == "http://127.0.0.1:9200");
  CHECK(c.index == "logs-*");
  CHECK(c.search.since == "1h");
  CHECK(c.search.from.empty());
  CHECK(c.search.limit == 100);
  CHECK(c.render.format == Format::kPretty);
  CHECK_FALSE(c.render.color);
  CHECK(c.render.zone == Zone::kLocal);
  CHECK_FALSE(c.follow);
  CHECK_FALSE(c.quiet);
}

TEST_CASE("cli: filters, short flags and repeats", "[query]") {
  auto r = parse({"-H", "web-1", "-H", "web-*", "-s", "api", "-l", "ERROR,fatal", "--trace", "t-1", "--field", "a.b=1",
                  "--field", "c!=2", "--field", "d~=x.*", "--query-string", "x:y", "-n", "0", "--oldest-first",
                  "-o", "csv", "--fields", "host.name,message", "-q", "-f", "--since", "5m", "--since", "2h",
                  "disk full"});
  REQUIRE(r.command);
  const auto& s = r.command->search;
  CHECK(s.hosts == std::vector<std::string>{"web-1", "web-*"});
  CHECK(s.services == std::vector<std::string>{"api"});
  CHECK(s.levels == std::vector<std::string>{"error", "ERROR", "Error", "fatal", "FATAL", "Fatal"});
  CHECK(s.trace_id == "t-1");
  REQUIRE(s.fields.size() == 3);
  CHECK(s.fields[1].op == FieldFilter::Op::kNe);
  CHECK(s.fields[2].op == FieldFilter::Op::kRegex);
  CHECK(s.query_string == "x:y");
  CHECK(s.limit == 0);
  CHECK(s.oldest_first);
  CHECK(s.since == "2h");  // last one wins
  CHECK(s.text == "disk full");
  CHECK(r.command->render.format == Format::kCsv);
  CHECK(r.command->render.fields == std::vector<std::string>{"host.name", "message"});
  CHECK(r.command->quiet);
  CHECK(r.command->follow);
}

TEST_CASE("cli: time flags", "[query]") {
  auto r = parse({"--from", "2h ago", "--to", "2024-03-05T11:00:00+01:00"});
  REQUIRE(r.command);
  CHECK(r.command->search.from == "now-2h");
  CHECK(r.command->search.to == "2024-03-05T10:00:00.000000Z");

  auto to_only = parse({"--to", "now-1d"});
  REQUIRE(to_only.command);
  CHECK(to_only.command->search.from == "1970-01-01T00:00:00.000000Z");
  CHECK(to_only.command->search.to == "now-1d");

  auto since_to = parse({"--since", "2h", "--to", "now-1h"});
  REQUIRE(since_to.command);
  CHECK(since_to.command->search.from.empty());  // now-<since>, built with the body
  CHECK(since_to.command->search.since == "2h");
  CHECK(since_to.command->search.to == "now-1h");

  auto around = parse({"--around", "2024-03-05T10:00:00", "--window", "30s", "--utc"});
  REQUIRE(around.command);
  CHECK(around.command->search.from == "2024-03-05T10:00:00.000000Z||-30s");
  CHECK(around.command->search.to == "2024-03-05T10:00:00.000000Z||+30s");
  CHECK(around.command->render.zone == Zone::kUtc);
}

TEST_CASE("cli: errors are one line and exit code 2", "[query]") {
  const std::vector<std::string> bad = GENERATE(
      std::vector<std::string>{"--level", "loud"}, std::vector<std::string>{"--from", "tomorrow"},
      std::vector<std::string>{"--to", "5"}, std::vector<std::string>{"--since", "1w"},
      std::vector<std::string>{"--field", "nope"}, std::vector<std::string>{"--around", "now", "--window", "5"},
      std::vector<std::string>{"--since", "1h", "--from", "now-2h"}, std::vector<std::string>{"--around", "now", "--to", "now"},
      std::vector<std::string>{"-o", "yaml"}, std::vector<std::string>{"--color", "sometimes"},
      std::vector<std::string>{"-n", "-1"}, std::vector<std::string>{"--bogus"},
      std::vector<std::string>{"-f", "--to", "now"});
  INFO(bad.front());
  auto r = parse(bad);
  CHECK_FALSE(r.command);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("logpipe-query: "));
  CHECK(r.err.find('\n') == r.err.size() - 1);
}

TEST_CASE("cli: --help prints usage with examples and exits 0", "[query]") {
  auto r = parse({"--help"});
  CHECK_FALSE(r.command);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Examples:"));
  CHECK_THAT(r.out, Catch::Contains("--level"));
  CHECK_THAT(r.out, Catch::Contains("Exit codes"));
}

TEST_CASE("cli: environment gives url and index, flags win", "[query]") {
  Environment env;
  env.es_url = "http://es:9201";
  env.index = "app-*";
  auto r = parse({}, env);
  REQUIRE(r.command);
  CHECK(r.command->url == "http://es:9201");
  CHECK(r.command->index == "app-*");
  auto flags = parse({"--url", "http://x:1", "--index", "y-*"}, env);
  REQUIRE(flags.command);
  CHECK(flags.command->url == "http://x:1");
  CHECK(flags.command->index == "y-*");
}

TEST_CASE("colour: auto follows the terminal, NO_COLOR and TERM=dumb, always and never win", "[query]") {
  Environment tty;
  tty.stdout_tty = true;
  CHECK(use_color(ColorMode::kAuto, tty));
  Environment no_color = tty;
  no_color.no_color = true;
  CHECK_FALSE(use_color(ColorMode::kAuto, no_color));
  CHECK(use_color(ColorMode::kAlways, no_color));
  Environment dumb = tty;
  dumb.dumb_term = true;
  CHECK_FALSE(use_color(ColorMode::kAuto, dumb));
  CHECK_FALSE(use_color(ColorMode::kAuto, Environment{}));
  CHECK_FALSE(use_color(ColorMode::kNever, tty));
  // Only pretty output is ever coloured.
  auto pretty = parse({"--color", "always"});
  REQUIRE(pretty.command);
  CHECK(pretty.command->render.color);
  auto jsonl = parse({"--color", "always", "-o", "jsonl"});
  REQUIRE(jsonl.command);
  CHECK_FALSE(jsonl.command->render.color);
}

TEST_CASE("cli: hist, top and errors commands share the filters", "[query]") {
  using logpipe::query::Kind;
  auto hist = parse({"hist", "-s", "api", "--interval", "5m", "--since", "6h"});
  REQUIRE(hist.command);
  CHECK(hist.command->kind == Kind::kHist);
  CHECK(hist.command->interval == "5m");
  CHECK(hist.command->search.services == std::vector<std::string>{"api"});
  auto top = parse({"top", "host.name", "--level", "error", "-k", "3", "disk"});
  REQUIRE(top.command);
  CHECK(top.command->kind == Kind::kTop);
  CHECK(top.command->top_field == "host.name");
  CHECK(top.command->agg_size == 3);
  CHECK(top.command->search.text == "disk");
  auto errors = parse({"errors", "-H", "web-*"});
  REQUIRE(errors.command);
  CHECK(errors.command->kind == Kind::kErrors);
  auto word = parse({"--", "errors"});  // searching for the word
  REQUIRE(word.command);
  CHECK(word.command->kind == Kind::kSearch);
  CHECK(word.command->search.text == "errors");

  CHECK(parse({"top"}).exit_code == 2);                    // FIELD is required
  CHECK(parse({"top", "bad field"}).exit_code == 2);
  CHECK(parse({"hist", "--interval", "5 minutes"}).exit_code == 2);
  CHECK(parse({"hist", "-n", "5"}).exit_code == 2);        // search-only flags are not accepted
  for (const char* command : {"hist", "top", "errors"}) {
    auto help = parse({command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains(std::string("logpipe-query ") + command));
    CHECK_THAT(help.out, Catch::Contains("Examples:"));
  }
}

TEST_CASE("cli: context flags", "[query]") {
  auto c = parse({"-C", "2"});
  REQUIRE(c.command);
  CHECK(c.command->context_before == 2);
  CHECK(c.command->context_after == 2);
  CHECK(c.command->context_same_host);
  CHECK(c.command->context_same_service);
  auto ab = parse({"-A", "1", "-B", "3", "--context-by", "host"});
  REQUIRE(ab.command);
  CHECK(ab.command->context_after == 1);
  CHECK(ab.command->context_before == 3);
  CHECK(ab.command->context_same_host);
  CHECK_FALSE(ab.command->context_same_service);
  CHECK(parse({"-C", "1", "-f"}).exit_code == 2);
  CHECK(parse({"--context-by", "pod"}).exit_code == 2);
}

TEST_CASE("cli: profiles from the config file, flag > environment > profile > default", "[query]") {
  logpipe::testing::TempDir dir;
  const std::string file = dir.file("query.yaml");
  std::ofstream(file) << "default_profile: prod\n"
                         "profiles:\n"
                         "  prod: {url: \"http://prod:9200\", index: \"prod-*\"}\n"
                         "  staging:\n    url: http://staging:9200\n";
  Environment env;
  env.default_config_file = file;
  auto def = parse({}, env);
  REQUIRE(def.command);
  CHECK(def.command->profile == "prod");
  CHECK(def.command->url == "http://prod:9200");
  CHECK(def.command->index == "prod-*");

  auto staging = parse({"--profile", "staging"}, env);
  REQUIRE(staging.command);
  CHECK(staging.command->url == "http://staging:9200");
  CHECK(staging.command->index == "logs-*");  // not in the profile: the default

  Environment with_env = env;
  with_env.es_url = "http://env:9200";
  auto env_wins = parse({}, with_env);
  REQUIRE(env_wins.command);
  CHECK(env_wins.command->url == "http://env:9200");
  CHECK(env_wins.command->index == "prod-*");
  auto flag_wins = parse({"--url", "http://flag:1"}, with_env);
  REQUIRE(flag_wins.command);
  CHECK(flag_wins.command->url == "http://flag:1");

  auto missing_profile = parse({"--profile", "nope"}, env);
  CHECK(missing_profile.exit_code == 2);
  CHECK_THAT(missing_profile.err, Catch::Contains("no profile 'nope'"));

  // An absent default file is fine; an explicit one must exist.
  Environment absent;
  absent.default_config_file = dir.file("absent.yaml");
  CHECK(parse({}, absent).command);
  CHECK(parse({"--config", dir.file("absent.yaml")}, absent).exit_code == 2);

  std::ofstream(dir.file("bad.yaml")) << "profiles:\n  prod: {url: http://x:1, usr: me}\ncolour: red\n";
  auto bad = parse({"--config", dir.file("bad.yaml")}, absent);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("profiles.prod.usr: unknown key"));
  CHECK_THAT(bad.err, Catch::Contains("colour: unknown key"));
}
