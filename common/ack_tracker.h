#pragma once
// Contiguous acknowledged watermark over a stream of positions. Units of work are handed out in position
// order and acknowledged in any order (retries, several requests in flight); the watermark is the end of
// the longest prefix of handed-out units that are all acknowledged: never past one that is not.
//
// Used by the shipper (one per file: byte offsets, a unit is a line handed to the Kafka producer) and by
// the indexer (one per Kafka partition: record offsets, a unit is the part of a bulk request from that
// partition). Threading: single-threaded (the owning pipeline thread).
// Cost: a unit in flight is 24 bytes in a deque (no node per unit, which matters at a line per unit); an
// acknowledgement finds its unit at the front or by binary search over the increasing tokens.

#include <cstddef>
#include <cstdint>
#include <deque>

namespace logpipe {

class AckTracker {
 public:
  explicit AckTracker(int64_t start_offset = 0) : watermark_(start_offset) {}

  // A unit ending at `end_offset` (exclusive) was handed out under `token`. Tokens increase in the order
  // units are handed out.
  void sent(uint64_t token, int64_t end_offset) { pending_.push_back(Entry{token, end_offset, false}); }
  // The unit `token` is acknowledged. Unknown tokens (from before a reset) are ignored.
  void acked(uint64_t token);
  // Position up to which every unit is acknowledged.
  int64_t watermark() const { return watermark_; }
  size_t pending() const { return pending_.size(); }
  // Forget everything in flight and restart at `offset` (the file was truncated or replaced).
  void reset(int64_t offset) {
    pending_.clear();
    watermark_ = offset;
  }

 private:
  struct Entry {
    uint64_t token;
    int64_t end_offset;
    bool acked;
  };
  std::deque<Entry> pending_;  // in hand-out order = token order
  int64_t watermark_;
};

}  // namespace logpipe
