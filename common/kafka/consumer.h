#pragma once
// The indexer's way out of Kafka: a group consumer that never commits on its own. The caller commits
// exactly the offsets whose records Elasticsearch acknowledged.
//
// Threading: all calls from one thread; the RebalanceListener is called on that thread, from inside
// poll_batch() (and close()). Lifetime: close() before destruction to leave the group cleanly, while the
// listener is still alive.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/kafka/record_format.h"
#include "common/result.h"

namespace logpipe::kafka {

struct InRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
  Headers headers;
};

struct CommitOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;  // the first offset NOT yet processed (Kafka's convention)
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct PartitionLag {
  TopicPartition tp;
  int64_t lag = 0;  // high watermark - committed offset (records not yet committed by the group)
};

// Told when the group changes this member's partitions (cooperative: only the partitions that move).
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // These partitions are now ours; consumption starts at their committed offsets.
  virtual void on_assigned(const std::vector<TopicPartition>& partitions) = 0;
  // These partitions are being taken away. While this runs they are still ours, so commit() works,
  // unless `lost` (the group already gave them to another member: commits would be refused).
  virtual void on_revoked(const std::vector<TopicPartition>& partitions, bool lost) = 0;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Returns up to `max_records`, waiting at most `timeout` for the first one and then taking only what is
  // already fetched. An error is a consumer-level problem (records already returned are never lost).
  virtual Result<std::vector<InRecord>> poll_batch(size_t max_records, std::chrono::milliseconds timeout) = 0;
  // Synchronous commit.
  virtual Status commit(const std::vector<CommitOffset>& offsets) = 0;
  // Null to stop listening. Without a listener assignments are applied as they come.
  virtual void set_rebalance_listener(RebalanceListener* listener) = 0;
  // Stops fetching these partitions; poll_batch() keeps the group membership alive meanwhile (it must
  // still be called). Records already returned stay valid; none of a paused partition is returned.
  virtual Status pause(const std::vector<TopicPartition>& partitions) = 0;
  // Fetches again, from `next_offset` of each entry (the first offset not returned yet), or, when
  // next_offset < 0, from where fetching of that partition stopped.
  virtual Status resume(const std::vector<CommitOffset>& positions) = 0;
  // Asks the brokers for high watermarks and the group's committed offsets (blocking; `timeout` bounds the
  // whole call).
  virtual Result<std::vector<PartitionLag>> lag(const std::vector<TopicPartition>& partitions,
                                                std::chrono::milliseconds timeout) = 0;
  virtual void close() = 0;
};

}  // namespace logpipe::kafka
