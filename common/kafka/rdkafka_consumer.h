#pragma once
// Group consumer on librdkafka with auto-commit and auto offset store off: offsets move only through
// commit(). A fresh group starts at the earliest offset so nothing produced before the first start is lost.
// Assignment is cooperative-sticky by default (a rebalance moves only the partitions that change owner);
// the eager strategies (range, roundrobin) work too when configured.

#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/kafka/consumer.h"

namespace logpipe::kafka {

class RdKafkaConsumer final : public Consumer {
 public:
  static Result<std::unique_ptr<RdKafkaConsumer>> create(const std::map<std::string, std::string>& properties,
                                                         const std::vector<std::string>& topics);
  ~RdKafkaConsumer() override;

  Result<std::vector<InRecord>> poll_batch(size_t max_records, std::chrono::milliseconds timeout) override;
  Status commit(const std::vector<CommitOffset>& offsets) override;
  void set_rebalance_listener(RebalanceListener* listener) override;
  Status pause(const std::vector<TopicPartition>& partitions) override;
  Status resume(const std::vector<CommitOffset>& positions) override;
  Result<std::vector<PartitionLag>> lag(const std::vector<TopicPartition>& partitions,
                                        std::chrono::milliseconds timeout) override;
  void close() override;

  static std::map<std::string, std::string> default_properties();

 private:
  class Rebalance;
  RdKafkaConsumer();
  std::unique_ptr<Rebalance> rebalance_;  // outlives consumer_ (declared first, destroyed last)
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  bool closed_ = false;
};

}  // namespace logpipe::kafka
