#pragma once
// Process metrics, rendered in the Prometheus text format. Registration takes a lock and happens at
// start-up; updates are relaxed atomics, cheap enough to do per batch (not per byte).
// Every component reports the same four families where they apply: received, sent, dropped (by reason)
// and errors, so dashboards look alike across shipper and indexer.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
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

// Cumulative histogram with fixed upper bounds (Prometheus `histogram`). observe() is lock-free (one relaxed
// atomic add per bucket hit plus count and sum), safe from any thread.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Observations <= upper_bounds()[i] (cumulative), then +Inf (= count()).
  std::vector<uint64_t> cumulative_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bucket (not cumulative), last = +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths: exact enough for seconds and bytes, atomic
};

// Bucket bounds for latencies in seconds, 1 ms to 5 min.
std::vector<double> latency_buckets_seconds();

class Registry {
 public:
  // Returns the same object for the same name and labels; references stay valid for the registry's life.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  // The bounds of the first registration of `name` win for every series of the family.
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> upper_bounds,
                       const Labels& labels = {});
  // Replaces the whole series set of a gauge family, for values with changing label sets (one series per
  // open file): series of files no longer open disappear instead of piling up.
  void set_gauge_family(const std::string& name, const std::string& help,
                        const std::vector<std::pair<Labels, int64_t>>& series);
  std::string render_prometheus() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    std::string help;
    Type type;
    std::map<std::string, Counter*> counters;  // key: rendered label set
    std::map<std::string, Gauge*> gauges;
    std::map<std::string, int64_t> replaced;  // set_gauge_family series
    std::map<Labels, Histogram*> histograms;  // labels kept whole: `le` is added per bucket
    std::vector<double> bounds;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::deque<Counter> counter_storage_;
  std::deque<Gauge> gauge_storage_;
  std::deque<Histogram> histogram_storage_;
};

}  // namespace logpipe::metrics
