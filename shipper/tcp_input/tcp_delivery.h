#pragma once
// The TCP input's way to Kafka: every accepted event is appended to the write-ahead log first, then
// produced by the TCP input's own Kafka producer, and acknowledged to the WAL when Kafka acknowledged it.
//
// Delivery guarantee (decided here): at least once for every event accept() returned kAccepted for.
//   - accept() returns only after Wal::append_batch() returned, i.e. the event is in the OS page cache,
//     and the event is handed to the producer only after that. A kill -9 of the shipper at any later
//     moment loses nothing: on the next start, replay() produces again every event the WAL holds that
//     Kafka had not acknowledged (and, with acks racing the kill, some it had).
//   - A power loss or kernel crash can lose what was appended in the last `wal.sync_interval` (or
//     `wal.sync_bytes`) before it: the WAL's fsync is batched (shipper/wal/wal.h).
//   - Bytes a sender wrote that we had not read when the shipper died are the sender's to resend; TCP
//     senders (logback, log4j2) do not, so keep the shipper up: that window is the socket buffer.
//   - A duplicate (replay after a crash, re-produce after a failed delivery) carries the same lp.file_id
//     ("tcp:<WAL id>") and lp.offset (WAL sequence number), so the indexer gives it the same _id and
//     Elasticsearch stores it once.
//   - A delivery Kafka reports failed is produced again (after a backoff: retry_backoff.h), never dropped.
//     One exception to "again, unchanged": an event the broker refuses as too large (a line near
//     max_line_bytes that does not compress, above the broker's message.max.bytes) would be refused
//     forever and keep its WAL segment, and in the end the WAL's whole disk budget, so it is produced again
//     with the first half of its value, tagged _truncated, as often as needed, and counted
//     (logpipe_tcp_events_cut_total). The WAL keeps the whole event until then: a restart produces it whole
//     again and cuts it again. Only an event whose key and headers alone are too large (value already
//     empty) is dropped: acknowledged in the WAL, logged and counted in
//     logpipe_tcp_events_dropped_total{reason="too_large_for_broker"}.
//     The other drops are damage on disk, and both are counted: a record whose checksum fails is skipped by
//     the WAL (logpipe_tcp_wal_corrupt_records), one that passes it but cannot be decoded as an event is
//     logged, acknowledged and counted (logpipe_tcp_wal_damaged_total). At shutdown, events read from a socket but
//     refused by a full WAL are counted in logpipe_tcp_events_dropped_total{reason="shutdown_while_full"}.
//
// Memory: events appended and not acknowledged are handed to the producer (librdkafka keeps the only
// copy in memory; a failed delivery hands the record back and it is produced again from that copy) as
// long as they cost less than `max_memory_bytes` together; past that (Kafka slower than the senders, or
// down) new events live only in the WAL ("spilled") and are read back from it in sequence order, from
// where the last read stopped, when half the budget is free again. So the WAL, not memory, absorbs a
// backlog, up to its disk budget. Events are handed to the producer in WAL order (retries aside).
// Backpressure: when the WAL refuses an append (disk budget reached, or an I/O error), accept() says so
// and can_accept() stays false until the WAL has room again (acknowledgements delete segments) or, after
// an I/O error, a second has passed; the TCP server then stops reading its sockets.
//
// Cost per event on the way in: a batch (one read of one connection) is encoded into one buffer and
// appended with one write(2); each event is then produced from views (librdkafka copies it). Per event
// we keep 16 bytes (sequence number and cost) until Kafka acknowledged it.
//
// Threading: one thread (the TCP input's I/O thread) calls everything, including the producer's poll(),
// so delivery reports arrive on it and the WAL (not thread-safe) has one owner. Metrics are atomics.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/kafka/producer.h"
#include "common/kafka/retry_backoff.h"
#include "common/metrics.h"
#include "common/result.h"
#include "shipper/tcp_input/event_sink.h"
#include "shipper/tcp_input/wal_event.h"
#include "shipper/wal/wal.h"

namespace logpipe::shipper::tcp {

class TcpDelivery final : public EventSink, public kafka::DeliveryHandler {
 public:
  TcpDelivery(Wal& wal, int64_t max_memory_bytes, Clock& clock, metrics::Registry& metrics);
  ~TcpDelivery() override;

  void set_producer(kafka::Producer* producer) { producer_ = producer; }
  // Produces what the WAL holds unacknowledged from an earlier run (call once, before accepting).
  Status replay();

  // Appends the batch to the WAL (one write) and produces its events, or leaves them in the WAL when the
  // memory budget is used up. kFull / kFailed: not accepted, nothing kept; stop reading and offer the
  // batch again once can_accept().
  Accept accept(const std::shared_ptr<const EventOrigin>& origin, const EventBatch& batch) override;
  // One event (a batch of one; for tests and callers without a batch).
  Accept accept(const std::shared_ptr<const EventOrigin>& origin, std::string_view value, int64_t read_micros,
                bool truncated, bool partial);
  bool can_accept() override;

  // Serves delivery reports, produces again what failed, runs the WAL's batched fsync, reads spilled
  // events back. Call often (every few milliseconds).
  void service() override;
  // Waits up to `timeout` for Kafka to acknowledge everything, then closes the WAL. What is still
  // unacknowledged stays in the WAL for the next start.
  Status shutdown(std::chrono::milliseconds timeout);

  void on_delivery(uint64_t token, const Status& status) override;
  void on_delivery_failed(uint64_t token, const Status& status, kafka::DeliveryFailure why,
                          const kafka::RecordView& record) override;

  // Events handed to the producer and not acknowledged yet.
  size_t in_memory() const { return in_memory_; }
  uint64_t unacked() const { return wal_.unacked_count(); }
  bool spilling() const { return spilling_; }

 private:
  // Produces one event; false if the producer refused it (queue full). Tracks its cost on success.
  bool produce(uint64_t seq, const kafka::RecordView& record);
  bool memory_full() const { return memory_bytes_ >= max_memory_bytes_ && in_memory_ > 0; }
  // Reads spilled events back from the WAL (from spill_from_) and produces them while memory allows.
  Status refill();
  // Marks `seq` handled (acknowledged, or dropped as damaged); false if it was not in flight.
  bool settle(uint64_t seq);
  void produce_retries();
  void note_failure(const Status& status);
  void update_gauges();

  struct InFlight {
    uint64_t seq;
    int64_t cost;  // 0: settled (waiting to be popped from the front)
  };

  Wal& wal_;
  int64_t max_memory_bytes_;
  Clock& clock_;
  kafka::Producer* producer_ = nullptr;
  std::deque<InFlight> in_flight_;  // produced, in increasing seq order; settled ones popped from the front
  size_t in_memory_ = 0;            // not settled in in_flight_
  int64_t memory_bytes_ = 0;
  std::deque<std::pair<uint64_t, kafka::OutRecord>> retry_;  // failed deliveries, handed back, to produce again
  kafka::RetryBackoff retry_backoff_;                         // holds retry_ and reread_ back after failures
  std::vector<uint64_t> reread_;  // failed deliveries reported without the record: read back from the WAL
  bool spilling_ = false;         // events from spill_from_ on are only in the WAL
  uint64_t spill_from_ = 0;
  std::string scratch_;                  // the batch's WAL encoding
  std::vector<size_t> ends_;             // end of each event's encoding in scratch_
  std::vector<std::string_view> views_;  // the batch's events, for Wal::append_batch
  std::vector<kafka::HeaderView> shared_;  // the origin's headers as views, for the batch
  WalEventView decoded_;
  EventBatch one_;
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
  metrics::Counter& cut_;
  metrics::Counter& dropped_too_large_;
  metrics::Gauge& wal_bytes_;
  metrics::Gauge& wal_unacked_;
  metrics::Gauge& memory_gauge_;
  metrics::Gauge& wal_corrupt_;
  metrics::Gauge& wal_segments_;
};

}  // namespace logpipe::shipper::tcp
