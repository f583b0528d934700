#pragma once
// Per-file delivery watermark. Lines of a file are sent in order; Kafka acknowledges them in any order
// (retries, several partitions in flight). The checkpointable offset is the end of the longest prefix of
// sent lines that are all acknowledged: never past a line Kafka does not have.
// Threading: single-threaded (the pipeline thread).

#include <cstddef>
#include <cstdint>
#include <map>

namespace logpipe::shipper {

class AckTracker {
 public:
  explicit AckTracker(int64_t start_offset = 0) : watermark_(start_offset) {}

  // A line ending at `end_offset` (exclusive) was handed to the producer under `token`.
  void sent(uint64_t token, int64_t end_offset) { pending_.emplace(token, Entry{end_offset, false}); }
  // The broker acknowledged `token`. Tokens are issued in increasing order per file.
  void acked(uint64_t token);
  // Offset up to which every line is acknowledged.
  int64_t watermark() const { return watermark_; }
  size_t pending() const { return pending_.size(); }
  // Forget everything in flight and restart at `offset` (the file was truncated or replaced).
  void reset(int64_t offset) {
    pending_.clear();
    watermark_ = offset;
  }

 private:
  struct Entry {
    int64_t end_offset;
    bool acked;
  };
  std::map<uint64_t, Entry> pending_;  // ordered by token = send order
  int64_t watermark_;
};

}  // namespace logpipe::shipper
