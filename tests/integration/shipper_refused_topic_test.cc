// A topic the real broker refuses: created with message.timestamp.before.max.ms=0, so every batch, whose
// timestamps are from before it reached the broker, is refused (INVALID_TIMESTAMP; standing in for
// authorization and the like, which the local stack does not have). The shipper keeps every line and
// retries; /health must turn 503 and name the topic and the error after health_failing_after, and turn
// 200 again, with every line in Kafka, once the topic is fixed through the admin API. (min.insync.replicas
// above the replication factor would be the obvious choice, but Kafka 3.9 caps it at the factor.)

#include <catch2/catch.hpp>

#include <unistd.h>

#include <set>

#include "tests/fakes/temp_dir.h"
#include "tests/integration/kafka_admin.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

TEST_CASE("a topic the broker refuses: /health says which and why, and recovers with nothing lost once it is fixed",
          "[integration]") {
  REQUIRE(run_command("command -v kcat >/dev/null && command -v curl >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = unique_name("refused");
  KafkaAdmin admin;
  REQUIRE(admin.create(topic, {{"message.timestamp.before.max.ms", "0"}}).empty());
  DropTopicAtEnd drop_topic{admin, topic};

  std::string content;
  for (int i = 0; i < 50; ++i) content += "refused seq=" + std::to_string(i) + "\n";
  write_file(dir.file("app.log"), content);
  write_file(dir.file("shipper.yaml"),
             "host: refused-host\n"
             "kafka:\n  brokers: " + kafka_address() + "\n  topic: " + topic + "\n"
             "inputs:\n  - paths: \"" + dir.file("app.log") + "\"\n    service: refused\n"
             "state:\n  checkpoint_file: " + dir.file("cp.json") + "\n"
             "status_listen: 127.0.0.1:0\n"
             "health_failing_after: 2s\n");
  ChildProcess shipper({LOGPIPE_SHIPPER_BIN, "-c", dir.file("shipper.yaml")}, dir.file("shipper.out"));
  REQUIRE(shipper.started());
  int port = 0;
  REQUIRE(wait_until([&] { return (port = status_port(shipper)) > 0; }, 30s));
  INFO(shipper.log());
  // The broker is reachable, but the topic takes nothing: 503 naming the topic and the broker's error.
  HttpAnswer h;
  CHECK(wait_until([&] { return (h = http_get(port, "/health")).code == 503; }, 30s));
  INFO(h.body);
  CHECK(h.body.starts_with(R"({"status":"unhealthy","details":{"kafka":"connected","failing_topics":[{"topic":")" +
                           topic + R"(","failing_for_s":)"));
  CHECK(h.body.find(R"("error":"Broker: Invalid timestamp"}]}})") != std::string::npos);

  // Fixed: the retried lines go through and /health is 200 with no failing topic.
  REQUIRE(admin.alter(topic, {{"message.timestamp.before.max.ms", "9223372036854775807"}}).empty());
  CHECK(wait_until([&] {
    h = http_get(port, "/health");
    return h.code == 200 && h.body == "{\"status\":\"ok\",\"details\":{\"kafka\":\"connected\",\"failing_topics\":[]}}\n";
  }, 60s));
  std::set<long> seen;
  REQUIRE(wait_until([&] {
    for (const auto& [key, seqs] : seq_numbers_by_key(kafka_address(), topic)) seen.insert(seqs.begin(), seqs.end());
    return seen.size() == 50;
  }, 30s));
  CHECK(*seen.begin() == 0);
  CHECK(*seen.rbegin() == 49);
  shipper.stop(SIGTERM);
}
