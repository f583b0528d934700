#include "shipper/tcp_input/tcp_input.h"

#include "common/log.h"

namespace logpipe::shipper::tcp {

std::vector<ListenerSetup> listener_setups(const ShipperConfig& config, const std::string& wal_id) {
  std::vector<ListenerSetup> out;
  for (const auto& l : config.tcp) {
    ListenerSetup s;
    s.config = l;
    auto topic = topic_for(config.kafka_topic, tcp_topic_input(l), config.host);
    s.topic = topic ? *topic : config.kafka_topic;  // load_config() already rejected bad templates
    s.meta.host = config.host;
    s.meta.service = l.service;
    s.meta.source = "tcp";
    s.meta.format = "json";
    s.meta.file_id = "tcp:" + wal_id;
    s.meta.labels = l.labels;
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::unique_ptr<TcpInput>> TcpInput::create(const ShipperConfig& config, Clock& clock,
                                                   metrics::Registry& metrics, const ProducerFactory& make_producer) {
  std::unique_ptr<TcpInput> in(new TcpInput());
  WalOptions wo;
  wo.dir = config.wal.dir;
  wo.max_disk_bytes = config.wal.max_disk_bytes;
  wo.segment_bytes = config.wal.segment_bytes;
  wo.sync_interval = config.wal.sync_interval;
  wo.sync_bytes = config.wal.sync_bytes;
  wo.compression_level = config.wal.compression_level;
  auto wal = Wal::open(wo, clock);
  if (!wal) return Error("wal " + config.wal.dir + ": " + wal.error().message());
  in->wal_ = std::move(*wal);
  in->delivery_ = std::make_unique<TcpDelivery>(*in->wal_, config.wal.max_memory_bytes, clock, metrics);
  auto producer = make_producer(*in->delivery_);
  if (!producer) return Error("tcp input kafka producer: " + producer.error().message());
  in->producer_ = std::move(*producer);
  in->delivery_->set_producer(in->producer_.get());
  in->server_ = std::make_unique<TcpServer>(listener_setups(config, in->wal_->id()), *in->delivery_, clock, metrics);
  return in;
}

TcpInput::~TcpInput() {
  if (!shut_down_ && server_) server_->stop();
}

Status TcpInput::start() {
  if (auto s = delivery_->replay(); !s) return Error("wal replay: " + s.message());
  return server_->start();
}

Status TcpInput::shutdown(std::chrono::milliseconds timeout) {
  shut_down_ = true;
  server_->stop();  // joins the I/O thread: from here on this thread owns the delivery path
  return delivery_->shutdown(timeout);
}

}  // namespace logpipe::shipper::tcp
