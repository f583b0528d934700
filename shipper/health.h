#pragma once
// What the shipper's GET /health answers (common/http/status_server.h serves it).
//
// 503 when no broker is reachable, or when every delivery to some topic has failed for `failing_after`
// (the broker refuses the topic: not authorized, no such topic, too few in-sync replicas...). The shipper
// keeps retrying such records, so nothing is lost, but nothing moves either; this is how an operator
// learns of it without reading logs. The body lists every failing topic, also those below the limit:
//   {"kafka":"connected","failing_topics":[{"topic":"logs-a","failing_for_s":75,"error":"Broker: ..."}]}

#include <chrono>
#include <vector>

#include "common/http/status_server.h"
#include "common/kafka/producer.h"

namespace logpipe::shipper {

http::Health shipper_health(bool kafka_connected, const std::vector<kafka::Producer::FailingTopic>& failing,
                            std::chrono::steady_clock::time_point now, std::chrono::milliseconds failing_after);

}  // namespace logpipe::shipper
