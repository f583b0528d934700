// The TCP server, the delivery path and the real WAL together: when Kafka does not acknowledge, the WAL
// fills to its budget and the server stops reading sockets; when Kafka comes back, reading resumes by
// itself and nothing was lost or reordered. Also: a crash (no close) with events in flight, reopened.

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/kafka/producer.h"
#include "common/metrics.h"
#include "shipper/tcp_input/tcp_delivery.h"
#include "shipper/tcp_input/tcp_server.h"
#include "shipper/wal/wal.h"
#include "tests/fakes/tcp_client.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe;
using namespace std::chrono_literals;
using logpipe::shipper::Wal;
using logpipe::shipper::WalOptions;
using logpipe::shipper::tcp::ListenerSetup;
using logpipe::shipper::tcp::TcpDelivery;
using logpipe::shipper::tcp::TcpServer;
using logpipe::testing::PlainClient;
using logpipe::testing::TempDir;

namespace {

// A producer called from the server's I/O thread that acknowledges only while the test keeps its gate
// open (Kafka up); the test thread reads what was produced under the lock.
class GatedProducer final : public kafka::Producer {
 public:
  explicit GatedProducer(kafka::DeliveryHandler& h) : handler_(h) {}
  Status produce(const kafka::OutRecord& r, uint64_t token) override {
    std::lock_guard lock(mu_);
    queued_.emplace_back(token, r.value);
    return Status::Ok();
  }
  void poll(std::chrono::milliseconds) override {
    if (!open_) return;
    std::vector<std::pair<uint64_t, std::string>> done;
    {
      std::lock_guard lock(mu_);
      done.swap(queued_);
      for (auto& d : done) delivered_.push_back(d.second);
    }
    for (auto& [token, v] : done) handler_.on_delivery(token, Status::Ok());
  }
  Status flush(std::chrono::milliseconds t) override {
    poll(t);
    return Status::Ok();
  }
  int64_t in_flight() const override {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(queued_.size());
  }
  bool connected() const override { return open_; }
  void set_open(bool open) { open_ = open; }
  std::vector<std::string> delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }

 private:
  kafka::DeliveryHandler& handler_;
  mutable std::mutex mu_;
  std::vector<std::pair<uint64_t, std::string>> queued_;
  std::vector<std::string> delivered_;
  std::atomic<bool> open_{false};
};

uint64_t counter(const metrics::Registry& r, const std::string& series) {
  const std::string text = r.render_prometheus();
  const size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + series.size() + 2));
}

ListenerSetup setup() {
  ListenerSetup s;
  s.config.listen = "127.0.0.1:0";
  s.config.service = "svc";
  s.topic = "t";
  s.meta.source = "tcp";
  s.meta.format = "json";
  return s;
}

}  // namespace

TEST_CASE("tcp + WAL: a full WAL stops reading the sockets, reading resumes by itself, nothing lost",
          "[shipper][tcp]") {
  TempDir dir;
  SystemClock clock;
  metrics::Registry registry;
  WalOptions wo;
  wo.dir = dir.file("wal");
  wo.max_disk_bytes = 1 << 20;
  wo.segment_bytes = 64 << 10;
  wo.compression_level = 0;  // the budget counts raw bytes: the test knows when it is full
  auto wal = Wal::open(wo, clock);
  REQUIRE(wal.ok());
  TcpDelivery delivery(**wal, 64 << 20, clock, registry);
  GatedProducer producer(delivery);
  delivery.set_producer(&producer);
  TcpServer server({setup()}, delivery, clock, registry);
  REQUIRE(server.start().ok());

  // ~20 MiB of events: far more than the WAL budget (1 MiB) plus what the kernel's socket buffers hold.
  constexpr int kEvents = 200000;
  PlainClient c(server.ports().at(0));
  std::atomic<bool> sent_all{false};
  std::thread sender([&] {
    std::string batch;
    for (int i = 0; i < kEvents; ++i) {
      batch += "{\"message\":\"" + std::string(60, 'p') + "\",\"n\":" + std::to_string(i) + "}\n";
      if (batch.size() > 32768) {
        c.send(batch);
        batch.clear();
      }
    }
    c.send(batch);
    sent_all = true;
  });
  struct Joiner {
    PlainClient& client;
    std::thread& thread;
    ~Joiner() {
      if (thread.joinable()) {
        client.unblock();  // a failed check: let the sender fail and finish
        thread.join();
      }
    }
  } joiner{c, sender};

  // Kafka "down": the WAL fills up and the server stops reading.
  auto poll_until = [&](const std::function<bool()>& f, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!f() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return f();
  };
  REQUIRE(poll_until([&] { return counter(registry, "logpipe_tcp_backpressure_total") >= 1; }, 30s));
  const uint64_t accepted_when_full = counter(registry, "logpipe_tcp_events_accepted_total");
  CHECK(accepted_when_full < static_cast<uint64_t>(kEvents));
  CHECK(counter(registry, "logpipe_tcp_connections_paused") == 1);
  CHECK_FALSE(sent_all);  // TCP flow control holds the sender back

  // Kafka back: acknowledgements delete segments, reading resumes, everything arrives in order.
  producer.set_open(true);
  REQUIRE(poll_until([&] { return producer.delivered().size() >= static_cast<size_t>(kEvents); }, 60s));
  sender.join();
  const auto got = producer.delivered();
  REQUIRE(got.size() == static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; i += 997)
    CHECK(got[static_cast<size_t>(i)] ==
          "{\"message\":\"" + std::string(60, 'p') + "\",\"n\":" + std::to_string(i) + "}");
  CHECK(counter(registry, "logpipe_tcp_backpressure_milliseconds_total") > 0);
  CHECK(counter(registry, "logpipe_tcp_connections_paused") == 0);
  server.stop();
  CHECK(delivery.shutdown(1s).ok());
}

TEST_CASE("tcp + WAL: events past the memory window are read back from the real WAL, in order",
          "[shipper][tcp]") {
  TempDir dir;
  ManualClock clock;
  metrics::Registry registry;
  WalOptions wo;
  wo.dir = dir.file("wal");
  wo.segment_bytes = 64 << 10;
  auto wal = Wal::open(wo, clock);
  REQUIRE(wal.ok());
  TcpDelivery delivery(**wal, /*max_memory_bytes=*/50000, clock, registry);
  GatedProducer producer(delivery);
  delivery.set_producer(&producer);
  auto origin = std::make_shared<const shipper::tcp::EventOrigin>(
      shipper::tcp::EventOrigin{"t", "k", {{"lp.v", "1"}, {"lp.source", "tcp"}}});
  for (int i = 0; i < 3000; ++i)
    REQUIRE(delivery.accept(origin, "{\"n\":" + std::to_string(i) + "}", 1, false, false) ==
            shipper::tcp::EventSink::Accept::kAccepted);
  CHECK(delivery.spilling());
  producer.set_open(true);
  for (int round = 0; round < 2000 && (*wal)->unacked_count() > 0; ++round) delivery.service();
  CHECK((*wal)->unacked_count() == 0);
  const auto got = producer.delivered();
  REQUIRE(got.size() == 3000);
  for (int i = 0; i < 3000; ++i) CHECK(got[static_cast<size_t>(i)] == "{\"n\":" + std::to_string(i) + "}");
  CHECK(delivery.shutdown(0ms).ok());
}

TEST_CASE("tcp + WAL: after a crash (no close), a new process produces every unacknowledged event again",
          "[shipper][tcp]") {
  TempDir dir;
  ManualClock clock;
  metrics::Registry registry;
  WalOptions wo;
  wo.dir = dir.file("wal");
  std::vector<std::string> offsets_first;
  {
    auto wal = Wal::open(wo, clock);
    REQUIRE(wal.ok());
    TcpDelivery delivery(**wal, 64 << 20, clock, registry);
    GatedProducer producer(delivery);
    delivery.set_producer(&producer);
    auto origin = std::make_shared<const shipper::tcp::EventOrigin>(shipper::tcp::EventOrigin{"t", "k", {{"lp.v", "1"}}});
    for (int i = 0; i < 100; ++i)
      REQUIRE(delivery.accept(origin, "{\"n\":" + std::to_string(i) + "}", 1, false, false) ==
              shipper::tcp::EventSink::Accept::kAccepted);
    delivery.service();
    // Destroyed without shutdown()/close(): what a kill -9 leaves behind.
  }
  auto wal = Wal::open(wo, clock);
  REQUIRE(wal.ok());
  metrics::Registry registry2;
  TcpDelivery delivery(**wal, 64 << 20, clock, registry2);
  GatedProducer producer(delivery);
  delivery.set_producer(&producer);
  REQUIRE(delivery.replay().ok());
  producer.set_open(true);
  delivery.service();
  const auto got = producer.delivered();
  REQUIRE(got.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(got[static_cast<size_t>(i)] == "{\"n\":" + std::to_string(i) + "}");
  CHECK(counter(registry2, "logpipe_tcp_events_replayed_total") == 100);
}
