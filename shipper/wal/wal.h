#pragma once
// Write-ahead log for inputs that cannot replay (TCP): an accepted event is appended here before it is
// produced to Kafka, and its segment is deleted only when Kafka acknowledged every event in it. After a
// crash, replay() returns what was appended and not acknowledged, so it is produced again.
//
// Implementation: wal.cc; on-disk format and design choices: README.md next to this file.
//
// Layout: a directory of segments named by their first sequence number; the active segment is appended
// to; a segment is sealed when it reaches segment_bytes (or on close) and is then immutable. Records are
// framed with length and checksum so a torn tail (kill -9 mid-write) is detected and cut at the last whole
// record; a corrupt record in a sealed segment is skipped and counted (corrupt_records()), never a crash.
// The active segment is stored uncompressed; sealing deletes the segment when all its records are
// acknowledged, otherwise (compression_level > 0) rewrites the unacknowledged ones into a zstd-compressed
// segment, in steps of ~128 KiB run by append() and maybe_sync() so that no call stalls; open() and
// close() finish pending rewrites.
// Each open() starts a new active segment; the previous process's last segment is recovered and sealed.
//
// Durability (the guarantee the TCP input documents): append() returns once the record is in the OS
// page cache; fsync is batched: at most `sync_interval` after an append, or when `sync_bytes` were
// appended since the last sync, whichever comes first, and always on sync()/close(). So a kill -9 of the
// shipper loses nothing appended (the page cache survives a process crash); a power loss or kernel crash
// loses at most the appends of the last sync_interval. The interval is checked by append() and by
// maybe_sync(): the owner must call maybe_sync() at least every sync_interval / 2 or so while idle,
// otherwise the last appends before a pause wait for the next call.
//
// Replay is at least once: replay() never returns an event whose segment was deleted (every event in it
// was acknowledged), nor one at or below the persisted ack watermark (every number up to it was
// acknowledged; written at each sync and every sync_interval, so a restart does not replay a whole large
// segment), but it MAY return acknowledged events above that watermark whose segment still exists (acks
// after the last write, or above a gap of an unacknowledged one). The TCP input makes such replays
// invisible by deriving the Elasticsearch _id from (id(), seq).
//
// Sequence numbers: every appended record gets the next sequence number (uint64, starting at 1 for a
// new WAL, continuing after the highest one found on open). Together with the WAL's stable `id()` they
// identify an event uniquely across restarts, so a replayed event produces the same Elasticsearch _id.
// Numbers may skip (never repeat): they are leased durably in blocks, so after a power loss that lost
// the unsynced tail, the next process cannot hand out a number already used for an event that reached
// Kafka; after a crash the sequence continues past the lease, after close() it continues without a gap.
//
// Disk budget: append() fails (is_full()) when the record would bring disk_bytes() past
// max_disk_bytes; is_full() turns false as soon as deleted segments make room for the refused record.
// Before refusing, a raw active segment holding at least segment_bytes / 8 is sealed (its compression,
// done a step per append()/maybe_sync(), frees room shortly after). The effective segment size is at most
// max_disk_bytes / 4, so acknowledging everything always frees room.
// While a segment is sealed, its compressed copy and the raw file briefly coexist, so the directory can
// exceed the budget by up to one segment for that moment.
//
// Threading: not thread-safe; one owner thread. One process per directory (an exclusive flock on
// `dir`/lock; a second open() fails). Destroying a Wal without close() is like a crash of its owner: files
// are closed, nothing is synced, the next open() recovers.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace logpipe::shipper {

struct WalOptions {
  std::string dir;
  int64_t segment_bytes = 64 << 20;        // seal and start a new segment past this size
  int64_t max_disk_bytes = 1LL << 30;      // disk budget: append() fails (is_full()) past it
  std::chrono::milliseconds sync_interval{200};
  int64_t sync_bytes = 4 << 20;
  int compression_level = 3;               // zstd level of sealed segments (0 = none: sealed stays raw)
};

class Wal {
 public:
  // Opens (creating `dir` if needed) and recovers: scans segments, truncates a torn tail. The clock
  // (for sync_interval; must outlive the Wal) defaults to the system clock.
  static Result<std::unique_ptr<Wal>> open(const WalOptions& options);
  static Result<std::unique_ptr<Wal>> open(const WalOptions& options, const Clock& clock);
  virtual ~Wal() = default;

  // A stable identifier of this WAL directory (created once, stored in the directory): 32 hex digits.
  virtual const std::string& id() const = 0;

  // Appends one event (opaque bytes: the TCP input stores its own encoding of value + metadata).
  // Returns its sequence number. Error when the disk budget is exhausted (is_full() then true) or on I/O
  // failure; the caller must then stop reading its sockets (backpressure) and retry later.
  virtual Result<uint64_t> append(std::string_view event) = 0;
  virtual bool is_full() const = 0;

  // Appends several events with one write(2) (the per-event syscall is most of append()'s cost; see
  // bench/README.md, WAL append). They get consecutive sequence numbers; returns the first. All or
  // nothing: on error (budget, I/O) none was appended. An empty batch is an error. The default (for
  // fakes) calls append() for each, not atomically.
  virtual Result<uint64_t> append_batch(std::span<const std::string_view> events) {
    if (events.empty()) return Error("empty batch");
    auto first = append(events[0]);
    for (size_t i = 1; first && i < events.size(); ++i)
      if (auto r = append(events[i]); !r) return r;
    return first;
  }

  // Kafka acknowledged the event with sequence `seq`. Acks may arrive in any order; a segment is deleted
  // once every sequence number in it is acknowledged (and it is sealed). Unknown or repeated sequence
  // numbers are ignored.
  virtual void ack(uint64_t seq) = 0;

  // Calls `fn(seq, event)` for every appended, unacknowledged event in sequence order (used once after
  // open() to produce again what a previous process did not get acknowledged). `fn` may call ack() and
  // append(); events appended during replay are not replayed. A record that fails its checksum now is
  // skipped and counted. Error only on I/O failure.
  virtual Status replay(const std::function<void(uint64_t seq, std::string_view event)>& fn) = 0;

  // Like replay(), but only events with seq >= `from`, and stopping as soon as `fn` returns false: for an
  // owner that keeps only part of the unacknowledged events in memory and reads the rest later. Reads only
  // segments (and compressed blocks) holding numbers >= from, so paging through a large WAL is linear.
  // The default (for fakes) filters replay().
  virtual Status replay_from(uint64_t from, const std::function<bool(uint64_t seq, std::string_view event)>& fn) {
    bool more = true;
    return replay([&](uint64_t seq, std::string_view event) {
      if (more && seq >= from) more = fn(seq, event);
    });
  }

  // Runs a due batched fsync; call regularly (e.g. every loop iteration). Cheap when nothing is due.
  // A failed fsync is reported by this call and by every later sync until one succeeds.
  virtual Status maybe_sync() = 0;
  virtual Status sync() = 0;  // fsync now
  virtual Status close() = 0;  // seal + sync; the Wal accepts nothing afterwards

  virtual int64_t disk_bytes() const = 0;       // on disk now, all segments
  virtual uint64_t unacked_count() const = 0;   // appended, not acknowledged
  // Metric-ready counters since open(): records lost to corruption (a corrupt region whose record count
  // is unreadable counts as one), and segments on disk now. Not pure, so fakes need not implement them.
  virtual uint64_t corrupt_records() const { return 0; }
  virtual size_t segment_count() const { return 0; }
};

}  // namespace logpipe::shipper
