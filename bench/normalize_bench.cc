// Microbenchmark of the indexer's per-event CPU work: Kafka record (value + logpipe headers, as the shipper
// writes them) -> parse -> normalize -> render the ECS document -> append the bulk `create` line. It does
// what the indexer does per batch (one EventBuilder, one `ingested` time per batch, a vector of
// Documents, then one bulk body; see Pass), minus Kafka and HTTP, on one thread, and reports events per CPU second of
// that thread (so other load on the machine costs wall time, not the per-core figure).
//
// Rows (cases): `logback` (~300-byte logstash-logback-encoder JSON), `logback-alloc` (the same with a new
// Document per event instead of reused ones), `ecs` (log4j2 EcsLayout JSON),
// `text` (~200-byte log4j lines through the re2 rules), and reference rows that do only part of the work on
// the same inputs: `logback-parse` / `ecs-parse` (simdjson DOM parse, no normalize, no render; the floor
// for the JSON cases) and `copy-bulk` (appends the raw logback value as a bulk item: the cost of moving
// the bytes once). Records carry the headers of record format 2's packed layout, as the file pipeline
// writes them (lp.v + lp.line); `logback-sep` is `logback` with one header per field (format 1's nine
// headers), to see what the layout costs the indexer.
//
//   logpipe_bench_normalize [--case NAME]... [--events N] [--runs R] [--min-seconds S] [--digest]
//   logpipe_bench_normalize --write-lines FILE [--case logback|ecs|text] [--events N]
//   logpipe_bench_normalize --render-bulk DIR --lines FILE [--index-prefix P] [--batch B]
//
// The inputs come from a fixed-seed generator, so every run and build sees the same bytes. --digest prints
// an xxh64 of every rendered bulk body for one pass at a fixed `ingested` time instead of timing: two
// builds that render the same bytes print the same digests (how the optimizations were checked).
// --write-lines writes the generated values of one case as a log file (one per line; the indexer throughput
// bench ships it to Kafka); --render-bulk turns such a file into pre-rendered bulk bodies of B documents
// (DIR/bulk-00000.ndjson, ...) with the records' headers as the shipper would set them: the input of the
// ideal loader in bench/indexer_throughput.sh.

#include <time.h>
#include <xxhash.h>

#include <CLI/CLI.hpp>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/kafka/consumer.h"
#include "common/kafka/record_format.h"
#include "indexer/elasticsearch/bulk.h"
#include "indexer/normalize/event_builder.h"

namespace {

using logpipe::kafka::InRecord;
using logpipe::kafka::RecordMeta;

// MINSTD, as the shell benches use: the same sequence everywhere.
struct Rng {
  uint64_t s;
  uint32_t next(uint32_t m) {
    s = (s * 48271) % 2147483647;
    return static_cast<uint32_t>(s % m);
  }
};

constexpr const char* kLevels[] = {"INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"};
constexpr const char* kThreads[] = {"http-nio-8080-exec-1", "http-nio-8080-exec-7", "http-nio-8080-exec-12",
                                    "scheduling-1", "kafka-consumer-3", "main", "ForkJoinPool.commonPool-worker-2",
                                    "task-4"};
constexpr const char* kLoggers[] = {"c.e.checkout.OrderService", "c.e.checkout.CartController",
                                    "c.e.payments.PaymentGateway", "o.s.web.servlet.DispatcherServlet",
                                    "c.e.inventory.StockClient", "c.e.auth.TokenFilter",
                                    "o.h.engine.jdbc.spi.SqlExceptionHelper", "c.e.shipping.RateCalculator"};
constexpr const char* kMessages[] = {"Order placed", "Payment authorized", "Cache miss for product",
                                     "Completed request", "Retrying call to stock service", "Token validated",
                                     "Slow query detected", "Shipping rate computed", "Cart updated",
                                     "Inventory reserved"};
constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
constexpr const char* kPaths[] = {"/api/orders", "/api/cart/items", "/api/payments/authorize", "/api/stock/reserve",
                                  "/api/shipping/rates", "/api/users/me"};
constexpr const char* kCurrencies[] = {"EUR", "USD", "GBP", "CHF", "SEK"};
template <size_t N>
const char* pick(Rng& r, const char* const (&a)[N]) {
  return a[r.next(N)];
}

std::string hex(Rng& r, int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(kHex[r.next(16)]);
  return s;
}

struct Clock {
  int64_t t = 1795000000LL * 1000;  // ms, 2026-11-18
  void tick(Rng& r) { t += r.next(40); }
  // 2026-11-18T10:11:12.345 (no zone)
  std::string iso(char sep) const {
    const int64_t s = t / 1000, ms = t % 1000, day = s / 86400, sec = s % 86400;
    char b[48];
    // Days since 1970 -> civil date (the bench stays within one month, but be exact anyway).
    int64_t z = day + 719468, era = z / 146097, doe = z - era * 146097,
            yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400,
            doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1,
            m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
    std::snprintf(b, sizeof b, "%04d-%02d-%02d%c%02d:%02d:%02d.%03d", static_cast<int>(y), static_cast<int>(m),
                  static_cast<int>(d), sep, static_cast<int>(sec / 3600), static_cast<int>(sec % 3600 / 60),
                  static_cast<int>(sec % 60), static_cast<int>(ms));
    return b;
  }
};

struct Phrase {
  std::string message;  // "Order placed user=u-01234 GET /api/orders status=200 amount=12.34 EUR"
  const char* level;
  const char* thread;
  const char* logger;
};
Phrase phrase(Rng& r) {
  Phrase p;
  p.level = pick(r, kLevels);
  p.thread = pick(r, kThreads);
  p.logger = pick(r, kLoggers);
  char b[200];
  std::snprintf(b, sizeof b, "%s user=u-%05u %s %s status=%d amount=%u.%02u %s", pick(r, kMessages),
                r.next(100000), pick(r, kMethods), pick(r, kPaths), r.next(20) == 0 ? 500 : 200, r.next(5000),
                r.next(100), pick(r, kCurrencies));
  p.message = b;
  return p;
}

const char* level_value(const char* level) {
  switch (level[0]) {
    case 'D': return "10000";
    case 'W': return "30000";
    case 'E': return "40000";
    default: return "20000";
  }
}

// What the shipper puts in the headers of a file record (schemas/kafka-record.md).
RecordMeta shipper_meta(const char* format, int64_t offset, int64_t read_us) {
  RecordMeta m;
  m.host = "ip-10-0-42-17";
  m.service = "checkout";
  m.source = "file";
  m.path = "/var/log/checkout/app.json.log";
  m.file_id = "66306:1835127:9f86d081884c7d65";
  m.offset = offset;
  m.read_micros = read_us;
  m.format = format;
  return m;
}

// `layout`: kPacked is what the file pipeline writes since record format 2 (lp.v + lp.line); kSeparate,
// one header per field, is record format 1's layout (and the TCP input's per-event headers).
std::vector<InRecord> make_records(const std::string& kind, size_t n,
                                   logpipe::kafka::HeaderLayout layout = logpipe::kafka::HeaderLayout::kPacked,
                                   bool scattered = false) {
  Rng r{42};
  Clock c;
  std::vector<InRecord> out;
  out.reserve(n);
  int64_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    c.tick(r);
    const Phrase p = phrase(r);
    std::string v;
    const char* format = "json";
    if (kind == "logback") {
      // logstash-logback-encoder defaults, MDC traceId and requestId at the top level
      v = "{\"@timestamp\":\"" + c.iso('T') + "+00:00\",\"@version\":\"1\",\"message\":\"" + p.message +
          "\",\"logger_name\":\"" + p.logger + "\",\"thread_name\":\"" + p.thread + "\",\"level\":\"" + p.level +
          "\",\"level_value\":" + level_value(p.level) + ",\"traceId\":\"" + hex(r, 32) + "\",\"requestId\":\"r-" + hex(r, 8) + "\"}";
    } else if (kind == "ecs") {
      // log4j2 EcsLayout
      v = "{\"@timestamp\":\"" + c.iso('T') + "Z\",\"log.level\":\"" + p.level + "\",\"message\":\"" + p.message +
          "\",\"ecs.version\":\"1.2.0\",\"service.name\":\"checkout\",\"event.dataset\":\"checkout.log\"," +
          "\"process.thread.name\":\"" + p.thread + "\",\"log.logger\":\"" + p.logger + "\",\"trace.id\":\"" +
          hex(r, 32) + "\"}";
    } else {
      // log4j %d{ISO8601} %-5p [%t] %c - %m, as the shipper bench writes
      char lv[8];
      std::snprintf(lv, sizeof lv, "%-5s", p.level);
      v = c.iso(' ') + " " + lv + " [" + p.thread + "] " + p.logger + " - " + p.message + " trace=" + hex(r, 16);
      format = "plain";
    }
    InRecord rec;
    rec.topic = "logs";
    rec.partition = static_cast<int32_t>(i % 3);
    rec.offset = static_cast<int64_t>(i / 3);
    rec.timestamp_ms = c.t;
    rec.headers = logpipe::kafka::encode_headers(shipper_meta(format, offset, c.t * 1000 + 1500), layout);
    offset += static_cast<int64_t>(v.size()) + 1;
    rec.value = std::move(v);
    out.push_back(std::move(rec));
  }
  // The records as the indexer's consumer holds them: each copied out of librdkafka's message into new
  // allocations, one record after the other (common/kafka/rdkafka_consumer.cc). The loop above interleaves
  // each record's allocations with the string temporaries it frees, which scatters a record's pieces over the
  // heap; the packed layout's two header strings ended up where the prefetcher did not follow (bench/README.md).
  // --scattered keeps that layout, to compare.
  if (scattered) return out;
  std::vector<InRecord> held;
  held.reserve(out.size());
  for (const InRecord& rec : out) held.push_back(rec);
  return held;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
double wall_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

constexpr size_t kBatch = 2000;  // the indexer's default batch.max_docs

// One pass over `records` in batches of kBatch: one `ingested` time per batch, every record built into a
// Document, then all of them appended to one bulk body. `reuse`: the Documents of the previous batch are
// built into again (EventBuilder::build(record, ingested, doc), no allocation per event in the steady
// state); otherwise each event gets a fresh Document (EventBuilder::build(record, ingested), what
// indexer/pipeline.cc did when this bench was written). Returns the bytes of bulk body produced; `digest`
// (optional) gets every body hashed in.
struct Pass {
  bool reuse = true;
  logpipe::indexer::EventBuilder builder{logpipe::indexer::BuildOptions{}};
  std::vector<logpipe::indexer::Document> kept;
  std::string body;
  uint64_t run(const std::vector<InRecord>& records, int64_t ingested, XXH64_state_t* digest) {
    uint64_t bytes = 0;
    for (size_t start = 0; start < records.size(); start += kBatch) {
      const size_t end = std::min(records.size(), start + kBatch);
      std::vector<logpipe::indexer::Document> fresh;
      auto& docs = reuse ? kept : fresh;
      if (reuse) {
        docs.resize(end - start);
        for (size_t i = start; i < end; ++i) builder.build(records[i], ingested, docs[i - start]);
      } else {
        docs.reserve(end - start);
        for (size_t i = start; i < end; ++i) docs.push_back(builder.build(records[i], ingested));
      }
      body.clear();
      for (const auto& d : docs) logpipe::indexer::append_create(body, d);
      bytes += body.size();
      if (digest) XXH64_update(digest, body.data(), body.size());
      ingested += 500'000;
    }
    return bytes;
  }
};

uint64_t parse_only(simdjson::dom::parser& parser, const std::vector<InRecord>& records) {
  uint64_t n = 0;
  for (const auto& r : records) {
    simdjson::dom::object o;
    if (parser.parse(r.value.data(), r.value.size()).get(o) == simdjson::SUCCESS) n += o.size();
  }
  return n;
}

uint64_t copy_bulk(std::string& body, const std::vector<InRecord>& records) {
  uint64_t bytes = 0;
  for (size_t start = 0; start < records.size(); start += kBatch) {
    const size_t end = std::min(records.size(), start + kBatch);
    body.clear();
    for (size_t i = start; i < end; ++i) {
      body.append("{\"create\":{\"_index\":\"logs-2026.11.18\"}}\n");
      body.append(records[i].value);
      body.push_back('\n');
    }
    bytes += body.size();
  }
  return bytes;
}

int write_lines(const std::string& kind, size_t n, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& r : make_records(kind, n)) out << r.value << '\n';
  out.flush();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return 1;
  }
  return 0;
}

int render_bulk(const std::string& lines, const std::string& dir, const std::string& prefix, size_t batch) {
  std::ifstream in(lines, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", lines.c_str());
    return 1;
  }
  logpipe::indexer::EventBuilder builder{logpipe::indexer::BuildOptions{prefix}};
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t now_us = static_cast<int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
  std::string line, body;
  int64_t offset = 0, n = 0;
  size_t in_body = 0, files = 0;
  auto flush = [&]() -> bool {
    if (in_body == 0) return true;
    char name[32];
    std::snprintf(name, sizeof name, "/bulk-%05zu.ndjson", files++);
    std::ofstream out(dir + name, std::ios::binary);
    out << body;
    body.clear();
    in_body = 0;
    return static_cast<bool>(out.flush());
  };
  while (std::getline(in, line)) {
    InRecord rec;
    rec.topic = "bench";
    rec.offset = n++;
    rec.timestamp_ms = now_us / 1000;
    rec.headers = logpipe::kafka::encode_headers(shipper_meta("json", offset, now_us), logpipe::kafka::HeaderLayout::kPacked);
    offset += static_cast<int64_t>(line.size()) + 1;
    rec.value = line;
    logpipe::indexer::append_create(body, builder.build(rec, now_us));
    if (++in_body == batch && !flush()) return 1;
  }
  if (!flush()) return 1;
  std::printf("%" PRId64 " documents in %zu bulk bodies\n", n, files);
  return 0;
}

struct Case {
  std::string name;
  std::string input;  // logback | ecs | text
  enum { kFull, kFullAlloc, kParse, kCopy } what;
  logpipe::kafka::HeaderLayout layout = logpipe::kafka::HeaderLayout::kPacked;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> wanted;
  size_t events = 20000;
  int runs = 5;
  double min_seconds = 1.0;
  bool digest = false, scattered = false;
  std::string write_path, render_dir, lines_path, prefix = "logs-";
  size_t batch = kBatch;
  CLI::App app{"logpipe_bench_normalize: the indexer's parse + normalize + render per event, on one thread.\n"
               "  [--case C]... [--events N] [--runs R] [--min-seconds S] [--digest]   time the cases\n"
               "  --write-lines FILE [--case logback|ecs|text] [--events N]          write a case's raw lines\n"
               "  --render-bulk DIR --lines FILE [--index-prefix P] [--batch B]      pre-render bulk bodies"};
  app.add_option("--case", wanted,
                 "logback|logback-alloc|ecs|text|logback-parse|ecs-parse|copy-bulk|logback-sep, repeatable (default: all)")
      ->allow_extra_args(false);
  app.add_option("--events", events, "distinct generated records per case, cycled")->capture_default_str();
  app.add_option("--runs", runs, "timed runs per case")->capture_default_str();
  app.add_option("--min-seconds", min_seconds, "CPU seconds per run at least")->capture_default_str();
  app.add_flag("--digest", digest, "print a digest of the output bytes per case (to compare builds)");
  app.add_flag("--scattered", scattered,
               "keep the records where generating them put them (pieces interleaved with freed temporaries) instead "
               "of copied one after the other as the consumer holds them");
  app.add_option("--write-lines", write_path, "write the raw lines of one case to FILE and exit");
  app.add_option("--render-bulk", render_dir, "render the bulk bodies of --lines into DIR and exit");
  app.add_option("--lines", lines_path, "input lines for --render-bulk");
  app.add_option("--index-prefix", prefix, "index prefix for --render-bulk")->capture_default_str();
  app.add_option("--batch", batch, "documents per bulk body for --render-bulk")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!write_path.empty()) return write_lines(wanted.empty() ? "logback" : wanted[0], events, write_path);
  if (!render_dir.empty()) return render_bulk(lines_path, render_dir, prefix, batch == 0 ? kBatch : batch);
  const std::vector<Case> all = {
      {"logback", "logback", Case::kFull},       {"logback-alloc", "logback", Case::kFullAlloc},
      {"ecs", "ecs", Case::kFull},               {"text", "text", Case::kFull},
      {"logback-parse", "logback", Case::kParse}, {"ecs-parse", "ecs", Case::kParse},
      {"copy-bulk", "logback", Case::kCopy},
      {"logback-sep", "logback", Case::kFull, logpipe::kafka::HeaderLayout::kSeparate}};
  if (wanted.empty())
    for (const auto& c : all) wanted.push_back(c.name);

  uint64_t sink = 0;
  std::printf("# case run events avg_in_bytes avg_out_bytes cpu_s wall_s events_per_cpu_s\n");
  for (const auto& name : wanted) {
    auto it = std::find_if(all.begin(), all.end(), [&](const Case& c) { return c.name == name; });
    if (it == all.end()) {
      std::fprintf(stderr, "unknown case %s\n", name.c_str());
      return 2;
    }
    const auto records = make_records(it->input, events, it->layout, scattered);
    uint64_t in_bytes = 0;
    for (const auto& r : records) in_bytes += r.value.size();
    const int64_t ingested = 1795000100000000;
    if (digest) {
      if (it->what != Case::kFull && it->what != Case::kFullAlloc) continue;
      Pass p;
      p.reuse = it->what == Case::kFull;
      XXH64_state_t* st = XXH64_createState();
      XXH64_reset(st, 0);
      const uint64_t out = p.run(records, ingested, st);
      std::printf("%s digest %016" PRIx64 " events %zu out_bytes %" PRIu64 "\n", name.c_str(), XXH64_digest(st),
                  records.size(), out);
      XXH64_freeState(st);
      continue;
    }
    Pass pass;
    pass.reuse = it->what != Case::kFullAlloc;
    simdjson::dom::parser parser;
    std::string body;
    auto once = [&]() -> uint64_t {
      switch (it->what) {
        case Case::kFull:
        case Case::kFullAlloc: return pass.run(records, ingested, nullptr);
        case Case::kParse: return parse_only(parser, records);
        case Case::kCopy: return copy_bulk(body, records);
      }
      return 0;
    };
    sink += once();  // warm-up: parser buffers, body capacity, page faults
    for (int r = 1; r <= runs; ++r) {
      const double c0 = thread_cpu_seconds(), w0 = wall_seconds();
      uint64_t n = 0, out = 0;
      double c1;
      do {
        out += once();
        n += records.size();
        c1 = thread_cpu_seconds();
      } while (c1 - c0 < min_seconds);
      const double w1 = wall_seconds();
      sink += out;
      std::printf("%s %d %" PRIu64 " %.1f %.1f %.4f %.4f %.0f\n", name.c_str(), r, n,
                  static_cast<double>(in_bytes) / static_cast<double>(records.size()),
                  it->what == Case::kParse ? 0.0 : static_cast<double>(out) / static_cast<double>(n), c1 - c0, w1 - w0,
                  static_cast<double>(n) / (c1 - c0));
      std::fflush(stdout);
    }
  }
  return sink == 42 ? 1 : 0;  // keeps the work observable
}
