#pragma once
// Producer on librdkafka. Defaults favour no loss: enable.idempotence=true (implies acks=all and
// in-order retries), zstd compression; any librdkafka property given in `properties` overrides them
// (SASL, TLS, batching).

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "common/kafka/producer.h"

namespace logpipe::kafka {

class RdKafkaProducer final : public Producer {
 public:
  static Result<std::unique_ptr<RdKafkaProducer>> create(const std::map<std::string, std::string>& properties,
                                                         DeliveryHandler& handler);
  ~RdKafkaProducer() override;

  Status produce(const OutRecord& record, uint64_t token) override;
  void poll(std::chrono::milliseconds timeout) override;
  Status flush(std::chrono::milliseconds timeout) override;
  int64_t in_flight() const override;
  bool connected() const override { return connected_.load(); }

  static std::map<std::string, std::string> default_properties();

 private:
  class Callbacks;
  RdKafkaProducer() = default;
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> connected_{true};
};

}  // namespace logpipe::kafka
