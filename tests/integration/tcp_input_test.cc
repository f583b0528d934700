// The shipper's TCP input against the real broker: events sent over TCP reach Kafka with their headers,
// a connection reset mid-stream loses no complete event, and a kill -9 of the shipper loses no event it
// had accepted (the WAL is replayed on restart). Kafka is read back with kcat.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/kafka/record_format.h"
#include "tests/fakes/incompressible.h"
#include "tests/fakes/tcp_client.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;
namespace kafka = logpipe::kafka;

namespace {

struct KafkaRecord {
  std::string key;
  std::map<std::string, std::string> headers;
  std::string value;
};

// Every record of the topic so far. kcat's header format is "k=v,k=v"; our header values hold no ','
// except lp.tags and lp.tls.subject, which these tests do not split.
std::vector<KafkaRecord> read_topic(const std::string& topic) {
  // Headers last: a packed lp.v holds tabs (schemas/kafka-record.md); the tests' values and keys hold none.
  auto r = run_command("kcat -C -b " + kafka_address() + " -t " + topic + " -e -q -f '%k\\t%s\\t%h\\n' 2>/dev/null");
  std::vector<KafkaRecord> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    KafkaRecord rec{line.substr(0, t1), {}, line.substr(t1 + 1, t2 - t1 - 1)};
    std::istringstream hs(line.substr(t2 + 1));
    for (std::string h; std::getline(hs, h, ',');) {
      const auto eq = h.find('=');
      if (eq != std::string::npos) rec.headers[h.substr(0, eq)] = h.substr(eq + 1);
    }
    out.push_back(std::move(rec));
  }
  return out;
}

class Shipper {
 public:
  Shipper(const TempDir& dir, const std::string& topic, const std::string& linger_ms) : dir_(dir) {
    write_file(dir.file("shipper.yaml"),
               "host: tcp-it-host\n"
               "kafka:\n  brokers: " + kafka_address() + "\n  topic: " + topic +
               "\n  properties: {linger.ms: \"" + linger_ms + "\"}\n"
               "tcp:\n  - listen: 127.0.0.1:0\n    service: tcp-it\n"
               "wal:\n  dir: " + dir.file("wal") + "\n"
               "status_listen: 127.0.0.1:0\n");
  }
  void start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{LOGPIPE_SHIPPER_BIN, "-c", dir_.file("shipper.yaml")}, dir_.file("shipper.out"));
    REQUIRE(process_->started());
    // Each run appends to the same log: wait for this run's lines.
    const size_t runs = ++runs_;
    REQUIRE(wait_until(
        [&] {
          const std::string log = process_->log();
          size_t n = 0;
          for (size_t at = 0; (at = log.find("serving /metrics", at)) != std::string::npos; ++at) ++n;
          return n >= runs;
        },
        30s));
    const std::string log = process_->log();
    tcp_port_ = logged_port(log, "tcp: listening");
    status_port_ = logged_port(log, "serving /metrics and /health");
    REQUIRE(tcp_port_ > 0);
    REQUIRE(status_port_ > 0);
  }
  uint64_t metric(const std::string& name) {
    auto r = run_command("curl -sf http://127.0.0.1:" + std::to_string(status_port_) + "/metrics");
    const auto at = r.out.find("\n" + name + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(r.out.substr(at + name.size() + 2));
  }
  int stop(int sig) { return process_->stop(sig); }
  uint16_t tcp_port() const { return static_cast<uint16_t>(tcp_port_); }
  std::string log() const { return process_->log(); }

 private:
  const TempDir& dir_;
  std::unique_ptr<ChildProcess> process_;
  size_t runs_ = 0;
  int tcp_port_ = 0;
  int status_port_ = 0;
};

}  // namespace

TEST_CASE("tcp input: events sent over TCP are in Kafka with the TCP headers", "[integration][tcp]") {
  REQUIRE(run_command("command -v kcat >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = unique_name("tcpin");
  Shipper shipper(dir, topic, "5");
  shipper.start();
  uint16_t client_port = 0;
  {
    PlainClient c(shipper.tcp_port());
    REQUIRE(c.connected());
    client_port = c.local_port();
    REQUIRE(c.send("{\"message\":\"one\"}\r\n\n[{\"message\":\"two\"},{\"message\":\"three\"}]\nnot json\n"));
    REQUIRE(c.send(std::string("{\"message\":\"four\"}\n\0", 20)));
    c.half_close();
    REQUIRE(c.wait_server(10s) == 0);  // the server closes after our FIN, without writing a byte
  }
  std::vector<KafkaRecord> records;
  REQUIRE(wait_until([&] { return (records = read_topic(topic)).size() >= 5; }, 60s));
  REQUIRE(records.size() == 5);
  std::set<std::string> values, offsets;
  for (const auto& r : records) {
    values.insert(r.value);
    // The connection's fields travel packed in lp.v (schemas/kafka-record.md); the per-event ones apart.
    CHECK(r.headers.at("lp.v").starts_with("2\ttcp\tjson\t"));
    CHECK(r.headers.count("lp.host") == 0);
    CHECK(r.headers.at("lp.peer.ip") == "127.0.0.1");
    CHECK(r.headers.at("lp.peer.port") == std::to_string(client_port));
    CHECK(r.headers.count("lp.read_us") == 1);
    kafka::Headers headers(r.headers.begin(), r.headers.end());
    auto meta = kafka::decode_headers(headers);
    REQUIRE(meta.ok());
    offsets.insert(std::to_string(meta->offset));
    CHECK(meta->offset >= 1);
    CHECK(meta->source == "tcp");
    CHECK(meta->format == "json");
    CHECK(meta->service == "tcp-it");
    CHECK(meta->host == "tcp-it-host");
    CHECK(meta->peer_ip == "127.0.0.1");
    CHECK(meta->peer_port == client_port);
    CHECK(meta->read_micros > 0);
    CHECK(meta->file_id.size() == 4 + 32);  // "tcp:" + the WAL's id
    CHECK(meta->file_id.starts_with("tcp:"));
    CHECK(r.key == "tcp-it-host|" + meta->file_id + "|127.0.0.1:" + std::to_string(client_port));
  }
  CHECK(values == std::set<std::string>{"{\"message\":\"one\"}", "{\"message\":\"two\"}", "{\"message\":\"three\"}",
                                        "not json", "{\"message\":\"four\"}"});
  CHECK(offsets.size() == 5);  // one WAL sequence number per event
  CHECK(shipper.metric("logpipe_tcp_events_acked_total") == 5);
  CHECK(shipper.stop(SIGTERM) == 0);
}

TEST_CASE("tcp input 14: a connection reset mid-stream loses no complete event", "[integration][tcp]") {
  TempDir dir;
  const std::string topic = unique_name("tcprst");
  Shipper shipper(dir, topic, "5");
  shipper.start();
  constexpr int kLines = 300;
  {
    PlainClient c(shipper.tcp_port());
    REQUIRE(c.connected());
    REQUIRE(wait_until([&] { return shipper.metric("logpipe_tcp_connections_accepted_total{listener=\"127.0.0.1:0\"}") == 1; },
                       10s));
    std::string data;
    for (int i = 0; i < kLines; ++i) data += "{\"n\":" + std::to_string(i) + "}\n";
    REQUIRE(c.send(data + "{\"n\":\"cut"));
    c.reset();
  }
  std::vector<KafkaRecord> records;
  REQUIRE(wait_until([&] { return (records = read_topic(topic)).size() >= kLines + 1; }, 60s));
  std::set<std::string> complete;
  int partial = 0;
  for (const auto& r : records) {
    if (r.headers.count("lp.tags") != 0) {
      CHECK(r.headers.at("lp.tags") == "_partial_line");
      CHECK(r.value == "{\"n\":\"cut");
      ++partial;
    } else {
      complete.insert(r.value);
    }
  }
  CHECK(complete.size() == kLines);
  CHECK(partial == 1);
  CHECK(shipper.stop(SIGTERM) == 0);
}

TEST_CASE("tcp input: kill -9 of the shipper loses no accepted event, the WAL is replayed on restart",
          "[integration][tcp]") {
  TempDir dir;
  const std::string topic = unique_name("tcpkill");
  // A long linger keeps accepted events unacknowledged when the kill lands.
  Shipper shipper(dir, topic, "3000");
  constexpr int kSenders = 4;
  constexpr int kPerSender = 2500;
  constexpr uint64_t kTotal = uint64_t{kSenders} * kPerSender;
  shipper.start();
  std::vector<std::thread> senders;
  std::atomic<int> failures{0};
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      PlainClient c(shipper.tcp_port());
      for (int i = 0; i < kPerSender; i += 100) {
        std::string batch;
        for (int j = i; j < i + 100; ++j)
          batch += "{\"message\":\"event\",\"sender\":" + std::to_string(s) + ",\"seq\":" + std::to_string(j) + "}\n";
        if (!c.send(batch)) ++failures;
      }
      // Keep the connection open: the kill, not the sender, ends it.
      c.wait_server(60s);
    });
  }
  REQUIRE(wait_until([&] { return shipper.metric("logpipe_tcp_events_accepted_total") >= kTotal; }, 60s));
  const uint64_t acked_before_kill = shipper.metric("logpipe_tcp_events_acked_total");
  shipper.stop(SIGKILL);
  for (auto& t : senders) t.join();
  REQUIRE(failures == 0);
  INFO("acknowledged when killed: " << acked_before_kill << " of " << kTotal);
  CHECK(acked_before_kill < kTotal);  // the test is only meaningful if some were still in flight

  shipper.start();  // same WAL directory
  std::vector<KafkaRecord> records;
  std::set<std::string> seen;
  REQUIRE(wait_until(
      [&] {
        records = read_topic(topic);
        seen.clear();
        for (const auto& r : records) seen.insert(r.value);
        return seen.size() >= kTotal;
      },
      90s));
  CHECK(seen.size() == kTotal);
  for (int s = 0; s < kSenders; ++s)
    for (int i = 0; i < kPerSender; i += 499)
      CHECK(seen.count("{\"message\":\"event\",\"sender\":" + std::to_string(s) + ",\"seq\":" + std::to_string(i) + "}") == 1);
  // A record produced twice (before the kill and by the replay) has the same WAL sequence number, so the
  // indexer stores it once.
  std::map<std::string, std::set<std::string>> offsets_by_value;
  for (const auto& r : records) offsets_by_value[r.value].insert(r.headers.at("lp.offset"));
  for (const auto& [v, offs] : offsets_by_value) CHECK(offs.size() == 1);
  CHECK(shipper.metric("logpipe_tcp_events_replayed_total") >= kTotal - acked_before_kill);
  CHECK(shipper.stop(SIGTERM) == 0);
}

TEST_CASE("tcp input: an event above the broker's message.max.bytes reaches Kafka cut and tagged, and leaves the WAL",
          "[integration][tcp]") {
  REQUIRE(run_command("command -v kcat >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = unique_name("tcpbig");
  Shipper shipper(dir, topic, "5");
  shipper.start();
  // Just under max_line_bytes (1 MiB) and incompressible: with its key and headers above the broker's
  // default message.max.bytes (1,048,588 per batch).
  const std::string big = incompressible_line(1048500);
  {
    PlainClient c(shipper.tcp_port());
    REQUIRE(c.connected());
    REQUIRE(c.send("{\"message\":\"before\"}\n" + big + "\n{\"message\":\"after\"}\n"));
    c.half_close();
    REQUIRE(c.wait_server(30s) == 0);
  }
  std::vector<KafkaRecord> records;
  REQUIRE(wait_until([&] { return (records = read_topic(topic)).size() >= 3; }, 60s));
  REQUIRE(records.size() == 3);
  int cut = 0;
  for (const auto& r : records) {
    if (r.value.size() > 100) {
      ++cut;
      CHECK(r.value == big.substr(0, big.size() / 2));
      CHECK(r.headers.at("lp.tags") == "_truncated");
    }
  }
  CHECK(cut == 1);
  CHECK(wait_until([&] { return shipper.metric("logpipe_tcp_events_acked_total") == 3; }, 30s));
  CHECK(shipper.metric("logpipe_tcp_events_cut_total") == 1);
  CHECK(shipper.metric("logpipe_tcp_wal_unacked_events") == 0);
  CHECK(shipper.stop(SIGTERM) == 0);
}
