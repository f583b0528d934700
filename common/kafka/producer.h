#pragma once
// The shipper's way into Kafka. One Producer per process.
//
// Threading: produce(), poll() and flush() are called from one thread (the shipper's pipeline thread);
// delivery reports are delivered by poll()/flush() on that same thread, so handlers need no locks.
// Lifetime: the DeliveryHandler must outlive the Producer.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/kafka/record_format.h"
#include "common/result.h"

namespace logpipe::kafka {

struct OutRecord {
  std::string topic;
  std::string key;
  std::string value;
  Headers headers;
};

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// A record as views, for callers that keep no copy: the bytes need to live only during the call.
// Headers come in two parts so that a caller can build the part shared by many records (e.g. every line
// of one file) once; the record carries `shared` followed by `own`.
struct RecordView {
  std::string_view topic;
  std::string_view key;
  std::string_view value;
  std::span<const HeaderView> shared;
  std::span<const HeaderView> own;
};

// An owned copy of a view (for the rare paths that must keep a record: queue full, failed delivery).
inline OutRecord to_out_record(const RecordView& r) {
  OutRecord out{std::string(r.topic), std::string(r.key), std::string(r.value), {}};
  out.headers.reserve(r.shared.size() + r.own.size());
  for (const auto& h : r.shared) out.headers.emplace_back(h.name, h.value);
  for (const auto& h : r.own) out.headers.emplace_back(h.name, h.value);
  return out;
}

// The other way: a view of `r`, its headers viewed through `headers` (filled here; both must outlive the view).
inline RecordView view_of(const OutRecord& r, std::vector<HeaderView>& headers) {
  headers.clear();
  headers.reserve(r.headers.size());
  for (const auto& [k, v] : r.headers) headers.push_back({k, v});
  return RecordView{r.topic, r.key, r.value, {}, headers};
}

// The tag a record carries in lp.tags when its value was cut (also used for over-long lines).
inline constexpr std::string_view kTruncatedTag = "_truncated";

// For a record the broker refused as too large (DeliveryFailure::kTooLarge): keeps the first half of its
// value and adds kTruncatedTag to its lp.tags (once). Returns false, and leaves the record alone, when the
// value is already empty: then no cut can make it fit (its key and headers alone are too large).
bool cut_value_in_half(OutRecord& record);

// Why a delivery failed. kTooLarge: the broker refused the record for its size (its message.max.bytes is
// below the record's batch); producing it again unchanged can never succeed. kRetry: anything else.
enum class DeliveryFailure { kRetry, kTooLarge };

class DeliveryHandler {
 public:
  virtual ~DeliveryHandler() = default;
  // Exactly one call per accepted produce(), with the caller's token. A failed status means the broker
  // did NOT acknowledge the record (after the client's own retries); the caller must not treat it as sent.
  virtual void on_delivery(uint64_t token, const Status& status) = 0;
  // A failed delivery together with why and the record as it was produced (views valid during the call
  // only), so a handler that keeps no copy of what it produced can produce it again. Producers call this
  // instead of on_delivery() for failures; by default it forwards to on_delivery().
  virtual void on_delivery_failed(uint64_t token, const Status& status, DeliveryFailure why, const RecordView& record) {
    (void)why;
    (void)record;
    on_delivery(token, status);
  }
};

class Producer {
 public:
  virtual ~Producer() = default;
  // Queues a copy of `record`. An error means it was not queued (e.g. local queue full): retry later.
  virtual Status produce(const OutRecord& record, uint64_t token) = 0;
  // The same from views, without building an OutRecord (the hot path of the file pipeline). The default
  // builds one; the librdkafka producer copies the views straight into its own message.
  virtual Status produce_view(const RecordView& record, uint64_t token) { return produce(to_out_record(record), token); }
  // Serves delivery reports and client events; waits at most `timeout` if there is nothing to serve.
  virtual void poll(std::chrono::milliseconds timeout) = 0;
  // A descriptor that becomes readable when poll() has something to serve, so that a caller can wait on
  // it together with its own (poll(2)) and then call poll(0). -1: not offered; call poll(timeout) instead.
  virtual int wakeup_fd() const { return -1; }
  // Waits until every queued record has a delivery report, or the timeout passes.
  virtual Status flush(std::chrono::milliseconds timeout) = 0;
  // Records queued and not yet reported.
  virtual int64_t in_flight() const = 0;
  // False while no broker is reachable.
  virtual bool connected() const = 0;
  // Topics whose deliveries all failed since `since` (the first failure after the topic's last
  // acknowledgement), with the last error: a topic the broker refuses (authorization, no such topic, an
  // invalid timestamp) is retried for ever, and this is how /health tells. Records refused as too large
  // (DeliveryFailure::kTooLarge) do not count: they are cut until they pass. May be called from any
  // thread. Default: none (producers that do not track it).
  struct FailingTopic {
    std::string topic;
    std::chrono::steady_clock::time_point since;
    std::string error;
  };
  virtual std::vector<FailingTopic> failing_topics() const { return {}; }
};

}  // namespace logpipe::kafka
