#include "common/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace logpipe::metrics {
namespace {

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// HELP text escapes only backslash and newline (Prometheus text format).
std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Prometheus number formatting: shortest form that reads back, "+Inf" for infinity.
std::string format_double(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer a short form when it is exact (0.005 instead of 0.0050000000000000001).
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(v * 1e6)), std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double Histogram::sum() const { return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6; }

std::vector<double> latency_buckets_seconds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& fam = families_.try_emplace(name, Family{help, Type::kCounter, {}, {}, {}, {}, {}}).first->second;
  auto& slot = fam.counters[render_labels(labels)];
  if (slot == nullptr) slot = &counter_storage_.emplace_back();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& fam = families_.try_emplace(name, Family{help, Type::kGauge, {}, {}, {}, {}, {}}).first->second;
  auto& slot = fam.gauges[render_labels(labels)];
  if (slot == nullptr) slot = &gauge_storage_.emplace_back();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> upper_bounds,
                               const Labels& labels) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = families_.try_emplace(name, Family{help, Type::kHistogram, {}, {}, {}, {}, {}});
  auto& fam = it->second;
  if (inserted) fam.bounds = std::move(upper_bounds);
  auto& slot = fam.histograms[labels];
  if (slot == nullptr) slot = &histogram_storage_.emplace_back(fam.bounds);
  return *slot;
}

void Registry::set_gauge_family(const std::string& name, const std::string& help,
                                const std::vector<std::pair<Labels, int64_t>>& series) {
  std::lock_guard lock(mu_);
  auto& fam = families_.try_emplace(name, Family{help, Type::kGauge, {}, {}, {}, {}, {}}).first->second;
  fam.replaced.clear();
  for (const auto& [labels, v] : series) fam.replaced[render_labels(labels)] = v;
}

std::string Registry::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + " " + escape_help(fam.help) + "\n";
    static constexpr const char* kTypes[] = {" counter\n", " gauge\n", " histogram\n"};
    out += "# TYPE " + name + kTypes[static_cast<int>(fam.type)];
    for (const auto& [labels, c] : fam.counters) out += name + labels + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : fam.gauges) out += name + labels + " " + std::to_string(g->value()) + "\n";
    for (const auto& [labels, v] : fam.replaced) out += name + labels + " " + std::to_string(v) + "\n";
    for (const auto& [labels, h] : fam.histograms) {
      const auto counts = h->cumulative_counts();
      for (size_t i = 0; i < counts.size(); ++i) {
        Labels with_le = labels;
        with_le["le"] = i < h->upper_bounds().size() ? format_double(h->upper_bounds()[i]) : "+Inf";
        out += name + "_bucket" + render_labels(with_le) + " " + std::to_string(counts[i]) + "\n";
      }
      out += name + "_sum" + render_labels(labels) + " " + format_double(h->sum()) + "\n";
      out += name + "_count" + render_labels(labels) + " " + std::to_string(counts.back()) + "\n";
    }
  }
  return out;
}

}  // namespace logpipe::metrics
