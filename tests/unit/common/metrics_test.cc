#include "common/metrics.h"

#include <catch2/catch.hpp>
#include <string>

using logpipe::metrics::Registry;

TEST_CASE("metrics: same name and labels return the same counter", "[common]") {
  Registry reg;
  auto& a = reg.counter("logpipe_lines_total", "lines", {{"input", "app"}});
  auto& b = reg.counter("logpipe_lines_total", "lines", {{"input", "app"}});
  auto& other = reg.counter("logpipe_lines_total", "lines", {{"input", "db"}});
  auto& unlabeled = reg.counter("logpipe_lines_total", "lines");
  CHECK(&a == &b);
  CHECK(&a != &other);
  CHECK(&a != &unlabeled);

  a.inc();
  b.inc(4);
  other.inc(2);
  CHECK(a.value() == 5);
  CHECK(other.value() == 2);
  CHECK(unlabeled.value() == 0);
}

TEST_CASE("metrics: label order does not matter for identity", "[common]") {
  Registry reg;
  auto& a = reg.counter("c", "h", {{"a", "1"}, {"b", "2"}});
  auto& b = reg.counter("c", "h", {{"b", "2"}, {"a", "1"}});
  CHECK(&a == &b);
}

TEST_CASE("metrics: references stay valid as more series are registered", "[common]") {
  Registry reg;
  auto& first = reg.counter("c", "h", {{"i", "0"}});
  first.inc(7);
  for (int i = 1; i < 200; ++i) reg.counter("c", "h", {{"i", std::to_string(i)}}).inc();
  CHECK(first.value() == 7);
  CHECK(&reg.counter("c", "h", {{"i", "0"}}) == &first);
}

TEST_CASE("metrics: same gauge for same name and labels, set and add", "[common]") {
  Registry reg;
  auto& g = reg.gauge("logpipe_queue_depth", "queued lines", {{"q", "main"}});
  CHECK(&g == &reg.gauge("logpipe_queue_depth", "queued lines", {{"q", "main"}}));
  g.set(10);
  g.add(-15);
  CHECK(g.value() == -5);
}

TEST_CASE("metrics: Prometheus text has HELP and TYPE lines and one line per series", "[common]") {
  Registry reg;
  reg.counter("logpipe_sent_total", "records sent", {{"topic", "logs"}}).inc(3);
  reg.counter("logpipe_sent_total", "records sent", {{"topic", "audit"}}).inc(1);
  reg.counter("logpipe_errors_total", "errors").inc(2);
  reg.gauge("logpipe_inflight", "in flight").set(-4);
  reg.counter("logpipe_dropped_total", "dropped lines", {{"input", "app"}, {"reason", "too_long"}});

  CHECK(reg.render_prometheus() ==
        "# HELP logpipe_dropped_total dropped lines\n"
        "# TYPE logpipe_dropped_total counter\n"
        "logpipe_dropped_total{input=\"app\",reason=\"too_long\"} 0\n"
        "# HELP logpipe_errors_total errors\n"
        "# TYPE logpipe_errors_total counter\n"
        "logpipe_errors_total 2\n"
        "# HELP logpipe_inflight in flight\n"
        "# TYPE logpipe_inflight gauge\n"
        "logpipe_inflight -4\n"
        "# HELP logpipe_sent_total records sent\n"
        "# TYPE logpipe_sent_total counter\n"
        "logpipe_sent_total{topic=\"audit\"} 1\n"
        "logpipe_sent_total{topic=\"logs\"} 3\n");
}

TEST_CASE("metrics: label values escape backslash, quote and newline", "[common]") {
  Registry reg;
  reg.counter("c_total", "h", {{"path", "C:\\logs\\\"x\"\nnext"}}).inc();
  CHECK(reg.render_prometheus() ==
        "# HELP c_total h\n"
        "# TYPE c_total counter\n"
        "c_total{path=\"C:\\\\logs\\\\\\\"x\\\"\\nnext\"} 1\n");
}

TEST_CASE("metrics: an empty registry renders nothing", "[common]") {
  Registry reg;
  CHECK(reg.render_prometheus().empty());
}

TEST_CASE("metrics: HELP text escapes backslash and newline", "[common]") {
  logpipe::metrics::Registry r;
  r.counter("x_total", "line one\nback\\slash").inc();
  const std::string text = r.render_prometheus();
  CHECK(text.find("# HELP x_total line one\\nback\\\\slash\n") != std::string::npos);
}

TEST_CASE("metrics: histogram buckets are cumulative with +Inf, _sum and _count", "[common]") {
  Registry reg;
  auto& h = reg.histogram("logpipe_bulk_duration_seconds", "bulk latency", {0.01, 0.1, 1}, {{"op", "bulk"}});
  CHECK(&h == &reg.histogram("logpipe_bulk_duration_seconds", "bulk latency", {0.01, 0.1, 1}, {{"op", "bulk"}}));
  h.observe(0.005);  // first bucket
  h.observe(0.01);   // upper bounds are inclusive
  h.observe(0.5);
  h.observe(7);      // only +Inf
  CHECK(h.count() == 4);
  CHECK(h.sum() == Approx(7.515));
  CHECK(h.cumulative_counts() == std::vector<uint64_t>{2, 2, 3, 4});

  CHECK(reg.render_prometheus() ==
        "# HELP logpipe_bulk_duration_seconds bulk latency\n"
        "# TYPE logpipe_bulk_duration_seconds histogram\n"
        "logpipe_bulk_duration_seconds_bucket{le=\"0.01\",op=\"bulk\"} 2\n"
        "logpipe_bulk_duration_seconds_bucket{le=\"0.1\",op=\"bulk\"} 2\n"
        "logpipe_bulk_duration_seconds_bucket{le=\"1\",op=\"bulk\"} 3\n"
        "logpipe_bulk_duration_seconds_bucket{le=\"+Inf\",op=\"bulk\"} 4\n"
        "logpipe_bulk_duration_seconds_sum{op=\"bulk\"} 7.515\n"
        "logpipe_bulk_duration_seconds_count{op=\"bulk\"} 4\n");
}

TEST_CASE("metrics: an unlabeled histogram renders only le on its buckets", "[common]") {
  Registry reg;
  auto& h = reg.histogram("lat_seconds", "latency", logpipe::metrics::latency_buckets_seconds());
  h.observe(0.2);
  const std::string out = reg.render_prometheus();
  CHECK(out.find("lat_seconds_bucket{le=\"0.1\"} 0\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"0.25\"} 1\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"+Inf\"} 1\n") != std::string::npos);
  CHECK(out.find("lat_seconds_sum 0.2\n") != std::string::npos);
  CHECK(out.find("lat_seconds_count 1\n") != std::string::npos);
}
