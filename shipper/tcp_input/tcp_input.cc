#include "shipper/tcp_input/tcp_input.h"

#include <algorithm>

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

std::map<std::string, std::string> TcpInput::producer_properties(const ShipperConfig& config,
                                                                 std::map<std::string, std::string> properties) {
  // librdkafka counts values (not headers) against its byte limit, and an event costs TcpDelivery at
  // least ~300 bytes of its budget: with these limits the budget, not librdkafka, decides.
  const int64_t budget = config.wal.max_memory_bytes;
  properties.try_emplace("queue.buffering.max.kbytes", std::to_string(std::max<int64_t>(budget >> 10, 1024)));
  properties.try_emplace("queue.buffering.max.messages", std::to_string(std::clamp<int64_t>(budget / 256, 1000, 10000000)));
  // A line of max_line_bytes plus key and headers must pass librdkafka's size check (its default,
  // 1000000, is below the 1 MiB default line): a record it refuses would be produced again forever.
  int64_t largest = 0;
  for (const auto& l : config.tcp) largest = std::max(largest, l.max_line_bytes);
  properties.try_emplace("message.max.bytes", std::to_string(std::max<int64_t>(largest + (64 << 10), 1000000)));
  // Keys (one per connection) still pick a fixed partition; murmur2 hashes 4 bytes per step where the
  // default consistent_random partitioner's crc32 took ~3 % of the I/O thread (bench/README.md).
  properties.try_emplace("partitioner", "murmur2_random");
  return properties;
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
