#pragma once
// The unit of work between the polling thread and the bulk workers (pipeline.h).
//
// A job holds records of one poll, grouped by partition in offset order; each partition's run is a chunk
// with its own AckTracker token. The polling thread creates the job and owns the bookkeeping; one worker
// processes it; the polling thread reads the result after the worker handed it back (through a locked
// queue, which orders the accesses). `dropped` is the one field both touch concurrently.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "common/kafka/consumer.h"

namespace logpipe::indexer {

struct PartitionChunk {
  PartitionChunk(kafka::TopicPartition tp_, uint64_t token_, size_t begin_, size_t end_)
      : tp(std::move(tp_)), token(token_), begin(begin_), end(end_) {}
  kafka::TopicPartition tp;
  uint64_t token;     // the partition's AckTracker token
  size_t begin, end;  // records[begin, end)
  // Set by the polling thread when the partition is revoked: the worker stops working on these records
  // (the partition's next owner reads them again).
  std::atomic<bool> dropped{false};
};

struct BulkJob {
  uint64_t id = 0;
  std::vector<kafka::InRecord> records;
  std::deque<PartitionChunk> chunks;  // deque: atomics do not move
  int64_t bytes = 0;                  // charged against batch.max_inflight_bytes until the job comes back
  bool aborted = false;               // set by the worker: stopped (shutdown) before every record was resolved
};

// Memory a record holds, for the in-flight budget.
inline int64_t record_bytes(const kafka::InRecord& r) {
  int64_t n = static_cast<int64_t>(sizeof(kafka::InRecord) + r.topic.size() + r.key.size() + r.value.size());
  for (const auto& [k, v] : r.headers) n += static_cast<int64_t>(k.size() + v.size() + 2 * sizeof(std::string));
  return n;
}

}  // namespace logpipe::indexer
