// A topic the real broker refuses: created with message.timestamp.before.max.ms=0, so every batch, whose
// timestamps are from before it reached the broker, is refused (INVALID_TIMESTAMP; standing in for
// authorization and the like, which the local stack does not have). The shipper keeps every line and
// retries; /health must turn 503 and name the topic and the error after health_failing_after, and turn
// 200 again, with every line in Kafka, once the topic is fixed through the admin API. (min.insync.replicas
// above the replication factor would be the obvious choice, but Kafka 3.9 caps it at the factor.)

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <set>

#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

// One admin request on a throwaway client: creates `topic` with `configs`, or (alter = true) sets the
// topic's configs to `configs` (AlterConfigs replaces the whole set). Returns the error, empty on success.
std::string admin(const std::string& topic, const std::vector<std::pair<std::string, std::string>>& configs, bool alter) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", kafka_address().c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) return err;
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  std::string result = "no answer";
  rd_kafka_event_t* ev = nullptr;
  if (!alter) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(topic.c_str(), 1, 1, err, sizeof err);
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str());
    rd_kafka_CreateTopics(rk, &t, 1, nullptr, q);
    ev = rd_kafka_queue_poll(q, 30000);
    if (ev != nullptr) {
      size_t n = 0;
      const auto** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      result = n == 1 && rd_kafka_topic_result_error(res[0]) == RD_KAFKA_RESP_ERR_NO_ERROR
                   ? ""
                   : (n == 1 ? rd_kafka_topic_result_error_string(res[0]) : "no topic result");
    }
    rd_kafka_NewTopic_destroy(t);
  } else {
    rd_kafka_ConfigResource_t* c = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    for (const auto& [k, v] : configs) rd_kafka_ConfigResource_set_config(c, k.c_str(), v.c_str());
    rd_kafka_AlterConfigs(rk, &c, 1, nullptr, q);
    ev = rd_kafka_queue_poll(q, 30000);
    if (ev != nullptr) result = rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_event_error_string(ev);
    rd_kafka_ConfigResource_destroy(c);
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return result;
}

int status_port(const ChildProcess& p) {
  const std::string log = p.log();
  const std::string marker = "\"serving /metrics and /health\"";
  const auto at = log.find(marker);
  if (at == std::string::npos) return 0;
  const auto port = log.find("\"port\":", at);
  return port == std::string::npos ? 0 : std::atoi(log.c_str() + port + 7);
}

}  // namespace

TEST_CASE("a topic the broker refuses: /health says which and why, and recovers with nothing lost once it is fixed",
          "[integration]") {
  REQUIRE(run_command("command -v kcat >/dev/null && command -v curl >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = "refused" + std::to_string(::getpid()) + "x" +
                            std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
  REQUIRE(admin(topic, {{"message.timestamp.before.max.ms", "0"}}, false).empty());

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
  const auto health = [&] {
    return run_command("curl -s -w ' %{http_code}' --max-time 2 http://127.0.0.1:" + std::to_string(port) + "/health").out;
  };

  // The broker is reachable, but the topic takes nothing: 503 naming the topic and the broker's error.
  std::string h;
  CHECK(wait_until([&] { return (h = health()).ends_with(" 503"); }, 30s));
  INFO(h);
  CHECK(h.starts_with(R"({"status":"unhealthy","details":{"kafka":"connected","failing_topics":[{"topic":")" + topic +
                      R"(","failing_for_s":)"));
  CHECK(h.find(R"("error":"Broker: Invalid timestamp"}]}})") != std::string::npos);

  // Fixed: the retried lines go through and /health is 200 with no failing topic.
  REQUIRE(admin(topic, {{"message.timestamp.before.max.ms", "9223372036854775807"}}, true).empty());
  CHECK(wait_until([&] {
    return (h = health()) == "{\"status\":\"ok\",\"details\":{\"kafka\":\"connected\",\"failing_topics\":[]}}\n 200";
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
