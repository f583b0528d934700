// Follow mode against a scripted fake cluster: each poll's answer is given by the test, the loop is stopped
// after the script ends, and time is a ManualClock (the poll interval is 0, so nothing sleeps).

#include <catch2/catch.hpp>
#include <atomic>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/time_util.h"
#include "query/run.h"
#include "tests/fakes/fake_http_client.h"

using logpipe::Error;
using logpipe::Result;
using logpipe::http::Request;
using logpipe::http::Response;
using logpipe::testing::FakeHttpClient;

namespace {

std::string hit(const std::string& id, int64_t ingested_micros) {
  return R"({"_id":")" + id + R"(","sort":[1],"_source":{"message":")" + id + R"(","event":{"ingested":")" +
         logpipe::format_rfc3339_millis(ingested_micros) + R"("}}})";
}

std::string hits(const std::vector<std::string>& h) {
  std::string joined;
  for (const auto& x : h) joined += (joined.empty() ? "" : ",") + x;
  return R"({"_shards":{"total":1},"hits":{"hits":[)" + joined + "]}}";
}

}  // namespace

TEST_CASE("follow: overlapping polls print each event once, late ones too, and survive errors", "[query]") {
  logpipe::ManualClock clock;
  const int64_t t = clock.wall_micros();
  // Answer 0 is the cluster's newest event.ingested, 1 the backlog; then one answer per poll. An Error is a
  // transport failure.
  std::vector<Result<Response>> script = {
      Response{200, R"({"hits":{"hits":[]},"aggregations":{"newest":{"value":)" + std::to_string((t - 5'000'000) / 1000) + ".0}}}"},
      Response{200, hits({hit("b1", t - 5'000'000)})},
      Response{200, hits({hit("b1", t - 5'000'000), hit("n1", t + 1'000'000)})},
      Error("connect 127.0.0.1:9200: Connection refused"),
      Error("connect 127.0.0.1:9200: Connection refused"),
      // The overlap re-reads n1; n2 became searchable late although ingested before n1.
      Response{200, hits({hit("n2", t + 500'000), hit("n1", t + 1'000'000), hit("n3", t + 2'000'000)})},
      Response{200, hits({hit("n3", t + 2'000'000), hit("n4", t + 30'000'000)})},
      Response{200, hits({hit("n4", t + 30'000'000)})},
  };
  std::atomic<bool> stop{false};
  size_t next = 0;
  std::vector<std::string> bodies;
  FakeHttpClient client([&](const Request& r) -> Result<Response> {
    bodies.push_back(r.body);
    if (next + 1 >= script.size()) stop.store(true);
    return next < script.size() ? script[next++] : Result<Response>(Response{200, hits({})});
  });
  logpipe::query::Command c;
  c.follow = true;
  c.follow_interval_seconds = 0;
  c.render.format = logpipe::query::Format::kRaw;
  std::ostringstream out, err;
  CHECK(logpipe::query::run_follow(c, client, clock, stop, out, err) == 0);
  CHECK(out.str() == "b1\nn1\nn2\nn3\nn4\n");
  CHECK(err.str() ==
        "1 event(s); following (Ctrl-C to stop)\n"
        "logpipe-query: follow: cannot reach Elasticsearch: connect 127.0.0.1:9200: Connection refused; retrying\n"
        "logpipe-query: follow: reconnected\n");
  // Each poll starts 10 s before the newest ingestion time printed so far (at first: the cluster's newest,
  // t - 5 s, not this machine's clock t).
  REQUIRE(bodies.size() == script.size());
  CHECK(bodies[0] == R"({"size":0,"aggs":{"newest":{"max":{"field":"event.ingested"}}}})");
  CHECK_THAT(bodies[2], Catch::Contains(R"("event.ingested":{"gte":")" + logpipe::format_rfc3339_millis(t - 15'000'000) + "\""));
  CHECK_THAT(bodies[5], Catch::Contains(R"("event.ingested":{"gte":")" + logpipe::format_rfc3339_millis(t - 9'000'000) + "\""));
  CHECK_THAT(bodies[7], Catch::Contains(R"("event.ingested":{"gte":")" + logpipe::format_rfc3339_millis(t + 20'000'000) + "\""));
}
