#include "shipper/health.h"

#include "common/json/json_writer.h"

namespace logpipe::shipper {

http::Health shipper_health(bool kafka_connected, const std::vector<kafka::Producer::FailingTopic>& failing,
                            std::chrono::steady_clock::time_point now, std::chrono::milliseconds failing_after) {
  bool ok = kafka_connected;
  std::string body;
  json::Writer w(body);
  w.begin_object().kv("kafka", kafka_connected ? "connected" : "unreachable").key("failing_topics").begin_array();
  for (const auto& f : failing) {
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - f.since);
    if (age >= failing_after) ok = false;
    w.begin_object().kv("topic", f.topic).kv("failing_for_s", static_cast<int64_t>(age.count() / 1000))
        .kv("error", f.error).end_object();
  }
  w.end_array().end_object();
  return http::Health{ok, std::move(body)};
}

}  // namespace logpipe::shipper
