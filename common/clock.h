#pragma once
// Injected time. Batching timers, checkpoint intervals and backoff take a Clock& so unit tests advance a
// ManualClock instead of sleeping. Both clocks are safe to read from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace logpipe {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for intervals and timeouts.
  virtual std::chrono::steady_clock::time_point now() const = 0;
  // Wall-clock time in microseconds since the Unix epoch, for event timestamps.
  virtual int64_t wall_micros() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::now(); }
  int64_t wall_micros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::microseconds(micros_.load()));
  }
  int64_t wall_micros() const override { return wall_base_ + micros_.load(); }
  void advance(std::chrono::microseconds d) { micros_ += d.count(); }

 private:
  std::atomic<int64_t> micros_{1'000'000};
  int64_t wall_base_ = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z
};

}  // namespace logpipe
