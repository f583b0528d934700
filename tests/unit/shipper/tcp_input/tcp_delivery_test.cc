#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/kafka/record_format.h"
#include "common/metrics.h"
#include "shipper/tcp_input/tcp_delivery.h"
#include "shipper/tcp_input/wal_event.h"
#include "tests/fakes/fake_producer.h"
#include "tests/fakes/fake_wal.h"

using namespace logpipe;
using logpipe::shipper::tcp::EventOrigin;
using logpipe::shipper::tcp::EventSink;
using logpipe::shipper::tcp::TcpDelivery;
using logpipe::testing::FakeProducer;
using logpipe::testing::FakeWal;

namespace {

std::shared_ptr<const EventOrigin> origin() {
  kafka::RecordMeta m;
  m.host = "h";
  m.service = "svc";
  m.source = "tcp";
  m.format = "json";
  m.file_id = "tcp:fakewal";
  m.peer_ip = "10.1.2.3";
  m.peer_port = 40000;
  auto o = std::make_shared<EventOrigin>();
  o->topic = "logs";
  o->key = kafka::record_key(m);
  o->headers = kafka::encode_headers(m);
  std::erase_if(o->headers, [](const auto& h) { return h.first == kafka::header::kReadMicros; });
  return o;
}

struct Rig {
  ManualClock clock;
  metrics::Registry registry;
  std::shared_ptr<FakeWal::Storage> storage = std::make_shared<FakeWal::Storage>();
  std::unique_ptr<FakeWal> wal;
  std::unique_ptr<TcpDelivery> delivery;
  std::unique_ptr<FakeProducer> producer;

  explicit Rig(int64_t wal_bytes = 1 << 30, int64_t memory = 64 << 20) { open(wal_bytes, memory); }
  // Like a restart: new objects over the same WAL storage.
  void open(int64_t wal_bytes = 1 << 30, int64_t memory = 64 << 20) {
    producer.reset();
    delivery.reset();
    wal = std::make_unique<FakeWal>(storage, wal_bytes);
    delivery = std::make_unique<TcpDelivery>(*wal, memory, clock, registry);
    producer = std::make_unique<FakeProducer>(*delivery);
    delivery->set_producer(producer.get());
  }
};

std::string header(const kafka::OutRecord& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<none>";
}

}  // namespace

TEST_CASE("tcp delivery: an event is in the WAL before it is produced, and acknowledged to the WAL by Kafka",
          "[shipper][tcp]") {
  Rig r;
  REQUIRE(r.delivery->accept(origin(), "{\"message\":\"a\"}", 1700000000000000, false, false) ==
          EventSink::Accept::kAccepted);
  CHECK(r.wal->unacked_count() == 1);
  r.delivery->service();
  REQUIRE(r.producer->produced().size() == 1);
  const auto& rec = r.producer->produced()[0].second;
  CHECK(rec.value == "{\"message\":\"a\"}");
  CHECK(rec.topic == "logs");
  CHECK(rec.key == "h|tcp:fakewal|10.1.2.3:40000");
  CHECK(header(rec, kafka::header::kOffset) == "1");
  CHECK(header(rec, kafka::header::kFileId) == "tcp:fakewal");
  CHECK(header(rec, kafka::header::kReadMicros) == "1700000000000000");
  CHECK(header(rec, kafka::header::kPeerIp) == "10.1.2.3");
  CHECK(header(rec, kafka::header::kPeerPort) == "40000");
  CHECK(header(rec, kafka::header::kTags) == "<none>");
  auto meta = kafka::decode_headers(rec.headers);
  REQUIRE(meta.ok());
  CHECK(meta->source == "tcp");
  CHECK(meta->offset == 1);
  r.producer->ack_all();
  r.delivery->service();
  CHECK(r.wal->unacked_count() == 0);
  CHECK(r.delivery->in_memory() == 0);
}

TEST_CASE("tcp delivery: truncated and partial events are tagged", "[shipper][tcp]") {
  Rig r;
  REQUIRE(r.delivery->accept(origin(), "xxx", 1, true, false) == EventSink::Accept::kAccepted);
  REQUIRE(r.delivery->accept(origin(), "{\"a\":", 1, false, true) == EventSink::Accept::kAccepted);
  r.delivery->service();
  REQUIRE(r.producer->produced().size() == 2);
  CHECK(header(r.producer->produced()[0].second, kafka::header::kTags) == "_truncated");
  CHECK(header(r.producer->produced()[1].second, kafka::header::kTags) == "_partial_line");
}

TEST_CASE("tcp delivery: a failed delivery is produced again with the same WAL sequence number", "[shipper][tcp]") {
  Rig r;
  REQUIRE(r.delivery->accept(origin(), "{}", 1, false, false) == EventSink::Accept::kAccepted);
  r.delivery->service();
  r.producer->fail(1);
  r.delivery->service();  // report: failed; produced again after the retry backoff (100 ms at first)
  CHECK(r.producer->produced().size() == 1);
  r.clock.advance(std::chrono::milliseconds(100));
  r.delivery->service();
  REQUIRE(r.producer->produced().size() == 2);
  CHECK(header(r.producer->produced()[1].second, kafka::header::kOffset) == "1");
  CHECK(r.wal->unacked_count() == 1);
  r.producer->ack(1);
  r.delivery->service();
  CHECK(r.wal->unacked_count() == 0);
}

TEST_CASE("tcp delivery: an event the broker refuses as too large is produced again cut in half and tagged until it "
          "fits, and leaves the WAL",
          "[shipper][tcp]") {
  Rig r;
  const std::string big = "{\"message\":\"" + std::string(4000, 'z') + "\"}";
  REQUIRE(r.delivery->accept(origin(), big, 1, false, true) == EventSink::Accept::kAccepted);  // partial: tagged already
  r.delivery->service();
  REQUIRE(r.producer->produced().size() == 1);
  const int64_t fixed = FakeProducer::record_bytes(r.producer->produced()[0].second) - static_cast<int64_t>(big.size());
  r.producer->set_max_record_bytes(fixed + 1100);
  for (int i = 0; i < 10 && r.wal->unacked_count() > 0; ++i) {
    r.producer->settle_all_by_size();
    r.delivery->service();
  }
  CHECK(r.wal->unacked_count() == 0);
  const auto& produced = r.producer->produced();
  REQUIRE(produced.size() == 3);  // whole, cut to ~2000, cut to ~1000
  CHECK(produced[2].second.value == big.substr(0, big.size() / 2 / 2));
  CHECK(header(produced[2].second, kafka::header::kTags) == "_partial_line,_truncated");
  CHECK(header(produced[2].second, kafka::header::kOffset) == "1");
  CHECK(r.registry.counter("logpipe_tcp_events_cut_total", "").value() == 2);
  CHECK(r.registry.counter("logpipe_tcp_events_acked_total", "").value() == 1);
}

TEST_CASE("tcp delivery: an event too large for the broker even when empty is dropped from the WAL and counted",
          "[shipper][tcp]") {
  Rig r;
  REQUIRE(r.delivery->accept(origin(), std::string(300, 'z'), 1, false, false) == EventSink::Accept::kAccepted);
  r.delivery->service();
  REQUIRE(r.producer->produced().size() == 1);
  // The cut record carries lp.tags=_truncated (17 bytes more than the whole one without tags): never passes.
  r.producer->set_max_record_bytes(FakeProducer::record_bytes(r.producer->produced()[0].second) - 300 + 12);
  for (int i = 0; i < 20 && r.wal->unacked_count() > 0; ++i) {
    r.producer->settle_all_by_size();
    r.delivery->service();
  }
  CHECK(r.wal->unacked_count() == 0);
  CHECK(r.registry.counter("logpipe_tcp_events_dropped_total", "", {{"reason", "too_large_for_broker"}}).value() == 1);
  CHECK(r.registry.counter("logpipe_tcp_events_acked_total", "").value() == 0);
  CHECK(r.delivery->in_memory() == 0);
}

TEST_CASE("tcp delivery: after a crash, the WAL's unacknowledged events are produced again with the same identity",
          "[shipper][tcp]") {
  Rig r;
  for (int i = 0; i < 5; ++i)
    REQUIRE(r.delivery->accept(origin(), "{\"n\":" + std::to_string(i) + "}", 1, false, false) ==
            EventSink::Accept::kAccepted);
  r.delivery->service();
  r.producer->ack(2);
  r.producer->ack(4);
  r.delivery->service();
  std::vector<std::string> first_keys;
  for (const auto& [t, rec] : r.producer->produced()) first_keys.push_back(rec.key);
  // "kill -9": nothing is flushed or closed; a new process opens the same WAL.
  r.open();
  REQUIRE(r.delivery->replay().ok());
  r.delivery->service();
  REQUIRE(r.producer->produced().size() == 3);
  std::vector<std::string> offsets, vals;
  for (const auto& [t, rec] : r.producer->produced()) {
    offsets.push_back(header(rec, kafka::header::kOffset));
    vals.push_back(rec.value);
    CHECK(rec.key == first_keys[0]);
    CHECK(header(rec, kafka::header::kFileId) == "tcp:fakewal");
  }
  CHECK(offsets == std::vector<std::string>{"1", "3", "5"});
  CHECK(vals == std::vector<std::string>{"{\"n\":0}", "{\"n\":2}", "{\"n\":4}"});
  r.producer->ack_all();
  r.delivery->service();
  CHECK(r.wal->unacked_count() == 0);
  // New events continue the sequence.
  REQUIRE(r.delivery->accept(origin(), "{}", 1, false, false) == EventSink::Accept::kAccepted);
  r.delivery->service();
  CHECK(header(r.producer->produced().back().second, kafka::header::kOffset) == "6");
}

TEST_CASE("tcp delivery: a full WAL refuses events until acknowledgements make room", "[shipper][tcp]") {
  Rig r(/*wal_bytes=*/2000);
  int accepted = 0;
  while (r.delivery->accept(origin(), std::string(100, 'x'), 1, false, false) == EventSink::Accept::kAccepted) ++accepted;
  CHECK(accepted > 0);
  CHECK_FALSE(r.delivery->can_accept());
  r.delivery->service();
  r.producer->ack_all();
  r.delivery->service();
  CHECK(r.delivery->can_accept());
  CHECK(r.delivery->accept(origin(), "{}", 1, false, false) == EventSink::Accept::kAccepted);
}

TEST_CASE("tcp delivery: a WAL I/O error refuses events for a second, then tries again", "[shipper][tcp]") {
  Rig r;
  r.wal->fail_appends(true);
  CHECK(r.delivery->accept(origin(), "{}", 1, false, false) == EventSink::Accept::kFailed);
  r.wal->fail_appends(false);
  CHECK_FALSE(r.delivery->can_accept());
  r.clock.advance(std::chrono::milliseconds(1100));
  CHECK(r.delivery->can_accept());
  CHECK(r.delivery->accept(origin(), "{}", 1, false, false) == EventSink::Accept::kAccepted);
}

TEST_CASE("tcp delivery: past max_memory_bytes events live only in the WAL and are read back in order",
          "[shipper][tcp]") {
  Rig r(1 << 30, /*memory=*/20000);
  r.producer->cork(true);  // Kafka not taking anything
  for (int i = 1; i <= 200; ++i)
    REQUIRE(r.delivery->accept(origin(), "{\"n\":" + std::to_string(i) + "}", 1, false, false) ==
            EventSink::Accept::kAccepted);
  r.delivery->service();
  CHECK(r.delivery->spilling());
  CHECK(r.delivery->in_memory() < 200);
  CHECK(r.wal->unacked_count() == 200);
  r.producer->cork(false);
  std::vector<std::string> offsets;
  for (int round = 0; round < 100 && r.wal->unacked_count() > 0; ++round) {
    r.delivery->service();
    r.producer->ack_all();
    r.delivery->service();
  }
  CHECK(r.wal->unacked_count() == 0);
  CHECK_FALSE(r.delivery->spilling());
  for (const auto& [t, rec] : r.producer->produced()) offsets.push_back(header(rec, kafka::header::kOffset));
  REQUIRE(offsets.size() == 200);
  for (size_t i = 0; i < offsets.size(); ++i) CHECK(offsets[i] == std::to_string(i + 1));
}

TEST_CASE("tcp delivery: a batch is one WAL append, produced in order with consecutive offsets; a refused batch "
          "keeps nothing",
          "[shipper][tcp]") {
  Rig r(/*wal_bytes=*/20000);  // the fake counts encoded events: ~300 bytes each here with the headers
  shipper::tcp::EventBatch batch;
  batch.add("{\"n\":1}", 11, false, false);
  batch.add("{\"n\":2}", 12, true, false);
  batch.add("{\"n\":3}", 13, false, true);
  REQUIRE(r.delivery->accept(origin(), batch) == EventSink::Accept::kAccepted);
  CHECK(r.wal->batch_appends() == 1);
  CHECK(r.wal->unacked_count() == 3);
  // Produced at once, from views of the batch, in WAL order.
  REQUIRE(r.producer->produced().size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    const auto& rec = r.producer->produced()[i].second;
    CHECK(rec.value == "{\"n\":" + std::to_string(i + 1) + "}");
    CHECK(header(rec, kafka::header::kOffset) == std::to_string(i + 1));
    CHECK(header(rec, kafka::header::kReadMicros) == std::to_string(11 + i));
    CHECK(rec.key == "h|tcp:fakewal|10.1.2.3:40000");
  }
  CHECK(header(r.producer->produced()[1].second, kafka::header::kTags) == "_truncated");
  CHECK(header(r.producer->produced()[2].second, kafka::header::kTags) == "_partial_line");
  CHECK(r.delivery->in_memory() == 3);

  // Half the WAL's budget, then a batch that does not fit it as a whole: refused, none of it appended
  // or produced.
  shipper::tcp::EventBatch half, big;
  for (int i = 0; i < 40; ++i) half.add(std::string(100, 'x'), 1, false, false);
  REQUIRE(r.delivery->accept(origin(), half) == EventSink::Accept::kAccepted);
  for (int i = 0; i < 40; ++i) big.add(std::string(100, 'y'), 1, false, false);
  CHECK(r.delivery->accept(origin(), big) == EventSink::Accept::kFull);
  CHECK(r.wal->batch_appends() == 2);
  CHECK(r.wal->unacked_count() == 43);
  CHECK(r.producer->produced().size() == 43);
  r.producer->ack_all();
  r.delivery->service();
  CHECK(r.wal->unacked_count() == 0);
  CHECK(r.delivery->in_memory() == 0);
}

TEST_CASE("tcp delivery: spilled events are read back from where the last read stopped, not from the start",
          "[shipper][tcp]") {
  Rig r(1 << 30, /*memory=*/20000);
  r.producer->cork(true);  // Kafka not taking anything: everything is spilled
  constexpr int kEvents = 2000;
  shipper::tcp::EventBatch batch;
  for (int i = 1; i <= kEvents; ++i) {
    batch.add("{\"n\":" + std::to_string(i) + "}", 1, false, false);
    if (batch.size() == 50) {
      REQUIRE(r.delivery->accept(origin(), batch) == EventSink::Accept::kAccepted);
      batch.clear();
    }
  }
  CHECK(r.delivery->spilling());
  r.producer->cork(false);
  int rounds = 0;
  for (; rounds < 1000 && r.wal->unacked_count() > 0; ++rounds) {
    r.delivery->service();
    r.producer->ack_all();
    r.delivery->service();
  }
  CHECK(r.wal->unacked_count() == 0);
  CHECK_FALSE(r.delivery->spilling());
  // Each read-back visits the events it produces plus the one it stops at: linear in the backlog.
  CHECK(r.wal->replay_visits() <= static_cast<uint64_t>(kEvents + 2 * rounds));
  std::vector<std::string> offsets;
  for (const auto& [t, rec] : r.producer->produced()) offsets.push_back(header(rec, kafka::header::kOffset));
  REQUIRE(offsets.size() == kEvents);
  for (size_t i = 0; i < offsets.size(); ++i) CHECK(offsets[i] == std::to_string(i + 1));
}

TEST_CASE("tcp delivery: shutdown waits for acknowledgements and closes the WAL", "[shipper][tcp]") {
  Rig r;
  REQUIRE(r.delivery->accept(origin(), "{}", 1, false, false) == EventSink::Accept::kAccepted);
  r.delivery->service();
  r.producer->ack_all();
  REQUIRE(r.delivery->shutdown(std::chrono::milliseconds(0)).ok());
  CHECK(r.wal->closed());
}

TEST_CASE("tcp WAL event encoding: round trip, and damage is an error", "[shipper][tcp]") {
  kafka::OutRecord in;
  in.topic = "logs";
  in.key = "k";
  in.value = std::string("{\"m\":\"\xff\0x\"}", 11);
  in.headers = {{"lp.v", "1"}, {"lp.peer.ip", "::1"}};
  std::string enc;
  shipper::tcp::encode_wal_event(in, enc);
  auto out = shipper::tcp::decode_wal_event(enc, 42);
  REQUIRE(out.ok());
  CHECK(out->topic == "logs");
  CHECK(out->key == "k");
  CHECK(out->value == in.value);
  REQUIRE(out->headers.size() == 3);
  CHECK(out->headers[2] == std::pair<std::string, std::string>{"lp.offset", "42"});
  for (size_t cut = 0; cut < enc.size(); ++cut) CHECK_FALSE(shipper::tcp::decode_wal_event(enc.substr(0, cut), 1).ok());
  std::string wrong = enc;
  wrong[0] = 9;
  CHECK_FALSE(shipper::tcp::decode_wal_event(wrong, 1).ok());
}
