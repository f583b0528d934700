#pragma once
// An EventSink for TCP server tests: records every event (thread-safe: the server calls it from its I/O
// thread, the test reads from its own), and can be made to refuse events like a full WAL.

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "shipper/tcp_input/event_sink.h"

namespace logpipe::testing {

class RecordingSink final : public shipper::tcp::EventSink {
 public:
  struct Event {
    std::string value;
    kafka::Headers headers;
    std::string key;
    bool truncated = false;
    bool partial = false;
    std::string header(std::string_view name) const {
      for (const auto& [k, v] : headers)
        if (k == name) return v;
      return {};
    }
  };

  Accept accept(const std::shared_ptr<const shipper::tcp::EventOrigin>& origin,
                const shipper::tcp::EventBatch& batch) override {
    if (full_) {
      refused_ += batch.size();
      return Accept::kFull;
    }
    std::lock_guard lock(mu_);
    for (const auto& e : batch.events())
      events_.push_back(Event{std::string(batch.value(e)), origin->headers, origin->key, e.truncated, e.partial});
    return Accept::kAccepted;
  }
  bool can_accept() override { return !full_; }
  void service() override {}

  void set_full(bool full) { full_ = full; }
  uint64_t refused() const { return refused_; }
  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  // Bounded poll: true once at least n events arrived.
  bool wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Event> events_;
  std::atomic<bool> full_{false};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace logpipe::testing
