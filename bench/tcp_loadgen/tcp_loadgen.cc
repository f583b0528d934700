// Load generator for bench/tcp_throughput.sh: C connections send N JSON log lines in total, as fast as the
// receiver reads them, over plain TCP. The lines look like logstash-logback-encoder's (about 300 bytes:
// @timestamp, @version, message, logger_name, thread_name, level, level_value, MDC keys, a trace id) and
// come from a fixed-seed generator, so every run and every receiver gets the same bytes. Each connection
// sends its share of lines (generated before any connection is opened, so generation is not timed) in
// large writes, then half-closes and waits for the receiver to close.
//
//   tcp_loadgen send HOST PORT [--events N] [--connections C]   prints one line: events bytes seconds
//   tcp_loadgen sink [--port-file F]                            a discarding receiver, to measure the generator
//   tcp_loadgen dump [--events N]                               the same N lines on stdout (for kcat -P -l)
//
// Not part of the product; a benchmark tool only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Rng {  // MINSTD, as in bench/shipper_throughput.sh's generator
  uint64_t s;
  uint32_t next(uint32_t m) {
    s = (s * 48271) % 2147483647;
    return static_cast<uint32_t>(s % m);
  }
};

// Lines [first, first + count) of the deterministic input, each ending with '\n'.
std::string generate(uint64_t first, uint64_t count) {
  static const char* kLevels[] = {"INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"};
  static const int kLevelValues[] = {20000, 20000, 20000, 20000, 20000, 20000, 10000, 10000, 30000, 40000};
  static const char* kThreads[] = {"http-nio-8080-exec-1", "http-nio-8080-exec-7", "scheduling-1", "kafka-consumer-3",
                                   "main", "task-4"};
  static const char* kLoggers[] = {"c.e.checkout.OrderService", "c.e.checkout.CartController",
                                   "c.e.payments.PaymentGateway", "o.s.web.servlet.DispatcherServlet",
                                   "c.e.inventory.StockClient", "c.e.shipping.RateCalculator"};
  static const char* kMessages[] = {"Order placed", "Payment authorized", "Cache miss for product",
                                    "Completed request", "Retrying call to stock service", "Token validated",
                                    "Slow query detected", "Shipping rate computed"};
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(count * 320);
  char buf[1024];
  for (uint64_t i = first; i < first + count; ++i) {
    Rng r{i * 2654435761u % 2147483647 + 1};
    const uint64_t ms = 1795000000000ULL + i * 3;
    const time_t sec = static_cast<time_t>(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char trace[17];
    for (int k = 0; k < 16; ++k) trace[k] = kHex[r.next(16)];
    trace[16] = '\0';
    const int lv = static_cast<int>(r.next(10));
    const int n = std::snprintf(
        buf, sizeof buf,
        "{\"@timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\",\"@version\":\"1\",\"message\":\"%s user=u-%05u amount=%u.%02u\","
        "\"logger_name\":\"%s\",\"thread_name\":\"%s\",\"level\":\"%s\",\"level_value\":%d,"
        "\"requestId\":\"r-%08" PRIu64 "\",\"traceId\":\"%s\",\"durationMs\":%u}\n",
        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000),
        kMessages[r.next(8)], r.next(100000), r.next(5000), r.next(100), kLoggers[r.next(6)], kThreads[r.next(6)],
        kLevels[lv], kLevelValues[lv], i, trace, r.next(2000));
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

int connect_to(const char* host, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("tcp_loadgen: connect");
    std::exit(1);
  }
  return fd;
}

int send_main(int argc, char** argv) {
  if (argc < 4) return 2;
  const char* host = argv[2];
  const int port = std::atoi(argv[3]);
  uint64_t events = 1'000'000;
  int conns = 8;
  for (int i = 4; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) events = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--connections")) conns = std::atoi(argv[i + 1]);
  }
  std::vector<std::string> shares(conns);
  {
    std::vector<std::thread> gen;
    for (int c = 0; c < conns; ++c)
      gen.emplace_back([&, c] {
        const uint64_t from = events * c / conns, to = events * (c + 1) / conns;
        shares[c] = generate(from, to - from);
      });
    for (auto& t : gen) t.join();
  }
  std::atomic<uint64_t> bytes{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> senders;
  for (int c = 0; c < conns; ++c)
    senders.emplace_back([&, c] {
      const int fd = connect_to(host, port);
      const std::string& s = shares[c];
      size_t off = 0;
      while (off < s.size()) {
        const ssize_t n = ::send(fd, s.data() + off, std::min<size_t>(s.size() - off, 256 << 10), MSG_NOSIGNAL);
        if (n <= 0) {
          std::perror("tcp_loadgen: send");
          std::exit(1);
        }
        off += static_cast<size_t>(n);
      }
      bytes += off;
      shutdown(fd, SHUT_WR);  // end of stream; the receiver closes when it has read everything
      char b[256];
      while (::recv(fd, b, sizeof b, 0) > 0) {
      }
      close(fd);
    });
  for (auto& t : senders) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%" PRIu64 " %" PRIu64 " %.3f\n", events, bytes.load(), secs);
  return 0;
}

int sink_main(int argc, char** argv) {
  const char* port_file = argc >= 4 && !std::strcmp(argv[2], "--port-file") ? argv[3] : nullptr;
  const int srv = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(srv, 64) != 0 ||
      getsockname(srv, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("tcp_loadgen sink");
    return 1;
  }
  if (port_file) {
    FILE* f = std::fopen(port_file, "w");
    if (!f) return 1;
    std::fprintf(f, "%d\n", ntohs(a.sin_port));
    std::fclose(f);
  }
  for (;;) {
    const int fd = accept(srv, nullptr, nullptr);
    if (fd < 0) continue;
    std::thread([fd] {
      std::vector<char> b(1 << 20);
      while (::recv(fd, b.data(), b.size(), 0) > 0) {
      }
      close(fd);
    }).detach();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "send")) {
    const int rc = send_main(argc, argv);
    if (rc == 2) std::fprintf(stderr, "usage: tcp_loadgen send HOST PORT [--events N] [--connections C]\n");
    return rc;
  }
  if (argc >= 2 && !std::strcmp(argv[1], "sink")) return sink_main(argc, argv);
  if (argc >= 2 && !std::strcmp(argv[1], "dump")) {
    const uint64_t events = argc >= 4 && !std::strcmp(argv[2], "--events") ? std::strtoull(argv[3], nullptr, 10) : 1'000'000;
    const std::string lines = generate(0, events);  // the concatenation of every connection's share
    return std::fwrite(lines.data(), 1, lines.size(), stdout) == lines.size() ? 0 : 1;
  }
  std::fprintf(stderr, "usage: tcp_loadgen send HOST PORT [--events N] [--connections C] | sink [--port-file F] | dump [--events N]\n");
  return 2;
}
