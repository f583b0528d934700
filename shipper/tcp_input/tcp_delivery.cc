#include "shipper/tcp_input/tcp_delivery.h"

#include <array>
#include <charconv>

#include "common/kafka/record_format.h"
#include "common/log.h"
#include "shipper/tcp_input/wal_event.h"

namespace logpipe::shipper::tcp {

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
      wal_bytes_(m.gauge("logpipe_tcp_wal_bytes", "bytes of WAL segments on disk")),
      wal_unacked_(m.gauge("logpipe_tcp_wal_unacked_events", "events in the WAL not acknowledged by Kafka")),
      memory_gauge_(m.gauge("logpipe_tcp_pending_bytes", "memory held by TCP events not yet acknowledged")),
      wal_corrupt_(m.gauge("logpipe_tcp_wal_corrupt_records",
                           "WAL records lost to on-disk corruption since start (checksum failures), i.e. dropped")),
      wal_segments_(m.gauge("logpipe_tcp_wal_segments", "WAL segment files on disk")) {}

TcpDelivery::~TcpDelivery() = default;

int64_t TcpDelivery::cost_of(const EventOrigin& origin, size_t value_bytes) {
  // Our copy of the value and bookkeeping, plus librdkafka's copy of the whole record.
  int64_t headers = 0;
  for (const auto& [k, v] : origin.headers) headers += static_cast<int64_t>(k.size() + v.size() + 16);
  return static_cast<int64_t>(sizeof(Pending) + 64 + 2 * value_bytes + origin.topic.size() + origin.key.size()) +
         headers + 64;
}

void TcpDelivery::keep(uint64_t seq, Pending p) {
  p.cost = cost_of(*p.origin, p.value.size());
  memory_bytes_ += p.cost;
  pending_.emplace(seq, std::move(p));
  waiting_.push_back(seq);
}

namespace {

std::string_view tags_for(uint8_t flags, uint8_t truncated, uint8_t partial) {
  const bool t = (flags & truncated) != 0, p = (flags & partial) != 0;
  return t && p ? "_truncated,_partial_line" : t ? "_truncated" : p ? "_partial_line" : "";
}

void set_header(kafka::Headers& h, size_t i, std::string_view k, std::string_view v) {
  if (h.size() <= i) h.resize(i + 1);
  h[i].first.assign(k);
  h[i].second.assign(v);
}

// Decimal digits of v into buf (no allocation); returns the view.
std::string_view digits(uint64_t v, std::array<char, 24>& buf) {
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string_view(buf.data(), static_cast<size_t>(end - buf.data()));
}

}  // namespace

const kafka::OutRecord& TcpDelivery::record_for(uint64_t seq, const Pending& p) {
  const EventOrigin& o = *p.origin;
  produce_.topic.assign(o.topic);
  produce_.key.assign(o.key);
  produce_.value.assign(p.value);
  size_t n = 0;
  for (const auto& [k, v] : o.headers) set_header(produce_.headers, n++, k, v);
  std::array<char, 24> buf;
  if ((p.flags & kComplete) == 0) {
    set_header(produce_.headers, n++, kafka::header::kReadMicros, digits(static_cast<uint64_t>(p.read_micros), buf));
    if (auto tags = tags_for(p.flags, kTruncated, kPartial); !tags.empty())
      set_header(produce_.headers, n++, kafka::header::kTags, tags);
  }
  set_header(produce_.headers, n++, kafka::header::kOffset, digits(seq, buf));
  produce_.headers.resize(n);
  return produce_;
}

Status TcpDelivery::load_from_wal(uint64_t from) {
  uint64_t next = 0;  // first seq >= from not loaded for lack of memory
  uint64_t loaded = 0;
  auto s = wal_.replay([&](uint64_t seq, std::string_view data) {
    if (seq < from || pending_.contains(seq)) return;
    last_seq_ = std::max(last_seq_, seq);
    if (next != 0) return;
    if (memory_bytes_ >= max_memory_bytes_ && !pending_.empty()) {
      next = seq;
      return;
    }
    auto r = decode_wal_event(data, seq);
    if (!r) {
      wal_damaged_.inc();
      log::error("tcp: damaged WAL record dropped", {{"error", r.error().message()}});
      wal_.ack(seq);
      return;
    }
    r->headers.pop_back();  // lp.offset: record_for() adds it
    auto origin = std::make_shared<EventOrigin>();
    origin->topic = std::move(r->topic);
    origin->key = std::move(r->key);
    origin->headers = std::move(r->headers);
    keep(seq, Pending{std::move(origin), std::move(r->value), 0, kComplete, 0});
    ++loaded;
  });
  spill_from_ = next;
  if (from == 0) replayed_.inc(loaded);
  produce_waiting();
  return s;
}

Status TcpDelivery::replay() {
  auto s = load_from_wal(0);
  if (!s) return s;
  if (!pending_.empty() || spill_from_ != 0)
    log::info("tcp: producing events left in the WAL by the previous run",
              {{"in_memory", static_cast<int64_t>(pending_.size())},
               {"unacked", static_cast<int64_t>(wal_.unacked_count())}});
  update_gauges();
  return Status::Ok();
}

EventSink::Accept TcpDelivery::accept(const std::shared_ptr<const EventOrigin>& origin, std::string_view value,
                                      int64_t read_micros, bool truncated, bool partial) {
  const uint8_t flags = static_cast<uint8_t>((truncated ? kTruncated : 0) | (partial ? kPartial : 0));
  std::array<char, 24> buf;
  size_t n = 0;
  set_header(extra_, n++, kafka::header::kReadMicros, digits(static_cast<uint64_t>(read_micros), buf));
  if (auto tags = tags_for(flags, kTruncated, kPartial); !tags.empty()) set_header(extra_, n++, kafka::header::kTags, tags);
  extra_.resize(n);
  encode_wal_event(*origin, extra_, value, scratch_);
  auto seq = wal_.append(scratch_);
  if (!seq) {
    if (wal_.is_full()) {
      full_ = true;
      return Accept::kFull;
    }
    wal_errors_.inc();
    failed_ = true;
    retry_after_ = clock_.now() + std::chrono::seconds(1);
    if (clock_.now() - last_failure_log_ > std::chrono::seconds(10)) {
      last_failure_log_ = clock_.now();
      log::error("tcp: WAL append failed; not reading sockets for a second", {{"error", seq.error().message()}});
    }
    return Accept::kFailed;
  }
  accepted_.inc();
  last_seq_ = *seq;
  if (spill_from_ != 0 || (memory_bytes_ + cost_of(*origin, value.size()) > max_memory_bytes_ && !pending_.empty())) {
    if (spill_from_ == 0) spill_from_ = *seq;
    spilled_.inc();
    return Accept::kAccepted;
  }
  keep(*seq, Pending{origin, std::string(value), read_micros, flags, 0});
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

void TcpDelivery::produce_waiting() {
  if (producer_ == nullptr) return;
  while (!waiting_.empty()) {
    const uint64_t seq = waiting_.front();
    auto it = pending_.find(seq);
    if (it == pending_.end()) {  // acknowledged meanwhile (a late report of an earlier attempt)
      waiting_.pop_front();
      continue;
    }
    if (auto s = producer_->produce(record_for(seq, it->second), seq); !s) {
      produce_errors_.inc();
      break;  // local queue full: try again on the next service()
    }
    waiting_.pop_front();
  }
}

void TcpDelivery::on_delivery(uint64_t seq, const Status& status) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;
  if (status) {
    memory_bytes_ -= it->second.cost;
    pending_.erase(it);
    wal_.ack(seq);
    acked_.inc();
    return;
  }
  // Not acknowledged: produce it again (at least once; the same lp.offset keeps the _id).
  delivery_failures_.inc();
  waiting_.push_back(seq);
  if (clock_.now() - last_failure_log_ > std::chrono::seconds(10)) {
    last_failure_log_ = clock_.now();
    log::warn("tcp: Kafka did not acknowledge an event; producing it again", {{"error", status.message()}});
  }
}

void TcpDelivery::service() {
  if (producer_ != nullptr) producer_->poll(std::chrono::milliseconds(0));
  produce_waiting();
  if (spill_from_ != 0 && memory_bytes_ < max_memory_bytes_ / 2) {
    if (auto s = load_from_wal(spill_from_); !s) {
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
  while (producer_ != nullptr && (!pending_.empty() || spill_from_ != 0) && clock_.now() < deadline) {
    service();
    producer_->poll(std::chrono::milliseconds(50));
  }
  if (!pending_.empty() || spill_from_ != 0)
    log::warn("tcp: shutting down with events not acknowledged by Kafka; they stay in the WAL for the next start",
              {{"unacked", static_cast<int64_t>(wal_.unacked_count())}});
  update_gauges();
  return wal_.close();
}

}  // namespace logpipe::shipper::tcp
