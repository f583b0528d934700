#include "common/kafka/rdkafka_consumer.h"

#include "common/log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

namespace logpipe::kafka {
namespace {

// Headers are read through the C API: the C++ wrapper's Message::headers() allocates a Headers object and
// get_all() copies every header once more before we copy it into the record (measured per record in
// bench/README.md, "Indexer throughput").
void copy_message(RdKafka::Message& m, InRecord& out) {
  const auto* c = static_cast<const rd_kafka_message_t*>(m.c_ptr());
  out.topic = rd_kafka_topic_name(c->rkt);
  out.partition = m.partition();
  out.offset = m.offset();
  out.timestamp_ms = m.timestamp().timestamp;
  if (m.key_pointer() != nullptr) out.key.assign(static_cast<const char*>(m.key_pointer()), m.key_len());
  out.value.assign(static_cast<const char*>(m.payload()), m.len());
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(c, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || hdrs == nullptr) return;
  out.headers.reserve(rd_kafka_header_cnt(hdrs));
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
    out.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
}

std::vector<TopicPartition> to_partitions(const std::vector<RdKafka::TopicPartition*>& parts) {
  std::vector<TopicPartition> out;
  out.reserve(parts.size());
  for (const auto* p : parts) out.push_back({p->topic(), p->partition()});
  return out;
}

std::string describe(const std::vector<TopicPartition>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ',';
    out += p.topic + "/" + std::to_string(p.partition);
  }
  return out;
}

// Owned TopicPartition pointers for the librdkafka calls that take a vector of them.
class PartitionList {
 public:
  PartitionList() = default;
  PartitionList(const PartitionList&) = delete;
  PartitionList& operator=(const PartitionList&) = delete;
  ~PartitionList() { RdKafka::TopicPartition::destroy(v); }
  void add(const std::string& topic, int32_t partition, int64_t offset = RdKafka::Topic::OFFSET_INVALID) {
    v.push_back(RdKafka::TopicPartition::create(topic, partition, offset));
  }
  std::vector<RdKafka::TopicPartition*> v;
};

}  // namespace

// librdkafka calls this from inside consume() (and close()) on the polling thread. With the cooperative
// protocol only the moving partitions are passed; with an eager one, the whole assignment.
class RdKafkaConsumer::Rebalance final : public RdKafka::RebalanceCb {
 public:
  RebalanceListener* listener = nullptr;

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    const bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
    const auto tps = to_partitions(parts);
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        if (RdKafka::Error* e = c->incremental_assign(parts)) {
          log::error("kafka: incremental assign failed", {{"error", e->str()}});
          delete e;
        }
      } else {
        c->assign(parts);
      }
      log::info("kafka: partitions assigned", {{"partitions", describe(tps)}});
      if (listener != nullptr) listener->on_assigned(tps);
      return;
    }
    const bool lost = err != RdKafka::ERR__REVOKE_PARTITIONS || c->assignment_lost();
    log::info(lost ? "kafka: partitions lost" : "kafka: partitions revoked",
              {{"partitions", describe(tps)}, {"reason", RdKafka::err2str(err)}});
    if (listener != nullptr) listener->on_revoked(tps, lost);
    if (cooperative && err == RdKafka::ERR__REVOKE_PARTITIONS) {
      if (RdKafka::Error* e = c->incremental_unassign(parts)) {
        log::error("kafka: incremental unassign failed", {{"error", e->str()}});
        delete e;
      }
    } else {
      c->unassign();
    }
  }
};

RdKafkaConsumer::RdKafkaConsumer() : rebalance_(std::make_unique<Rebalance>()) {}

std::map<std::string, std::string> RdKafkaConsumer::default_properties() {
  return {
      {"bootstrap.servers", "127.0.0.1:9092"},
      {"group.id", "logpipe-indexer"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "false"},
      // A subscribed topic that does not exist yet is created (if the broker allows it) instead of being
      // noticed only at the next metadata refresh, minutes later.
      {"allow.auto.create.topics", "true"},
      // A rebalance moves only the partitions that change owner; the others keep flowing.
      {"partition.assignment.strategy", "cooperative-sticky"},
  };
}

Result<std::unique_ptr<RdKafkaConsumer>> RdKafkaConsumer::create(const std::map<std::string, std::string>& properties,
                                                                 const std::vector<std::string>& topics) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  auto merged = default_properties();
  for (const auto& [k, v] : properties) merged[k] = v;
  // These two carry the delivery guarantee; a user override would silently break it.
  merged["enable.auto.commit"] = "false";
  merged["enable.auto.offset.store"] = "false";
  for (const auto& [k, v] : merged) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) return Error("kafka property " + k + ": " + err);
  }
  std::unique_ptr<RdKafkaConsumer> c(new RdKafkaConsumer());
  if (conf->set("rebalance_cb", c->rebalance_.get(), err) != RdKafka::Conf::CONF_OK)
    return Error("kafka rebalance callback: " + err);
  c->consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c->consumer_) return Error("kafka consumer: " + err);
  const auto sub = c->consumer_->subscribe(topics);
  if (sub != RdKafka::ERR_NO_ERROR) return Error("kafka subscribe: " + RdKafka::err2str(sub));
  return c;
}

RdKafkaConsumer::~RdKafkaConsumer() { close(); }

Result<std::vector<InRecord>> RdKafkaConsumer::poll_batch(size_t max_records, std::chrono::milliseconds timeout) {
  std::vector<InRecord> out;
  int wait_ms = static_cast<int>(timeout.count());
  while (out.size() < max_records) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(wait_ms));
    if (!m) break;
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR:
        // Once, at the first record: growing the vector would move every record again at each doubling.
        if (out.empty()) out.reserve(max_records);
        copy_message(*m, out.emplace_back());
        wait_ms = 0;  // after the first record, take only what is already fetched
        continue;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        break;
      default:
        // Transient errors (broker down, ...) are reported by librdkafka and retried internally.
        log::warn("kafka: consumer error", {{"error", m->errstr()}});
        if (out.empty()) return Error(m->errstr());
        break;
    }
    break;
  }
  return out;
}

Status RdKafkaConsumer::commit(const std::vector<CommitOffset>& offsets) {
  std::vector<RdKafka::TopicPartition*> tps;
  tps.reserve(offsets.size());
  for (const auto& o : offsets) tps.push_back(RdKafka::TopicPartition::create(o.topic, o.partition, o.next_offset));
  const auto err = consumer_->commitSync(tps);
  RdKafka::TopicPartition::destroy(tps);
  if (err != RdKafka::ERR_NO_ERROR) return Error("kafka commit: " + RdKafka::err2str(err));
  return Status::Ok();
}

void RdKafkaConsumer::set_rebalance_listener(RebalanceListener* listener) { rebalance_->listener = listener; }

Status RdKafkaConsumer::pause(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return Status::Ok();
  PartitionList l;
  for (const auto& p : partitions) l.add(p.topic, p.partition);
  const auto err = consumer_->pause(l.v);
  if (err != RdKafka::ERR_NO_ERROR) return Error("kafka pause: " + RdKafka::err2str(err));
  for (const auto* p : l.v)
    if (p->err() != RdKafka::ERR_NO_ERROR) return Error("kafka pause " + p->topic() + ": " + RdKafka::err2str(p->err()));
  return Status::Ok();
}

Status RdKafkaConsumer::resume(const std::vector<CommitOffset>& positions) {
  if (positions.empty()) return Status::Ok();
  PartitionList l;
  for (const auto& p : positions) l.add(p.topic, p.partition);
  const auto err = consumer_->resume(l.v);
  if (err != RdKafka::ERR_NO_ERROR) return Error("kafka resume: " + RdKafka::err2str(err));
  // librdkafka resumes at the offset after the last record it handed out, which is the same position;
  // seeking there explicitly does not depend on that bookkeeping surviving the pause (asynchronous seek).
  for (const auto& p : positions) {
    if (p.next_offset < 0) continue;
    std::unique_ptr<RdKafka::TopicPartition> tp(RdKafka::TopicPartition::create(p.topic, p.partition, p.next_offset));
    const auto serr = consumer_->seek(*tp, 0);
    if (serr != RdKafka::ERR_NO_ERROR)
      log::warn("kafka: seek after resume failed", {{"topic", std::string_view(p.topic)},
                                                    {"partition", int64_t{p.partition}}, {"error", RdKafka::err2str(serr)}});
  }
  return Status::Ok();
}

Result<std::vector<PartitionLag>> RdKafkaConsumer::lag(const std::vector<TopicPartition>& partitions,
                                                       std::chrono::milliseconds timeout) {
  std::vector<PartitionLag> out;
  if (partitions.empty()) return out;
  // One bound for all the broker round trips together, not one per partition.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    return static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  PartitionList l;
  for (const auto& p : partitions) l.add(p.topic, p.partition);
  const auto err = consumer_->committed(l.v, remaining_ms());
  if (err != RdKafka::ERR_NO_ERROR) return Error("kafka committed offsets: " + RdKafka::err2str(err));
  for (const auto* p : l.v) {
    int64_t low = 0, high = 0;
    const int left = remaining_ms();
    if (left == 0) return Error("kafka watermark offsets: timed out");
    const auto werr = consumer_->query_watermark_offsets(p->topic(), p->partition(), &low, &high, left);
    if (werr != RdKafka::ERR_NO_ERROR) return Error("kafka watermark offsets: " + RdKafka::err2str(werr));
    // No committed offset yet: the group starts at the beginning (auto.offset.reset=earliest).
    const int64_t committed = p->offset() >= 0 ? p->offset() : low;
    out.push_back({{p->topic(), p->partition()}, std::max<int64_t>(0, high - committed)});
  }
  return out;
}

void RdKafkaConsumer::close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  consumer_->close();
}

}  // namespace logpipe::kafka
