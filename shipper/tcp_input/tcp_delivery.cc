#include "shipper/tcp_input/tcp_delivery.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "common/kafka/record_format.h"
#include "common/log.h"

namespace logpipe::shipper::tcp {

namespace {

// What librdkafka holds for one record besides its bytes (message struct, header list; per header an
// allocation), as an estimate for the memory budget.
constexpr int64_t kRecordOverhead = 256;
constexpr int64_t kHeaderOverhead = 32;

std::string_view tags_for(bool truncated, bool partial) {
  return truncated && partial ? "_truncated,_partial_line" : truncated ? "_truncated" : partial ? "_partial_line" : "";
}

// Decimal digits of v into buf (no allocation); returns the view.
std::string_view digits(uint64_t v, std::array<char, 24>& buf) {
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string_view(buf.data(), static_cast<size_t>(end - buf.data()));
}

int64_t cost_of(const kafka::RecordView& r) {
  int64_t cost = kRecordOverhead + static_cast<int64_t>(r.value.size() + r.key.size());
  for (const auto* part : {&r.shared, &r.own})
    for (const auto& h : *part) cost += kHeaderOverhead + static_cast<int64_t>(h.name.size() + h.value.size());
  return cost;
}

}  // namespace

TcpDelivery::TcpDelivery(Wal& wal, int64_t max_memory_bytes, Clock& clock, metrics::Registry& m)
    : wal_(wal),
      max_memory_bytes_(max_memory_bytes),
      clock_(clock),
      accepted_(m.counter("logpipe_tcp_events_accepted_total", "events read from TCP and appended to the WAL")),
      acked_(m.counter("logpipe_tcp_events_acked_total", "TCP events Kafka acknowledged")),
      produce_errors_(m.counter("logpipe_tcp_kafka_errors_total", "Kafka errors of the TCP input", {{"kind", "produce"}})),
      delivery_failures_(
          m.counter("logpipe_tcp_kafka_errors_total", "Kafka errors of the TCP input", {{"kind", "delivery"}})),
      wal_errors_(m.counter("logpipe_tcp_wal_errors_total", "WAL appends or syncs that failed (not for lack of room)")),
      wal_damaged_(m.counter("logpipe_tcp_wal_damaged_total",
                             "WAL records that could not be decoded: logged, acknowledged and so dropped")),
      replayed_(m.counter("logpipe_tcp_events_replayed_total", "events read back from the WAL after a restart")),
      spilled_(m.counter("logpipe_tcp_events_spilled_total",
                         "events kept only in the WAL because max_memory_bytes was reached; read back later")),
      cut_(m.counter("logpipe_tcp_events_cut_total",
                     "events the broker refused as too large, produced again with the first half of their "
                     "value, tagged _truncated (once per cut)")),
      dropped_too_large_(m.counter("logpipe_tcp_events_dropped_total", "events read but not accepted by the WAL",
                                   {{"reason", "too_large_for_broker"}})),
      wal_bytes_(m.gauge("logpipe_tcp_wal_bytes", "bytes of WAL segments on disk")),
      wal_unacked_(m.gauge("logpipe_tcp_wal_unacked_events", "events in the WAL not acknowledged by Kafka")),
      memory_gauge_(m.gauge("logpipe_tcp_pending_bytes", "memory held by TCP events not yet acknowledged")),
      wal_corrupt_(m.gauge("logpipe_tcp_wal_corrupt_records",
                           "WAL records lost to on-disk corruption since start (checksum failures), i.e. dropped")),
      wal_segments_(m.gauge("logpipe_tcp_wal_segments", "WAL segment files on disk")) {}

TcpDelivery::~TcpDelivery() = default;

bool TcpDelivery::produce(uint64_t seq, const kafka::RecordView& record) {
  if (producer_ == nullptr) return false;
  if (auto s = producer_->produce_view(record, seq); !s) {
    produce_errors_.inc();  // local queue full: the event stays in the WAL and is read back later
    return false;
  }
  const int64_t cost = cost_of(record);
  // Produced in WAL order, so the deque stays sorted (a replay after a restart starts below new events).
  in_flight_.push_back(InFlight{seq, cost});
  ++in_memory_;
  memory_bytes_ += cost;
  return true;
}

bool TcpDelivery::settle(uint64_t seq) {
  auto it = std::lower_bound(in_flight_.begin(), in_flight_.end(), seq,
                             [](const InFlight& f, uint64_t s) { return f.seq < s; });
  if (it == in_flight_.end() || it->seq != seq || it->cost == 0) return false;
  memory_bytes_ -= it->cost;
  it->cost = 0;
  --in_memory_;
  while (!in_flight_.empty() && in_flight_.front().cost == 0) in_flight_.pop_front();
  return true;
}

Status TcpDelivery::refill() {
  uint64_t resume = 0;  // first seq not produced for lack of memory or room in the producer's queue
  auto s = wal_.replay_from(spill_from_, [&](uint64_t seq, std::string_view data) {
    if (memory_full()) {
      resume = seq;
      return false;
    }
    if (!decode_wal_event_view(data, decoded_)) {
      wal_damaged_.inc();
      log::error("tcp: damaged WAL record dropped", {{"seq", static_cast<int64_t>(seq)}});
      wal_.ack(seq);
      return true;
    }
    std::array<char, 24> buf;
    const kafka::HeaderView offset{kafka::header::kOffset, digits(seq, buf)};
    const kafka::RecordView record{decoded_.topic, decoded_.key, decoded_.value, decoded_.headers,
                                   std::span<const kafka::HeaderView>(&offset, 1)};
    if (!produce(seq, record)) {
      resume = seq;
      return false;
    }
    return true;
  });
  if (!s) return s;
  spilling_ = resume != 0;
  spill_from_ = resume;
  return Status::Ok();
}

Status TcpDelivery::replay() {
  const uint64_t unacked = wal_.unacked_count();
  if (unacked == 0) return Status::Ok();
  replayed_.inc(unacked);
  spilling_ = true;
  spill_from_ = 0;
  if (auto s = refill(); !s) return s;
  log::info("tcp: producing events left in the WAL by the previous run",
            {{"in_memory", static_cast<int64_t>(in_memory_)}, {"unacked", static_cast<int64_t>(wal_.unacked_count())}});
  update_gauges();
  return Status::Ok();
}

EventSink::Accept TcpDelivery::accept(const std::shared_ptr<const EventOrigin>& origin, std::string_view value,
                                      int64_t read_micros, bool truncated, bool partial) {
  one_.clear();
  one_.add(value, read_micros, truncated, partial);
  return accept(origin, one_);
}

EventSink::Accept TcpDelivery::accept(const std::shared_ptr<const EventOrigin>& origin, const EventBatch& batch) {
  if (batch.empty()) return Accept::kAccepted;
  const auto& events = batch.events();
  // Encode every event into one buffer: the Kafka record minus lp.offset (wal_event.h).
  scratch_.clear();
  ends_.clear();
  std::array<char, 24> buf;
  for (const auto& e : events) {
    kafka::HeaderView own[2] = {{kafka::header::kReadMicros, digits(static_cast<uint64_t>(e.read_micros), buf)},
                                {kafka::header::kTags, tags_for(e.truncated, e.partial)}};
    const size_t n_own = own[1].value.empty() ? 1 : 2;
    append_wal_event(*origin, std::span<const kafka::HeaderView>(own, n_own), batch.value(e), scratch_);
    ends_.push_back(scratch_.size());
  }
  views_.clear();
  size_t begin = 0;
  for (size_t end : ends_) {
    views_.push_back(std::string_view(scratch_).substr(begin, end - begin));
    begin = end;
  }
  auto first = wal_.append_batch(views_);
  if (!first) {
    if (wal_.is_full()) {
      full_ = true;
      return Accept::kFull;
    }
    wal_errors_.inc();
    failed_ = true;
    retry_after_ = clock_.now() + std::chrono::seconds(1);
    if (clock_.now() - last_failure_log_ > std::chrono::seconds(10)) {
      last_failure_log_ = clock_.now();
      log::error("tcp: WAL append failed; not reading sockets for a second", {{"error", first.error().message()}});
    }
    return Accept::kFailed;
  }
  accepted_.inc(events.size());
  if (scratch_.capacity() > (4u << 20)) std::string().swap(scratch_);

  // In the WAL now. Produce in WAL order: only when nothing older waits in the WAL.
  size_t produced = 0;
  if (!spilling_) {
    shared_.clear();
    for (const auto& [k, v] : origin->headers) shared_.push_back({k, v});
    for (; produced < events.size(); ++produced) {
      if (memory_full()) break;
      const auto& e = events[produced];
      const uint64_t seq = *first + produced;
      std::array<char, 24> read_buf, seq_buf;
      kafka::HeaderView own[3] = {{kafka::header::kReadMicros, digits(static_cast<uint64_t>(e.read_micros), read_buf)},
                                  {kafka::header::kTags, tags_for(e.truncated, e.partial)},
                                  {kafka::header::kOffset, digits(seq, seq_buf)}};
      size_t n_own = 3;
      if (own[1].value.empty()) {
        own[1] = own[2];
        n_own = 2;
      }
      const kafka::RecordView record{origin->topic, origin->key, batch.value(e), shared_,
                                     std::span<const kafka::HeaderView>(own, n_own)};
      if (!produce(seq, record)) break;
    }
    if (produced < events.size()) {
      spilling_ = true;
      spill_from_ = *first + produced;
    }
  }
  spilled_.inc(events.size() - produced);
  return Accept::kAccepted;
}

bool TcpDelivery::can_accept() {
  if (failed_) {
    if (clock_.now() < retry_after_) return false;
    failed_ = false;
  }
  if (full_) full_ = wal_.is_full();
  return !full_;
}

void TcpDelivery::on_delivery(uint64_t seq, const Status& status) {
  if (status) {
    if (!settle(seq)) return;  // a late report of an earlier attempt
    retry_backoff_.acked();
    wal_.ack(seq);
    acked_.inc();
    return;
  }
  // A producer that reports a failure without the record: read it back from the WAL and produce it again.
  note_failure(status);
  retry_backoff_.failed(clock_.now());
  reread_.push_back(seq);
}

void TcpDelivery::on_delivery_failed(uint64_t seq, const Status& status, kafka::DeliveryFailure why,
                                     const kafka::RecordView& record) {
  // Not acknowledged: produce it again from the copy the report hands back (at least once; the same
  // lp.offset keeps the _id). Its memory stays counted until it is acknowledged.
  note_failure(status);
  kafka::OutRecord again = kafka::to_out_record(record);
  if (why == kafka::DeliveryFailure::kRetry) {
    retry_backoff_.failed(clock_.now());  // not at once: a refusing broker answers in milliseconds
  } else {
    // Unchanged it would be refused forever and pin its WAL segment: cut it (tcp_delivery.h).
    const auto before = static_cast<int64_t>(again.value.size());
    if (!kafka::cut_value_in_half(again)) {
      if (!settle(seq)) return;
      wal_.ack(seq);
      dropped_too_large_.inc();
      log::error("tcp: the broker refuses an event as too large even with an empty value; dropping it",
                 {{"error", status.message()}, {"seq", static_cast<int64_t>(seq)},
                  {"key_bytes", static_cast<int64_t>(again.key.size())}});
      return;
    }
    cut_.inc();
    log::warn("tcp: the broker refused an event as too large; producing it again with half its value, tagged _truncated",
              {{"error", status.message()}, {"seq", static_cast<int64_t>(seq)}, {"value_bytes_before", before},
               {"value_bytes_now", static_cast<int64_t>(again.value.size())}});
  }
  retry_.emplace_back(seq, std::move(again));
}

void TcpDelivery::note_failure(const Status& status) {
  delivery_failures_.inc();
  if (clock_.now() - last_failure_log_ > std::chrono::seconds(10)) {
    last_failure_log_ = clock_.now();
    log::warn("tcp: Kafka did not acknowledge an event; producing it again", {{"error", status.message()}});
  }
}

void TcpDelivery::produce_retries() {
  if (!retry_backoff_.ready(clock_.now())) return;  // after failed deliveries (common/kafka/retry_backoff.h)
  while (!retry_.empty()) {
    if (auto s = producer_->produce(retry_.front().second, retry_.front().first); !s) {
      produce_errors_.inc();
      return;  // local queue full: next service()
    }
    retry_.pop_front();
  }
  while (!reread_.empty()) {
    const uint64_t seq = reread_.back();
    bool done = false;
    auto s = wal_.replay_from(seq, [&](uint64_t found, std::string_view data) {
      if (found == seq && decode_wal_event_view(data, decoded_)) {
        std::array<char, 24> buf;
        const kafka::HeaderView offset{kafka::header::kOffset, digits(seq, buf)};
        done = producer_
                   ->produce_view(kafka::RecordView{decoded_.topic, decoded_.key, decoded_.value, decoded_.headers,
                                                    std::span<const kafka::HeaderView>(&offset, 1)},
                                  seq)
                   .ok();
      } else {
        done = true;  // acknowledged meanwhile, or damaged (then counted by the WAL or by refill)
      }
      return false;
    });
    if (!s || !done) return;
    reread_.pop_back();
  }
}

void TcpDelivery::service() {
  if (producer_ != nullptr) {
    producer_->poll(std::chrono::milliseconds(0));
    produce_retries();
  }
  if (spilling_ && memory_bytes_ < max_memory_bytes_ / 2 && producer_ != nullptr) {
    if (auto s = refill(); !s) {
      wal_errors_.inc();
      log::error("tcp: reading spilled events back from the WAL failed", {{"error", s.message()}});
    }
  }
  if (auto s = wal_.maybe_sync(); !s) {
    wal_errors_.inc();
    log::error("tcp: WAL sync failed", {{"error", s.message()}});
  }
  update_gauges();
}

void TcpDelivery::update_gauges() {
  wal_bytes_.set(wal_.disk_bytes());
  wal_unacked_.set(static_cast<int64_t>(wal_.unacked_count()));
  memory_gauge_.set(memory_bytes_);
  wal_corrupt_.set(static_cast<int64_t>(wal_.corrupt_records()));
  wal_segments_.set(static_cast<int64_t>(wal_.segment_count()));
}

Status TcpDelivery::shutdown(std::chrono::milliseconds timeout) {
  const auto deadline = clock_.now() + timeout;
  auto busy = [&] { return in_memory_ > 0 || spilling_ || !retry_.empty() || !reread_.empty(); };
  while (producer_ != nullptr && busy() && clock_.now() < deadline) {
    service();
    producer_->poll(std::chrono::milliseconds(50));
  }
  if (busy())
    log::warn("tcp: shutting down with events not acknowledged by Kafka; they stay in the WAL for the next start",
              {{"unacked", static_cast<int64_t>(wal_.unacked_count())}});
  update_gauges();
  return wal_.close();
}

}  // namespace logpipe::shipper::tcp
