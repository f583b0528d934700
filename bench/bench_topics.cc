// Creates and deletes the benchmarks' Kafka topics (kcat cannot), with librdkafka's admin API:
//
//   logpipe_bench_topics BROKERS create TOPIC PARTITIONS
//   logpipe_bench_topics BROKERS delete TOPIC...
//
// Exit status 0 when every operation succeeded (deleting a topic that does not exist counts as success).

#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "logpipe_bench_topics: %s\n", what.c_str());
  return 1;
}

// Runs one admin request and returns its result event (null on timeout).
rd_kafka_event_t* wait_result(rd_kafka_queue_t* q, rd_kafka_event_type_t type) {
  for (int i = 0; i < 60; ++i) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 1000);
    if (ev == nullptr) continue;
    if (rd_kafka_event_type(ev) == type) return ev;
    rd_kafka_event_destroy(ev);
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return fail("usage: logpipe_bench_topics BROKERS create TOPIC PARTITIONS | delete TOPIC...");
  const std::string op = argv[2];
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != RD_KAFKA_CONF_OK) return fail(err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) return fail(err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  int status = 0;

  if (op == "create" && argc == 5) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(argv[3], std::atoi(argv[4]), -1, err, sizeof err);
    if (t == nullptr) return fail(err);
    rd_kafka_CreateTopics(rk, &t, 1, nullptr, q);
    rd_kafka_event_t* ev = wait_result(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    if (ev == nullptr) {
      status = fail("create: no answer");
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i)
        if (rd_kafka_topic_result_error(res[i]) != RD_KAFKA_RESP_ERR_NO_ERROR)
          status = fail(std::string("create ") + rd_kafka_topic_result_name(res[i]) + ": " +
                        rd_kafka_topic_result_error_string(res[i]));
      rd_kafka_event_destroy(ev);
    }
    rd_kafka_NewTopic_destroy(t);
  } else if (op == "delete") {
    std::vector<rd_kafka_DeleteTopic_t*> topics;
    for (int i = 3; i < argc; ++i) topics.push_back(rd_kafka_DeleteTopic_new(argv[i]));
    rd_kafka_DeleteTopics(rk, topics.data(), topics.size(), nullptr, q);
    rd_kafka_event_t* ev = wait_result(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT);
    if (ev == nullptr) {
      status = fail("delete: no answer");
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
          status = fail(std::string("delete ") + rd_kafka_topic_result_name(res[i]) + ": " +
                        rd_kafka_topic_result_error_string(res[i]));
      }
      rd_kafka_event_destroy(ev);
    }
    rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size());
  } else {
    status = fail("unknown operation " + op);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return status;
}
