#pragma once
// The indexer's way out of Kafka: a group consumer that never commits on its own. The caller commits
// exactly the offsets whose records Elasticsearch acknowledged.
//
// Threading: all calls from one thread. Lifetime: close() before destruction to leave the group cleanly.

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

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Returns up to `max_records`, waiting at most `timeout` for the first one and then taking only what is
  // already fetched. An error is a consumer-level problem (records already returned are never lost).
  virtual Result<std::vector<InRecord>> poll_batch(size_t max_records, std::chrono::milliseconds timeout) = 0;
  // Synchronous commit.
  virtual Status commit(const std::vector<CommitOffset>& offsets) = 0;
  virtual void close() = 0;
};

}  // namespace logpipe::kafka
