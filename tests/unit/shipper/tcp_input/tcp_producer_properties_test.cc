// The TCP input's producer properties against the real librdkafka client (no broker needed: produce()
// only queues): a line of max_line_bytes with its key and headers must be accepted, and what the user
// set in kafka.properties must win.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "common/kafka/rdkafka_producer.h"
#include "shipper/tcp_input/tcp_input.h"

using namespace logpipe;

namespace {

// Counts the records reported too large (librdkafka's own message.max.bytes check).
class TooLargeCounter final : public kafka::DeliveryHandler {
 public:
  void on_delivery(uint64_t, const Status&) override {}
  void on_delivery_failed(uint64_t, const Status&, kafka::DeliveryFailure why, const kafka::RecordView& r) override {
    if (why == kafka::DeliveryFailure::kTooLarge) {
      ++too_large;
      value_bytes = r.value.size();
    }
  }
  int too_large = 0;
  size_t value_bytes = 0;
};

// True when librdkafka took the record: produce() succeeded and poll() reported no size refusal.
bool produce_line(const std::map<std::string, std::string>& properties, size_t value_bytes) {
  TooLargeCounter handler;
  auto producer = kafka::RdKafkaProducer::create(properties, handler);
  REQUIRE(producer.ok());
  const std::string value(value_bytes, 'x');
  const std::vector<kafka::HeaderView> headers = {{"lp.host", "host-1"},
                                                  {"lp.file_id", "tcp:0123456789abcdef0123456789abcdef"},
                                                  {"lp.peer.ip", "10.1.2.3"},
                                                  {"lp.offset", "123456789"}};
  const bool queued = (*producer)->produce_view(kafka::RecordView{"logs", "host-1|tcp:0123|10.1.2.3:40000", value, headers, {}}, 1).ok();
  (*producer)->poll(std::chrono::milliseconds(0));
  if (handler.too_large > 0) CHECK(handler.value_bytes == value_bytes);  // handed back whole, for the handler to cut
  return queued && handler.too_large == 0;
}

}  // namespace

TEST_CASE("tcp input producer: librdkafka takes a line of max_line_bytes with its key and headers",
          "[shipper][tcp]") {
  shipper::ShipperConfig config;
  config.tcp.resize(1);
  config.tcp[0].max_line_bytes = 1 << 20;  // the default
  const std::map<std::string, std::string> base = {{"bootstrap.servers", "127.0.0.1:1"}};
  // librdkafka's own default refuses it (reported as too large at the next poll, so it would be cut)...
  CHECK_FALSE(produce_line(base, 1 << 20));
  // ...the TCP input's properties admit it.
  const auto props = shipper::tcp::TcpInput::producer_properties(config, base);
  CHECK(produce_line(props, 1 << 20));
  CHECK(std::stoll(props.at("queue.buffering.max.kbytes")) * 1024 >= config.wal.max_memory_bytes);
}

TEST_CASE("tcp input producer: kafka.properties set by the user win over the TCP input's", "[shipper][tcp]") {
  shipper::ShipperConfig config;
  config.tcp.resize(1);
  const auto props = shipper::tcp::TcpInput::producer_properties(
      config, {{"partitioner", "consistent"}, {"message.max.bytes", "2000000"}});
  CHECK(props.at("partitioner") == "consistent");
  CHECK(props.at("message.max.bytes") == "2000000");
  CHECK(props.at("queue.buffering.max.messages") != "");
}
