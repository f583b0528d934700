// JSON layouts and container wrappers. The lines follow each layout's documented output (hand-written:
// these encoders are not installed here); the Elasticsearch ECS lines in parsing_samples_test.cc are real.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "parsed_doc.h"

using logpipe::test::build_source;
using logpipe::test::Doc;

TEST_CASE("json: logstash-logback-encoder with MDC members", "[indexer][json]") {
  Doc d(build_source(
      R"j({"@timestamp":"2024-03-05T10:11:12.345+01:00","@version":"1","message":"order placed",)j"
      R"j("logger_name":"com.shop.Orders","thread_name":"http-nio-8080-exec-3","level":"INFO","level_value":20000,)j"
      R"j("requestId":"r-81","userId":"u-7","HOSTNAME":"web-1","retries":2})j",
      "json"));
  CHECK(d.str("/@timestamp") == "2024-03-05T09:11:12.345000Z");
  CHECK(d.str("/message") == "order placed");
  CHECK(d.str("/log/level") == "info");
  CHECK(d.str("/log/logger") == "com.shop.Orders");
  CHECK(d.str("/process/thread/name") == "http-nio-8080-exec-3");
  CHECK(d.str("/fields/requestId") == "r-81");
  CHECK(d.str("/fields/userId") == "u-7");
  CHECK(d.str("/fields/HOSTNAME") == "web-1");
  CHECK(d.num("/fields/retries") == 2);
  CHECK_FALSE(d.has("/fields/level_value"));
  CHECK_FALSE(d.has("/fields/@version"));
  CHECK_FALSE(d.has("/fields/message"));
  CHECK(d.tags().empty());
}

TEST_CASE("json: log4j2 EcsLayout (dotted keys)", "[indexer][json]") {
  Doc d(build_source(
      R"j({"@timestamp":"2024-03-05T09:11:12.345Z","ecs.version":"1.2.0","log.level":"ERROR","message":"boom",)j"
      R"j("process.thread.name":"main","log.logger":"com.shop.App","error.type":"java.lang.IllegalStateException",)j"
      R"j("error.message":"boom","error.stack_trace":"java.lang.IllegalStateException: boom\n\tat com.shop.App.main(App.java:10)\n",)j"
      R"j("trace.id":"4bf92f3577b34da6a3ce929d0e0e4736","span.id":"00f067aa0ba902b7","labels.tenant":"acme"})j",
      "json"));
  CHECK(d.str("/log/level") == "error");
  CHECK(d.str("/log/logger") == "com.shop.App");
  CHECK(d.str("/process/thread/name") == "main");
  CHECK(d.str("/error/type") == "java.lang.IllegalStateException");
  CHECK(d.str("/error/message") == "boom");
  CHECK(d.str("/error/fingerprint").size() == 16);
  CHECK(d.str("/trace/id") == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(d.str("/span/id") == "00f067aa0ba902b7");
  CHECK(d.str("/fields/labels.tenant") == "acme");  // not a shipper label: bounded place
  CHECK(d.tags().empty());
}

TEST_CASE("json: the same exception from logback and from EcsLayout gets the same fingerprint", "[indexer][json]") {
  Doc ecs(build_source(
      R"j({"message":"m","error.type":"java.lang.IllegalStateException","error.stack_trace":"java.lang.IllegalStateException: boom\n\tat com.shop.App.main(App.java:10)\n"})j",
      "json"));
  Doc logback(build_source(
      R"j({"message":"m","stack_trace":"java.lang.IllegalStateException: other text\n\tat com.shop.App.main(App.java:12)\n"})j",
      "json"));
  CHECK(logback.str("/error/type") == "java.lang.IllegalStateException");
  CHECK(logback.str("/error/message") == "other text");
  CHECK(ecs.str("/error/fingerprint") == logback.str("/error/fingerprint"));
}

TEST_CASE("json: log4j JSONEventLayoutV1", "[indexer][json]") {
  Doc d(build_source(
      R"j({"@timestamp":"2024-03-05T09:11:12.345Z","@version":1,"source_host":"web-1","message":"boom",)j"
      R"j("thread_name":"main","level":"ERROR","logger_name":"com.shop.App","file":"App.java","line_number":"10",)j"
      R"j("class":"com.shop.App","method":"main","mdc":{"requestId":"r-1"},)j"
      R"j("exception":{"exception_class":"java.lang.IllegalStateException","exception_message":"boom",)j"
      R"j("stacktrace":"java.lang.IllegalStateException: boom\n\tat com.shop.App.main(App.java:10)"}})j",
      "json"));
  CHECK(d.str("/log/level") == "error");
  CHECK(d.str("/error/type") == "java.lang.IllegalStateException");
  CHECK(d.str("/error/message") == "boom");
  CHECK_THAT(d.str("/error/stack_trace"), Catch::StartsWith("java.lang.IllegalStateException: boom\n\tat "));
  CHECK(d.str("/error/fingerprint").size() == 16);
  CHECK(d.str("/fields/requestId") == "r-1");
  CHECK(d.str("/fields/source_host") == "web-1");
  CHECK(d.str("/fields/line_number") == "10");
}

TEST_CASE("json: GELF 1.1", "[indexer][json]") {
  Doc d(build_source(
      R"j({"version":"1.1","host":"web-1","short_message":"Disk full",)j"
      R"j("full_message":"Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in <module>\nOSError: [Errno 28] No space left on device",)j"
      R"j("timestamp":1700000000.123,"level":3,"_user_id":9001,"_facility":"app"})j",
      "json"));
  CHECK(d.str("/@timestamp") == "2023-11-14T22:13:20.123000Z");
  CHECK(d.str("/message") == "Disk full");
  CHECK(d.str("/log/level") == "error");
  CHECK(d.str("/error/type") == "OSError");
  CHECK(d.str("/error/message") == "[Errno 28] No space left on device");
  CHECK(d.num("/fields/_user_id") == 9001);
  CHECK(d.str("/fields/host") == "web-1");
  CHECK_FALSE(d.has("/fields/version"));
  CHECK(d.tags().empty());
}

TEST_CASE("json: python-logstash v0 (@fields) and v1", "[indexer][json]") {
  Doc v0(build_source(
      R"j({"@fields":{"levelname":"WARNING","logger":"app.jobs","threadName":"MainThread","funcName":"run",)j"
      R"j("lineno":41,"process":1234},"@message":"job slow","@source_host":"web-1",)j"
      R"j("@timestamp":"2024-03-05T09:11:12.345Z","@type":"logstash","@tags":["jobs"]})j",
      "json"));
  CHECK(v0.str("/message") == "job slow");
  CHECK(v0.str("/log/level") == "warn");
  CHECK(v0.str("/log/logger") == "app.jobs");
  CHECK(v0.str("/process/thread/name") == "MainThread");
  CHECK(v0.str("/fields/funcName") == "run");
  CHECK(v0.str("/@timestamp") == "2024-03-05T09:11:12.345000Z");
  CHECK(v0.tags() == std::vector<std::string>{"jobs"});

  Doc v1(build_source(
      R"j({"@timestamp":"2024-03-05T09:11:12.345Z","@version":"1","message":"job failed","host":"web-1",)j"
      R"j("path":"/app/jobs.py","tags":[],"type":"logstash","level":"ERROR","logger_name":"app.jobs",)j"
      R"j("stack_trace":"Traceback (most recent call last):\n  File \"/app/jobs.py\", line 12, in run\n    x()\nKeyError: 'id'",)j"
      R"j("lineno":12,"process":1234,"thread_name":"MainThread"})j",
      "json"));
  CHECK(v1.str("/log/level") == "error");
  CHECK(v1.str("/error/type") == "KeyError");
  CHECK(v1.str("/error/message") == "'id'");
  CHECK(v1.str("/fields/path") == "/app/jobs.py");
  CHECK(v1.tags().empty());
}

TEST_CASE("json: a Docker json-file wrapper is unwrapped", "[indexer][json]") {
  SECTION("text inside, parsed by the rules") {
    Doc d(build_source(
        R"j({"log":"2024-03-05 10:11:12.345 [main] INFO  com.shop.App - started\n","stream":"stdout","time":"2024-03-05T10:11:12.400000000Z"})j",
        "json"));
    CHECK(d.str("/message") == "started");
    CHECK(d.str("/log/level") == "info");
    CHECK(d.str("/@timestamp") == "2024-03-05T10:11:12.345000Z");
    CHECK(d.tags().empty());
  }
  SECTION("JSON inside; the wrapper's time when the line has none") {
    Doc d(build_source(
        R"j({"log":"{\"level\":\"warn\",\"msg\":\"slow\",\"ms\":812}\n","stream":"stderr","time":"2024-03-05T10:11:12.4Z"})j",
        "docker"));
    CHECK(d.str("/message") == "slow");
    CHECK(d.str("/log/level") == "warn");
    CHECK(d.num("/fields/ms") == 812);
    CHECK(d.str("/@timestamp") == "2024-03-05T10:11:12.400000Z");
    CHECK(d.tags().empty());
  }
  SECTION("text no rule matches") {
    Doc d(build_source(R"j({"log":"hello\n","stream":"stdout","time":"2024-03-05T10:11:12.4Z"})j", "json"));
    CHECK(d.str("/message") == "hello");
    CHECK(d.str("/@timestamp") == "2024-03-05T10:11:12.400000Z");
    CHECK(d.tags() == std::vector<std::string>{"_no_rule_matched"});
  }
}

TEST_CASE("cri: the CRI log format is unwrapped", "[indexer][json]") {
  Doc d(build_source("2024-03-05T10:11:12.123456789Z stdout F WARNING:app:low disk", "cri"));
  CHECK(d.str("/message") == "low disk");
  CHECK(d.str("/log/level") == "warn");
  CHECK(d.str("/@timestamp") == "2024-03-05T10:11:12.123456Z");
  CHECK(d.tags().empty());
  Doc partial(build_source("2024-03-05T10:11:12.123456789Z stdout P first half of a long", "cri"));
  CHECK(partial.str("/message") == "first half of a long");
  CHECK(partial.tags() == std::vector<std::string>{"_partial_line", "_no_rule_matched"});
  Doc bad(build_source("not cri at all", "cri"));
  CHECK(bad.str("/message") == "not cri at all");
  CHECK(bad.tags() == std::vector<std::string>{"_criparsefailure"});
}

TEST_CASE("json: unknown members are bounded and never duplicated", "[indexer][json]") {
  std::string line = R"j({"message":"m","@timestamp":"2024-03-05T10:11:12Z","dup":1,"dup":2,"nothing":null,"":"e")j";
  for (int i = 0; i < 80; ++i) line += ",\"k" + std::to_string(i) + "\":" + std::to_string(i);
  line += "}";
  Doc d(build_source(line, "json"));
  simdjson::dom::object fields;
  REQUIRE(d.root["fields"].get(fields) == simdjson::SUCCESS);
  CHECK(fields.size() == 64);
  CHECK(d.num("/fields/dup") == 1);
  CHECK_FALSE(d.has("/fields/nothing"));
  CHECK(d.tags() == std::vector<std::string>{"_fields_truncated"});
}

TEST_CASE("json: the line's tags cannot crowd out problem tags", "[indexer][json]") {
  Doc d(build_source(R"j({"message":"m","tags":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]})j", "json"));
  const auto tags = d.tags();
  REQUIRE(tags.size() == 9);
  CHECK(tags.front() == "a");
  CHECK(tags.back() == "_no_timestamp");
}

TEST_CASE("json: timestamps as epoch numbers and strings", "[indexer][json]") {
  CHECK(Doc(build_source(R"j({"message":"m","@timestamp":1700000000123})j", "json")).str("/@timestamp") ==
        "2023-11-14T22:13:20.123000Z");
  CHECK(Doc(build_source(R"j({"message":"m","ts":1700000000.5})j", "json")).str("/@timestamp") ==
        "2023-11-14T22:13:20.500000Z");
  CHECK(Doc(build_source(R"j({"message":"m","time":"1700000000"})j", "json")).str("/@timestamp") ==
        "2023-11-14T22:13:20.000000Z");
  Doc bad(build_source(R"j({"message":"m","@timestamp":1e300})j", "json"));
  CHECK(bad.tags() == std::vector<std::string>{"_timestampparsefailure"});
  CHECK(bad.str("/@timestamp") == "2026-11-23T17:00:00.000000Z");
}

TEST_CASE("json: flattening nested members is bounded (depth, leaves, path bytes)", "[indexer][json]") {
  SECTION("objects deeper than 8 levels are kept whole as one leaf") {
    std::string deep = "1";
    for (int i = 0; i < 40; ++i) deep = "{\"k\":" + deep + "}";
    Doc d(build_source(R"({"message":"m","deep":)" + deep + "}", "json"));
    simdjson::dom::object fields;
    REQUIRE(d.root["fields"].get(fields) == simdjson::SUCCESS);
    REQUIRE(fields.size() == 1);
    const auto leaf = *fields.begin();
    CHECK(leaf.key == "deep.k.k.k.k.k.k.k.k");  // the path down to depth 8, then the rest as an object
    CHECK(leaf.value.is_object());
    CHECK(d.tags() == std::vector<std::string>{"_no_timestamp"});
  }
  SECTION("more than 64 leaves: the first 64 are kept, the event is tagged") {
    std::string obj = "{";
    for (int i = 0; i < 100; ++i) obj += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\":" + std::to_string(i);
    obj += "}";
    Doc d(build_source(R"({"message":"m","@timestamp":"2024-03-05T09:11:12Z","o":)" + obj + "}", "json"));
    CHECK(d.num("/fields/o.f0") == 0);
    CHECK(d.num("/fields/o.f63") == 63);
    CHECK_FALSE(d.has("/fields/o.f64"));
    CHECK(d.tags() == std::vector<std::string>{"_fields_truncated"});
  }
  SECTION("composed paths beyond the arena are dropped and tagged, never reallocated") {
    const std::string key(1500, 'x');  // "o.<key>.<key>N" takes 3004 of the 8192 bytes: two fit
    std::string obj = "{\"" + key + "\":{";
    for (int i = 0; i < 5; ++i) obj += (i ? "," : "") + std::string("\"") + key + std::to_string(i) + "\":" + std::to_string(i);
    obj += "}}";
    Doc d(build_source(R"({"message":"m","@timestamp":"2024-03-05T09:11:12Z","o":)" + obj + "}", "json"));
    CHECK(d.tags() == std::vector<std::string>{"_fields_truncated"});
    simdjson::dom::object fields;
    REQUIRE(d.root["fields"].get(fields) == simdjson::SUCCESS);
    CHECK(fields.size() == 2);
  }
}
