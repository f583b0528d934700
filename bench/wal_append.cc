// Micro benchmark of the shipper's write-ahead log (shipper/wal): appends per second and MiB/s of ~300-byte
// JSON events with the default sync settings, next to the peer "raw": write(2) of the same bytes to one file
// with fdatasync at the same batching (every sync_interval or sync_bytes, whichever first). Run by
// bench/wal_append.sh, which documents the scenarios; prints one table, medians of the runs.
//
//   logpipe_bench_wal_append [--events N] [--runs R] [--dir D]

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "shipper/wal/wal.h"

namespace {

using logpipe::shipper::Wal;
using logpipe::shipper::WalOptions;
using Clock = std::chrono::steady_clock;

struct Sample {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t disk_peak = 0;
  uint64_t syncs = 0;
};

double cpu_now() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Events like logstash-logback-encoder writes them, ~300 bytes, varying like real ones.
std::vector<std::string> make_events(size_t n) {
  static const char* kLevels[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
  static const char* kLoggers[] = {"com.example.orders.OrderService", "com.example.payments.PaymentClient",
                                   "org.springframework.web.servlet.DispatcherServlet", "com.zaxxer.hikari.pool.HikariPool"};
  std::vector<std::string> out;
  out.reserve(n);
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    char buf[512];
    const int len = std::snprintf(
        buf, sizeof buf,
        R"j({"@timestamp":"2026-11-23T10:%02u:%02u.%03uZ","@version":"1","message":"order %llu accepted for customer %u (%u items, total %u.%02u EUR)","logger_name":"%s","thread_name":"http-nio-8080-exec-%u","level":"%s","level_value":20000,"trace_id":"%016llx%016llx","app":"orders"})j",
        static_cast<unsigned>(i / 60000 % 60), static_cast<unsigned>(i / 1000 % 60), static_cast<unsigned>(i % 1000),
        static_cast<unsigned long long>(1000000 + i), static_cast<unsigned>(x % 100000), static_cast<unsigned>(x % 7 + 1),
        static_cast<unsigned>(x % 900 + 10), static_cast<unsigned>(x % 100), kLoggers[x % 4],
        static_cast<unsigned>(x % 32), kLevels[x % 6], static_cast<unsigned long long>(x),
        static_cast<unsigned long long>(x * 2654435761ULL));
    out.emplace_back(buf, static_cast<size_t>(len));
  }
  return out;
}

// The WAL as the TCP input drives it: append, maybe_sync each iteration, acks `ack_lag` events behind
// (Kafka healthy) or none (Kafka down: sealed segments are compressed).
Sample run_wal(const std::vector<std::string>& events, const std::string& dir, bool acks, size_t ack_lag) {
  std::filesystem::remove_all(dir);
  WalOptions o;
  o.dir = dir;
  o.max_disk_bytes = 1LL << 40;
  auto opened = Wal::open(o);
  if (!opened) {
    std::fprintf(stderr, "wal open: %s\n", opened.error().message().c_str());
    std::exit(1);
  }
  auto& wal = *opened;
  Sample s;
  std::vector<uint64_t> seqs;
  seqs.reserve(events.size());
  const double cpu0 = cpu_now();
  const auto t0 = Clock::now();
  for (size_t i = 0; i < events.size(); ++i) {
    auto seq = wal->append(events[i]);
    if (!seq) {
      std::fprintf(stderr, "append: %s\n", seq.error().message().c_str());
      std::exit(1);
    }
    seqs.push_back(*seq);
    if (acks && i >= ack_lag) wal->ack(seqs[i - ack_lag]);
    if (auto st = wal->maybe_sync(); !st) {
      std::fprintf(stderr, "sync: %s\n", st.message().c_str());
      std::exit(1);
    }
    if ((i & 1023) == 0) s.disk_peak = std::max(s.disk_peak, wal->disk_bytes());
  }
  if (auto st = wal->sync(); !st) std::exit(1);
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  s.cpu_seconds = cpu_now() - cpu0;
  s.disk_peak = std::max(s.disk_peak, wal->disk_bytes());
  (void)wal->close();
  wal.reset();
  std::filesystem::remove_all(dir);
  return s;
}

// The peer: the same bytes (plus a newline) with write(2) to one file, fdatasync at the WAL's defaults.
Sample run_raw(const std::vector<std::string>& events, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const WalOptions defaults;
  const std::string path = dir + "/raw.log";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) std::exit(1);
  Sample s;
  int64_t unsynced = 0;
  int64_t total = 0;
  std::optional<Clock::time_point> since;
  std::string line;
  const double cpu0 = cpu_now();
  const auto t0 = Clock::now();
  for (const auto& e : events) {
    line.assign(e);
    line.push_back('\n');
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::exit(1);
    unsynced += static_cast<int64_t>(line.size());
    total += static_cast<int64_t>(line.size());
    const auto now = Clock::now();
    if (!since) since = now;
    if (unsynced >= defaults.sync_bytes || now - *since >= defaults.sync_interval) {
      if (::fdatasync(fd) != 0) std::exit(1);
      unsynced = 0;
      since.reset();
      ++s.syncs;
    }
  }
  if (::fdatasync(fd) != 0) std::exit(1);
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  s.cpu_seconds = cpu_now() - cpu0;
  s.disk_peak = total;
  ::close(fd);
  std::filesystem::remove_all(dir);
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  size_t events_n = 1000000;
  int runs = 3;
  std::string dir = "/tmp/logpipe-bench-wal";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--events") events_n = std::stoul(argv[i + 1]);
    else if (flag == "--runs") runs = std::stoi(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const auto events = make_events(events_n);
  double payload = 0;
  for (const auto& e : events) payload += static_cast<double>(e.size());
  const double mib = payload / (1 << 20);

  struct Row {
    const char* name;
    std::vector<double> secs, cpu;
    int64_t disk = 0;
  };
  Row rows[] = {{"raw write+fdatasync (peer)"}, {"wal, acks 1000 behind"}, {"wal, no acks (Kafka down)"}};
  for (int r = 0; r < runs; ++r) {  // interleaved, so load from other jobs hits all alike
    for (int k = 0; k < 3; ++k) {
      const Sample s = k == 0 ? run_raw(events, dir) : run_wal(events, dir, k == 1, 1000);
      rows[k].secs.push_back(s.seconds);
      rows[k].cpu.push_back(s.cpu_seconds);
      rows[k].disk = std::max(rows[k].disk, s.disk_peak);
    }
  }
  std::printf("events: %zu, mean %.0f bytes, %.1f MiB payload; defaults: segment 64 MiB, sync 200 ms / 4 MiB, zstd 3; "
              "%d runs, medians\n\n",
              events_n, payload / static_cast<double>(events_n), mib, runs);
  std::printf("| %-27s | %12s | %8s | %14s | %13s | %9s |\n", "writer", "appends/s", "MiB/s", "CPU us/append",
              "peak disk MiB", "vs raw");
  std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(29, '-').c_str(), std::string(14, '-').c_str(),
              std::string(10, '-').c_str(), std::string(16, '-').c_str(), std::string(15, '-').c_str(),
              std::string(11, '-').c_str());
  const double raw_secs = median(rows[0].secs);
  for (const auto& row : rows) {
    const double secs = median(row.secs);
    std::printf("| %-27s | %12.0f | %8.1f | %14.2f | %13.1f | %8.2fx |\n", row.name,
                static_cast<double>(events_n) / secs, mib / secs, median(row.cpu) * 1e6 / static_cast<double>(events_n),
                static_cast<double>(row.disk) / (1 << 20), raw_secs / secs);
  }
  return 0;
}
