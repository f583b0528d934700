#pragma once
// Where the TCP server hands the events it framed: TcpDelivery (WAL + Kafka) in the shipper, a recording
// sink in tests. Called only from the TCP server's I/O thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/kafka/record_format.h"

namespace logpipe::shipper::tcp {

// What every event of one connection shares: built once per connection, shared (not copied) by its
// events until Kafka acknowledged them.
struct EventOrigin {
  std::string topic;
  std::string key;
  kafka::Headers headers;  // lp.* without lp.read_us, lp.tags and lp.offset
};

class EventSink {
 public:
  enum class Accept { kAccepted, kFull, kFailed };
  virtual ~EventSink() = default;
  // kAccepted: the sink owns the event now (for TcpDelivery: it is in the WAL). kFull / kFailed: nothing
  // was kept; the server keeps the event, stops reading that connection and offers it again once
  // can_accept() is true.
  virtual Accept accept(const std::shared_ptr<const EventOrigin>& origin, std::string_view value, int64_t read_micros, bool truncated,
                        bool partial) = 0;
  virtual bool can_accept() = 0;
  // Periodic work (delivery reports, fsync); the server calls it every few milliseconds.
  virtual void service() = 0;
};

}  // namespace logpipe::shipper::tcp
