#pragma once
// When to produce failed records again. librdkafka has already retried a record until message.timeout.ms
// or until the broker refused it for good (a topic it will not take: authorization, an invalid
// timestamp...); for the latter the failure comes back within milliseconds, and producing it again at once
// makes a tight loop against the broker (measured: 1,000 refused lines were produced 424,000 times in
// 10 s). So: after a failed round, wait 100 ms, doubling with each further failed round up to 5 s; the
// first acknowledgement ends it. Failures within the wait belong to the same round.
//
// Not thread-safe: used on the thread that serves delivery reports.

#include <algorithm>
#include <chrono>

namespace logpipe::kafka {

class RetryBackoff {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::milliseconds kFirst{100}, kMax{5000};

  void failed(time_point now) {
    if (now < ready_at_) return;  // the same round
    delay_ = delay_.count() == 0 ? kFirst : std::min(delay_ * 2, kMax);
    ready_at_ = now + delay_;
  }
  void acked() {
    delay_ = std::chrono::milliseconds(0);
    ready_at_ = {};
  }
  bool ready(time_point now) const { return now >= ready_at_; }
  std::chrono::milliseconds delay() const { return delay_; }

 private:
  std::chrono::milliseconds delay_{0};
  time_point ready_at_{};
};

}  // namespace logpipe::kafka
