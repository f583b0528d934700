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
// The active segment is stored uncompressed; sealing rewrites the records not yet acknowledged into a
// zstd-compressed segment (compression_level > 0) or deletes the segment when all are acknowledged.
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
// was acknowledged), but it MAY return acknowledged events of a segment not yet deleted when the
// acknowledgement happened after the last persisted ack watermark (the lowest unacknowledged sequence
// number, written at each sync, so a restart does not replay a whole large segment). The TCP input makes
// such replays invisible by deriving the Elasticsearch _id from (id(), seq).
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
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace logpipe::shipper {

struct WalOptions {
  std::string dir;
  int64_t segment_bytes = 64 << 20;        // seal and start a new segment past this size
  int64_t max_disk_bytes = 1LL << 30;      // disk budget: append() fails with kFull past it
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

  // Kafka acknowledged the event with sequence `seq`. Acks may arrive in any order; a segment is deleted
  // once every sequence number in it is acknowledged (and it is sealed). Unknown or repeated sequence
  // numbers are ignored.
  virtual void ack(uint64_t seq) = 0;

  // Calls `fn(seq, event)` for every appended, unacknowledged event in sequence order (used once after
  // open() to produce again what a previous process did not get acknowledged). `fn` may call ack() and
  // append(); events appended during replay are not replayed. A record that fails its checksum now is
  // skipped and counted. Error only on I/O failure.
  virtual Status replay(const std::function<void(uint64_t seq, std::string_view event)>& fn) = 0;

  // Runs a due batched fsync; call regularly (e.g. every loop iteration). Cheap when nothing is due.
  // A failed fsync is reported by this call and by every later sync until one succeeds.
  virtual Status maybe_sync() = 0;
  virtual Status sync() = 0;  // fsync now
  virtual Status close() = 0;  // seal + sync; the Wal accepts nothing afterwards

  virtual int64_t disk_bytes() const = 0;       // on disk now, all segments
  virtual uint64_t unacked_count() const = 0;   // appended, not acknowledged
  // Metric-ready counters since open(): records lost to corruption (a corrupt region whose record count
  // is unreadable counts as one), and segments on disk now.
  virtual uint64_t corrupt_records() const = 0;
  virtual size_t segment_count() const = 0;
};

}  // namespace logpipe::shipper
