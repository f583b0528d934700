#include "common/ack_tracker.h"

#include <algorithm>

namespace logpipe {

void AckTracker::acked(uint64_t token) {
  // Acknowledgements mostly come in hand-out order: try the front before searching.
  auto it = !pending_.empty() && pending_.front().token == token
                ? pending_.begin()
                : std::lower_bound(pending_.begin(), pending_.end(), token,
                                   [](const Entry& e, uint64_t t) { return e.token < t; });
  if (it == pending_.end() || it->token != token) return;  // from before a reset()
  it->acked = true;
  while (!pending_.empty() && pending_.front().acked) {
    watermark_ = pending_.front().end_offset;
    pending_.pop_front();
  }
}

}  // namespace logpipe
