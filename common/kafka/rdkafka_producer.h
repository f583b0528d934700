#pragma once
// Producer on librdkafka (its C API: no per-record wrapper objects). Defaults favour no loss:
// enable.idempotence=true (implies acks=all and in-order retries), zstd compression; any librdkafka
// property given in `properties` overrides them (SASL, TLS, batching).
//
// Per record: one librdkafka message holding a copy of value and key (RD_KAFKA_MSG_F_COPY: one
// allocation, the copy is a memcpy into it) plus its headers; the caller keeps nothing. Topic handles
// are looked up once per topic name and cached.
//
// Connectivity (connected()): false after librdkafka reports all brokers down; true again on the next
// acknowledged record or, when nothing is in flight, once a broker answers the metadata request poll()
// sends while disconnected (at most every 2 s, waiting up to 200 ms: only when there is nothing else to
// wait for), so /health recovers without traffic.
//
// Failing topics: failing_topics() lists each topic from its first failed delivery until one of its
// records is acknowledged again.
//
// Waiting: wakeup_fd() is a pipe librdkafka writes to when delivery reports or errors wait to be served
// (rd_kafka_queue_io_event_enable on its main queue); poll() drains it.
//
// Threading: produce*(), poll() and flush() from one thread; delivery reports and client errors are
// served by poll()/flush() on that thread. connected() may be read from any thread.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/kafka/producer.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;

namespace logpipe::kafka {

class RdKafkaProducer final : public Producer {
 public:
  static Result<std::unique_ptr<RdKafkaProducer>> create(const std::map<std::string, std::string>& properties,
                                                         DeliveryHandler& handler);
  ~RdKafkaProducer() override;
  RdKafkaProducer(const RdKafkaProducer&) = delete;
  RdKafkaProducer& operator=(const RdKafkaProducer&) = delete;

  Status produce(const OutRecord& record, uint64_t token) override;
  Status produce_view(const RecordView& record, uint64_t token) override;
  void poll(std::chrono::milliseconds timeout) override;
  int wakeup_fd() const override { return wake_[0]; }
  Status flush(std::chrono::milliseconds timeout) override;
  int64_t in_flight() const override;
  bool connected() const override { return connected_.load(); }
  std::vector<FailingTopic> failing_topics() const override;

  static std::map<std::string, std::string> default_properties();

 private:
  struct Callbacks;
  friend struct Callbacks;
  explicit RdKafkaProducer(DeliveryHandler& handler) : handler_(handler) {}
  rd_kafka_topic_s* topic(std::string_view name);
  void probe_if_idle_and_disconnected();

  DeliveryHandler& handler_;
  rd_kafka_s* rk_ = nullptr;
  std::vector<std::pair<std::string, rd_kafka_topic_s*>> topics_;  // few: one per topic name
  std::atomic<bool> connected_{true};
  int wake_[2] = {-1, -1};  // pipe librdkafka writes to when its main queue (delivery reports) gets work
  std::chrono::steady_clock::time_point last_probe_{};
  // Records librdkafka's own size check (message.max.bytes) refused at produce(): accepted here and
  // reported failed as too large at the next poll() or flush(), so the handler cuts them instead of
  // producing them again unchanged (which would refuse them forever and hold back everything behind).
  std::vector<std::pair<uint64_t, OutRecord>> refused_;
  void report_refused();
  // failing_topics(): written on the poll thread, read from any. A topic is in failing_ from its first
  // failed delivery to its next acknowledged one; any_failing_ spares acknowledgements the lock while
  // no topic is failing (the common case).
  void note_failed(std::string_view topic, const char* error);
  void note_acked(std::string_view topic);
  mutable std::mutex failing_mu_;
  std::vector<FailingTopic> failing_;  // few: one per failing topic
  std::atomic<bool> any_failing_{false};
};

}  // namespace logpipe::kafka
