#include "common/kafka/rdkafka_producer.h"

#include "common/log.h"

namespace logpipe::kafka {

class RdKafkaProducer::Callbacks final : public RdKafka::DeliveryReportCb, public RdKafka::EventCb {
 public:
  Callbacks(DeliveryHandler& handler, std::atomic<bool>& connected) : handler_(handler), connected_(connected) {}

  void dr_cb(RdKafka::Message& message) override {
    const auto token = reinterpret_cast<uintptr_t>(message.msg_opaque());
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      connected_ = true;
      handler_.on_delivery(token, Status::Ok());
    } else {
      handler_.on_delivery(token, Error(message.errstr()));
    }
  }

  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) {
      if (connected_.exchange(false)) log::warn("kafka: all brokers down");
    } else if (event.fatal()) {
      log::error("kafka: fatal producer error", {{"error", event.str()}});
    } else {
      log::warn("kafka: producer error", {{"error", event.str()}});
    }
  }

 private:
  DeliveryHandler& handler_;
  std::atomic<bool>& connected_;
};

std::map<std::string, std::string> RdKafkaProducer::default_properties() {
  return {
      {"bootstrap.servers", "127.0.0.1:9092"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.codec", "zstd"},
      {"linger.ms", "20"},
      // Never give up on a record inside librdkafka; the shipper re-produces anything reported failed.
      {"message.timeout.ms", "300000"},
      // The shipper's own in-flight budget bounds what it hands over; this is only a backstop.
      {"queue.buffering.max.kbytes", "32768"},
  };
}

Result<std::unique_ptr<RdKafkaProducer>> RdKafkaProducer::create(const std::map<std::string, std::string>& properties,
                                                                 DeliveryHandler& handler) {
  std::unique_ptr<RdKafkaProducer> p(new RdKafkaProducer());
  p->callbacks_ = std::make_unique<Callbacks>(handler, p->connected_);
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  auto merged = default_properties();
  for (const auto& [k, v] : properties) merged[k] = v;
  for (const auto& [k, v] : merged) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) return Error("kafka property " + k + ": " + err);
  }
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(p->callbacks_.get()), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(p->callbacks_.get()), err) != RdKafka::Conf::CONF_OK)
    return Error("kafka callbacks: " + err);
  p->producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!p->producer_) return Error("kafka producer: " + err);
  return p;
}

RdKafkaProducer::~RdKafkaProducer() = default;

Status RdKafkaProducer::produce(const OutRecord& r, uint64_t token) {
  RdKafka::Headers* headers = RdKafka::Headers::create();
  for (const auto& [k, v] : r.headers) headers->add(k, v.data(), v.size());
  const auto err = producer_->produce(r.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                      const_cast<char*>(r.value.data()), r.value.size(), r.key.data(),
                                      r.key.size(), 0, headers, reinterpret_cast<void*>(static_cast<uintptr_t>(token)));
  if (err != RdKafka::ERR_NO_ERROR) {
    delete headers;  // ownership passes to librdkafka only on success
    return Error(RdKafka::err2str(err));
  }
  return Status::Ok();
}

void RdKafkaProducer::poll(std::chrono::milliseconds timeout) { producer_->poll(static_cast<int>(timeout.count())); }

Status RdKafkaProducer::flush(std::chrono::milliseconds timeout) {
  const auto err = producer_->flush(static_cast<int>(timeout.count()));
  if (err != RdKafka::ERR_NO_ERROR) return Error(RdKafka::err2str(err));
  return Status::Ok();
}

int64_t RdKafkaProducer::in_flight() const { return producer_->outq_len(); }

}  // namespace logpipe::kafka
