#pragma once
// An in-memory Wal for unit tests: records survive "reopening" through a shared Storage (like a directory
// surviving a crash), the disk budget counts payload bytes, and fail_appends() simulates an I/O error.

#include <map>
#include <memory>
#include <string>

#include "shipper/wal/wal.h"

namespace logpipe::testing {

class FakeWal final : public shipper::Wal {
 public:
  struct Storage {
    std::map<uint64_t, std::string> records;  // unacknowledged
    uint64_t next_seq = 1;
    int64_t bytes = 0;
  };

  explicit FakeWal(std::shared_ptr<Storage> storage, int64_t max_bytes = 1 << 30)
      : storage_(std::move(storage)), max_bytes_(max_bytes) {}

  const std::string& id() const override { return id_; }
  Result<uint64_t> append(std::string_view event) override {
    if (fail_) return Error("injected I/O error");
    if (storage_->bytes + static_cast<int64_t>(event.size()) > max_bytes_) {
      full_ = true;
      return Error("WAL full");
    }
    const uint64_t seq = storage_->next_seq++;
    storage_->records.emplace(seq, std::string(event));
    storage_->bytes += static_cast<int64_t>(event.size());
    ++appends_;
    return seq;
  }
  // All or nothing, like the real WAL; counted as one append.
  Result<uint64_t> append_batch(std::span<const std::string_view> events) override {
    if (events.empty()) return Error("empty batch");
    if (fail_) return Error("injected I/O error");
    int64_t size = 0;
    for (auto e : events) size += static_cast<int64_t>(e.size());
    if (storage_->bytes + size > max_bytes_) {
      full_ = true;
      return Error("WAL full");
    }
    const uint64_t first = storage_->next_seq;
    for (auto e : events) {
      storage_->records.emplace(storage_->next_seq++, std::string(e));
      ++appends_;
    }
    storage_->bytes += size;
    ++batch_appends_;
    return first;
  }
  bool is_full() const override { return full_ && storage_->bytes >= max_bytes_ / 2; }
  void ack(uint64_t seq) override {
    auto it = storage_->records.find(seq);
    if (it == storage_->records.end()) return;
    storage_->bytes -= static_cast<int64_t>(it->second.size());
    storage_->records.erase(it);
    if (storage_->bytes < max_bytes_ / 2) full_ = false;
  }
  Status replay(const std::function<void(uint64_t, std::string_view)>& fn) override {
    ++replays_;
    const auto copy = storage_->records;
    for (const auto& [seq, rec] : copy) fn(seq, rec);
    return Status::Ok();
  }
  // Visits only records >= from (as the real WAL skips what lies below), counting each one visited.
  Status replay_from(uint64_t from, const std::function<bool(uint64_t, std::string_view)>& fn) override {
    ++replays_;
    const auto copy = storage_->records;
    for (auto it = copy.lower_bound(from); it != copy.end(); ++it) {
      ++replay_visits_;
      if (!fn(it->first, it->second)) break;
    }
    return Status::Ok();
  }
  Status maybe_sync() override { return Status::Ok(); }
  Status sync() override { return Status::Ok(); }
  Status close() override {
    closed_ = true;
    return Status::Ok();
  }
  int64_t disk_bytes() const override { return storage_->bytes; }
  uint64_t unacked_count() const override { return storage_->records.size(); }
  uint64_t corrupt_records() const override { return 0; }
  size_t segment_count() const override { return 1; }

  void fail_appends(bool on) { fail_ = on; }
  int replays() const { return replays_; }
  int appends() const { return appends_; }  // events appended
  int batch_appends() const { return batch_appends_; }  // calls of append_batch() that appended
  uint64_t replay_visits() const { return replay_visits_; }
  bool closed() const { return closed_; }

 private:
  std::shared_ptr<Storage> storage_;
  int64_t max_bytes_;
  std::string id_ = "fakewal";
  bool full_ = false;
  bool fail_ = false;
  bool closed_ = false;
  int replays_ = 0;
  int appends_ = 0;
  int batch_appends_ = 0;
  uint64_t replay_visits_ = 0;
};

}  // namespace logpipe::testing
