#pragma once
// A Consumer fed from batches the test queues; records commits, pauses and resumes, and lets the test
// play the group (assign, revoke) the way librdkafka calls back from inside poll. Single-threaded, like
// the real one: the test thread is the polling thread.

#include <algorithm>
#include <deque>
#include <set>
#include <vector>

#include "common/kafka/consumer.h"

namespace logpipe::testing {

class FakeConsumer final : public kafka::Consumer {
 public:
  void queue_batch(std::vector<kafka::InRecord> batch) { batches_.push_back(std::move(batch)); }
  size_t queued_batches() const { return batches_.size(); }

  void assign(const std::vector<kafka::TopicPartition>& parts) {
    assigned_.insert(parts.begin(), parts.end());
    if (listener_ != nullptr) listener_->on_assigned(parts);
  }
  void revoke(const std::vector<kafka::TopicPartition>& parts, bool lost = false) {
    if (listener_ != nullptr) listener_->on_revoked(parts, lost);
    for (const auto& p : parts) {
      assigned_.erase(p);
      paused_.erase(p);
    }
  }

  // The next batch is held back while any of its partitions is paused (as librdkafka returns nothing of
  // a paused partition).
  Result<std::vector<kafka::InRecord>> poll_batch(size_t max_records, std::chrono::milliseconds) override {
    ++polls_;
    last_max_records_ = max_records;
    if (batches_.empty()) return std::vector<kafka::InRecord>{};
    for (const auto& r : batches_.front())
      if (paused_.count({r.topic, r.partition}) != 0) return std::vector<kafka::InRecord>{};
    auto b = std::move(batches_.front());
    batches_.pop_front();
    return b;
  }
  Status commit(const std::vector<kafka::CommitOffset>& offsets) override {
    commits_.push_back(offsets);
    return Status::Ok();
  }
  void set_rebalance_listener(kafka::RebalanceListener* listener) override { listener_ = listener; }
  Status pause(const std::vector<kafka::TopicPartition>& parts) override {
    paused_.insert(parts.begin(), parts.end());
    pause_calls_.push_back(parts);
    return Status::Ok();
  }
  Status resume(const std::vector<kafka::CommitOffset>& positions) override {
    for (const auto& p : positions) paused_.erase({p.topic, p.partition});
    resume_calls_.push_back(positions);
    return Status::Ok();
  }
  Result<std::vector<kafka::PartitionLag>> lag(const std::vector<kafka::TopicPartition>& parts,
                                               std::chrono::milliseconds) override {
    std::vector<kafka::PartitionLag> out;
    for (const auto& p : parts) out.push_back({p, lag_});
    return out;
  }
  void close() override {}

  void set_lag(int64_t lag) { lag_ = lag; }
  const std::vector<std::vector<kafka::CommitOffset>>& commits() const { return commits_; }
  // The last committed next_offset of a partition, or -1.
  int64_t committed(const std::string& topic, int32_t partition) const {
    int64_t out = -1;
    for (const auto& c : commits_)
      for (const auto& o : c)
        if (o.topic == topic && o.partition == partition) out = o.next_offset;
    return out;
  }
  const std::vector<std::vector<kafka::TopicPartition>>& pause_calls() const { return pause_calls_; }
  const std::vector<std::vector<kafka::CommitOffset>>& resume_calls() const { return resume_calls_; }
  bool paused(const kafka::TopicPartition& tp) const { return paused_.count(tp) != 0; }
  int polls() const { return polls_; }
  size_t last_max_records() const { return last_max_records_; }

 private:
  std::deque<std::vector<kafka::InRecord>> batches_;
  std::vector<std::vector<kafka::CommitOffset>> commits_;
  std::vector<std::vector<kafka::TopicPartition>> pause_calls_;
  std::vector<std::vector<kafka::CommitOffset>> resume_calls_;
  std::set<kafka::TopicPartition> assigned_, paused_;
  kafka::RebalanceListener* listener_ = nullptr;
  int64_t lag_ = 0;
  int polls_ = 0;
  size_t last_max_records_ = 0;
};

}  // namespace logpipe::testing
