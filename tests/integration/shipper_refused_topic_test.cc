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

// Kafka's admin API on the shared broker (kcat has none). Each call returns the error, empty on success.
class KafkaAdmin {
 public:
  KafkaAdmin() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kafka_address().c_str(), err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk_ != nullptr) q_ = rd_kafka_queue_new(rk_);
  }
  ~KafkaAdmin() {
    if (q_ != nullptr) rd_kafka_queue_destroy(q_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }
  KafkaAdmin(const KafkaAdmin&) = delete;
  KafkaAdmin& operator=(const KafkaAdmin&) = delete;

  using Configs = std::vector<std::pair<std::string, std::string>>;

  std::string create(const std::string& topic, const Configs& configs) {
    char err[512];
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(topic.c_str(), 1, 1, err, sizeof err);
    if (t == nullptr) return err;
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str());
    rd_kafka_CreateTopics(rk_, &t, 1, nullptr, q_);
    rd_kafka_NewTopic_destroy(t);
    return answer([](rd_kafka_event_t* ev) {
      size_t n = 0;
      const auto** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      return topic_error(res, n);
    });
  }
  // Sets the topic's configs to `configs` (AlterConfigs replaces the whole set).
  std::string alter(const std::string& topic, const Configs& configs) {
    rd_kafka_ConfigResource_t* c = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    for (const auto& [k, v] : configs) rd_kafka_ConfigResource_set_config(c, k.c_str(), v.c_str());
    rd_kafka_AlterConfigs(rk_, &c, 1, nullptr, q_);
    rd_kafka_ConfigResource_destroy(c);
    return answer([](rd_kafka_event_t* ev) -> std::string {
      size_t n = 0;
      const auto** res = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
      if (n != 1) return "no resource result";
      return rd_kafka_ConfigResource_error(res[0]) == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_ConfigResource_error_string(res[0]);
    });
  }
  std::string drop(const std::string& topic) {
    rd_kafka_DeleteTopic_t* t = rd_kafka_DeleteTopic_new(topic.c_str());
    rd_kafka_DeleteTopics(rk_, &t, 1, nullptr, q_);
    rd_kafka_DeleteTopic_destroy(t);
    return answer([](rd_kafka_event_t* ev) {
      size_t n = 0;
      const auto** res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
      return topic_error(res, n);
    });
  }

 private:
  static std::string topic_error(const rd_kafka_topic_result_t** res, size_t n) {
    if (n != 1) return "no topic result";
    return rd_kafka_topic_result_error(res[0]) == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_topic_result_error_string(res[0]);
  }
  template <typename Read>
  std::string answer(Read read) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q_, 30000);
    if (ev == nullptr) return "no answer";
    std::string result = rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_event_error_string(ev) : read(ev);
    rd_kafka_event_destroy(ev);
    return result;
  }
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* q_ = nullptr;
};

}  // namespace

TEST_CASE("a topic the broker refuses: /health says which and why, and recovers with nothing lost once it is fixed",
          "[integration]") {
  REQUIRE(run_command("command -v kcat >/dev/null && command -v curl >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = unique_name("refused");
  KafkaAdmin admin;
  REQUIRE(admin.create(topic, {{"message.timestamp.before.max.ms", "0"}}).empty());
  struct DropTopic {
    KafkaAdmin& admin;
    std::string topic;
    ~DropTopic() { admin.drop(topic); }
  } drop_topic{admin, topic};

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
  REQUIRE(admin.alter(topic, {{"message.timestamp.before.max.ms", "9223372036854775807"}}).empty());
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
