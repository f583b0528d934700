// File line -> shipper -> Kafka -> indexer -> Elasticsearch -> query CLI, on the real local stack.
// Each test has its own topic, consumer group and index prefix, so it starts from an empty view of the
// stack whatever ran before.

#include <catch2/catch.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

struct Stack {
  std::string kafka = "127.0.0.1:" + env_or("LOGPIPE_KAFKA_PORT", "9092");
  std::string es = "http://127.0.0.1:" + env_or("LOGPIPE_ES_PORT", "9200");
};

struct Hit {
  std::string message, host, service, path;
  int64_t offset = -1;
};

// Runs the query CLI and parses its jsonl output.
std::vector<Hit> query(const Stack& stack, const std::string& index_prefix, const std::string& args, int* exit_code = nullptr) {
  const std::string cmd = std::string(LOGPIPE_QUERY_BIN) + " --url " + stack.es + " --index '" + index_prefix +
                          "*' -o jsonl -q -n 10000 " + args + " 2>/dev/null";
  auto r = run_command(cmd);
  if (exit_code != nullptr) *exit_code = r.exit_code;
  std::vector<Hit> hits;
  simdjson::dom::parser parser;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) continue;
    Hit h;
    std::string_view s;
    if (doc["message"].get(s) == simdjson::SUCCESS) h.message = s;
    if (doc.at_pointer("/host/name").get(s) == simdjson::SUCCESS) h.host = s;
    if (doc.at_pointer("/service/name").get(s) == simdjson::SUCCESS) h.service = s;
    if (doc.at_pointer("/log/file/path").get(s) == simdjson::SUCCESS) h.path = s;
    if (doc.at_pointer("/log/offset").get(h.offset) != simdjson::SUCCESS) h.offset = -1;
    hits.push_back(std::move(h));
  }
  return hits;
}

struct Pipeline {
  TempDir dir;
  Stack stack;
  std::string id;
  std::string topic, index_prefix;
  std::unique_ptr<ChildProcess> shipper, indexer;

  Pipeline() {
    id = unique_name("it");
    topic = id;
    index_prefix = id + "-";
    write_file(dir.file("shipper.yaml"),
               "host: it-host\n"
               "kafka:\n  brokers: " + stack.kafka + "\n  topic: " + topic + "\n"
               "inputs:\n"
               "  - paths: " + dir.file("app.log") + "\n    service: it-service\n    labels: {team: core}\n"
               "  - paths: " + dir.file("other.log") + "\n    service: other-service\n"
               "state:\n  checkpoint_file: " + dir.file("checkpoint.json") + "\n  checkpoint_interval: 200ms\n"
               "status_listen: 127.0.0.1:0\n");
    write_file(dir.file("indexer.yaml"),
               "kafka:\n  brokers: " + stack.kafka + "\n  topics: [" + topic + "]\n  group_id: " + id + "\n"
               "elasticsearch:\n  url: " + stack.es + "\n  index_prefix: " + index_prefix + "\n"
               "  deadletter_index: " + id + "-deadletter\n"
               "batch:\n  max_wait: 200ms\n"
               "status_listen: 127.0.0.1:0\n");
  }
  void start_shipper() {
    shipper = std::make_unique<ChildProcess>(
        std::vector<std::string>{LOGPIPE_SHIPPER_BIN, "-c", dir.file("shipper.yaml")}, dir.file("shipper.out"));
    REQUIRE(shipper->started());
  }
  void start_indexer() {
    indexer = std::make_unique<ChildProcess>(
        std::vector<std::string>{LOGPIPE_INDEXER_BIN, "-c", dir.file("indexer.yaml")}, dir.file("indexer.out"));
    REQUIRE(indexer->started());
  }
  std::string logs() const {
    return "--- shipper ---\n" + (shipper ? shipper->log() : "") + "--- indexer ---\n" + (indexer ? indexer->log() : "");
  }
};

}  // namespace

TEST_CASE("lines appended to a file arrive in Elasticsearch with host, service and message", "[integration]") {
  Pipeline p;
  int code = -1;
  CHECK(query(p.stack, p.index_prefix, "-s it-service", &code).empty());
  CHECK(code == 1);  // documented: exit 1 = no results

  p.start_shipper();
  p.start_indexer();
  std::vector<std::string> sent;
  for (int i = 1; i <= 5; ++i) sent.push_back("order " + std::to_string(i) + " accepted for \"ac\xC3\xA9me\" " + p.id);
  std::string data;
  for (const auto& s : sent) data += s + "\n";
  append_file(p.dir.file("app.log"), data);
  append_file(p.dir.file("other.log"), "noise from another service\n");

  std::vector<Hit> hits;
  const bool arrived = wait_until(
      [&] {
        hits = query(p.stack, p.index_prefix, "-H it-host -s it-service");
        return hits.size() >= sent.size();
      },
      120s);
  INFO(p.logs());
  REQUIRE(arrived);
  REQUIRE(hits.size() == sent.size());
  int64_t expected_offset = 0;
  for (size_t i = 0; i < sent.size(); ++i) {  // newest last = file order
    CHECK(hits[i].message == sent[i]);
    CHECK(hits[i].host == "it-host");
    CHECK(hits[i].service == "it-service");
    CHECK(hits[i].path == p.dir.file("app.log"));
    CHECK(hits[i].offset == expected_offset);
    expected_offset += static_cast<int64_t>(sent[i].size()) + 1;
  }
  // The other input's line is there too, under its own service only.
  REQUIRE(wait_until([&] { return query(p.stack, p.index_prefix, "-s other-service").size() == 1; }, 60s));
  CHECK(query(p.stack, p.index_prefix, "-H it-host").size() == sent.size() + 1);
  CHECK(query(p.stack, p.index_prefix, "-H no-such-host").empty());
  // Full-text search on the message.
  auto text_hits = query(p.stack, p.index_prefix, "-s it-service 'order 3'");
  REQUIRE(text_hits.size() >= 1);
  CHECK(text_hits.back().message == sent[2]);
  // The template's full-text mapping (schemas/README.md): match_only_text where the engine has the type,
  // else text without norms, which the indexer says in its log; phrases match either way.
  const std::string mapping =
      run_command("curl -s '" + p.stack.es + "/" + p.index_prefix + "*/_mapping/field/message' 2>/dev/null").out;
  INFO(mapping);
  const bool native = mapping.find("\"type\":\"match_only_text\"") != std::string::npos;
  const bool fallback = mapping.find("\"type\":\"text\",\"norms\":false") != std::string::npos;
  CHECK(native != fallback);
  CHECK((p.indexer->log().find("has no match_only_text type") != std::string::npos) == fallback);
  const auto phrase_hits = query(p.stack, p.index_prefix, "-s it-service --query-string '\"order 3 accepted\"'");
  REQUIRE(phrase_hits.size() == 1);
  CHECK(phrase_hits[0].message == sent[2]);

  // Both programs serve /metrics and /health on the port they log at start-up.
  for (const auto* child : {p.shipper.get(), p.indexer.get()}) {
    const std::string log = child->log();
    const auto at = log.find("\"port\":");
    REQUIRE(at != std::string::npos);
    const std::string port = log.substr(at + 7, log.find_first_not_of("0123456789", at + 7) - (at + 7));
    auto health = run_command("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + port + "/health");
    CHECK(health.out == "200");
    auto metrics = run_command("curl -sf http://127.0.0.1:" + port + "/metrics");
    CHECK(metrics.exit_code == 0);
    if (child == p.shipper.get()) {
      CHECK(metrics.out.find("logpipe_shipper_lines_acked_total 6\n") != std::string::npos);
    } else {
      CHECK(metrics.out.find("logpipe_indexer_documents_indexed_total 6\n") != std::string::npos);
    }
  }

  CHECK(p.shipper->stop() == 0);
  CHECK(p.indexer->stop() == 0);
}

TEST_CASE("kill -9 of shipper and indexer mid-stream: every line exactly once in Elasticsearch", "[integration]") {
  Pipeline p;
  p.start_shipper();
  p.start_indexer();
  constexpr int kLines = 3000;
  int written = 0;
  auto write_some = [&](int n) {
    std::string data;
    for (int i = 0; i < n && written < kLines; ++i) data += "line " + std::to_string(++written) + " " + p.id + "\n";
    append_file(p.dir.file("app.log"), data);
  };
  write_some(1000);
  // Let some of it flow, then kill both without warning, twice, while writing continues.
  for (int round = 0; round < 2; ++round) {
    REQUIRE(wait_until([&] { return !query(p.stack, p.index_prefix, "-s it-service -n 1").empty(); }, 120s));
    p.shipper->stop(SIGKILL);
    p.indexer->stop(SIGKILL);
    write_some(1000);
    p.start_shipper();
    p.start_indexer();
  }
  std::vector<Hit> hits;
  const bool all = wait_until(
      [&] {
        hits = query(p.stack, p.index_prefix, "-s it-service");
        return hits.size() >= static_cast<size_t>(kLines);
      },
      180s);
  INFO(p.logs());
  REQUIRE(all);
  // Make every indexed document searchable, so a duplicate could not hide behind the refresh interval.
  REQUIRE(run_command("curl -sf -XPOST '" + p.stack.es + "/" + p.index_prefix + "*/_refresh' >/dev/null").exit_code == 0);
  hits = query(p.stack, p.index_prefix, "-s it-service");
  std::set<std::string> unique;
  for (const auto& h : hits) unique.insert(h.message);
  CHECK(hits.size() == static_cast<size_t>(kLines));
  CHECK(unique.size() == static_cast<size_t>(kLines));
  CHECK(p.shipper->stop() == 0);
  CHECK(p.indexer->stop() == 0);
}
