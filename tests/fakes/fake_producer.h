#pragma once
// A Producer whose acknowledgements the test releases: records stay "in flight" until ack()/fail(),
// and the reports are delivered on the next poll(), as librdkafka does. `cork()` makes produce() refuse
// records, like a full local queue.

#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "common/kafka/producer.h"

namespace logpipe::testing {

class FakeProducer final : public kafka::Producer {
 public:
  explicit FakeProducer(kafka::DeliveryHandler& handler) : handler_(handler) {}

  Status produce(const kafka::OutRecord& record, uint64_t token) override {
    if (corked_) return Error("Local: Queue full");
    produced_.emplace_back(token, record);
    in_flight_[token] = record;
    return Status::Ok();
  }
  void poll(std::chrono::milliseconds) override {
    auto reports = std::move(reports_);
    reports_.clear();
    for (auto& [token, status] : reports) handler_.on_delivery(token, status);
    auto failed = std::move(failed_);
    failed_.clear();
    std::vector<kafka::HeaderView> headers;
    for (auto& [token, r] : failed) {
      const bool large = too_large(r);
      handler_.on_delivery_failed(token, Error(large ? "Broker: Message size too large" : "Broker: Message timed out"),
                                  large ? kafka::DeliveryFailure::kTooLarge : kafka::DeliveryFailure::kRetry,
                                  kafka::view_of(r, headers));
    }
  }
  Status flush(std::chrono::milliseconds t) override {
    poll(t);
    return in_flight_.empty() ? Status::Ok() : Status(Error("timed out"));
  }
  int64_t in_flight() const override { return static_cast<int64_t>(in_flight_.size()); }
  bool connected() const override { return true; }

  void ack(uint64_t token) { report(token, Status::Ok()); }
  // Reports a failure with the record handed back, as librdkafka's delivery report carries it.
  void fail(uint64_t token) {
    auto it = in_flight_.find(token);
    if (it == in_flight_.end()) return;
    failed_.emplace_back(token, std::move(it->second));
    in_flight_.erase(it);
  }
  void ack_all() {
    std::vector<uint64_t> tokens;
    for (auto& [t, r] : in_flight_) tokens.push_back(t);
    for (auto t : tokens) ack(t);
  }
  void cork(bool on) { corked_ = on; }
  // Like a broker whose message.max.bytes is n: fail() reports records larger than n (key, value and
  // headers' names and values) as too large (DeliveryFailure::kTooLarge); -1 (the default): never.
  void set_max_record_bytes(int64_t n) { max_record_bytes_ = n; }
  static int64_t record_bytes(const kafka::OutRecord& r) {
    auto n = static_cast<int64_t>(r.key.size() + r.value.size());
    for (const auto& [k, v] : r.headers) n += static_cast<int64_t>(k.size() + v.size());
    return n;
  }
  // What a broker with set_max_record_bytes() does with everything in flight: fails the records above
  // the limit, acknowledges the rest.
  void settle_all_by_size() {
    std::vector<uint64_t> tokens;
    for (auto& [t, r] : in_flight_) tokens.push_back(t);
    for (auto t : tokens) {
      if (too_large(in_flight_[t])) fail(t);
      else ack(t);
    }
  }

  // Every accepted produce(), in order (a re-produced record appears again).
  const std::vector<std::pair<uint64_t, kafka::OutRecord>>& produced() const { return produced_; }
  const std::map<uint64_t, kafka::OutRecord>& in_flight_records() const { return in_flight_; }

 private:
  bool too_large(const kafka::OutRecord& r) const { return max_record_bytes_ >= 0 && record_bytes(r) > max_record_bytes_; }
  void report(uint64_t token, Status s) {
    in_flight_.erase(token);
    reports_.emplace_back(token, std::move(s));
  }
  kafka::DeliveryHandler& handler_;
  std::vector<std::pair<uint64_t, kafka::OutRecord>> produced_;
  std::map<uint64_t, kafka::OutRecord> in_flight_;
  std::vector<std::pair<uint64_t, Status>> reports_;
  std::vector<std::pair<uint64_t, kafka::OutRecord>> failed_;
  bool corked_ = false;
  int64_t max_record_bytes_ = -1;
};

}  // namespace logpipe::testing
