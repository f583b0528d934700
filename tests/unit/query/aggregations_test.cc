#include "query/aggregations.h"

#include <catch2/catch.hpp>
#include <string>

using logpipe::query::AggResult;
using logpipe::query::build_errors_body;
using logpipe::query::build_hist_body;
using logpipe::query::build_span_body;
using logpipe::query::build_top_body;
using logpipe::query::choose_interval;
using logpipe::query::Format;
using logpipe::query::parse_errors;
using logpipe::query::parse_hist;
using logpipe::query::parse_span_millis;
using logpipe::query::parse_top;
using logpipe::query::render_errors;
using logpipe::query::render_hist;
using logpipe::query::render_top;
using logpipe::query::RenderOptions;
using logpipe::query::SearchOptions;

namespace {
const std::string kQuery = R"("query":{"bool":{"filter":[{"terms":{"service.name":["api"]}},{"range":{"@timestamp":{"gte":"now-1h"}}}]}})";

SearchOptions api() {
  SearchOptions o;
  o.services = {"api"};
  return o;
}
std::string ok(const logpipe::Result<std::string>& r) {
  REQUIRE(r.ok());
  return r.value();
}
RenderOptions fmt(Format f) {
  RenderOptions o;
  o.format = f;
  return o;
}
}  // namespace

TEST_CASE("aggregations: golden request bodies", "[query]") {
  CHECK(ok(build_hist_body(api(), "5m")) ==
        R"({"size":0,"track_total_hits":true,)" + kQuery +
            R"(,"aggs":{"hist":{"date_histogram":{"field":"@timestamp","fixed_interval":"5m","min_doc_count":0}}}})");
  CHECK(ok(build_span_body(api())) == R"({"size":0,"track_total_hits":true,)" + kQuery +
                                          R"(,"aggs":{"first":{"min":{"field":"@timestamp"}},"last":{"max":{"field":"@timestamp"}}}})");
  CHECK(ok(build_top_body(api(), "host.name", 5)) ==
        R"({"size":0,"track_total_hits":true,)" + kQuery + R"(,"aggs":{"top":{"terms":{"field":"host.name","size":5}}}})");
  CHECK(ok(build_errors_body(api(), 3)) ==
        R"({"size":0,"track_total_hits":true,)" + kQuery +
            R"(,"aggs":{"errors":{"terms":{"field":"error.fingerprint","size":3},"aggs":{)"
            R"("first_seen":{"min":{"field":"@timestamp"}},"last_seen":{"max":{"field":"@timestamp"}},)"
            R"("example":{"top_hits":{"size":1,"sort":[{"@timestamp":{"order":"desc"}}]}}}}}})");
}

TEST_CASE("aggregations: automatic histogram interval", "[query]") {
  CHECK(choose_interval(0, 30) == "1s");
  CHECK(choose_interval(29'000, 30) == "1s");
  CHECK(choose_interval(30'000, 30) == "5s");
  CHECK(choose_interval(3'600'000, 30) == "5m");
  CHECK(choose_interval(86'400'000, 30) == "1h");
  CHECK(choose_interval(86'400'000LL * 365, 30) == "7d");
  CHECK(parse_span_millis(R"({"aggregations":{"first":{"value":1000.0},"last":{"value":61000.0}}})").value() == 60000);
  CHECK(parse_span_millis(R"({"aggregations":{"first":{"value":null},"last":{"value":null}}})").value() == 0);
}

TEST_CASE("hist: parse and draw bars scaled to the largest bucket", "[query]") {
  auto r = parse_hist(R"({"_shards":{"total":1},"hits":{"total":{"value":6}},"aggregations":{"hist":{"buckets":[
      {"key_as_string":"x","key":1709633400000,"doc_count":4},{"key":1709633460000,"doc_count":0},
      {"key":1709633520000,"doc_count":2}]}}})");
  REQUIRE(r.ok());
  CHECK(r.value().total == 6);
  REQUIRE(r.value().buckets.size() == 3);
  CHECK(render_hist(r.value(), fmt(Format::kPretty), 4) ==
        "2024-03-05T10:10:00.000Z        4 \u2588\u2588\u2588\u2588\n"
        "2024-03-05T10:11:00.000Z        0 \n"
        "2024-03-05T10:12:00.000Z        2 \u2588\u2588\n");
  CHECK(render_hist(r.value(), fmt(Format::kCsv)) ==
        "time,count\n2024-03-05T10:10:00.000Z,4\n2024-03-05T10:11:00.000Z,0\n2024-03-05T10:12:00.000Z,2\n");
  CHECK(render_hist(r.value(), fmt(Format::kJsonl)).find(R"({"time":"2024-03-05T10:10:00.000Z","count":4})") == 0);
  // An index pattern that matched nothing has no aggregation: empty, not an error.
  auto none = parse_hist(R"({"_shards":{"total":0},"hits":{"total":{"value":0},"hits":[]}})");
  REQUIRE(none.ok());
  CHECK(none.value().shards_matched_nothing);
  CHECK_FALSE(parse_hist(R"({"_shards":{"total":1},"hits":{"total":{"value":0}}})").ok());
}

TEST_CASE("top: counts, percentages and the rest", "[query]") {
  auto r = parse_top(R"({"hits":{"total":{"value":10}},"aggregations":{"top":{"sum_other_doc_count":3,"buckets":[
      {"key":"api","doc_count":5},{"key":"db","doc_count":2}]}}})");
  REQUIRE(r.ok());
  CHECK(render_top(r.value(), "service.name", fmt(Format::kPretty)) ==
        "       5  50.0%  api\n"
        "       2  20.0%  db\n"
        "       3         (other values)\n");
  CHECK(render_top(r.value(), "service.name", fmt(Format::kJson)) ==
        "[\n{\"service.name\":\"api\",\"count\":5},\n{\"service.name\":\"db\",\"count\":2}\n]\n");
  CHECK(render_top(r.value(), "service.name", fmt(Format::kLogfmt)) == "service.name=api count=5\nservice.name=db count=2\n");
}

TEST_CASE("errors: groups with first and last seen and one example stack trace", "[query]") {
  auto r = parse_errors(R"json({"hits":{"total":{"value":7}},"aggregations":{"errors":{"buckets":[
      {"key":"fp1","doc_count":7,"first_seen":{"value":1,"value_as_string":"2024-03-05T10:00:00.000Z"},
       "last_seen":{"value":2,"value_as_string":"2024-03-05T10:05:00.000Z"},
       "example":{"hits":{"hits":[{"_source":{"message":"boom","host":{"name":"web-1"},"service":{"name":"api"},
         "error":{"type":"java.io.IOException","message":"disk full","stack_trace":"java.io.IOException: disk full\n\tat A.b(A.java:1)"}}}]}}}]}}})json");
  REQUIRE(r.ok());
  REQUIRE(r.value().buckets.size() == 1);
  CHECK(render_errors(r.value(), fmt(Format::kPretty)) ==
        "7 x fp1  java.io.IOException: disk full\n"
        "  first 2024-03-05T10:00:00.000Z  last 2024-03-05T10:05:00.000Z  api on web-1\n"
        "    java.io.IOException: disk full\n"
        "    \tat A.b(A.java:1)\n");
  const std::string jsonl = render_errors(r.value(), fmt(Format::kJsonl));
  CHECK_THAT(jsonl, Catch::StartsWith(R"({"fingerprint":"fp1","count":7,"first_seen":"2024-03-05T10:00:00.000Z",)"
                                      R"("last_seen":"2024-03-05T10:05:00.000Z","example":{"message":"boom")"));
}
