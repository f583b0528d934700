// The shipper's /health: 503 when no broker is reachable or when a topic's deliveries have all failed for
// health_failing_after; every failing topic listed with its age and last error. And the real librdkafka
// producer's list of failing topics, with no broker (a record that times out fails its topic).

#include <catch2/catch.hpp>

#include <thread>

#include "common/kafka/rdkafka_producer.h"
#include "shipper/health.h"

using namespace logpipe;
using namespace std::chrono_literals;

namespace {

using Failing = kafka::Producer::FailingTopic;
const auto kNow = std::chrono::steady_clock::time_point(1000s);

struct Reports : kafka::DeliveryHandler {
  int ok = 0, failed = 0;
  void on_delivery(uint64_t, const Status& s) override { (s ? ok : failed)++; }
};

}  // namespace

TEST_CASE("health: connected and nothing failing is 200 with an empty list", "[shipper]") {
  const auto h = shipper::shipper_health(true, {}, kNow, 60s);
  CHECK(h.ok);
  CHECK(h.detail_json == R"({"kafka":"connected","failing_topics":[]})");
}

TEST_CASE("health: no broker reachable is 503", "[shipper]") {
  const auto h = shipper::shipper_health(false, {}, kNow, 60s);
  CHECK_FALSE(h.ok);
  CHECK(h.detail_json == R"({"kafka":"unreachable","failing_topics":[]})");
}

TEST_CASE("health: a topic failing for less than the limit is listed and still 200, from the limit on 503",
          "[shipper]") {
  const std::vector<Failing> failing{{"logs-a", kNow - 59s, "Broker: Topic authorization failed"},
                                     {"logs-\"b\"", kNow - 5s, "Local: Message timed out"}};
  auto h = shipper::shipper_health(true, failing, kNow, 60s);
  CHECK(h.ok);
  CHECK(h.detail_json ==
        R"({"kafka":"connected","failing_topics":[{"topic":"logs-a","failing_for_s":59,"error":"Broker: Topic authorization failed"},)"
        R"({"topic":"logs-\"b\"","failing_for_s":5,"error":"Local: Message timed out"}]})");
  h = shipper::shipper_health(true, failing, kNow + 1s, 60s);
  CHECK_FALSE(h.ok);
  CHECK(h.detail_json.find(R"("failing_for_s":60)") != std::string::npos);
}

TEST_CASE("the librdkafka producer lists a topic whose delivery failed, with the error", "[shipper]") {
  Reports reports;
  // No broker: the record times out after message.timeout.ms and its delivery fails.
  auto p = kafka::RdKafkaProducer::create({{"bootstrap.servers", "127.0.0.1:1"}, {"message.timeout.ms", "300"}}, reports);
  REQUIRE(p);
  auto& producer = **p;
  CHECK(producer.failing_topics().empty());
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(producer.produce(kafka::OutRecord{"unit-failing", "k", "v", {}}, 1));
  for (int i = 0; i < 100 && reports.failed == 0; ++i) producer.poll(50ms);
  REQUIRE(reports.failed == 1);
  const auto failing = producer.failing_topics();
  REQUIRE(failing.size() == 1);
  CHECK(failing[0].topic == "unit-failing");
  CHECK(failing[0].error == "Local: Message timed out");
  CHECK(failing[0].since >= before);
  CHECK(failing[0].since <= std::chrono::steady_clock::now());
}
