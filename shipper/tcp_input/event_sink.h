#pragma once
// Where the TCP server hands the events it framed: TcpDelivery (WAL + Kafka) in the shipper, a recording
// sink in tests. Called only from the TCP server's I/O thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/kafka/record_format.h"

namespace logpipe::shipper::tcp {

// What every event of one connection shares: built once per connection, shared (not copied) by its
// events until Kafka acknowledged them.
struct EventOrigin {
  std::string topic;
  std::string key;
  kafka::Headers headers;  // lp.* without lp.read_us, lp.tags and lp.offset
};

// The events framed from one read of one connection, handed to the sink together so that the WAL takes
// them with one write. The values are copied back to back into one buffer (no allocation per event once
// the buffers have grown); a connection keeps one batch and reuses it.
class EventBatch {
 public:
  struct Event {
    size_t offset = 0;  // of the value in the batch's buffer
    size_t size = 0;
    int64_t read_micros = 0;
    bool truncated = false;
    bool partial = false;
  };
  void add(std::string_view value, int64_t read_micros, bool truncated, bool partial) {
    events_.push_back(Event{bytes_.size(), value.size(), read_micros, truncated, partial});
    bytes_.append(value);
  }
  std::string_view value(const Event& e) const { return std::string_view(bytes_).substr(e.offset, e.size); }
  const std::vector<Event>& events() const { return events_; }
  size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  void clear() {
    events_.clear();
    bytes_.clear();
    if (bytes_.capacity() > (4u << 20)) std::string().swap(bytes_);  // after a batch of huge lines
  }

 private:
  std::string bytes_;
  std::vector<Event> events_;
};

class EventSink {
 public:
  enum class Accept { kAccepted, kFull, kFailed };
  virtual ~EventSink() = default;
  // All or nothing. kAccepted: the sink owns every event of the batch now (for TcpDelivery: they are in
  // the WAL). kFull / kFailed: none was kept; the server keeps the batch, stops reading that connection
  // and offers the batch again once can_accept() is true. An empty batch is not offered.
  virtual Accept accept(const std::shared_ptr<const EventOrigin>& origin, const EventBatch& batch) = 0;
  virtual bool can_accept() = 0;
  // Periodic work (delivery reports, fsync); the server calls it every few milliseconds.
  virtual void service() = 0;
};

}  // namespace logpipe::shipper::tcp
