#include <catch2/catch.hpp>

#include <simdjson.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/metrics.h"
#include "indexer/elasticsearch/gzip.h"
#include "indexer/pipeline.h"
#include "tests/fakes/fake_consumer.h"
#include "tests/fakes/fake_http_client.h"

using namespace logpipe;
using namespace std::chrono_literals;
using logpipe::testing::FakeConsumer;
using logpipe::testing::FakeHttpClient;

namespace {

const kafka::TopicPartition kP0{"logs", 0};
const kafka::TopicPartition kP1{"logs", 1};

kafka::InRecord record(int64_t offset, std::string line, int32_t partition = 0) {
  kafka::RecordMeta m;
  m.host = "h";
  m.service = "svc";
  m.path = "/var/log/svc" + std::to_string(partition) + ".log";
  m.file_id = "1:2:3";
  m.offset = offset * 100;
  m.read_micros = 1'700'000'000'000'000;
  return kafka::InRecord{"logs", partition, offset, 0, "k", std::move(line), kafka::encode_headers(m)};
}

// Counts the documents in a bulk body (two lines per document).
size_t bulk_items(const std::string& body) {
  return static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) / 2;
}

bool has(const std::string& body, const std::string& what) { return body.find(what) != std::string::npos; }

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

http::Response all_created(const http::Request& req) {
  return bulk_response(std::vector<int>(bulk_items(req.body), 201));
}

// An Elasticsearch that creates every item and keeps each request's body (the bulk workers call it from
// their threads). Read `bodies` after drain().
struct BodyRecorder {
  std::mutex mu;
  std::vector<std::string> bodies;
  auto endpoint() {
    return [this](const http::Request& req) -> Result<http::Response> {
      {
        std::lock_guard lock(mu);
        bodies.push_back(req.body);
      }
      return all_created(req);
    };
  }
};

// A door the test opens; whoever waits at it blocks until then (a "corked" Elasticsearch or backoff).
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Each worker gets its own client object; all of them answer through the one fake.
class Forwarding final : public http::Client {
 public:
  explicit Forwarding(FakeHttpClient& to) : to_(to) {}
  Result<http::Response> send(const http::Request& r) override { return to_.send(r); }

 private:
  FakeHttpClient& to_;
};

struct Harness {
  FakeConsumer consumer;
  ManualClock clock;
  metrics::Registry registry;
  std::atomic<bool> stop{false};
  std::mutex sleeps_mu;
  std::vector<std::chrono::milliseconds> sleeps;
  Gate* backoff_gate = nullptr;  // when set, backoffs wait for it
  std::vector<Gate*> open_on_exit;  // so a failed REQUIRE cannot leave a worker blocked at the end
  FakeHttpClient http;
  std::unique_ptr<indexer::Pipeline> pipeline;

  explicit Harness(FakeHttpClient::Handler handler, const std::function<void(indexer::IndexerConfig&)>& tune = {},
                   bool real_sleeper = false)
      : http(std::move(handler)) {
    indexer::IndexerConfig c;
    c.index_prefix = "logs-";
    c.deadletter_index = "dlq";
    c.es_concurrency = 1;
    c.revoke_timeout = 5s;
    if (tune) tune(c);
    indexer::Pipeline::Sleeper sleeper;
    if (!real_sleeper) {
      sleeper = [this](std::chrono::milliseconds d) {
        {
          std::lock_guard lock(sleeps_mu);
          sleeps.push_back(d);
        }
        if (backoff_gate != nullptr) backoff_gate->wait();
      };
    }
    pipeline = std::make_unique<indexer::Pipeline>(
        c, consumer, [this] { return std::make_unique<Forwarding>(http); }, clock, registry, stop, sleeper);
  }
  ~Harness() {
    if (backoff_gate != nullptr) backoff_gate->open();
    for (Gate* g : open_on_exit) g->open();
    pipeline.reset();  // joins the workers before the fakes go
  }
  uint64_t counter(const std::string& name, const metrics::Labels& labels = {}) {
    return registry.counter(name, "", labels).value();
  }
  size_t sleep_count() {
    std::lock_guard lock(sleeps_mu);
    return sleeps.size();
  }
  // Waits (without polling Kafka) until `done` or 5 s, collecting what the workers finish.
  bool wait_for(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pipeline->drain(5ms);
    }
    return true;
  }
  // Runs the polling thread's loop until `done` or 5 s (a bounded poll; workers run meanwhile).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      REQUIRE(pipeline->run_once().ok());
      pipeline->drain(5ms);
    }
    return true;
  }
};

}  // namespace

TEST_CASE("mixed bulk outcomes: stored, duplicate, retried alone, dead-lettered, then committed", "[indexer]") {
  int bulk_calls = 0;
  std::vector<std::string> bodies;
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    bodies.push_back(req.body);
    ++bulk_calls;
    if (bulk_calls == 1) return bulk_response({201, 409, 429, 400});  // the batch
    return bulk_response({201});  // the retried 429 item, and the dead-letter request
  });
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(10, "a"), record(11, "b"), record(12, "c"), record(13, "d")});
  auto n = h.pipeline->run_once();
  REQUIRE(n.ok());
  CHECK(*n == 4);
  REQUIRE(h.pipeline->drain(5s));

  REQUIRE(bodies.size() == 3);
  CHECK(bulk_items(bodies[0]) == 4);
  // Only the 429 item is retried, alone.
  CHECK(bulk_items(bodies[1]) == 1);
  CHECK(has(bodies[1], "\"message\":\"c\""));
  // The dead-letter request carries the raw event and Elasticsearch's error.
  CHECK(has(bodies[2], "\"_index\":\"dlq\""));
  CHECK(has(bodies[2], "\"original\":\"d\""));
  CHECK(has(bodies[2], "document_parsing_exception"));

  REQUIRE(h.consumer.commits().size() == 1);
  REQUIRE(h.consumer.commits()[0].size() == 1);
  CHECK(h.consumer.commits()[0][0].next_offset == 14);
  CHECK(h.counter("logpipe_indexer_documents_indexed_total") == 2);
  CHECK(h.counter("logpipe_indexer_duplicates_absorbed_total") == 1);
  CHECK(h.counter("logpipe_indexer_items_retried_total") == 1);
  CHECK(h.counter("logpipe_indexer_dead_lettered_total") == 1);
  CHECK(h.counter("logpipe_indexer_dead_lettered_by_reason_total", {{"reason", "document_parsing_exception"}}) == 1);
  CHECK(h.sleeps.size() == 1);  // one backoff before the retry
}

TEST_CASE("connection errors are retried with growing backoff and nothing is committed until stored", "[indexer]") {
  std::atomic<int> calls{0};
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    if (++calls <= 3) return Error("connect 127.0.0.1:9200: Connection refused");
    return all_created(req);
  });
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, "x"), record(1, "y")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  CHECK(calls == 4);
  REQUIRE(h.sleeps.size() == 3);
  CHECK(h.sleeps[2] >= h.sleeps[0]);
  REQUIRE(h.consumer.commits().size() == 1);
  CHECK(h.consumer.commits()[0][0].next_offset == 2);
  CHECK(h.counter("logpipe_indexer_bulk_request_errors_total") == 3);
  CHECK(h.pipeline->healthy());
}

TEST_CASE("an outage pauses the assigned partitions, keeps polling, and resumes where reading stopped", "[indexer]") {
  std::atomic<bool> down{true};
  Gate recovered;
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    if (down) return Error("connect 127.0.0.1:9200: Connection refused");
    return all_created(req);
  });
  h.backoff_gate = &recovered;
  h.consumer.assign({kP0, kP1});
  h.consumer.queue_batch({record(0, "a"), record(1, "b")});
  h.consumer.queue_batch({record(2, "c"), record(0, "p1", 1)});
  REQUIRE(h.pipeline->run_once().ok());  // the first batch goes out and fails as a whole
  REQUIRE(h.wait_for([&] { return !h.pipeline->healthy(); }));

  // The next round pauses both partitions; the second batch stays in Kafka; polling goes on.
  REQUIRE(h.pipeline->run_once().ok());
  CHECK(h.pipeline->paused());
  CHECK(h.consumer.paused(kP0));
  CHECK(h.consumer.paused(kP1));
  const int polls = h.consumer.polls();
  for (int i = 0; i < 3; ++i) REQUIRE(h.pipeline->run_once().ok());
  CHECK(h.consumer.polls() == polls + 3);
  CHECK(h.consumer.queued_batches() == 1);
  CHECK(h.consumer.commits().empty());
  const auto health = h.pipeline->health();
  CHECK_FALSE(health.ok);
  CHECK(has(health.detail_json, "\"elasticsearch\":\"failing\""));
  CHECK(has(health.detail_json, "\"consumption\":\"paused\""));
  CHECK(has(health.detail_json, "Connection refused"));
  CHECK(h.registry.gauge("logpipe_indexer_consumption_paused", "").value() == 1);

  // Elasticsearch is back: the retry succeeds, the offset is committed, consumption resumes from 2.
  down = false;
  recovered.open();
  REQUIRE(h.run_until([&] { return !h.pipeline->paused(); }));
  REQUIRE(h.consumer.resume_calls().size() == 1);
  for (const auto& pos : h.consumer.resume_calls()[0]) {
    if (pos.partition == 0) CHECK(pos.next_offset == 2);
    if (pos.partition == 1) CHECK(pos.next_offset == -1);  // nothing read from it yet
  }
  REQUIRE(h.run_until([&] { return h.consumer.committed("logs", 0) == 3 && h.consumer.committed("logs", 1) == 1; }));
  CHECK(h.pipeline->healthy());
  CHECK(h.pipeline->health().ok);
}

TEST_CASE("several bulks in flight: a partition commits only its contiguous acknowledged prefix", "[indexer]") {
  Gate first_answer;
  Harness h(
      [&](const http::Request& req) -> Result<http::Response> {
        if (has(req.body, "\"message\":\"first\"")) first_answer.wait();  // the older bulk is slow
        return all_created(req);
      },
      [](indexer::IndexerConfig& c) { c.es_concurrency = 2; });
  h.open_on_exit.push_back(&first_answer);
  h.consumer.assign({kP0, kP1});
  h.consumer.queue_batch({record(0, "first"), record(1, "first too")});
  h.consumer.queue_batch({record(2, "second"), record(3, "second too"), record(7, "other partition", 1)});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->run_once().ok());
  // The newer bulk is acknowledged: partition 1 commits, partition 0 must not move past offset 0.
  REQUIRE(h.wait_for([&] { return h.pipeline->in_flight_jobs() == 1; }));
  CHECK(h.consumer.committed("logs", 1) == 8);
  CHECK(h.consumer.committed("logs", 0) == -1);

  first_answer.open();
  REQUIRE(h.pipeline->drain(5s));
  CHECK(h.consumer.committed("logs", 0) == 4);
  CHECK(h.counter("logpipe_indexer_documents_indexed_total") == 5);
}

TEST_CASE("revoke: bulks that finish within the bound are committed before the partition goes", "[indexer]") {
  Harness h([&](const http::Request& req) -> Result<http::Response> { return all_created(req); });
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, "a"), record(1, "b")});
  REQUIRE(h.pipeline->run_once().ok());
  h.consumer.revoke({kP0});  // waits (bounded) for the bulk, then commits
  CHECK(h.consumer.committed("logs", 0) == 2);
  CHECK(h.counter("logpipe_indexer_records_abandoned_total") == 0);
}

TEST_CASE("revoke during an outage: after the bound the records are dropped, not committed", "[indexer]") {
  std::atomic<bool> down{true};
  Gate backoff;
  Harness h(
      [&](const http::Request& req) -> Result<http::Response> {
        if (down) return Error("connect: Connection refused");
        return all_created(req);
      },
      [](indexer::IndexerConfig& c) { c.revoke_timeout = 50ms; });
  h.backoff_gate = &backoff;
  h.consumer.assign({kP0, kP1});
  h.consumer.queue_batch({record(0, "a"), record(1, "b"), record(5, "c", 1)});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.wait_for([&] { return !h.pipeline->healthy(); }));
  h.consumer.revoke({kP0});
  CHECK(h.counter("logpipe_indexer_records_abandoned_total") == 2);
  // Elasticsearch comes back: the job finishes for partition 1 only; partition 0 is never committed here.
  down = false;
  backoff.open();
  REQUIRE(h.run_until([&] { return h.consumer.committed("logs", 1) == 6; }));
  CHECK(h.consumer.committed("logs", 0) == -1);
  size_t sent_after = 0;
  for (const auto& r : h.http.requests())
    if (!has(r.body, "\"message\":\"a\"") && has(r.body, "\"message\":\"c\"")) ++sent_after;
  CHECK(sent_after == 1);  // the retry carried only the partition still owned
}

TEST_CASE("a lost assignment commits nothing and drops what is in flight", "[indexer]") {
  Gate answer;
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    answer.wait();
    return all_created(req);
  });
  h.open_on_exit.push_back(&answer);
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, "a")});
  REQUIRE(h.pipeline->run_once().ok());
  h.consumer.revoke({kP0}, /*lost=*/true);
  CHECK(h.counter("logpipe_indexer_records_abandoned_total") == 1);
  answer.open();
  REQUIRE(h.pipeline->drain(5s));
  CHECK(h.consumer.commits().empty());
}

TEST_CASE("413: the bulk is split in halves until it fits, a single document too large is dead-lettered", "[indexer]") {
  std::mutex mu;
  std::vector<size_t> sizes;
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    const size_t n = bulk_items(req.body);
    {
      std::lock_guard lock(mu);
      sizes.push_back(n);
    }
    if (has(req.body, "\"_index\":\"dlq\"")) return all_created(req);
    if (has(req.body, "huge")) return http::Response{413, "{}"};
    if (n > 2) return http::Response{413, ""};
    return all_created(req);
  });
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, "a"), record(1, "b"), record(2, "c"), record(3, "d"), record(4, "e")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  CHECK(sizes == std::vector<size_t>{5, 2, 3, 1, 2});
  CHECK(h.counter("logpipe_indexer_bulk_requests_split_total") == 2);
  CHECK(h.counter("logpipe_indexer_documents_indexed_total") == 5);
  CHECK(h.consumer.committed("logs", 0) == 5);
  CHECK(h.pipeline->healthy());

  h.consumer.queue_batch({record(5, "huge")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  CHECK(h.counter("logpipe_indexer_dead_lettered_by_reason_total", {{"reason", "request_too_large"}}) == 1);
  CHECK(h.consumer.committed("logs", 0) == 6);
}

TEST_CASE("gzip: bulk bodies go compressed with Content-Encoding: gzip", "[indexer]") {
  std::string plain;
  bool header = false;
  Harness h(
      [&](const http::Request& req) -> Result<http::Response> {
        for (const auto& [k, v] : req.headers) header = header || (k == "Content-Encoding" && v == "gzip");
        auto body = indexer::gzip_decompress(req.body);
        if (!body) return http::Response{400, "not gzip"};
        plain = *body;
        return bulk_response(std::vector<int>(bulk_items(plain), 201));
      },
      [](indexer::IndexerConfig& c) { c.es_gzip = true; });
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, "compress me"), record(1, "and me")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  CHECK(header);
  CHECK(bulk_items(plain) == 2);
  CHECK(has(plain, "\"message\":\"compress me\""));
  CHECK(h.consumer.committed("logs", 0) == 2);
}

TEST_CASE("memory budget: consumption pauses while records held exceed it, with Elasticsearch healthy", "[indexer]") {
  Gate answer;
  Harness h(
      [&](const http::Request& req) -> Result<http::Response> {
        answer.wait();
        return all_created(req);
      },
      [](indexer::IndexerConfig& c) { c.max_inflight_bytes = 100; });
  h.open_on_exit.push_back(&answer);
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, std::string(200, 'x'))});
  h.consumer.queue_batch({record(1, "later")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->run_once().ok());  // over the budget: paused before polling
  CHECK(h.pipeline->paused());
  CHECK(h.pipeline->healthy());
  CHECK(h.consumer.queued_batches() == 1);
  CHECK(h.registry.gauge("logpipe_indexer_inflight_bytes", "").value() > 100);
  answer.open();
  REQUIRE(h.run_until([&] { return h.consumer.committed("logs", 0) == 2; }));
  CHECK_FALSE(h.pipeline->paused());
}

TEST_CASE("memory budget: polls ask for no more records than the free budget holds", "[indexer]") {
  Gate answer;
  Harness h(
      [&](const http::Request& req) -> Result<http::Response> {
        answer.wait();
        return all_created(req);
      },
      [](indexer::IndexerConfig& c) { c.max_inflight_bytes = 20000; });
  h.open_on_exit.push_back(&answer);
  h.consumer.assign({kP0});
  std::vector<kafka::InRecord> batch;
  for (int i = 0; i < 8; ++i) batch.push_back(record(i, std::string(1000, 'x')));
  const int64_t per_record = indexer::record_bytes(batch[0]);
  h.consumer.queue_batch(batch);
  REQUIRE(h.pipeline->run_once().ok());  // 8 records held; the worker is corked
  REQUIRE(h.pipeline->run_once().ok());
  const auto expected = static_cast<size_t>((20000 - 8 * per_record) / per_record);
  REQUIRE(expected >= 1);
  CHECK(h.consumer.last_max_records() == expected);
  CHECK_FALSE(h.pipeline->paused());
}

TEST_CASE("shutdown during an outage: bounded, interrupts the backoff, commits nothing", "[indexer]") {
  Harness h([&](const http::Request&) -> Result<http::Response> { return Error("connect: Connection refused"); },
            [](indexer::IndexerConfig& c) {
              c.revoke_timeout = 50ms;
              c.retry_initial_backoff = 60s;  // a backoff far longer than the test: shutdown must cut it short
              c.retry_max_backoff = 60s;
            },
            /*real_sleeper=*/true);
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, "x")});
  REQUIRE(h.pipeline->run_once().ok());
  const auto started = std::chrono::steady_clock::now();
  h.pipeline->shutdown();
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(h.consumer.commits().empty());
  CHECK(h.counter("logpipe_indexer_records_abandoned_total") == 1);
}

TEST_CASE("metrics: consumer lag per partition, bulk latency and end-to-end latency histograms", "[indexer]") {
  Harness h([&](const http::Request& req) -> Result<http::Response> { return all_created(req); });
  h.consumer.assign({kP0, kP1});
  h.consumer.set_lag(42);
  h.consumer.queue_batch({record(0, "a"), record(0, "b", 1)});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  const std::string text = h.registry.render_prometheus();
  CHECK(has(text, "logpipe_indexer_consumer_lag{partition=\"0\",topic=\"logs\"} 42\n"));
  CHECK(has(text, "logpipe_indexer_consumer_lag{partition=\"1\",topic=\"logs\"} 42\n"));
  CHECK(has(text, "logpipe_indexer_bulk_duration_seconds_count 1\n"));
  // Read by the shipper at 1'700'000'000 s, acknowledged at 1'700'000'001 s (the ManualClock): 1 s each.
  CHECK(has(text, "logpipe_indexer_end_to_end_latency_seconds_bucket{le=\"0.5\"} 0\n"));
  CHECK(has(text, "logpipe_indexer_end_to_end_latency_seconds_bucket{le=\"1\"} 2\n"));
  CHECK(has(text, "logpipe_indexer_end_to_end_latency_seconds_sum 2\n"));
}

TEST_CASE("documents get deterministic ids and daily index names", "[indexer]") {
  std::string body;
  Harness h([&](const http::Request& req) -> Result<http::Response> {
    body = req.body;
    return bulk_response({201});
  });
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(5, "hello")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
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

TEST_CASE("install_templates: an engine without match_only_text gets the template with text fields", "[indexer]") {
  Harness h([](const http::Request& req) -> Result<http::Response> {
    if (has(req.body, "match_only_text"))
      return http::Response{400, R"({"error":{"type":"mapper_parsing_exception","reason":"The mapper type [match_only_text] declared on field [message] does not exist."},"status":400})"};
    return http::Response{200, R"({"acknowledged":true})"};
  });
  REQUIRE(h.pipeline->install_templates(R"({"index_patterns":["${INDEX_PREFIX}*"],"template":{"mappings":{"properties":{"message":{"type": "match_only_text"}}}}})").ok());
  const auto requests = h.http.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/_index_template/logpipe-logs-");
  CHECK(requests[1].target == "/_index_template/logpipe-logs-");
  CHECK(requests[1].body == R"({"index_patterns":["logs-*"],"template":{"mappings":{"properties":{"message":{"type": "text", "norms": false}}}}})");
}

TEST_CASE("install_templates: an engine with match_only_text gets the template as it is", "[indexer]") {
  Harness h([](const http::Request&) -> Result<http::Response> { return http::Response{200, R"({"acknowledged":true})"}; });
  const std::string tmpl = R"({"index_patterns":["${INDEX_PREFIX}*"],"template":{"mappings":{"properties":{"message":{"type": "match_only_text"}}}}})";
  REQUIRE(h.pipeline->install_templates(tmpl).ok());
  const auto requests = h.http.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].body == indexer::render_index_template(tmpl, "logs-"));
}

TEST_CASE("one poll with interleaved partitions: each partition's records go in offset order, partition by partition", "[indexer]") {
  BodyRecorder recorder;
  Harness h(recorder.endpoint());
  const auto& bodies = recorder.bodies;
  h.consumer.assign({kP0, kP1});
  // As librdkafka hands out fetches of several partitions: runs of each, interleaved.
  h.consumer.queue_batch({record(5, "p1-5", 1), record(0, "p0-0"), record(1, "p0-1"), record(6, "p1-6", 1),
                          record(7, "p1-7", 1), record(2, "p0-2")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  REQUIRE(bodies.size() == 1);
  const std::string& b = bodies[0];
  std::vector<size_t> at;
  for (const char* m : {"p0-0", "p0-1", "p0-2", "p1-5", "p1-6", "p1-7"}) at.push_back(b.find(std::string("\"message\":\"") + m + "\""));
  for (size_t i = 0; i < at.size(); ++i) {
    INFO("document " << i);
    REQUIRE(at[i] != std::string::npos);
    if (i > 0) CHECK(at[i - 1] < at[i]);
  }
  CHECK(bulk_items(b) == 6);
  CHECK(h.consumer.committed("logs", 0) == 3);
  CHECK(h.consumer.committed("logs", 1) == 8);
}

TEST_CASE("the bulk body buffer is reused: a smaller bulk after a larger one carries only its own documents", "[indexer]") {
  BodyRecorder recorder;
  Harness h(recorder.endpoint());
  const auto& bodies = recorder.bodies;
  h.consumer.assign({kP0});
  h.consumer.queue_batch({record(0, std::string(5000, 'x')), record(1, "big batch"), record(2, "big batch too")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  h.consumer.queue_batch({record(3, "small")});
  REQUIRE(h.pipeline->run_once().ok());
  REQUIRE(h.pipeline->drain(5s));
  REQUIRE(bodies.size() == 2);
  CHECK(bulk_items(bodies[0]) == 3);
  CHECK(bulk_items(bodies[1]) == 1);
  CHECK(has(bodies[1], "\"message\":\"small\""));
  CHECK_FALSE(has(bodies[1], "big batch"));
  CHECK(bodies[1].size() < 1000);
  CHECK(h.consumer.committed("logs", 0) == 4);
}
