// The indexer's delivery under trouble, on the real stack: Elasticsearch stopped for 60 s (a private
// Elasticsearch the test starts and stops itself), poison events, and two indexers through a rebalance.
// Each test has its own topic, consumer group and index prefix.

#include <catch2/catch.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

std::string shared_es() { return "http://127.0.0.1:" + env_or("LOGPIPE_ES_PORT", "9200"); }

std::optional<int64_t> json_int(const std::string& body, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t v = 0;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || doc.at_pointer(pointer).get(v) != simdjson::SUCCESS)
    return std::nullopt;
  return v;
}

// Documents in `index` (a pattern) after a refresh, optionally matching a query DSL object; -1 if unknown.
int64_t es_count(const std::string& es, const std::string& index, const std::string& query = "") {
  const std::string opts = "ignore_unavailable=true&allow_no_indices=true";
  run_command("curl -s -XPOST '" + es + "/" + index + "/_refresh?" + opts + "' >/dev/null 2>&1");
  std::string cmd = "curl -s '" + es + "/" + index + "/_count?" + opts + "'";
  if (!query.empty()) cmd += " -H 'content-type: application/json' -d '{\"query\":" + query + "}'";
  return json_int(run_command(cmd + " 2>/dev/null").out, "/count").value_or(-1);
}

// The value of one series (name with labels, as rendered) in a Prometheus text, or -1.
double metric(int port, const std::string& series) {
  const std::string text = http_get(port, "/metrics").body;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::atof(line.c_str() + series.size() + 1);
  return -1;
}

int64_t rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  return -1;
}

// One shipper and any number of indexers sharing a topic, a group and an index prefix.
struct Rig {
  TempDir dir;
  std::string id, topic, prefix, dlq, es;
  std::unique_ptr<ChildProcess> shipper;
  std::vector<std::unique_ptr<ChildProcess>> indexers;

  // `kafka_extra` and `batch_extra`: more YAML lines for the indexer's kafka: and batch: sections.
  Rig(const std::string& tag, std::string es_url, const std::string& input_yaml, const std::string& kafka_extra,
      const std::string& batch_extra = "")
      : es(std::move(es_url)) {
    id = unique_name(tag);
    topic = id;
    prefix = id + "-";
    dlq = "deadletter-" + id;  // outside prefix*, so counts of the event indices do not include it
    write_file(dir.file("shipper.yaml"),
               "host: it-host\n"
               "kafka:\n  brokers: " + kafka_address() + "\n  topic: " + topic + "\n"
               "inputs:\n" + input_yaml +
               "state:\n  checkpoint_file: " + dir.file("checkpoint.json") + "\n  checkpoint_interval: 200ms\n"
               "status_listen: 127.0.0.1:0\n");
    write_file(dir.file("indexer.yaml"),
               "kafka:\n  brokers: " + kafka_address() + "\n  topics: [" + topic + "]\n  group_id: " + id + "\n"
               "  lag_interval: 1s\n" + kafka_extra +
               "elasticsearch:\n  url: " + es + "\n  index_prefix: " + prefix + "\n  deadletter_index: " + dlq + "\n"
               "batch:\n  max_wait: 200ms\n  retry_max_backoff: 3s\n" + batch_extra +
               "status_listen: 127.0.0.1:0\n");
  }
  void start_shipper() {
    shipper = std::make_unique<ChildProcess>(
        std::vector<std::string>{LOGPIPE_SHIPPER_BIN, "-c", dir.file("shipper.yaml")}, dir.file("shipper.out"));
    REQUIRE(shipper->started());
  }
  ChildProcess& start_indexer() {
    const std::string out = dir.file("indexer" + std::to_string(indexers.size()) + ".out");
    indexers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{LOGPIPE_INDEXER_BIN, "-c", dir.file("indexer.yaml")}, out));
    REQUIRE(indexers.back()->started());
    return *indexers.back();
  }
  int port_of(const ChildProcess& p) {
    int port = 0;
    wait_until([&] { return (port = status_port(p)) != 0; }, 30s);
    return port;
  }
  int64_t count(const std::string& query = "") { return es_count(es, prefix + "*", query); }
  std::string logs() const {
    std::string out = "--- shipper ---\n" + (shipper ? shipper->log() : "");
    for (size_t i = 0; i < indexers.size(); ++i) out += "--- indexer " + std::to_string(i) + " ---\n" + indexers[i]->log();
    // The tail is what matters when a run fails; keep the message readable.
    return out.size() > 20000 ? out.substr(out.size() - 20000) : out;
  }
};

// A private search engine (deploy/stack.sh, engine only, with its own stack dir and ports) that a test
// may stop. Stopped when the guard goes, whatever happened. Tests using one run one at a time (the ports
// are the same).
struct PrivateEngine {
  explicit PrivateEngine(std::string engine_name = "elasticsearch") : engine(std::move(engine_name)) {
    dir = std::string(LOGPIPE_TEST_BUILD_DIR) + "/private-" + engine + "-stack";
  }
  std::string engine;  // elasticsearch | opensearch
  std::string dir;
  std::string port = env_or("LOGPIPE_PRIVATE_ES_PORT", "29200");
  std::string transport = env_or("LOGPIPE_PRIVATE_ES_TRANSPORT_PORT", "29300");

  std::string stack(const std::string& cmd) const {
    return "env -u LOGPIPE_ES_SECURITY LOGPIPE_SEARCH_ENGINE=" + engine + " LOGPIPE_STACK_DIR='" + dir +
           "' LOGPIPE_ES_PORT=" + port + " LOGPIPE_ES_TRANSPORT_PORT=" + transport + " LOGPIPE_ES_HEAP=512m " +
           LOGPIPE_STACK_SCRIPT + " " + cmd + " >>'" + dir + ".log' 2>&1";
  }
  bool up() const { return run_command(stack("up es")).exit_code == 0; }
  bool down() const { return run_command(stack("down es")).exit_code == 0; }
  std::string url() const { return "http://127.0.0.1:" + port; }
  ~PrivateEngine() { down(); }
};

std::string numbered_lines(int from, int to, const std::string& tag, size_t pad = 0) {
  std::string out;
  const std::string filler(pad, '.');
  for (int i = from; i < to; ++i) out += "line " + std::to_string(i) + " " + tag + " " + filler + "\n";
  return out;
}

}  // namespace

TEST_CASE("Elasticsearch stopped for 60 s: the indexer pauses, stays bounded, resumes by itself, loses nothing",
          "[integration]") {
  PrivateEngine es;
  REQUIRE(es.up());
  TempDir input_dir;
  const std::string log = input_dir.file("app.log");
  // A small in-flight budget and librdkafka prefetch, so "bounded" shows against a 12 MB backlog
  // (about 50 MB once held in memory as records).
  Rig rig("outage", es.url(), "  - paths: " + log + "\n    service: it-outage\n",
          "  properties:\n    queued.max.messages.kbytes: \"1024\"\n", "  max_inflight_bytes: 4MiB\n");
  rig.start_shipper();
  ChildProcess& indexer = rig.start_indexer();
  const int port = rig.port_of(indexer);
  REQUIRE(port != 0);

  constexpr int kBefore = 2000, kDuring = 40000;
  append_file(log, numbered_lines(0, kBefore, rig.id));
  REQUIRE(wait_until([&] { return rig.count() == kBefore; }, 120s));
  const int64_t rss_before = rss_kib(indexer.pid());
  const double consumed_before = metric(port, "logpipe_indexer_records_consumed_total");
  REQUIRE(http_get(port, "/health").code == 200);

  // Outage: Elasticsearch goes away while ~12 MB of lines arrive.
  REQUIRE(es.down());
  const auto outage_start = std::chrono::steady_clock::now();
  for (int i = kBefore; i < kBefore + kDuring; i += 10000)
    append_file(log, numbered_lines(i, i + 10000, rig.id, 240));

  HttpAnswer health;
  const bool reported = wait_until(
      [&] {
        health = http_get(port, "/health");
        return health.code == 503 && health.body.find("\"consumption\":\"paused\"") != std::string::npos;
      },
      30s);
  INFO(rig.logs());
  INFO("health during the outage: " << health.code << " " << health.body);
  REQUIRE(reported);
  CHECK(health.body.find("\"elasticsearch\":\"failing\"") != std::string::npos);

  int64_t rss_max = rss_before;
  while (std::chrono::steady_clock::now() - outage_start < 60s) {
    REQUIRE(indexer.running());
    rss_max = std::max(rss_max, rss_kib(indexer.pid()));
    std::this_thread::sleep_for(500ms);  // sampling the outage the issue fixes at 60 s, not waiting for a state
  }
  const double consumed_during = metric(port, "logpipe_indexer_records_consumed_total") - consumed_before;
  const double inflight = metric(port, "logpipe_indexer_inflight_bytes");
  REQUIRE(es.up());

  // Nothing lost, nothing twice, and the same process carried on by itself.
  const bool all = wait_until([&] { return rig.count() >= kBefore + kDuring; }, 240s);
  INFO(rig.logs());
  REQUIRE(all);
  CHECK(rig.count() == kBefore + kDuring);
  CHECK(indexer.running());
  CHECK(wait_until([&] { return http_get(port, "/health").code == 200; }, 30s));
  CHECK(metric(port, "logpipe_indexer_consumption_paused") == 0);
  CHECK(metric(port, "logpipe_indexer_bulk_request_errors_total") > 0);
  // Bounded: while paused it read about the budget's worth of the 40,000-line backlog, and its memory did
  // not follow the backlog.
  INFO("consumed during the outage: " << consumed_during << ", in flight " << inflight << " B, RSS "
                                      << rss_before << " -> max " << rss_max << " KiB");
  CHECK(consumed_during < 10000);
  CHECK(inflight <= 1.1 * (4 << 20));
  CHECK(rss_max - rss_before < 24 * 1024);
  CHECK(rig.shipper->stop() == 0);
  CHECK(indexer.stop() == 0);
  run_command("curl -s -XDELETE '" + es.url() + "/" + rig.prefix + "*' >/dev/null 2>&1");
}

TEST_CASE("poison events: invalid JSON is kept and tagged, rejected documents go to the dead-letter index, "
          "later events still arrive", "[integration]") {
  TempDir input_dir;
  const std::string log = input_dir.file("app.json");
  Rig rig("poison", shared_es(), "  - paths: " + log + "\n    service: it-poison\n    format: json\n", "");
  // A mapping conflict: someone created the day's index with service.name as a number.
  const std::string conflict_index = rig.prefix + "2024.01.02";
  REQUIRE(run_command("curl -sf -XPUT '" + rig.es + "/" + conflict_index +
                      "' -H 'content-type: application/json' -d '{\"mappings\":{\"properties\":{\"service\":"
                      "{\"properties\":{\"name\":{\"type\":\"long\"}}}}}}' >/dev/null")
              .exit_code == 0);
  rig.start_shipper();
  ChildProcess& indexer = rig.start_indexer();
  const int port = rig.port_of(indexer);
  REQUIRE(port != 0);

  const std::string broken = "{\"message\": \"broken " + rig.id + "\", \"level\": ";
  const std::string ancient = "{\"@timestamp\":\"1960-01-01T00:00:00Z\",\"message\":\"ancient " + rig.id + "\"}";
  const std::string conflict = "{\"@timestamp\":\"2024-01-02T03:04:05Z\",\"message\":\"conflict " + rig.id + "\"}";
  append_file(log, "{\"message\":\"before " + rig.id + "\",\"level\":\"INFO\"}\n" + broken + "\n" + ancient + "\n" +
                       conflict + "\n" + "{\"message\":\"after " + rig.id + "\",\"level\":\"WARN\"}\n");

  const bool arrived = wait_until([&] { return rig.count() >= 3 && es_count(rig.es, rig.dlq) >= 2; }, 120s);
  INFO(rig.logs());
  REQUIRE(arrived);
  CHECK(rig.count() == 3);  // before, broken (tagged), after
  CHECK(rig.count("{\"match_phrase\":{\"message\":\"after " + rig.id + "\"}}") == 1);
  CHECK(rig.count("{\"bool\":{\"filter\":[{\"term\":{\"tags\":\"_jsonparsefailure\"}},"
                  "{\"match_phrase\":{\"message\":\"broken\"}}]}}") == 1);
  // The dead-letter index has each rejected event once, raw, with Elasticsearch's error.
  CHECK(es_count(rig.es, rig.dlq) == 2);
  auto hits = run_command("curl -s '" + rig.es + "/" + rig.dlq + "/_search?size=10&sort=kafka.offset' 2>/dev/null").out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(hits).get(doc) == simdjson::SUCCESS);
  std::vector<std::string> originals, types;
  for (simdjson::dom::element h : doc["hits"]["hits"]) {
    std::string_view s;
    if (h.at_pointer("/_source/event/original").get(s) == simdjson::SUCCESS) originals.emplace_back(s);
    if (h.at_pointer("/_source/error/type").get(s) == simdjson::SUCCESS) types.emplace_back(s);
  }
  CHECK(originals == std::vector<std::string>{ancient, conflict});
  REQUIRE(types.size() == 2);
  for (const auto& t : types) CHECK(t.find("parsing_exception") != std::string::npos);
  // Every offset is committed, the poison ones included: the consumer lag drops to zero.
  CHECK(metric(port, "logpipe_indexer_dead_lettered_total") == 2);
  CHECK(wait_until([&] {
    const std::string text = http_get(port, "/metrics").body;
    return text.find("logpipe_indexer_consumer_lag{") != std::string::npos && [&] {
             std::istringstream lines(text);
             std::string line;
             while (std::getline(lines, line))
               if (line.rfind("logpipe_indexer_consumer_lag{", 0) == 0 && line.substr(line.rfind(' ') + 1) != "0")
                 return false;
             return true;
           }();
  }, 30s));
  CHECK(rig.shipper->stop() == 0);
  CHECK(indexer.stop() == 0);
  run_command("curl -s -XDELETE '" + rig.es + "/" + rig.prefix + "*,"  + rig.dlq + "' >/dev/null 2>&1");
}

TEST_CASE("two indexers in one group through a rebalance and a kill -9: every event exactly once",
          "[integration]") {
  TempDir input_dir;
  // One key per source, hashed onto the topic's 3 partitions. The second indexer gets one partition and
  // must index something from it: with 6 sources all keys missed a given partition in (2/3)^6 ≈ 9 % of
  // runs (the test then failed waiting); with 24 sources that is (2/3)^24 ≈ 0.006 %.
  constexpr int kFiles = 24;
  // A short session so the group notices the killed member in seconds, not the default 45 s.
  Rig rig("rebalance", shared_es(), "  - paths: " + input_dir.file("*.log") + "\n    service: it-rebalance\n",
          "  properties:\n    session.timeout.ms: \"6000\"\n    heartbeat.interval.ms: \"500\"\n");
  rig.start_shipper();
  ChildProcess& first = rig.start_indexer();
  int written = 0;
  auto write_round = [&](int per_file) {
    for (int f = 0; f < kFiles; ++f) {
      append_file(input_dir.file("src" + std::to_string(f) + ".log"),
                  numbered_lines(written, written + per_file, rig.id + "-f" + std::to_string(f)));
      written += per_file;
    }
  };
  write_round(50);
  REQUIRE(wait_until([&] { return rig.count() > 0; }, 120s));

  // The second indexer joins mid-stream: the cooperative rebalance moves some partitions to it.
  ChildProcess& second = rig.start_indexer();
  const int second_port = rig.port_of(second);
  REQUIRE(second_port != 0);
  const bool shared = wait_until(
      [&] {
        write_round(5);
        return metric(second_port, "logpipe_indexer_documents_indexed_total") > 0;
      },
      120s);
  INFO(rig.logs());
  REQUIRE(shared);
  // The first one gave partitions up through the listener (revoked; or "lost" when a commit raced the
  // rebalance and librdkafka rejoined, which the test must tolerate: both drop what is in flight).
  CHECK(first.log().find("\"partitions released\"") != std::string::npos);

  // The first one dies without warning in the middle of the stream; the second takes over everything.
  write_round(25);
  first.stop(SIGKILL);
  write_round(50);
  const bool all = wait_until([&] { return rig.count() >= written; }, 180s);
  INFO(rig.logs());
  REQUIRE(all);
  CHECK(rig.count() == written);
  // Each line exactly once: as many distinct messages as documents.
  auto r = run_command(std::string(LOGPIPE_QUERY_BIN) + " --url " + rig.es + " --index '" + rig.prefix +
                       "*' -o jsonl -q -n 10000 -s it-rebalance 2>/dev/null");
  std::set<std::string> unique;
  size_t hits = 0;
  simdjson::dom::parser parser;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    simdjson::dom::element doc;
    std::string_view m;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS || doc["message"].get(m) != simdjson::SUCCESS) continue;
    ++hits;
    unique.emplace(m);
  }
  CHECK(hits == static_cast<size_t>(written));
  CHECK(unique.size() == static_cast<size_t>(written));
  CHECK(rig.shipper->stop() == 0);
  CHECK(second.stop() == 0);
  run_command("curl -s -XDELETE '" + rig.es + "/" + rig.prefix + "*' >/dev/null 2>&1");
}

TEST_CASE("retention: daily indices older than retention.days are deleted, recent and foreign ones stay",
          "[integration]") {
  TempDir input_dir;
  Rig rig("retention", shared_es(), "  - paths: " + input_dir.file("app.log") + "\n    service: it-retention\n", "");
  {
    std::ofstream f(rig.dir.file("indexer.yaml"), std::ios::app);
    f << "retention:\n  days: 30\n  interval: 1s\n";
  }
  const std::string today = [] {
    char buf[16];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y.%m.%d", std::gmtime(&t));
    return std::string(buf);
  }();
  const std::vector<std::string> old = {rig.prefix + "2020.01.01", rig.prefix + "2021.06.30"};
  const std::vector<std::string> keep = {rig.prefix + today, rig.prefix + "2020.01.01-restored"};
  for (const auto& name : old) REQUIRE(run_command("curl -sf -XPUT '" + rig.es + "/" + name + "' >/dev/null").exit_code == 0);
  for (const auto& name : keep) REQUIRE(run_command("curl -sf -XPUT '" + rig.es + "/" + name + "' >/dev/null").exit_code == 0);
  auto exists = [&](const std::string& name) {
    return run_command("curl -s -o /dev/null -w '%{http_code}' -I '" + rig.es + "/" + name + "'").out == "200";
  };
  ChildProcess& indexer = rig.start_indexer();
  const bool gone = wait_until([&] { return !exists(old[0]) && !exists(old[1]); }, 60s);
  INFO(rig.logs());
  REQUIRE(gone);
  for (const auto& name : keep) CHECK(exists(name));
  const int port = rig.port_of(indexer);
  CHECK(metric(port, "logpipe_indexer_indices_deleted_total") == 2);
  CHECK(indexer.stop() == 0);
  for (const auto& name : keep) run_command("curl -s -XDELETE '" + rig.es + "/" + name + "' >/dev/null 2>&1");
}

TEST_CASE("OpenSearch 2: the indexer installs its template, indexes, and dead-letters what the mapping rejects",
          "[integration]") {
  PrivateEngine os("opensearch");
  REQUIRE(os.up());
  TempDir input_dir;
  const std::string log = input_dir.file("app.json");
  Rig rig("opensearch", os.url(), "  - paths: " + log + "\n    service: it-opensearch\n    format: json\n", "");
  rig.start_shipper();
  ChildProcess& indexer = rig.start_indexer();
  const std::string ancient = "{\"@timestamp\":\"1960-01-01T00:00:00Z\",\"message\":\"ancient " + rig.id + "\"}";
  std::string lines;
  for (int i = 0; i < 500; ++i)
    lines += "{\"@timestamp\":\"2026-01-02T03:04:05.000Z\",\"message\":\"event " + std::to_string(i) + " " + rig.id +
             "\",\"level\":\"INFO\",\"logger_name\":\"com.example.App\"}\n";
  append_file(log, lines + ancient + "\n");

  const bool arrived = wait_until([&] { return rig.count() == 500 && es_count(rig.es, rig.dlq) == 1; }, 120s);
  INFO(rig.logs());
  REQUIRE(arrived);
  // The composable template applied: @timestamp is date_nanos, log.level a keyword.
  const std::string mapping =
      run_command("curl -s '" + rig.es + "/" + rig.prefix + "2026.01.02/_mapping' 2>/dev/null").out;
  CHECK(mapping.find("\"@timestamp\":{\"type\":\"date_nanos\"}") != std::string::npos);
  CHECK(rig.count("{\"term\":{\"log.level\":\"info\"}}") == 500);
  // OpenSearch 2.12+ has match_only_text: the template as it is, no fallback; phrases still match.
  CHECK(mapping.find("\"message\":{\"type\":\"match_only_text\"}") != std::string::npos);
  CHECK(rig.logs().find("has no match_only_text type") == std::string::npos);
  CHECK(rig.count("{\"match_phrase\":{\"message\":\"event 7 " + rig.id + "\"}}") == 1);
  const std::string dead = run_command("curl -s '" + rig.es + "/" + rig.dlq + "/_search' 2>/dev/null").out;
  CHECK(dead.find("parsing_exception") != std::string::npos);
  CHECK(dead.find("ancient " + rig.id) != std::string::npos);
  CHECK(rig.shipper->stop() == 0);
  CHECK(indexer.stop() == 0);
}
