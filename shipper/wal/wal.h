#pragma once
// Write-ahead log for inputs that cannot replay (TCP): an accepted event is appended here before it is
// produced to Kafka, and its segment is deleted only when Kafka acknowledged every event in it. After a
// crash, replay() returns what was appended and not acknowledged, so it is produced again.
//
// INTERFACE ONLY (contract between the WAL and the TCP input); the implementation lives in wal.cc.
//
// Layout: a directory of segments named by their first sequence number; the active segment is appended
// to; a segment is sealed when it reaches segment_bytes (or on close) and is then immutable. Records are
// framed with length and checksum so a torn tail (kill -9 mid-write) is detected and cut at the last whole
// record; a corrupt record in a sealed segment is skipped and counted, never a crash.
//
// Durability (the guarantee the TCP input documents): append() returns once the record is in the OS
// page cache; fsync is batched: at most `sync_interval` after an append, or when `sync_bytes` were
// appended since the last sync, whichever comes first, and always on sync()/close(). So a kill -9 of the
// shipper loses nothing appended (the page cache survives a process crash); a power loss or kernel crash
// loses at most the appends of the last sync_interval.
//
// Sequence numbers: every appended record gets the next sequence number (uint64, starting at 1 for a
// new WAL, continuing after the highest one found on open). Together with the WAL's stable `id()` they
// identify an event uniquely across restarts, so a replayed event produces the same Elasticsearch _id.
//
// Threading: not thread-safe; one owner thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logpipe::shipper {

struct WalOptions {
  std::string dir;
  int64_t segment_bytes = 64 << 20;        // seal and start a new segment past this size
  int64_t max_disk_bytes = 1LL << 30;      // disk budget: append() fails with kFull past it
  std::chrono::milliseconds sync_interval{200};
  int64_t sync_bytes = 4 << 20;
  int compression_level = 3;               // zstd, per sealed segment block (0 = none)
};

class Wal {
 public:
  // Opens (creating `dir` if needed) and recovers: scans segments, truncates a torn tail.
  static Result<std::unique_ptr<Wal>> open(const WalOptions& options);
  virtual ~Wal() = default;

  // A stable identifier of this WAL directory (created once, stored in the directory).
  virtual const std::string& id() const = 0;

  // Appends one event (opaque bytes: the TCP input stores its own encoding of value + metadata).
  // Returns its sequence number. Error when the disk budget is exhausted (is_full() then true) or on I/O
  // failure; the caller must then stop reading its sockets (backpressure) and retry later.
  virtual Result<uint64_t> append(std::string_view event) = 0;
  virtual bool is_full() const = 0;

  // Kafka acknowledged the event with sequence `seq`. Acks may arrive in any order; a segment is deleted
  // once every sequence number in it is acknowledged (and it is sealed).
  virtual void ack(uint64_t seq) = 0;

  // Calls `fn(seq, event)` for every appended, unacknowledged event in sequence order (used once after
  // open() to produce again what a previous process did not get acknowledged).
  virtual Status replay(const std::function<void(uint64_t seq, std::string_view event)>& fn) = 0;

  // Runs a due batched fsync; call regularly (e.g. every loop iteration). Cheap when nothing is due.
  virtual Status maybe_sync() = 0;
  virtual Status sync() = 0;  // fsync now
  virtual Status close() = 0;  // seal + sync

  virtual int64_t disk_bytes() const = 0;       // on disk now, all segments
  virtual uint64_t unacked_count() const = 0;   // appended, not acknowledged
};

}  // namespace logpipe::shipper
