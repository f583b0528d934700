// Golden JSON for the query DSL: the exact bodies sent to Elasticsearch for each filter.

#include <catch2/catch.hpp>
#include <string>

#include "query/search_request.h"

using logpipe::query::build_follow_body;
using logpipe::query::build_search_body;
using logpipe::query::FieldFilter;
using logpipe::query::Page;
using logpipe::query::parse_levels;
using logpipe::query::SearchOptions;

namespace {

const std::string kDescSort =
    R"("sort":[{"@timestamp":{"order":"desc"}},{"log.offset":{"order":"desc","unmapped_type":"long"}}],)";
const std::string kAscSort =
    R"("sort":[{"@timestamp":{"order":"asc"}},{"log.offset":{"order":"asc","unmapped_type":"long"}}],)";

std::string body(const SearchOptions& o, const Page& page = {}) {
  auto r = build_search_body(o, page);
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("DSL golden: globs in -H/-s become wildcard queries next to the exact terms", "[query]") {
  SearchOptions o;
  o.hosts = {"web-1", "web-*"};
  o.services = {"check?ut"};
  CHECK(body(o) == R"({"size":100,)" + kDescSort +
                       R"("query":{"bool":{"filter":[)"
                       R"({"bool":{"should":[{"terms":{"host.name":["web-1"]}},{"wildcard":{"host.name":{"value":"web-*"}}}],"minimum_should_match":1}},)"
                       R"({"bool":{"should":[{"wildcard":{"service.name":{"value":"check?ut"}}}],"minimum_should_match":1}},)"
                       R"({"range":{"@timestamp":{"gte":"now-1h"}}}]}}})");
}

TEST_CASE("DSL golden: level, trace, field filters and query string", "[query]") {
  SearchOptions o;
  auto levels = parse_levels("error,fatal");
  REQUIRE(levels.ok());
  o.levels = levels.value();
  o.trace_id = "abc\"def";
  o.fields = {{"labels.team", FieldFilter::Op::kEq, "core"},
              {"log.logger", FieldFilter::Op::kNe, "audit"},
              {"error.type", FieldFilter::Op::kRegex, ".*Time\"out"}};
  o.query_string = "log.logger:db* AND NOT tags:_jsonparsefailure";
  o.text = "disk full";
  o.since = "15m";
  CHECK(body(o) == R"({"size":100,)" + kAscSort +  // --trace reads oldest first
                       R"("query":{"bool":{"filter":[)"
                       R"({"terms":{"log.level":["error","ERROR","Error","fatal","FATAL","Fatal"]}},)"
                       R"({"term":{"trace.id":{"value":"abc\"def"}}},)"
                       R"({"term":{"labels.team":{"value":"core"}}},)"
                       R"({"regexp":{"error.type":{"value":".*Time\"out"}}},)"
                       R"({"range":{"@timestamp":{"gte":"now-15m"}}}],)"
                       R"("must":[{"match":{"message":{"query":"disk full","operator":"and"}}},)"
                       R"({"query_string":{"query":"log.logger:db* AND NOT tags:_jsonparsefailure","default_field":"message"}}],)"
                       R"("must_not":[{"term":{"log.logger":{"value":"audit"}}}]}}})");
}

TEST_CASE("DSL golden: absolute and --around ranges, --to exclusive", "[query]") {
  SearchOptions o;
  o.from = "2024-03-05T10:00:00.000000Z";
  o.to = "now-1h";
  o.since = "7d";  // ignored when from is set
  o.limit = 5;
  CHECK(body(o) == R"({"size":5,)" + kDescSort +
                       R"("query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"2024-03-05T10:00:00.000000Z","lt":"now-1h"}}}]}}})");
  o.from = "2024-03-05T10:00:00.000000Z||-5m";
  o.to = "2024-03-05T10:00:00.000000Z||+5m";
  o.oldest_first = true;
  CHECK(body(o) == R"({"size":5,)" + kAscSort +
                       R"("query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"2024-03-05T10:00:00.000000Z||-5m","lt":"2024-03-05T10:00:00.000000Z||+5m"}}}]}}})");
}

TEST_CASE("DSL golden: a page under a point in time", "[query]") {
  SearchOptions o;
  o.limit = 0;  // all: read oldest first, page by page
  Page page{"PITID==", R"([1709633472000000000,300,17])", 1000};
  CHECK(body(o, page) ==
        R"({"size":1000,"sort":[{"@timestamp":{"order":"asc"}},{"log.offset":{"order":"asc","unmapped_type":"long"}},)"
        R"({"_shard_doc":{"order":"asc"}}],"pit":{"id":"PITID==","keep_alive":"2m"},)"
        R"("search_after":[1709633472000000000,300,17],)"
        R"("query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"now-1h"}}}]}}})");
}

TEST_CASE("DSL golden: follow polls by ingestion time", "[query]") {
  SearchOptions o;
  o.services = {"api"};
  o.from = "2024-03-05T10:00:00.000000Z";  // the backlog's window does not limit new events
  CHECK(build_follow_body(o, "2024-03-05T10:00:00.000Z", 10000) ==
        R"({"size":10000,"sort":[{"event.ingested":{"order":"asc","unmapped_type":"date"}},)"
        R"({"@timestamp":{"order":"asc"}},{"log.offset":{"order":"asc","unmapped_type":"long"}}],)"
        R"("query":{"bool":{"filter":[{"terms":{"service.name":["api"]}},)"
        R"({"range":{"event.ingested":{"gte":"2024-03-05T10:00:00.000Z"}}}]}}})");
}

TEST_CASE("DSL golden: a cursor resumes after its position, skipping ties under a point in time", "[query]") {
  SearchOptions o;
  o.limit = 3;
  REQUIRE(logpipe::query::apply_cursor("a1709633472000000000_300", o).ok());
  CHECK(o.oldest_first);
  CHECK(body(o) == R"({"size":3,)" + kAscSort + R"("search_after":[1709633472000000000,300],)"
                       R"("query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"now-1h"}}}]}}})");
  CHECK(body(o, Page{"P", "", 1000}) ==
        R"({"size":1000,"sort":[{"@timestamp":{"order":"asc"}},{"log.offset":{"order":"asc","unmapped_type":"long"}},)"
        R"({"_shard_doc":{"order":"asc"}}],"pit":{"id":"P","keep_alive":"2m"},)"
        R"("search_after":[1709633472000000000,300,9223372036854775807],)"
        R"("query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"now-1h"}}}]}}})");
  // A later page's own position wins over the cursor.
  CHECK(body(o, Page{"P", "[5,6,7]", 1000}).find(R"("search_after":[5,6,7])") != std::string::npos);

  SearchOptions d;
  REQUIRE(logpipe::query::apply_cursor("d1709633472000000000_-9223372036854775808", d).ok());
  CHECK_FALSE(d.oldest_first);
  CHECK(body(d).find(R"("search_after":[1709633472000000000,-9223372036854775808],)") != std::string::npos);
  CHECK(body(d, Page{"P", "", 10}).find(R"("search_after":[1709633472000000000,-9223372036854775808,-1],)") != std::string::npos);
}

TEST_CASE("DSL golden: under an OpenSearch point in time the tiebreaker is _id, ties skipped with string bounds", "[query]") {
  SearchOptions o;
  o.limit = 3;
  REQUIRE(logpipe::query::apply_cursor("a1709633472000000000_300", o).ok());
  CHECK(body(o, Page{"P", "", 1000, "_id"}) ==
        R"({"size":1000,"sort":[{"@timestamp":{"order":"asc"}},{"log.offset":{"order":"asc","unmapped_type":"long"}},)"
        R"({"_id":{"order":"asc"}}],"pit":{"id":"P","keep_alive":"2m"},)"
        R"("search_after":[1709633472000000000,300,"\uffff"],)"
        R"("query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"now-1h"}}}]}}})");
  SearchOptions d;
  REQUIRE(logpipe::query::apply_cursor("d1709633472000000000_300", d).ok());
  CHECK(body(d, Page{"P", "", 10, "_id"}).find(R"("search_after":[1709633472000000000,300,""],)") != std::string::npos);
  CHECK(body(d, Page{"P", "", 10, "_id"}).find(R"({"_id":{"order":"desc"}}])") != std::string::npos);
}

TEST_CASE("cursor: made from sort values, bad ones rejected", "[query]") {
  using logpipe::query::apply_cursor;
  using logpipe::query::make_cursor;
  CHECK(make_cursor(true, "[1709633472000000000,300]") == "a1709633472000000000_300");
  CHECK(make_cursor(false, "[1709633472000000000,-9223372036854775808,12]") == "d1709633472000000000_-9223372036854775808");
  CHECK(make_cursor(true, "[1]").empty());
  CHECK(make_cursor(true, "").empty());
  const std::string bad = GENERATE(as<std::string>{}, "", "a", "a1", "a1_", "x1_2", "a1_2x", "a_2", "a1.5_2", "d1_2 ");
  SearchOptions o;
  INFO(bad);
  CHECK_FALSE(apply_cursor(bad, o).ok());
  SearchOptions all;
  all.limit = 0;
  CHECK_FALSE(apply_cursor("d1_2", all).ok());  // -n 0 reads oldest first
  CHECK(apply_cursor("a1_2", all).ok());
}
