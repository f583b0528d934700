// End-to-end latency probe for bench/e2e_latency.sh: writes log lines to a file at a steady rate and measures,
// for marker lines, the time from the write to the moment a search in Elasticsearch finds them.
//
//   logpipe_bench_e2e --file F --rate LINES_PER_S --seconds S --es URL --index-pattern P --id ID
//                     [--marker-every-ms 100] [--warmup-seconds 5] [--grace-seconds 30] [--poll-ms 100]
//
// Writer thread: every 5 ms it appends the lines due by then (log4j-style text, ~200 bytes, the current UTC
// time as the line's timestamp) with one write(2), so the pace stays steady and never drifts; every
// --marker-every-ms one line carries `marker=mk<ID>x<seq>` and the time right after its write(2) returns is
// its write time. Poller thread: every --poll-ms it searches P for marker tokens (a prefix query on
// `message`, only markers not seen yet, by @timestamp range) and a marker's latency is the time the answer
// that first contained it arrived minus its write time (an upper bound: the poll interval and the search's
// own time are included). Markers of the first --warmup-seconds are written but not counted (the shipper
// and the indexer settle). After the writer stops, polling goes on until every marker is seen or
// --grace-seconds pass; markers never seen are reported as missing.
//
// Output, one line of key=value: markers, seen, missing, p50_ms, p90_ms, p99_ms, max_ms, lines, seconds,
// behind_ms (how far the writer fell behind its schedule at worst). Percentiles are over all counted
// markers; one that falls on a missing marker is -1 (not seen within the grace period).

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/http/beast_client.h"
#include "common/time_util.h"

namespace {

int64_t wall_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Marker {
  int64_t written_us = 0;  // 0: not written yet
  int64_t seen_us = 0;     // 0: not seen yet
  bool counted = false;    // written after the warm-up
};

struct Shared {
  std::mutex mu;
  std::vector<Marker> markers;
  std::atomic<bool> writer_done{false};
  int64_t lines = 0;
  int64_t behind_us = 0;
};

constexpr const char* kLevels[] = {"INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"};
constexpr const char* kLoggers[] = {"c.e.checkout.OrderService", "c.e.payments.PaymentGateway",
                                    "o.s.web.servlet.DispatcherServlet", "c.e.inventory.StockClient"};

void writer(Shared& sh, const std::string& path, double rate, double seconds, int marker_every_ms,
            double warmup_seconds, const std::string& id) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(2);
  }
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto tick = std::chrono::milliseconds(5);
  int64_t written = 0, next_marker_ms = 0, seq = 0;
  uint64_t rng = 12345;
  std::string buf;
  for (auto due = start + tick;; due += tick) {
    std::this_thread::sleep_until(due);
    const double elapsed = std::chrono::duration<double>(due - start).count();
    if (elapsed > seconds) break;
    const auto target = static_cast<int64_t>(elapsed * rate);
    const int64_t now_us = wall_micros();
    char ts[logpipe::kMaxFormattedTime];
    logpipe::format_rfc3339_micros(now_us, ts);  // 2026-11-23T19:00:00.123456Z -> "2026-11-23 19:00:00.123"
    ts[10] = ' ';
    const std::string stamp(ts, 23);
    buf.clear();
    const int64_t count = target - written;
    // A marker, when one is due, is the last line of this write, so the time after write(2) is its write time.
    const auto elapsed_ms = static_cast<int64_t>(elapsed * 1000);
    const bool marker = count > 0 && elapsed_ms >= next_marker_ms;
    if (marker) next_marker_ms += marker_every_ms;
    const std::string mark = " marker=mk" + id + "x" + std::to_string(seq);
    for (int64_t k = 0; k < count; ++k) {
      rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
      char line[320];
      const int n = std::snprintf(line, sizeof line,
                                  "%s %s [http-nio-8080-exec-%u] %s - Completed request user=u-%05u status=200 "
                                  "amount=%u.%02u EUR trace=%016" PRIx64 "%s\n",
                                  stamp.c_str(), kLevels[(rng >> 20) % 6], static_cast<unsigned>((rng >> 30) % 16),
                                  kLoggers[(rng >> 40) % 4], static_cast<unsigned>((rng >> 8) % 100000),
                                  static_cast<unsigned>((rng >> 24) % 5000), static_cast<unsigned>((rng >> 36) % 100),
                                  rng, marker && k == count - 1 ? mark.c_str() : "");
      buf.append(line, static_cast<size_t>(n));
    }
    written = target;
    if (!buf.empty() && ::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
      std::perror("write");
      std::exit(2);
    }
    const int64_t after = wall_micros();
    std::lock_guard lock(sh.mu);
    if (marker) {
      Marker m;
      m.written_us = after;
      m.counted = elapsed >= warmup_seconds;
      sh.markers.push_back(m);
      ++seq;
    }
    sh.lines = written;
    sh.behind_us = std::max<int64_t>(
        sh.behind_us, std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - due).count());
  }
  ::close(fd);
  sh.writer_done = true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, es = "http://127.0.0.1:9200", pattern, id;
  double rate = 50000, seconds = 30, warmup = 5, grace = 30;
  int marker_every_ms = 100, poll_ms = 100;
  CLI::App app{"logpipe_bench_e2e: append marked lines at a fixed rate and time until each marker is searchable"};
  app.add_option("--file", file, "file the lines are appended to")->required();
  app.add_option("--index-pattern", pattern, "indices searched for the markers")->required();
  app.add_option("--id", id, "run id, part of every marker")->required();
  app.add_option("--rate", rate, "lines per second")->capture_default_str();
  app.add_option("--seconds", seconds, "how long to write")->capture_default_str();
  app.add_option("--es", es, "Elasticsearch URL")->capture_default_str();
  app.add_option("--marker-every-ms", marker_every_ms, "a marker line every this many ms")->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup-seconds", warmup, "markers of the first seconds are not counted")->capture_default_str();
  app.add_option("--grace-seconds", grace, "how long to keep searching after the writer stopped")->capture_default_str();
  app.add_option("--poll-ms", poll_ms, "search interval")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto endpoint = logpipe::http::parse_url(es);
  if (!endpoint) {
    std::fprintf(stderr, "--es: %s\n", endpoint.error().message().c_str());
    return 2;
  }
  logpipe::http::BeastClient client(*endpoint, std::chrono::seconds(10));
  Shared sh;
  std::thread w(writer, std::ref(sh), file, rate, seconds, marker_every_ms, warmup, id);

  const std::string token_prefix = "mk" + id + "x";
  simdjson::dom::parser parser;
  int64_t grace_until = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    int64_t oldest_unseen = 0;
    size_t unseen = 0;
    {
      std::lock_guard lock(sh.mu);
      for (const Marker& m : sh.markers)
        if (m.seen_us == 0) {
          if (oldest_unseen == 0) oldest_unseen = m.written_us;
          ++unseen;
        }
    }
    const bool done = sh.writer_done.load();
    if (done && grace_until == 0) grace_until = wall_micros() + static_cast<int64_t>(grace * 1e6);
    if (done && (unseen == 0 || wall_micros() > grace_until)) break;
    if (unseen == 0) continue;
    // Lines carry the writer's clock as @timestamp (to the ms); look a second before the oldest unseen one.
    char from[logpipe::kMaxFormattedTime];
    const std::string gte(from, logpipe::format_rfc3339_micros(oldest_unseen - 1'000'000, from));
    logpipe::http::Request req;
    req.method = "POST";
    req.target = "/" + pattern + "/_search?filter_path=hits.hits._source.message&allow_no_indices=true";
    req.body = R"({"size":10000,"_source":["message"],"query":{"bool":{"must":{"prefix":{"message":")" + token_prefix +
               R"("}},"filter":{"range":{"@timestamp":{"gte":")" + gte + R"("}}}}}})";
    auto resp = client.send(req);
    const int64_t answered = wall_micros();
    if (!resp || resp->status != 200) continue;
    simdjson::dom::element root;
    if (parser.parse(resp->body).get(root) != simdjson::SUCCESS) continue;
    simdjson::dom::array hits;
    if (root.at_pointer("/hits/hits").get(hits) != simdjson::SUCCESS) continue;
    std::lock_guard lock(sh.mu);
    for (simdjson::dom::element h : hits) {
      std::string_view msg;
      if (h.at_pointer("/_source/message").get(msg) != simdjson::SUCCESS) continue;
      const size_t at = msg.find("marker=" + token_prefix);
      if (at == std::string_view::npos) continue;
      const size_t seq = std::strtoull(std::string(msg.substr(at + 7 + token_prefix.size())).c_str(), nullptr, 10);
      if (seq < sh.markers.size() && sh.markers[seq].seen_us == 0) sh.markers[seq].seen_us = answered;
    }
  }
  w.join();

  std::vector<double> lat;
  size_t counted = 0, missing = 0;
  for (const Marker& m : sh.markers) {
    if (!m.counted) continue;
    ++counted;
    if (m.seen_us == 0) {
      ++missing;
    } else {
      lat.push_back(static_cast<double>(m.seen_us - m.written_us) / 1000.0);
    }
  }
  // Percentiles over every counted marker, a missing one counting as later than all others (printed as -1).
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    if (counted == 0) return -1.0;
    const auto k = std::min(counted - 1, static_cast<size_t>(p * static_cast<double>(counted)));
    return k < lat.size() ? lat[k] : -1.0;
  };
  std::printf("markers=%zu seen=%zu missing=%zu p50_ms=%.0f p90_ms=%.0f p99_ms=%.0f max_ms=%.0f lines=%" PRId64
              " seconds=%.1f behind_ms=%.1f\n",
              counted, lat.size(), missing, pct(0.50), pct(0.90), pct(0.99),
              missing > 0 || lat.empty() ? -1.0 : lat.back(), sh.lines, seconds,
              static_cast<double>(sh.behind_us) / 1000.0);
  return 0;
}
