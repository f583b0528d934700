// STOPGAP until the `wal` branch (shipper/wal/wal.cc) is merged: Wal::open() returns a WAL that keeps
// records in memory only, so the TCP input runs end to end but a crash of the shipper loses what was not
// acknowledged. It logs a warning when opened. shipper/CMakeLists.txt builds this file only when
// shipper/wal/wal.cc does not exist.

#include <filesystem>
#include <map>

#include "common/log.h"
#include "shipper/wal/wal.h"

namespace logpipe::shipper {
namespace {

class MemoryWal final : public Wal {
 public:
  explicit MemoryWal(const WalOptions& o) : max_bytes_(o.max_disk_bytes) {}
  const std::string& id() const override { return id_; }
  Result<uint64_t> append(std::string_view event) override {
    if (bytes_ + static_cast<int64_t>(event.size()) > max_bytes_) return Error("WAL full");
    records_.emplace(next_, std::string(event));
    bytes_ += static_cast<int64_t>(event.size());
    return next_++;
  }
  bool is_full() const override { return bytes_ >= max_bytes_ * 9 / 10; }
  void ack(uint64_t seq) override {
    if (auto it = records_.find(seq); it != records_.end()) {
      bytes_ -= static_cast<int64_t>(it->second.size());
      records_.erase(it);
    }
  }
  Status replay(const std::function<void(uint64_t, std::string_view)>& fn) override {
    const auto copy = records_;
    for (const auto& [seq, r] : copy) fn(seq, r);
    return Status::Ok();
  }
  Status maybe_sync() override { return Status::Ok(); }
  Status sync() override { return Status::Ok(); }
  Status close() override { return Status::Ok(); }
  int64_t disk_bytes() const override { return bytes_; }
  uint64_t unacked_count() const override { return records_.size(); }

 private:
  std::string id_ = "memory";
  std::map<uint64_t, std::string> records_;
  uint64_t next_ = 1;
  int64_t bytes_ = 0;
  int64_t max_bytes_;
};

}  // namespace

Result<std::unique_ptr<Wal>> Wal::open(const WalOptions& options) {
  log::warn("wal: in-memory stopgap WAL (the durable WAL is not merged yet): a crash loses unacknowledged TCP events");
  return std::unique_ptr<Wal>(new MemoryWal(options));
}

}  // namespace logpipe::shipper
