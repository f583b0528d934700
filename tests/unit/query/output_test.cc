#include "query/output.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using logpipe::query::field_value;
using logpipe::query::Format;
using logpipe::query::Hit;
using logpipe::query::parse_format;
using logpipe::query::render;
using logpipe::query::RenderOptions;
using logpipe::query::Zone;

namespace {

std::vector<Hit> sample() {
  std::vector<Hit> hits(2);
  hits[0] = {"2024-03-05T10:11:12.000000Z", "web-1", "checkout", "ERROR", "boom, \"bad\"",
             R"({"@timestamp":"2024-03-05T10:11:12.000000Z","message":"boom, \"bad\"","host":{"name":"web-1"},)"
             R"("service":{"name":"checkout"},"log":{"level":"ERROR","offset":7},"labels.team":"core"})"};
  hits[1] = {"2024-03-05T10:11:13.000000Z", "web-2", "cart", "", "ok",
             R"({"@timestamp":"2024-03-05T10:11:13.000000Z","message":"ok","host":{"name":"web-2"},"service":{"name":"cart"}})"};
  return hits;
}

RenderOptions opts(Format f, std::vector<std::string> fields = {}) {
  RenderOptions o;
  o.format = f;
  o.fields = std::move(fields);
  return o;
}

}  // namespace

TEST_CASE("parse_format knows every format name", "[query]") {
  Format f = Format::kPretty;
  CHECK(parse_format("csv", f));
  CHECK(f == Format::kCsv);
  CHECK(parse_format("logfmt", f));
  CHECK(f == Format::kLogfmt);
  CHECK(parse_format("json", f));
  CHECK(f == Format::kJson);
  CHECK_FALSE(parse_format("yaml", f));
}

TEST_CASE("field_value: nested, flat dotted keys, numbers, missing", "[query]") {
  const std::string src = sample()[0].source;
  CHECK(field_value(src, "host.name") == "web-1");
  CHECK(field_value(src, "log.offset") == "7");
  CHECK(field_value(src, "labels.team") == "core");
  CHECK(field_value(src, "@timestamp") == "2024-03-05T10:11:12.000000Z");
  bool found = true;
  CHECK(field_value(src, "trace.id", &found).empty());
  CHECK_FALSE(found);
  CHECK(field_value(src, "log") == R"({"level":"ERROR","offset":7})");
}

TEST_CASE("render: logfmt quotes what needs quoting and skips missing fields", "[query]") {
  CHECK(render(sample(), opts(Format::kLogfmt)) ==
        "@timestamp=2024-03-05T10:11:12.000000Z host.name=web-1 service.name=checkout log.level=ERROR "
        "message=\"boom, \\\"bad\\\"\"\n"
        "@timestamp=2024-03-05T10:11:13.000000Z host.name=web-2 service.name=cart message=ok\n");
}

TEST_CASE("render: csv has a header and RFC 4180 quoting", "[query]") {
  CHECK(render(sample(), opts(Format::kCsv, {"host.name", "message", "log.offset"})) ==
        "host.name,message,log.offset\n"
        "web-1,\"boom, \"\"bad\"\"\",7\n"
        "web-2,ok,\n");
  CHECK(render({}, opts(Format::kCsv)) == "@timestamp,host.name,service.name,log.level,message\n");
}

TEST_CASE("render: json is one array, --fields projects json and jsonl", "[query]") {
  const auto hits = sample();
  CHECK(render(hits, opts(Format::kJson)) == "[\n" + hits[0].source + ",\n" + hits[1].source + "\n]\n");
  CHECK(render({}, opts(Format::kJson)) == "[]\n");
  CHECK(render(hits, opts(Format::kJsonl, {"host.name", "log.offset", "nope"})) ==
        "{\"host.name\":\"web-1\",\"log.offset\":7}\n{\"host.name\":\"web-2\"}\n");
  CHECK(render(hits, opts(Format::kJson, {"message"})) ==
        "[\n{\"message\":\"boom, \\\"bad\\\"\"},\n{\"message\":\"ok\"}\n]\n");
}

TEST_CASE("render: pretty with --fields, colour by level, local time", "[query]") {
  const auto hits = sample();
  CHECK(render(hits, opts(Format::kPretty, {"@timestamp", "log.level", "message"})) ==
        "2024-03-05T10:11:12.000000Z ERROR boom, \"bad\"\n"
        "2024-03-05T10:11:13.000000Z  ok\n");
  RenderOptions c = opts(Format::kPretty);
  c.color = true;
  CHECK(render({hits[0]}, c) ==
        "\x1b[2m2024-03-05T10:11:12.000000Z\x1b[0m \x1b[36mweb-1\x1b[0m \x1b[35mcheckout\x1b[0m \x1b[31mERROR\x1b[0m boom, \"bad\"\n");
  // Colour never leaks into other formats.
  RenderOptions raw = opts(Format::kRaw);
  raw.color = true;
  CHECK(render(hits, raw) == "boom, \"bad\"\nok\n");
  RenderOptions local = opts(Format::kPretty);
  local.zone = Zone::kLocal;
  const std::string out = render({hits[1]}, local);
  CHECK_THAT(out, Catch::Matches(R"(2024-03-0[45]T\d\d:\d\d:13\.000[+-]\d\d:\d\d web-2 cart ok\n)"));
}
