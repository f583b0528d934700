#pragma once
// The TCP input's way to Kafka: every accepted event is appended to the write-ahead log first, then
// produced by the TCP input's own Kafka producer, and acknowledged to the WAL when Kafka acknowledged it.
//
// Delivery guarantee (decided here): at least once for every event accept() returned kAccepted for.
//   - accept() returns only after Wal::append() returned, i.e. the event is in the OS page cache. A kill -9
//     of the shipper at any later moment loses nothing: on the next start, replay() produces again every
//     event the WAL holds that Kafka had not acknowledged (and, with acks racing the kill, some it had).
//   - A power loss or kernel crash can lose what was appended in the last `wal.sync_interval` (or
//     `wal.sync_bytes`) before it: the WAL's fsync is batched (shipper/wal/wal.h).
//   - Bytes a sender wrote that we had not read when the shipper died are the sender's to resend; TCP
//     senders (logback, log4j2) do not, so keep the shipper up: that window is the socket buffer.
//   - A duplicate (replay after a crash, re-produce after a failed delivery) carries the same lp.file_id
//     ("tcp:<WAL id>") and lp.offset (WAL sequence number), so the indexer gives it the same _id and
//     Elasticsearch stores it once.
//   - A delivery Kafka reports failed is produced again, never dropped. The only drops are damage on disk,
//     and both are counted: a record whose checksum fails is skipped by the WAL
//     (logpipe_tcp_wal_corrupt_records), one that passes it but cannot be decoded as an event is logged,
//     acknowledged and counted (logpipe_tcp_wal_damaged_total). At shutdown, events read from a socket but
//     refused by a full WAL are counted in logpipe_tcp_events_dropped_total{reason="shutdown_while_full"}.
//
// Memory: events appended and not acknowledged are kept in memory up to `max_memory_bytes`; past that
// (Kafka slow or down) they live only in the WAL ("spilled") and are read back from it, in sequence order,
// when memory frees up. So during an outage the WAL, not memory, absorbs up to its disk budget.
// Backpressure: when the WAL refuses an append (disk budget reached, or an I/O error), accept() says so
// and can_accept() stays false until the WAL has room again (acknowledgements delete segments) or, after
// an I/O error, a second has passed; the TCP server then stops reading its sockets.
//
// Threading: one thread (the TCP input's I/O thread) calls everything, including the producer's poll(),
// so delivery reports arrive on it and the WAL (not thread-safe) has one owner. Metrics are atomics.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/kafka/producer.h"
#include "common/metrics.h"
#include "common/result.h"
#include "shipper/tcp_input/event_sink.h"
#include "shipper/wal/wal.h"

namespace logpipe::shipper::tcp {

class TcpDelivery final : public EventSink, public kafka::DeliveryHandler {
 public:
  TcpDelivery(Wal& wal, int64_t max_memory_bytes, Clock& clock, metrics::Registry& metrics);
  ~TcpDelivery() override;

  void set_producer(kafka::Producer* producer) { producer_ = producer; }
  // Produces what the WAL holds unacknowledged from an earlier run (call once, before accepting).
  Status replay();

  // Appends the event to the WAL and queues it for Kafka. kFull / kFailed: not accepted, nothing kept;
  // stop reading and offer it again once can_accept().
  Accept accept(const std::shared_ptr<const EventOrigin>& origin, std::string_view value, int64_t read_micros, bool truncated,
                bool partial) override;
  bool can_accept() override;

  // Serves delivery reports, produces what waits, runs the WAL's batched fsync, reads spilled events
  // back. Call often (every few milliseconds) and after bursts of accept().
  void service() override;
  // Waits up to `timeout` for Kafka to acknowledge everything, then closes the WAL. What is still
  // unacknowledged stays in the WAL for the next start.
  Status shutdown(std::chrono::milliseconds timeout);

  void on_delivery(uint64_t token, const Status& status) override;

  size_t in_memory() const { return pending_.size(); }
  uint64_t unacked() const { return wal_.unacked_count(); }
  bool spilling() const { return spill_from_ != 0; }

 private:
  // An event in memory: its connection's shared origin plus what is its own; the Kafka record is built
  // only when handed to the producer (into a reused scratch record, so the per-event path allocates
  // little: the value and the map node).
  struct Pending {
    std::shared_ptr<const EventOrigin> origin;
    std::string value;
    int64_t read_micros = 0;
    uint8_t flags = 0;
    int64_t cost = 0;
  };
  static constexpr uint8_t kTruncated = 1, kPartial = 2;
  static constexpr uint8_t kComplete = 4;  // replayed: origin->headers already hold lp.read_us and lp.tags
  static int64_t cost_of(const EventOrigin& origin, size_t value_bytes);
  void keep(uint64_t seq, Pending p);
  const kafka::OutRecord& record_for(uint64_t seq, const Pending& p);
  // Reads WAL events with seq >= from back into memory (within the budget); sets spill_from_.
  Status load_from_wal(uint64_t from);
  void produce_waiting();
  void update_gauges();

  Wal& wal_;
  int64_t max_memory_bytes_;
  Clock& clock_;
  kafka::Producer* producer_ = nullptr;
  std::map<uint64_t, Pending> pending_;  // appended, in memory, not acknowledged
  std::deque<uint64_t> waiting_;         // in pending_, not accepted by the producer yet (or failed)
  int64_t memory_bytes_ = 0;
  uint64_t spill_from_ = 0;  // != 0: events from this seq on are only in the WAL
  uint64_t last_seq_ = 0;
  std::string scratch_;
  kafka::Headers extra_;       // lp.read_us and lp.tags of the event being accepted
  kafka::OutRecord produce_;   // reused for every produce()
  bool full_ = false;
  std::chrono::steady_clock::time_point retry_after_{};
  bool failed_ = false;
  std::chrono::steady_clock::time_point last_failure_log_{};

  metrics::Counter& accepted_;
  metrics::Counter& acked_;
  metrics::Counter& produce_errors_;
  metrics::Counter& delivery_failures_;
  metrics::Counter& wal_errors_;
  metrics::Counter& wal_damaged_;
  metrics::Counter& replayed_;
  metrics::Counter& spilled_;
  metrics::Gauge& wal_bytes_;
  metrics::Gauge& wal_unacked_;
  metrics::Gauge& memory_gauge_;
  metrics::Gauge& wal_corrupt_;
  metrics::Gauge& wal_segments_;
};

}  // namespace logpipe::shipper::tcp
