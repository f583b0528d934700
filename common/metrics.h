#pragma once
// Process metrics, rendered in the Prometheus text format. Registration takes a lock and happens at
// start-up; updates are relaxed atomics, cheap enough to do per batch (not per byte).
// Every component reports the same four families where they apply: received, sent, dropped (by reason)
// and errors, so dashboards look alike across shipper and indexer.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace logpipe::metrics {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

class Registry {
 public:
  // Returns the same object for the same name and labels; references stay valid for the registry's life.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  // Replaces the whole series set of a gauge family, for values with changing label sets (one series per
  // open file): series of files no longer open disappear instead of piling up.
  void set_gauge_family(const std::string& name, const std::string& help,
                        const std::vector<std::pair<Labels, int64_t>>& series);
  std::string render_prometheus() const;

 private:
  struct Family {
    std::string help;
    bool is_counter;
    std::map<std::string, Counter*> counters;  // key: rendered label set
    std::map<std::string, Gauge*> gauges;
    std::map<std::string, int64_t> replaced;  // set_gauge_family series
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::deque<Counter> counter_storage_;
  std::deque<Gauge> gauge_storage_;
};

}  // namespace logpipe::metrics
