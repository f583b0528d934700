#include "query/es_search.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "query/run.h"
#include "tests/fakes/fake_http_client.h"

using logpipe::Error;
using logpipe::Result;
using logpipe::http::Request;
using logpipe::http::Response;
using logpipe::query::describe_http_error;
using logpipe::query::Hit;
using logpipe::query::Searcher;
using logpipe::query::SearchOptions;
using logpipe::testing::FakeHttpClient;

namespace {

// A fake cluster holding events 1..n (event i has sort value [i]); answers _search pages honouring size,
// sort order and search_after, and _pit open/close.
// `engine` decides which point in time API exists: Elasticsearch's _pit, OpenSearch's
// _search/point_in_time, or none (each engine answers the other's endpoint like the real one: 405 / 400).
enum class Engine { kElasticsearch, kOpenSearch, kNone };

struct FakeCluster {
  int64_t n = 0;
  bool pit_available = true;  // false: Engine::kNone
  int searches = 0;
  Engine engine = Engine::kElasticsearch;

  Result<Response> operator()(const Request& r) {
    const Engine e = pit_available ? engine : Engine::kNone;
    if (r.target.find("/_pit") != std::string::npos) {
      if (e != Engine::kElasticsearch) return Response{405, R"({"error":"Incorrect HTTP method for uri [/x/_pit]"})"};
      if (r.method == "DELETE") return Response{200, R"({"succeeded":true})"};
      return Response{200, R"({"id":"PIT1","_shards":{"total":1}})"};
    }
    if (r.target.find("/_search/point_in_time") != std::string::npos) {
      if (e != Engine::kOpenSearch)
        return Response{400, R"({"error":{"type":"illegal_argument_exception","reason":"request does not support [pit]"}})"};
      if (r.method == "DELETE") return Response{200, R"({"pits":[{"pit_id":"OSPIT","successful":true}]})"};
      return Response{200, R"({"pit_id":"OSPIT","_shards":{"total":1},"creation_time":1})"};
    }
    ++searches;
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    if (parser.parse(r.body).get(body) != simdjson::SUCCESS) return Response{400, "{}"};
    int64_t size = 0;
    if (body["size"].get(size) != simdjson::SUCCESS) size = 10;
    std::string_view order;
    if (body.at_pointer("/sort/0/@timestamp/order").get(order) != simdjson::SUCCESS) order = "desc";
    const bool asc = order == "asc";
    int64_t after = 0;
    if (body.at_pointer("/search_after/0").get(after) != simdjson::SUCCESS) after = asc ? 0 : n + 1;
    std::string hits;
    int64_t count = 0;
    for (int64_t i = asc ? after + 1 : after - 1; (asc ? i <= n : i >= 1) && count < size; i += asc ? 1 : -1, ++count) {
      if (!hits.empty()) hits += ",";
      hits += R"({"_id":"id)" + std::to_string(i) + R"(","sort":[)" + std::to_string(i) + R"(],"_source":{"message":"m)" +
              std::to_string(i) + R"("}})";
    }
    const std::string pit = e == Engine::kOpenSearch ? "OSPIT" : "PIT1";
    return Response{200, R"({"_shards":{"total":1},"pit_id":")" + pit + R"(","hits":{"hits":[)" + hits + "]}}"};
  }
};

std::vector<std::string> run(FakeHttpClient& client, const SearchOptions& o, logpipe::query::SearchStats* stats = nullptr,
                             int64_t page_size = 1000) {
  Searcher s(client, "logs-*");
  s.page_size = page_size;
  std::vector<std::string> out;
  auto r = s.search(o, [&](const Hit& h) { out.push_back(h.message); });
  REQUIRE(r.ok());
  if (stats != nullptr) *stats = r.value();
  return out;
}

std::vector<std::string> messages(int64_t from, int64_t to) {
  std::vector<std::string> out;
  for (int64_t i = from; i <= to; ++i) out.push_back("m" + std::to_string(i));
  return out;
}

}  // namespace

TEST_CASE("Searcher: up to 10,000 events is one request, printed oldest first", "[query]") {
  FakeCluster cluster{50};
  FakeHttpClient client(std::ref(cluster));
  SearchOptions o;
  o.limit = 10;
  CHECK(run(client, o) == messages(41, 50));
  REQUIRE(client.requests().size() == 1);
  CHECK(client.requests()[0].target == "/logs-*/_search?ignore_unavailable=true&allow_no_indices=true");
  o.oldest_first = true;
  CHECK(run(client, o) == messages(1, 10));
}

TEST_CASE("Searcher: -n 0 pages under a point in time and returns each event once", "[query]") {
  FakeCluster cluster{2501};
  FakeHttpClient client(std::ref(cluster));
  SearchOptions o;
  o.limit = 0;
  logpipe::query::SearchStats stats;
  CHECK(run(client, o, &stats, 1000) == messages(1, 2501));
  CHECK(stats.used_pit);
  CHECK(stats.events == 2501);
  CHECK(stats.warning.empty());
  CHECK(cluster.searches == 3);
  // PIT opened first, searched without an index in the path, closed at the end.
  CHECK(client.requests().front().target == "/logs-*/_pit?keep_alive=2m&ignore_unavailable=true&allow_no_indices=true");
  CHECK(client.requests()[1].target == "/_search");
  CHECK(client.requests().back().method == "DELETE");
  CHECK(client.requests().back().body == R"({"id":"PIT1"})");
}

TEST_CASE("Searcher: on OpenSearch the point in time comes from _search/point_in_time, probed once", "[query]") {
  FakeCluster cluster{2501};
  cluster.engine = Engine::kOpenSearch;
  FakeHttpClient client(std::ref(cluster));
  Searcher s(client, "logs-*");
  SearchOptions o;
  o.limit = 0;
  for (int round = 0; round < 2; ++round) {
    std::vector<std::string> out;
    auto stats = s.search(o, [&](const Hit& h) { out.push_back(h.message); });
    REQUIRE(stats.ok());
    CHECK(out == messages(1, 2501));
    CHECK(stats->used_pit);
    CHECK(stats->warning.empty());
  }
  CHECK(s.pit_api() == logpipe::query::PitApi::kOpenSearch);
  const auto& r = client.requests();
  // First search: the Elasticsearch form is refused, the OpenSearch form opens; the second search goes
  // straight to the OpenSearch form.
  CHECK(r[0].target == "/logs-*/_pit?keep_alive=2m&ignore_unavailable=true&allow_no_indices=true");
  CHECK(r[1].target == "/logs-*/_search/point_in_time?keep_alive=2m");
  CHECK(r[2].body.find(R"("pit":{"id":"OSPIT")") != std::string::npos);
  CHECK(r[5].method == "DELETE");
  CHECK(r[5].target == "/_search/point_in_time");
  CHECK(r[5].body == R"({"pit_id":["OSPIT"]})");
  CHECK(r[6].target == "/logs-*/_search/point_in_time?keep_alive=2m");
}

TEST_CASE("Searcher: an authentication failure opening a point in time is not mistaken for a missing API", "[query]") {
  FakeHttpClient client([](const Request&) -> Result<Response> { return Response{401, R"({"error":{"type":"security_exception","reason":"nope"}})"}; });
  Searcher s(client, "logs-*");
  SearchOptions o;
  o.limit = 0;
  auto stats = s.search(o, [](const Hit&) {});
  REQUIRE_FALSE(stats.ok());
  CHECK(stats.error().message() == "authentication failed (HTTP 401): security_exception: nope");
  CHECK(client.requests().size() == 2);  // the PIT (not retried in the OpenSearch form), then the search
}

TEST_CASE("Searcher: newest N beyond one window are collected and printed oldest first", "[query]") {
  FakeCluster cluster{25000};
  FakeHttpClient client(std::ref(cluster));
  SearchOptions o;
  o.limit = 12000;
  CHECK(run(client, o, nullptr, 5000) == messages(13001, 25000));
}

TEST_CASE("Searcher: without a point in time it falls back to search_after and says so", "[query]") {
  FakeCluster cluster{30};
  cluster.pit_available = false;
  FakeHttpClient client(std::ref(cluster));
  SearchOptions o;
  o.limit = 0;
  logpipe::query::SearchStats stats;
  CHECK(run(client, o, &stats, 7) == messages(1, 30));
  CHECK_FALSE(stats.used_pit);
  CHECK_THAT(stats.warning, Catch::Contains("point in time not available"));
  CHECK(client.requests()[1].target == "/logs-*/_search/point_in_time?keep_alive=2m");  // both forms tried
  CHECK(client.requests()[2].target == "/logs-*/_search?ignore_unavailable=true&allow_no_indices=true");
}

TEST_CASE("describe_http_error: one line with the error type and reason", "[query]") {
  CHECK(describe_http_error(404, R"({"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [x]"}],)"
                                 R"("type":"index_not_found_exception","reason":"no such index [x]"},"status":404})") ==
        "HTTP 404: index_not_found_exception: no such index [x]");
  CHECK(describe_http_error(401, R"({"error":{"type":"security_exception","reason":"missing authentication credentials"}})") ==
        "authentication failed (HTTP 401): security_exception: missing authentication credentials");
  CHECK(describe_http_error(403, R"({"error":{"type":"security_exception","reason":"action [indices:data/read/search] is unauthorized"}})") ==
        "not authorized (HTTP 403): security_exception: action [indices:data/read/search] is unauthorized");
  CHECK(describe_http_error(502, "<html>\nbad gateway</html>") == "HTTP 502: <html> bad gateway</html>");
  CHECK(describe_http_error(503, "") == "HTTP 503");
}

TEST_CASE("run_search: exit codes 0, 1 and 2 with one error line", "[query]") {
  logpipe::query::Command c;
  c.search.limit = 5;
  std::ostringstream out, err;

  FakeCluster some{3};
  FakeHttpClient ok(std::ref(some));
  CHECK(logpipe::query::run_search(c, ok, out, err) == 0);
  CHECK(out.str().find("m3") != std::string::npos);
  CHECK(err.str() == "3 event(s)\n");

  FakeCluster none{0};
  FakeHttpClient empty(std::ref(none));
  err.str("");
  CHECK(logpipe::query::run_search(c, empty, out, err) == 1);

  FakeHttpClient refused([](const Request&) -> Result<Response> { return Error("connect 127.0.0.1:1: Connection refused"); });
  err.str("");
  CHECK(logpipe::query::run_search(c, refused, out, err) == 2);
  CHECK(err.str() == "logpipe-query: cannot reach Elasticsearch: connect 127.0.0.1:1: Connection refused (http://127.0.0.1:9200)\n");

  FakeHttpClient forbidden([](const Request&) -> Result<Response> { return Response{401, R"({"error":{"type":"security_exception","reason":"nope"}})"}; });
  err.str("");
  CHECK(logpipe::query::run_search(c, forbidden, out, err) == 2);
  CHECK(err.str() == "logpipe-query: authentication failed (HTTP 401): security_exception: nope (http://127.0.0.1:9200)\n");

  FakeHttpClient no_index([](const Request&) -> Result<Response> { return Response{200, R"({"_shards":{"total":0},"hits":{"hits":[]}})"}; });
  err.str("");
  CHECK(logpipe::query::run_search(c, no_index, out, err) == 1);
  CHECK(err.str() == "logpipe-query: no index matches 'logs-*'\n0 event(s)\n");
  c.quiet = true;
  err.str("");
  CHECK(logpipe::query::run_search(c, no_index, out, err) == 1);
  CHECK(err.str().empty());
}
