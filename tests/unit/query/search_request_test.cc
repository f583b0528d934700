#include "query/search_request.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "query/output.h"

using logpipe::query::build_search_body;
using logpipe::query::Format;
using logpipe::query::Hit;
using logpipe::query::parse_hits;
using logpipe::query::render;
using logpipe::query::SearchOptions;
using logpipe::query::since_to_date_math;

namespace {

// The parsed search body, with the filter clauses indexed by their kind ("terms:host.name", "range").
struct Body {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::vector<std::string> filter_kinds;
  std::map<std::string, simdjson::dom::element> filters;

  explicit Body(const SearchOptions& o) {
    auto body = build_search_body(o);
    REQUIRE(body.ok());
    INFO(body.value());
    REQUIRE(parser.parse(body.value()).get(root) == simdjson::SUCCESS);
    simdjson::dom::array arr;
    REQUIRE(root.at_pointer("/query/bool/filter").get(arr) == simdjson::SUCCESS);
    for (simdjson::dom::element clause : arr) {
      simdjson::dom::object obj;
      REQUIRE(clause.get(obj) == simdjson::SUCCESS);
      REQUIRE(obj.size() == 1);
      const auto outer = *obj.begin();
      std::string kind(outer.key);
      if (kind == "terms") {
        simdjson::dom::object terms;
        REQUIRE(outer.value.get(terms) == simdjson::SUCCESS);
        REQUIRE(terms.size() == 1);
        kind += ":" + std::string((*terms.begin()).key);
      }
      filter_kinds.push_back(kind);
      filters[kind] = clause;
    }
  }

  std::string str(std::string_view pointer) {
    std::string_view v;
    if (root.at_pointer(pointer).get(v) != simdjson::SUCCESS) return "<missing>";
    return std::string(v);
  }
  bool has(std::string_view pointer) {
    simdjson::dom::element e;
    return root.at_pointer(pointer).get(e) == simdjson::SUCCESS;
  }
  std::vector<std::string> terms(const std::string& field) {
    std::vector<std::string> out;
    simdjson::dom::array arr;
    REQUIRE(filters.count("terms:" + field) == 1);
    REQUIRE(filters["terms:" + field]["terms"][field].get(arr) == simdjson::SUCCESS);
    for (simdjson::dom::element e : arr) {
      std::string_view v;
      REQUIRE(e.get(v) == simdjson::SUCCESS);
      out.emplace_back(v);
    }
    return out;
  }
};

// A recorded-style Elasticsearch search response, newest hit first (as the request sorts).
constexpr std::string_view kSearchResponse = R"({
  "took": 5, "timed_out": false,
  "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
  "hits": {
    "total": {"value": 3, "relation": "eq"},
    "max_score": null,
    "hits": [
      {"_index": "logs-2024.03.05", "_id": "c", "_score": null, "sort": [1709633474000000000, 300],
       "_source": {"@timestamp": "2024-03-05T10:11:14.000000Z", "message": "third",
                   "host": {"name": "web-1"}, "service": {"name": "checkout"}, "log": {"level": "ERROR", "offset": 300}}},
      {"_index": "logs-2024.03.05", "_id": "b", "_score": null, "sort": [1709633473000000000, 200],
       "_source": {"@timestamp": "2024-03-05T10:11:13.000000Z", "message": "second \"quoted\"\nline two",
                   "host": {"name": "web-2"}, "service": {"name": "cart"}}},
      {"_index": "logs-2024.03.05", "_id": "a", "_score": null, "sort": [1709633472000000000, 100],
       "_source": {"message": "first"}}
    ]
  }
})";

}  // namespace

TEST_CASE("since_to_date_math accepts a positive number with s/m/h/d", "[query]") {
  auto math = [](const std::string& s) {
    auto r = since_to_date_math(s);
    return r.ok() ? r.value() : "<error>";
  };
  CHECK(math("15m") == "now-15m");
  CHECK(math("30s") == "now-30s");
  CHECK(math("1h") == "now-1h");
  CHECK(math("2d") == "now-2d");
  CHECK(math("007m") == "now-7m");
}

TEST_CASE("since_to_date_math rejects bad windows and names the input", "[query]") {
  const std::string bad = GENERATE(as<std::string>{}, "", "0m", "5x", "m", "-1h", "5", "1.5h", "5M", " 5m", "5m ",
                                   "+5m", "5mm", "99999999999999999999m");
  INFO("since='" << bad << "'");
  auto r = since_to_date_math(bad);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::Contains("'" + bad + "'"));
}

TEST_CASE("build_search_body: defaults give size, sort and a time range only", "[query]") {
  SearchOptions o;
  auto body = build_search_body(o);
  REQUIRE(body.ok());
  CHECK(body.value() ==
        R"({"size":100,"sort":[{"@timestamp":{"order":"desc"}},)"
        R"({"log.offset":{"order":"desc","unmapped_type":"long"}}],)"
        R"("query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"now-1h"}}}]}}})");

  Body b(o);
  CHECK(b.filter_kinds == std::vector<std::string>{"range"});
  CHECK_FALSE(b.has("/query/bool/must"));
}

TEST_CASE("build_search_body: structure with all filters", "[query]") {
  SearchOptions o;
  o.hosts = {"web-1", "web-2"};
  o.services = {"checkout"};
  o.text = "payment failed";
  o.since = "15m";
  o.limit = 25;
  Body b(o);

  int64_t size = 0;
  REQUIRE(b.root["size"].get(size) == simdjson::SUCCESS);
  CHECK(size == 25);

  simdjson::dom::array sort;
  REQUIRE(b.root["sort"].get(sort) == simdjson::SUCCESS);
  CHECK(sort.size() == 2);
  CHECK(b.str("/sort/0/@timestamp/order") == "desc");
  CHECK(b.str("/sort/1/log.offset/order") == "desc");
  CHECK(b.str("/sort/1/log.offset/unmapped_type") == "long");

  CHECK(b.filter_kinds == std::vector<std::string>{"terms:host.name", "terms:service.name", "range"});
  CHECK(b.terms("host.name") == std::vector<std::string>{"web-1", "web-2"});
  CHECK(b.terms("service.name") == std::vector<std::string>{"checkout"});
  std::string_view gte;
  REQUIRE(b.filters["range"].at_pointer("/range/@timestamp/gte").get(gte) == simdjson::SUCCESS);
  CHECK(gte == "now-15m");

  simdjson::dom::array must;
  REQUIRE(b.root.at_pointer("/query/bool/must").get(must) == simdjson::SUCCESS);
  CHECK(must.size() == 1);
  CHECK(b.str("/query/bool/must/0/match/message/query") == "payment failed");
  CHECK(b.str("/query/bool/must/0/match/message/operator") == "and");
}

TEST_CASE("build_search_body: host and service filters only when given", "[query]") {
  SearchOptions hosts_only;
  hosts_only.hosts = {"db-1"};
  Body h(hosts_only);
  CHECK(h.filter_kinds == std::vector<std::string>{"terms:host.name", "range"});
  CHECK(h.terms("host.name") == std::vector<std::string>{"db-1"});

  SearchOptions services_only;
  services_only.services = {"a", "b"};
  Body s(services_only);
  CHECK(s.filter_kinds == std::vector<std::string>{"terms:service.name", "range"});
  CHECK(s.terms("service.name") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("build_search_body: a bad since is an error", "[query]") {
  SearchOptions o;
  o.since = "yesterday";
  auto r = build_search_body(o);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::Contains("'yesterday'"));
}

TEST_CASE("build_search_body: user text cannot inject query structure", "[query]") {
  const std::string nasty =
      "x\"}}],\"must_not\":[{\"match_all\":{}}]}} \\\" \\ \n\r\t \"}} end \x01 caf\xC3\xA9";
  SearchOptions o;
  o.text = nasty;
  o.hosts = {nasty, "plain"};
  o.services = {"svc\"}}]"};
  Body b(o);

  CHECK(b.str("/query/bool/must/0/match/message/query") == nasty);
  CHECK(b.terms("host.name") == std::vector<std::string>{nasty, "plain"});
  CHECK(b.terms("service.name") == std::vector<std::string>{"svc\"}}]"});
  CHECK(b.filter_kinds == std::vector<std::string>{"terms:host.name", "terms:service.name", "range"});
  CHECK_FALSE(b.has("/query/bool/must_not"));

  simdjson::dom::object top;
  REQUIRE(b.root.get(top) == simdjson::SUCCESS);
  CHECK(top.size() == 3);  // size, sort, query
  simdjson::dom::object boolean;
  REQUIRE(b.root.at_pointer("/query/bool").get(boolean) == simdjson::SUCCESS);
  CHECK(boolean.size() == 2);  // filter, must
}

TEST_CASE("parse_hits returns hits oldest first with their fields", "[query]") {
  auto r = parse_hits(std::string(kSearchResponse));
  REQUIRE(r.ok());
  const auto& hits = r.value();
  REQUIRE(hits.size() == 3);

  CHECK(hits[0].message == "first");
  CHECK(hits[1].message == "second \"quoted\"\nline two");
  CHECK(hits[2].message == "third");

  CHECK(hits[2].timestamp == "2024-03-05T10:11:14.000000Z");
  CHECK(hits[2].host == "web-1");
  CHECK(hits[2].service == "checkout");
  CHECK(hits[2].level == "ERROR");
  CHECK(hits[1].host == "web-2");
  CHECK(hits[1].service == "cart");
  CHECK(hits[1].level.empty());

  // Missing fields are empty.
  CHECK(hits[0].timestamp.empty());
  CHECK(hits[0].host.empty());
  CHECK(hits[0].service.empty());
  CHECK(hits[0].level.empty());

  // source is the whole _source as JSON.
  CHECK(hits[0].source == R"({"message":"first"})");
  simdjson::dom::parser parser;
  simdjson::dom::element src;
  REQUIRE(parser.parse(hits[2].source).get(src) == simdjson::SUCCESS);
  int64_t offset = 0;
  REQUIRE(src.at_pointer("/log/offset").get(offset) == simdjson::SUCCESS);
  CHECK(offset == 300);
  std::string_view msg;
  REQUIRE(parser.parse(hits[1].source).get(src) == simdjson::SUCCESS);
  REQUIRE(src["message"].get(msg) == simdjson::SUCCESS);
  CHECK(msg == "second \"quoted\"\nline two");
}

TEST_CASE("parse_hits with no hits returns an empty list", "[query]") {
  auto r = parse_hits(R"({"hits":{"total":{"value":0,"relation":"eq"},"hits":[]}})");
  REQUIRE(r.ok());
  CHECK(r.value().empty());
}

TEST_CASE("parse_hits rejects non-JSON and responses without hits", "[query]") {
  const std::string bad = GENERATE(as<std::string>{}, "", "not json", "<html>502</html>", R"({"hits":)",
                                   R"({"error":{"type":"index_not_found_exception"},"status":404})",
                                   R"({"hits":{"total":0}})", R"({"hits":{"hits":{}}})");
  INFO(bad);
  CHECK_FALSE(parse_hits(bad).ok());
}

TEST_CASE("render: pretty, jsonl and raw formats", "[query]") {
  std::vector<Hit> hits(2);
  hits[0] = {"2024-03-05T10:11:12.000000Z", "web-1", "checkout", "ERROR", "boom", R"({"message":"boom"})"};
  hits[1] = {"2024-03-05T10:11:13.000000Z", "web-2", "cart", "", "ok", R"({"message":"ok","x":1})"};

  CHECK(render(hits, Format::kPretty) ==
        "2024-03-05T10:11:12.000000Z web-1 checkout ERROR boom\n"
        "2024-03-05T10:11:13.000000Z web-2 cart ok\n");
  CHECK(render(hits, Format::kJsonl) ==
        "{\"message\":\"boom\"}\n"
        "{\"message\":\"ok\",\"x\":1}\n");
  CHECK(render(hits, Format::kRaw) == "boom\nok\n");

  for (Format f : {Format::kPretty, Format::kJsonl, Format::kRaw}) CHECK(render({}, f).empty());
}

TEST_CASE("render: jsonl of parsed hits gives one valid JSON document per line", "[query]") {
  auto hits = parse_hits(std::string(kSearchResponse));
  REQUIRE(hits.ok());
  const std::string out = render(hits.value(), Format::kJsonl);
  simdjson::dom::parser parser;
  size_t lines = 0;
  size_t start = 0;
  for (size_t nl = out.find('\n'); nl != std::string::npos; nl = out.find('\n', start)) {
    const std::string line = out.substr(start, nl - start);
    simdjson::dom::element e;
    CHECK(parser.parse(line).get(e) == simdjson::SUCCESS);
    ++lines;
    start = nl + 1;
  }
  CHECK(lines == 3);
  CHECK(start == out.size());
}
