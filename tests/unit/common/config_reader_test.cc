#include "common/config/config_reader.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

using logpipe::config::Context;
using logpipe::config::OptionDoc;
using logpipe::config::parse_bytes;
using logpipe::config::parse_duration;
using logpipe::config::Reader;
using logpipe::config::render_reference;
using namespace std::chrono_literals;

namespace {

struct Input {
  std::string path;
  std::string service;
  std::string format;
};

// A small config in the style of the programs' own declare() functions.
struct SampleConfig {
  std::string brokers;
  std::string topic;
  int64_t max_docs = 0;
  int64_t max_bytes = 0;
  std::chrono::milliseconds linger{0};
  bool compress = false;
  std::vector<std::string> tags;
  std::map<std::string, std::string> properties;
  std::vector<Input> inputs;
};

void declare(Reader& r, SampleConfig& c) {
  {
    auto k = r.section("kafka", "where records go");
    c.brokers = k.string("brokers", "127.0.0.1:9092", "bootstrap servers");
    c.topic = k.required_string("topic", "topic to write to");
    c.max_bytes = k.bytes("max_bytes", "1MiB", 1, int64_t{1} << 30, "largest message");
    c.linger = k.duration("linger", "5ms", "producer linger");
    c.compress = k.boolean("compress", true, "compress batches");
    c.properties = k.string_map("properties", "librdkafka properties");
    k.finish();
  }
  c.max_docs = r.integer("max_docs", 2000, 1, 100000, "documents per batch");
  c.tags = r.string_list("tags", "tags to add");
  r.list("inputs", "files to read", true, [&](Reader& item) {
    Input in;
    in.path = item.required_string("path", "the file");
    in.service = item.required_string("service", "service.name");
    in.format = item.choice("format", {"plain", "json", "docker", "cri"}, "line format");
    c.inputs.push_back(in);
  });
}

struct Loaded {
  SampleConfig config;
  std::vector<std::string> errors;
};

Loaded load(const std::string& yaml) {
  Loaded out;
  Context ctx;
  Reader r(YAML::Load(yaml), "", ctx);
  declare(r, out.config);
  r.finish();
  out.errors = ctx.errors;
  return out;
}

// Every typed read, on keys that have no value: each must return its default.
void read_everything_absent(Reader& s) {
  CHECK(s.string("name", "dflt", "d") == "dflt");
  CHECK(s.integer("max_docs", 7, 1, 10, "d") == 7);
  CHECK(s.bytes("max_bytes", "2KiB", 0, 1 << 20, "d") == 2048);
  CHECK(s.duration("wait", "250ms", "d") == 250ms);
  CHECK(s.boolean("flag", true, "d"));
  CHECK(s.choice("mode", {"a", "b"}, "d") == "a");
  CHECK(s.string_list("list", "d").empty());
  CHECK(s.string_map("map", "d").empty());
}

const std::vector<std::string> kNoErrors;

constexpr const char* kMinimal = R"(
kafka:
  topic: logs
inputs:
  - path: /var/log/app.log
    service: app
)";

}  // namespace

TEST_CASE("config: defaults apply when keys are absent", "[common]") {
  const Loaded l = load(kMinimal);
  CHECK(l.errors == kNoErrors);
  CHECK(l.config.brokers == "127.0.0.1:9092");
  CHECK(l.config.topic == "logs");
  CHECK(l.config.max_bytes == 1048576);
  CHECK(l.config.linger == 5ms);
  CHECK(l.config.compress);
  CHECK(l.config.properties.empty());
  CHECK(l.config.max_docs == 2000);
  CHECK(l.config.tags.empty());
  REQUIRE(l.config.inputs.size() == 1);
  CHECK(l.config.inputs[0].path == "/var/log/app.log");
  CHECK(l.config.inputs[0].service == "app");
  CHECK(l.config.inputs[0].format == "plain");
}

// Regression: "no value" (absent section, empty document, explicit null) must mean "use the default"
// without reporting "expected a ..." errors (yaml-cpp's default-constructed Node is defined and Null).
TEST_CASE("config: no errors when a whole section is absent", "[common]") {
  Context ctx;
  Reader r(YAML::Load("other: {}"), "", ctx);
  auto s = r.section("batch", "sizing");
  read_everything_absent(s);
  s.finish();
  r.section("other", "known").finish();
  r.finish();
  CHECK(ctx.errors == kNoErrors);
}

TEST_CASE("config: no errors for an empty document", "[common]") {
  Context ctx;
  Reader r(YAML::Load(""), "", ctx);
  read_everything_absent(r);
  r.finish();
  CHECK(ctx.errors == kNoErrors);
}

TEST_CASE("config: an explicit null value means the default", "[common]") {
  Context ctx;
  Reader r(YAML::Load("name:\nmax_docs: ~\nmax_bytes: null\nwait:\nflag:\nmode:\nlist:\nmap:\n"), "", ctx);
  read_everything_absent(r);
  r.finish();
  CHECK(ctx.errors == kNoErrors);
}

TEST_CASE("config: values are read with their types", "[common]") {
  const Loaded l = load(R"(
kafka:
  brokers: "k1:9092,k2:9092"
  topic: app-logs
  max_bytes: 512KiB
  linger: 2m
  compress: no
  properties:
    security.protocol: SASL_SSL
    sasl.mechanism: PLAIN
max_docs: 100000
tags: [a, b]
inputs:
  - path: /a.log
    service: a
    format: json
  - path: /b.log
    service: b
    format: cri
)");
  CHECK(l.errors == kNoErrors);
  CHECK(l.config.brokers == "k1:9092,k2:9092");
  CHECK(l.config.topic == "app-logs");
  CHECK(l.config.max_bytes == 512 * 1024);
  CHECK(l.config.linger == 120000ms);
  CHECK_FALSE(l.config.compress);
  CHECK(l.config.properties == std::map<std::string, std::string>{{"security.protocol", "SASL_SSL"},
                                                                 {"sasl.mechanism", "PLAIN"}});
  CHECK(l.config.max_docs == 100000);
  CHECK(l.config.tags == std::vector<std::string>{"a", "b"});
  REQUIRE(l.config.inputs.size() == 2);
  CHECK(l.config.inputs[0].format == "json");
  CHECK(l.config.inputs[1].path == "/b.log");
  CHECK(l.config.inputs[1].service == "b");
  CHECK(l.config.inputs[1].format == "cri");
}

TEST_CASE("config: a single string is accepted as a one-element string list", "[common]") {
  Context ctx;
  Reader r(YAML::Load("tags: only"), "", ctx);
  CHECK(r.string_list("tags", "d") == std::vector<std::string>{"only"});
  r.finish();
  CHECK(ctx.errors == kNoErrors);
}

TEST_CASE("config: integer bounds and syntax", "[common]") {
  auto read = [](const std::string& value, std::vector<std::string>& errors) {
    Context ctx;
    Reader r(YAML::Load("n: " + value), "", ctx);
    const int64_t v = r.integer("n", 5, -10, 100, "d");
    r.finish();
    errors = ctx.errors;
    return v;
  };
  std::vector<std::string> errors;
  CHECK(read("100", errors) == 100);
  CHECK(errors == kNoErrors);
  CHECK(read("-10", errors) == -10);
  CHECK(errors == kNoErrors);
  CHECK(read("101", errors) == 5);
  CHECK(errors == std::vector<std::string>{"n: must be between -10 and 100"});
  CHECK(read("-11", errors) == 5);
  CHECK(errors == std::vector<std::string>{"n: must be between -10 and 100"});
  CHECK(read("12.5", errors) == 5);
  CHECK(errors == std::vector<std::string>{"n: expected an integer"});
  CHECK(read("ten", errors) == 5);
  CHECK(errors == std::vector<std::string>{"n: expected an integer"});
  CHECK(read("99999999999999999999", errors) == 5);
  CHECK(errors == std::vector<std::string>{"n: expected an integer"});
  CHECK(read("[1, 2]", errors) == 5);
  CHECK(errors == std::vector<std::string>{"n: expected an integer"});
}

TEST_CASE("config: parse_bytes units", "[common]") {
  auto bytes = [](const char* s) {
    auto r = parse_bytes(s);
    return r.ok() ? r.value() : int64_t{-1};
  };
  CHECK(bytes("123") == 123);
  CHECK(bytes("0") == 0);
  CHECK(bytes("10B") == 10);
  CHECK(bytes("512KiB") == 524288);
  CHECK(bytes("1MiB") == 1048576);
  CHECK(bytes("2GiB") == 2147483648);
  CHECK(bytes("10KB") == 10000);
  CHECK(bytes("10MB") == 10000000);
  CHECK(bytes("3GB") == 3000000000);
  CHECK(bytes(" 1 MiB ") == 1048576);

  CHECK_FALSE(parse_bytes("").ok());
  CHECK_FALSE(parse_bytes("MiB").ok());
  CHECK_FALSE(parse_bytes("-1").ok());
  CHECK_FALSE(parse_bytes("1.5MiB").ok());
  CHECK_FALSE(parse_bytes("10TiB").ok());
  CHECK_FALSE(parse_bytes("10 bytes").ok());
  CHECK(parse_bytes("10XB").error().message() == "unknown size unit 'XB' (use B, KiB, MiB, GiB)");
}

TEST_CASE("config: parse_duration units", "[common]") {
  auto ms = [](const char* s) {
    auto r = parse_duration(s);
    return r.ok() ? r.value().count() : int64_t{-1};
  };
  CHECK(ms("250ms") == 250);
  CHECK(ms("5s") == 5000);
  CHECK(ms("2m") == 120000);
  CHECK(ms("1h") == 3600000);
  CHECK(ms("0s") == 0);

  CHECK_FALSE(parse_duration("").ok());
  CHECK_FALSE(parse_duration("5").ok());  // a unit is required
  CHECK_FALSE(parse_duration("s").ok());
  CHECK_FALSE(parse_duration("-5s").ok());
  CHECK_FALSE(parse_duration("1.5s").ok());
  CHECK_FALSE(parse_duration("5d").ok());
  CHECK_FALSE(parse_duration("5sec").ok());
  CHECK(parse_duration("5d").error().message() == "unknown duration unit 'd' (use ms, s, m, h)");
}

TEST_CASE("config: bytes and duration options report bad values and keep the default", "[common]") {
  Context ctx;
  Reader r(YAML::Load("size: 1GiB\nbad_size: lots\nwait: 5 minutes\n"), "", ctx);
  CHECK(r.bytes("size", "1MiB", 0, 1 << 20, "d") == 1048576);
  CHECK(r.bytes("bad_size", "4KiB", 0, 1 << 20, "d") == 4096);
  CHECK(r.duration("wait", "1s", "d") == 1000ms);
  r.finish();
  CHECK(ctx.errors == std::vector<std::string>{
                          "size: must be between 0 and 1048576 bytes",
                          "bad_size: expected a size such as 1048576 or 1MiB",
                          "wait: unknown duration unit ' minutes' (use ms, s, m, h)",
                      });
}

TEST_CASE("config: boolean spellings", "[common]") {
  Context ctx;
  Reader r(YAML::Load("a: true\nb: yes\nc: on\nd: false\ne: no\nf: off\ng: maybe\n"), "", ctx);
  CHECK(r.boolean("a", false, "d"));
  CHECK(r.boolean("b", false, "d"));
  CHECK(r.boolean("c", false, "d"));
  CHECK_FALSE(r.boolean("d", true, "d"));
  CHECK_FALSE(r.boolean("e", true, "d"));
  CHECK_FALSE(r.boolean("f", true, "d"));
  CHECK(r.boolean("g", true, "d"));  // error -> default
  r.finish();
  CHECK(ctx.errors == std::vector<std::string>{"g: expected true or false"});
}

TEST_CASE("config: errors are collected with full key paths, never thrown", "[common]") {
  Loaded l;
  REQUIRE_NOTHROW(l = load(R"(
kafka:
  brokers: [not, a, string]
  max_bytes: 2GiB
max_docs: 0
tags: [ok, {nested: map}]
inputs:
  - path: /a.log
    service: a
  - path: /b.log
  - path: /c.log
    service: c
    format: xml
)"));
  CHECK(l.errors == std::vector<std::string>{
                        "kafka.brokers: expected a string",
                        "kafka.topic: required (a non-empty string)",
                        "kafka.max_bytes: must be between 1 and 1073741824 bytes",
                        "max_docs: must be between 1 and 100000",
                        "tags[1]: expected a string",
                        "inputs[1].service: required (a non-empty string)",
                        "inputs[2].format: must be one of plain, json, docker, cri",
                    });
  // Bad values fall back to defaults; good values are still read.
  CHECK(l.config.brokers == "127.0.0.1:9092");
  CHECK(l.config.max_bytes == 1048576);
  CHECK(l.config.max_docs == 2000);
  CHECK(l.config.tags == std::vector<std::string>{"ok"});
  REQUIRE(l.config.inputs.size() == 3);
  CHECK(l.config.inputs[2].format == "plain");
  CHECK(l.config.inputs[2].service == "c");
}

TEST_CASE("config: a required list that is missing or empty is an error", "[common]") {
  SECTION("missing") {
    const Loaded l = load("kafka: {topic: t}");
    CHECK(l.errors == std::vector<std::string>{"inputs: required (a non-empty list)"});
  }
  SECTION("empty") {
    const Loaded l = load("kafka: {topic: t}\ninputs: []");
    CHECK(l.errors == std::vector<std::string>{"inputs: required (a non-empty list)"});
  }
  SECTION("not a list") {
    const Loaded l = load("kafka: {topic: t}\ninputs: {path: /a}");
    CHECK(l.errors == std::vector<std::string>{"inputs: expected a list"});
  }
}

TEST_CASE("config: unknown keys are reported at the top, in sections and in list items", "[common]") {
  const Loaded l = load(R"(
kafka:
  topic: logs
  topics: typo
inputs:
  - path: /a.log
    service: a
    servce: typo
  - path: /b.log
    service: b
surprise: 1
)");
  CHECK(l.errors == std::vector<std::string>{
                        "kafka.topics: unknown key",
                        "inputs[0].servce: unknown key",
                        "surprise: unknown key",
                    });
}

TEST_CASE("config: a section that is not a mapping is an error", "[common]") {
  const Loaded l = load("kafka: just-a-string\ninputs: [{path: /a, service: a}]");
  REQUIRE_FALSE(l.errors.empty());
  CHECK(l.errors.front() == "kafka: expected a mapping");
}

TEST_CASE("config: choice() accepts only the listed values", "[common]") {
  Context ctx;
  Reader r(YAML::Load("a: json\nb: JSON\nc: [json]\n"), "", ctx);
  const std::vector<std::string> choices{"plain", "json"};
  CHECK(r.choice("a", choices, "d") == "json");
  CHECK(r.choice("b", choices, "d") == "plain");
  CHECK(r.choice("c", choices, "d") == "plain");
  CHECK(r.choice("absent", choices, "d") == "plain");
  r.finish();
  CHECK(ctx.errors == std::vector<std::string>{"b: must be one of plain, json", "c: must be one of plain, json"});
}

TEST_CASE("config: describe mode records one OptionDoc per option", "[common]") {
  std::vector<OptionDoc> docs;
  Context ctx;
  ctx.docs = &docs;
  SampleConfig c;
  Reader r(YAML::Node(), "", ctx);
  declare(r, c);
  r.finish();

  std::vector<std::string> paths;
  for (const auto& d : docs) paths.push_back(d.path);
  CHECK(paths == std::vector<std::string>{
                     "kafka", "kafka.brokers", "kafka.topic", "kafka.max_bytes", "kafka.linger", "kafka.compress",
                     "kafka.properties", "max_docs", "tags", "inputs", "inputs[].path", "inputs[].service",
                     "inputs[].format",
                 });

  auto find = [&](const std::string& path) {
    for (const auto& d : docs)
      if (d.path == path) return d;
    FAIL("no doc for " << path);
    return OptionDoc{};
  };
  const OptionDoc brokers = find("kafka.brokers");
  CHECK(brokers.type == "string");
  CHECK(brokers.default_value == "127.0.0.1:9092");
  CHECK(brokers.description == "bootstrap servers");
  CHECK(find("kafka.topic").default_value == "(required)");
  CHECK(find("kafka.max_bytes").type == "size");
  CHECK(find("kafka.max_bytes").default_value == "1MiB");
  CHECK(find("kafka.linger").type == "duration");
  CHECK(find("kafka.compress").default_value == "true");
  CHECK(find("max_docs").type == "integer [1..100000]");
  CHECK(find("max_docs").default_value == "2000");
  CHECK(find("inputs").default_value == "(required)");
  CHECK(find("inputs[].path").description == "the file");
  CHECK(find("inputs[].format").type == "enum: plain, json, docker, cri");
  CHECK(find("inputs[].format").default_value == "plain");
}

TEST_CASE("config: describe mode reports no errors (regression)", "[common]") {
  std::vector<OptionDoc> docs;
  Context ctx;
  ctx.docs = &docs;
  SampleConfig c;
  Reader r(YAML::Node(), "", ctx);
  declare(r, c);
  r.finish();
  CHECK(ctx.errors == kNoErrors);
}

TEST_CASE("config: render_reference produces a Markdown table", "[common]") {
  const std::vector<OptionDoc> docs{
      {"inputs[].path", "string", "(required)", "the file"},
      {"max_docs", "integer [1..10]", "5", "per batch"},
      {"label", "string", "", "no default"},
  };
  CHECK(render_reference(docs) ==
        "| key | type | default | description |\n"
        "|---|---|---|---|\n"
        "| `inputs[].path` | string | `(required)` | the file |\n"
        "| `max_docs` | integer [1..10] | `5` | per batch |\n"
        "| `label` | string |  | no default |\n");
}

TEST_CASE("config: sizes and durations that overflow are errors, not wrapped values", "[common]") {
  using logpipe::config::parse_bytes;
  using logpipe::config::parse_duration;
  CHECK_FALSE(parse_bytes("17179869184GiB").ok());
  CHECK_FALSE(parse_bytes("8589934592GiB").ok());
  CHECK_FALSE(parse_bytes("9223372036854775807KiB").ok());
  CHECK(parse_bytes("8GiB").value() == (int64_t{8} << 30));
  CHECK_FALSE(parse_duration("9223372036854775807h").ok());
  CHECK(parse_duration("24h").value() == std::chrono::hours(24));
}
