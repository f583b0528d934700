#pragma once
// Kafka's admin API on the shared broker, for tests that need topics with particular configs (kcat has
// no admin commands).

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/integration/stack.h"

namespace logpipe::testing {

// Each call returns the error, empty on success.
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

// Deletes a topic when it goes out of scope.
struct DropTopicAtEnd {
  KafkaAdmin& admin;
  std::string topic;
  ~DropTopicAtEnd() { admin.drop(topic); }
};

}  // namespace logpipe::testing
