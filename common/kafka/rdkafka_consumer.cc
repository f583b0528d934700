#include "common/kafka/rdkafka_consumer.h"

#include "common/log.h"

namespace logpipe::kafka {
namespace {

void copy_message(RdKafka::Message& m, InRecord& out) {
  out.topic = m.topic_name();
  out.partition = m.partition();
  out.offset = m.offset();
  out.timestamp_ms = m.timestamp().timestamp;
  if (m.key_pointer() != nullptr) out.key.assign(static_cast<const char*>(m.key_pointer()), m.key_len());
  out.value.assign(static_cast<const char*>(m.payload()), m.len());
  if (RdKafka::Headers* h = m.headers()) {
    for (const auto& hdr : h->get_all()) {
      out.headers.emplace_back(hdr.key(), std::string(static_cast<const char*>(hdr.value()), hdr.value_size()));
    }
  }
}

}  // namespace

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

void RdKafkaConsumer::close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  consumer_->close();
}

}  // namespace logpipe::kafka
