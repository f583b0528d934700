#pragma once
// The TCP input as the shipper runs it: WAL + its own Kafka producer (independent of the file pipeline's)
// + TcpDelivery + TcpServer, wired from the config. See README.md in this folder.
//
// Lifecycle: create() opens the WAL and the producer (no socket yet); start() produces what the WAL
// holds from the previous run, then binds the listeners and starts the I/O thread; shutdown() stops
// accepting and reading, waits up to `timeout` for Kafka to acknowledge, closes the WAL.
// Threading: create/start/shutdown from the main thread; everything else runs on the I/O thread.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/kafka/producer.h"
#include "common/metrics.h"
#include "common/result.h"
#include "shipper/shipper_config.h"
#include "shipper/tcp_input/tcp_delivery.h"
#include "shipper/tcp_input/tcp_server.h"
#include "shipper/wal/wal.h"

namespace logpipe::shipper::tcp {

class TcpInput {
 public:
  // `make_producer` builds the producer around the input's delivery handler (tests pass their own).
  using ProducerFactory =
      std::function<Result<std::unique_ptr<kafka::Producer>>(kafka::DeliveryHandler& handler)>;

  static Result<std::unique_ptr<TcpInput>> create(const ShipperConfig& config, Clock& clock,
                                                   metrics::Registry& metrics, const ProducerFactory& make_producer);
  // librdkafka properties of the TCP input's producer: `properties` (kafka.properties + brokers) with
  // what the TCP input needs unless the user set it: queue limits above wal.max_memory_bytes (so the
  // producer does not refuse what the budget lets through), message.max.bytes for the longest line plus
  // key and headers, and a cheaper key partitioner.
  static std::map<std::string, std::string> producer_properties(const ShipperConfig& config,
                                                                std::map<std::string, std::string> properties);
  ~TcpInput();

  Status start();
  std::vector<uint16_t> ports() const { return server_->ports(); }
  bool kafka_connected() const { return producer_->connected(); }
  std::vector<kafka::Producer::FailingTopic> failing_topics() const { return producer_->failing_topics(); }
  Status shutdown(std::chrono::milliseconds timeout);

 private:
  TcpInput() = default;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<TcpDelivery> delivery_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<TcpServer> server_;
  bool shut_down_ = false;
};

// The listeners as the server takes them: topic from kafka.topic, base metadata with the WAL's id.
std::vector<ListenerSetup> listener_setups(const ShipperConfig& config, const std::string& wal_id);

}  // namespace logpipe::shipper::tcp
