#pragma once
// The shipper's way into Kafka. One Producer per process.
//
// Threading: produce(), poll() and flush() are called from one thread (the shipper's pipeline thread);
// delivery reports are delivered by poll()/flush() on that same thread, so handlers need no locks.
// Lifetime: the DeliveryHandler must outlive the Producer.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/kafka/record_format.h"
#include "common/result.h"

namespace logpipe::kafka {

struct OutRecord {
  std::string topic;
  std::string key;
  std::string value;
  Headers headers;
};

class DeliveryHandler {
 public:
  virtual ~DeliveryHandler() = default;
  // Exactly one call per accepted produce(), with the caller's token. A failed status means the broker
  // did NOT acknowledge the record (after the client's own retries); the caller must not treat it as sent.
  virtual void on_delivery(uint64_t token, const Status& status) = 0;
};

class Producer {
 public:
  virtual ~Producer() = default;
  // Queues a copy of `record`. An error means it was not queued (e.g. local queue full): retry later.
  virtual Status produce(const OutRecord& record, uint64_t token) = 0;
  // Serves delivery reports and client events; waits at most `timeout` if there is nothing to serve.
  virtual void poll(std::chrono::milliseconds timeout) = 0;
  // Waits until every queued record has a delivery report, or the timeout passes.
  virtual Status flush(std::chrono::milliseconds timeout) = 0;
  // Records queued and not yet reported.
  virtual int64_t in_flight() const = 0;
  // False while no broker is reachable.
  virtual bool connected() const = 0;
};

}  // namespace logpipe::kafka
