#include <catch2/catch.hpp>

#include <atomic>

#include "common/http/beast_client.h"
#include "common/http/status_server.h"

using namespace logpipe;

TEST_CASE("status server: /metrics, /health reflecting the callback, 404 elsewhere", "[common]") {
  metrics::Registry registry;
  registry.counter("demo_total", "a demo counter").inc(7);
  std::atomic<bool> healthy{true};
  http::StatusServer server(registry, [&] { return http::Health{healthy.load(), R"({"kafka":"x"})"}; });
  REQUIRE(server.start("127.0.0.1", 0).ok());
  REQUIRE(server.port() != 0);
  http::BeastClient client({"127.0.0.1", std::to_string(server.port()), ""}, std::chrono::seconds(5));

  auto m = client.send({"GET", "/metrics", "", ""});
  REQUIRE(m.ok());
  CHECK(m->status == 200);
  CHECK(m->body.find("demo_total 7\n") != std::string::npos);

  auto h = client.send({"GET", "/health", "", ""});
  REQUIRE(h.ok());
  CHECK(h->status == 200);
  CHECK(h->body == "{\"status\":\"ok\",\"details\":{\"kafka\":\"x\"}}\n");
  healthy = false;
  h = client.send({"GET", "/health", "", ""});
  REQUIRE(h.ok());
  CHECK(h->status == 503);

  auto other = client.send({"GET", "/nope", "", ""});
  REQUIRE(other.ok());
  CHECK(other->status == 404);
  server.stop();
}

TEST_CASE("status server: listen addresses are validated", "[common]") {
  CHECK(http::parse_listen_address("127.0.0.1:9600").ok());
  CHECK(http::parse_listen_address("127.0.0.1:9600")->second == 9600);
  CHECK_FALSE(http::parse_listen_address("127.0.0.1").ok());
  CHECK_FALSE(http::parse_listen_address("127.0.0.1:70000").ok());
  CHECK_FALSE(http::parse_listen_address(":80").ok());
}

TEST_CASE("metrics: a replaced gauge family shows only the latest series", "[common]") {
  metrics::Registry r;
  r.set_gauge_family("lag_bytes", "lag", {{{{"path", "/a"}}, 5}, {{{"path", "/b"}}, 6}});
  r.set_gauge_family("lag_bytes", "lag", {{{{"path", "/b"}}, 1}});
  const auto text = r.render_prometheus();
  CHECK(text.find("lag_bytes{path=\"/a\"}") == std::string::npos);
  CHECK(text.find("lag_bytes{path=\"/b\"} 1\n") != std::string::npos);
}
