#include "common/metrics.h"

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

}  // namespace

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& fam = families_.try_emplace(name, Family{help, true, {}, {}, {}}).first->second;
  auto& slot = fam.counters[render_labels(labels)];
  if (slot == nullptr) slot = &counter_storage_.emplace_back();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& fam = families_.try_emplace(name, Family{help, false, {}, {}, {}}).first->second;
  auto& slot = fam.gauges[render_labels(labels)];
  if (slot == nullptr) slot = &gauge_storage_.emplace_back();
  return *slot;
}

void Registry::set_gauge_family(const std::string& name, const std::string& help,
                                const std::vector<std::pair<Labels, int64_t>>& series) {
  std::lock_guard lock(mu_);
  auto& fam = families_.try_emplace(name, Family{help, false, {}, {}, {}}).first->second;
  fam.replaced.clear();
  for (const auto& [labels, v] : series) fam.replaced[render_labels(labels)] = v;
}

std::string Registry::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + " " + escape_help(fam.help) + "\n";
    out += "# TYPE " + name + (fam.is_counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, c] : fam.counters) out += name + labels + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : fam.gauges) out += name + labels + " " + std::to_string(g->value()) + "\n";
    for (const auto& [labels, v] : fam.replaced) out += name + labels + " " + std::to_string(v) + "\n";
  }
  return out;
}

}  // namespace logpipe::metrics
