#pragma once
// A Consumer fed from batches the test queues; records commits.

#include <deque>
#include <vector>

#include "common/kafka/consumer.h"

namespace logpipe::testing {

class FakeConsumer final : public kafka::Consumer {
 public:
  void queue_batch(std::vector<kafka::InRecord> batch) { batches_.push_back(std::move(batch)); }

  Result<std::vector<kafka::InRecord>> poll_batch(size_t, std::chrono::milliseconds) override {
    if (batches_.empty()) return std::vector<kafka::InRecord>{};
    auto b = std::move(batches_.front());
    batches_.pop_front();
    return b;
  }
  Status commit(const std::vector<kafka::CommitOffset>& offsets) override {
    commits_.push_back(offsets);
    return Status::Ok();
  }
  void close() override {}

  const std::vector<std::vector<kafka::CommitOffset>>& commits() const { return commits_; }

 private:
  std::deque<std::vector<kafka::InRecord>> batches_;
  std::vector<std::vector<kafka::CommitOffset>> commits_;
};

}  // namespace logpipe::testing
