#include "common/ack_tracker.h"

namespace logpipe {

void AckTracker::acked(uint64_t token) {
  auto it = pending_.find(token);
  if (it == pending_.end()) return;  // from before a reset()
  it->second.acked = true;
  while (!pending_.empty() && pending_.begin()->second.acked) {
    watermark_ = pending_.begin()->second.end_offset;
    pending_.erase(pending_.begin());
  }
}

}  // namespace logpipe
