#include "shipper/health.h"

#include "common/json/json_writer.h"

namespace logpipe::shipper {

http::Health shipper_health(bool kafka_connected, const std::vector<kafka::Producer::FailingTopic>& failing,
                            std::chrono::steady_clock::time_point now, std::chrono::milliseconds failing_after) {
  bool ok = kafka_connected;
  std::string body = std::string("{\"kafka\":\"") + (kafka_connected ? "connected" : "unreachable") + "\",\"failing_topics\":[";
  for (size_t i = 0; i < failing.size(); ++i) {
    const auto& f = failing[i];
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - f.since);
    if (age >= failing_after) ok = false;
    body += i == 0 ? "{\"topic\":\"" : ",{\"topic\":\"";
    json::append_escaped(body, f.topic);
    body += "\",\"failing_for_s\":" + std::to_string(age.count() / 1000) + ",\"error\":\"";
    json::append_escaped(body, f.error);
    body += "\"}";
  }
  body += "]}";
  return http::Health{ok, std::move(body)};
}

}  // namespace logpipe::shipper
