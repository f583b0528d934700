#include <catch2/catch.hpp>

#include "indexer/elasticsearch/retention.h"
#include "tests/fakes/fake_http_client.h"

using namespace logpipe;
using logpipe::indexer::expired_indices;
using logpipe::testing::FakeHttpClient;

namespace {
constexpr int64_t kNov14 = 1'699'999'200'000'000;  // 2023-11-14T22:00:00Z
}

TEST_CASE("retention: days before the last N (today included) expire, other names are never touched", "[indexer]") {
  const std::vector<std::string> names = {
      "logs-2023.11.14", "logs-2023.11.08", "logs-2023.11.07", "logs-2023.10.31", "logs-2022.12.31",
      "logs-deadletter",  // not a day
      "logs-2023.11.07-restored",  // a suffix: not ours
      "logs-2023.13.01",  // not a date
      "other-2020.01.01",  // another prefix
      "logs-x2023.11.01",
  };
  CHECK(expired_indices(names, "logs-", 7, kNov14) ==
        std::vector<std::string>{"logs-2023.11.07", "logs-2023.10.31", "logs-2022.12.31"});
  CHECK(expired_indices(names, "logs-", 0, kNov14).empty());  // 0 = off
  CHECK(expired_indices(names, "logs-", 1, kNov14).size() == 4);  // only today's stays
}

TEST_CASE("retention: lists the prefix's indices and deletes expired ones by full name", "[indexer]") {
  FakeHttpClient http([](const http::Request& req) -> Result<http::Response> {
    if (req.method == "GET")
      return http::Response{200, R"([{"index":"logs-2023.11.14"},{"index":"logs-2023.01.01"},{"index":"logs-2023.01.02"}])"};
    if (req.target == "/logs-2023.01.02") return http::Response{404, "{}"};  // deleted meanwhile by someone else
    return http::Response{200, R"({"acknowledged":true})"};
  });
  indexer::Retention retention(http, "logs-", 30);
  auto deleted = retention.run_once(kNov14);
  REQUIRE(deleted.ok());
  CHECK(*deleted == std::vector<std::string>{"logs-2023.01.01", "logs-2023.01.02"});
  const auto reqs = http.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].target == "/_cat/indices/logs-*?h=index&format=json");
  CHECK(reqs[1].method == "DELETE");
  CHECK(reqs[1].target == "/logs-2023.01.01");
  CHECK(reqs[2].target == "/logs-2023.01.02");
}

TEST_CASE("retention: a failed listing or delete is an error, nothing is assumed", "[indexer]") {
  FakeHttpClient down([](const http::Request&) -> Result<http::Response> { return Error("connect: refused"); });
  CHECK_FALSE(indexer::Retention(down, "logs-", 7).run_once(kNov14).ok());
  FakeHttpClient refusing([](const http::Request& req) -> Result<http::Response> {
    if (req.method == "GET") return http::Response{200, R"([{"index":"logs-2020.01.01"}])"};
    return http::Response{403, "forbidden"};
  });
  auto r = indexer::Retention(refusing, "logs-", 7).run_once(kNov14);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("HTTP 403") != std::string::npos);
}
