#include <catch2/catch.hpp>

#include <simdjson.h>

#include "common/clock.h"
#include "common/metrics.h"
#include "indexer/pipeline.h"
#include "tests/fakes/fake_consumer.h"
#include "tests/fakes/fake_http_client.h"

using namespace logpipe;
using namespace std::chrono_literals;
using logpipe::testing::FakeConsumer;
using logpipe::testing::FakeHttpClient;

namespace {

kafka::InRecord record(int64_t offset, std::string line) {
  kafka::RecordMeta m;
  m.host = "h";
  m.service = "svc";
  m.path = "/var/log/svc.log";
  m.file_id = "1:2:3";
  m.offset = offset * 100;
  m.read_micros = 1'700'000'000'000'000;
  return kafka::InRecord{"logs", 0, offset, 0, "k", std::move(line), kafka::encode_headers(m)};
}

// Counts the documents in a bulk body (two lines per document).
size_t bulk_items(const std::string& body) {
  return static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) / 2;
}

http::Response bulk_response(const std::vector<int>& statuses) {
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i) body += ",";
    body += "{\"create\":{\"status\":" + std::to_string(statuses[i]);
    if (statuses[i] >= 400 && statuses[i] != 409)
      body += ",\"error\":{\"type\":\"" + std::string(statuses[i] == 429 ? "es_rejected_execution_exception" : "document_parsing_exception") + "\",\"reason\":\"because\"}";
    body += "}}";
  }
  return {200, body + "]}"};
}

struct Harness {
  FakeConsumer consumer;
  ManualClock clock;
  metrics::Registry registry;
  std::atomic<bool> stop{false};
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<FakeHttpClient> http;
  std::unique_ptr<indexer::ElasticsearchClient> es;
  std::unique_ptr<indexer::Pipeline> pipeline;

  explicit Harness(FakeHttpClient::Handler handler) {
    http = std::make_unique<FakeHttpClient>(std::move(handler));
    es = std::make_unique<indexer::ElasticsearchClient>(*http);
    indexer::IndexerConfig c;
    c.index_prefix = "logs-";
    c.deadletter_index = "dlq";
    pipeline = std::make_unique<indexer::Pipeline>(
        c, consumer, *es, clock, registry, [this](std::chrono::milliseconds d) { sleeps.push_back(d); }, stop);
  }
  uint64_t counter(const std::string& name) { return registry.counter(name, "").value(); }
};

}  // namespace

TEST_CASE("mixed bulk outcomes: stored, duplicate, retried alone, dead-lettered; then committed", "[indexer]") {
  int bulk_calls = 0;
  std::vector<std::string> bodies;
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    bodies.push_back(req.body);
    ++bulk_calls;
    if (bulk_calls == 1) return bulk_response({201, 409, 429, 400});  // the batch
    if (req.body.find("\"_index\":\"dlq\"") != std::string::npos) return bulk_response({201});
    return bulk_response({201});  // the retried 429 item
  });
  h.consumer.queue_batch({record(10, "a"), record(11, "b"), record(12, "c"), record(13, "d")});
  auto n = h.pipeline->run_once();
  REQUIRE(n.ok());
  CHECK(*n == 4);

  REQUIRE(bodies.size() == 3);
  CHECK(bulk_items(bodies[0]) == 4);
  // The dead-letter request carries the raw event and Elasticsearch's error.
  CHECK(bodies[1].find("\"_index\":\"dlq\"") != std::string::npos);
  CHECK(bodies[1].find("\"original\":\"d\"") != std::string::npos);
  CHECK(bodies[1].find("document_parsing_exception") != std::string::npos);
  // Only the 429 item is retried.
  CHECK(bulk_items(bodies[2]) == 1);
  CHECK(bodies[2].find("\"message\":\"c\"") != std::string::npos);

  REQUIRE(h.consumer.commits().size() == 1);
  REQUIRE(h.consumer.commits()[0].size() == 1);
  CHECK(h.consumer.commits()[0][0].next_offset == 14);
  CHECK(h.counter("logpipe_indexer_documents_indexed_total") == 2);
  CHECK(h.counter("logpipe_indexer_duplicates_absorbed_total") == 1);
  CHECK(h.counter("logpipe_indexer_items_retried_total") == 1);
  CHECK(h.counter("logpipe_indexer_dead_lettered_total") == 1);
  CHECK(h.sleeps.size() == 1);  // one backoff before the retry
}

TEST_CASE("connection errors are retried with growing backoff and nothing is committed until stored", "[indexer]") {
  int calls = 0;
  Harness h([&](const http::Request&) -> Result<http::Response> {
    if (++calls <= 3) return Error("connect 127.0.0.1:9200: Connection refused");
    return bulk_response({201, 201});
  });
  h.consumer.queue_batch({record(0, "x"), record(1, "y")});
  auto n = h.pipeline->run_once();
  REQUIRE(n.ok());
  CHECK(calls == 4);
  REQUIRE(h.sleeps.size() == 3);
  CHECK(h.sleeps[2] >= h.sleeps[0]);
  REQUIRE(h.consumer.commits().size() == 1);
  CHECK(h.consumer.commits()[0][0].next_offset == 2);
}

TEST_CASE("stopping during an outage commits nothing", "[indexer]") {
  Harness* hp = nullptr;
  Harness h([&](const http::Request&) -> Result<http::Response> {
    hp->stop = true;  // SIGTERM arrives while Elasticsearch is down
    return Error("connect: Connection refused");
  });
  hp = &h;
  h.consumer.queue_batch({record(0, "x")});
  auto n = h.pipeline->run_once();
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(h.consumer.commits().empty());
}

TEST_CASE("documents get deterministic ids and daily index names", "[indexer]") {
  std::string body;
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    body = req.body;
    return bulk_response({201});
  });
  h.consumer.queue_batch({record(5, "hello")});
  REQUIRE(h.pipeline->run_once().ok());
  simdjson::dom::parser parser;
  const std::string action = body.substr(0, body.find('\n'));
  simdjson::dom::element a;
  REQUIRE(parser.parse(action).get(a) == simdjson::SUCCESS);
  std::string_view index, id;
  REQUIRE(a["create"]["_index"].get(index) == simdjson::SUCCESS);
  REQUIRE(a["create"]["_id"].get(id) == simdjson::SUCCESS);
  CHECK(index == "logs-2023.11.14");
  auto meta = kafka::decode_headers(record(5, "hello").headers);
  CHECK(id == indexer::document_id(*meta, record(5, "hello")));
}
