#pragma once
// The shipper's pipeline: file tailers -> Kafka producer, with per-file acknowledgement watermarks and
// durable checkpoints.
//
// Delivery guarantee (decided here): at-least-once per line. A line's offset enters the checkpoint only
// after Kafka acknowledged it and every earlier line of the same file (AckTracker). A record the producer
// reports failed is produced again, never dropped (after a backoff: common/kafka/retry_backoff.h). After a
// crash, lines between the checkpoint and the crash are sent again with the same (host, file identity,
// offset), which the indexer turns into the same Elasticsearch _id. Re-produced records may land after
// later lines of the same file (ordering is best-effort after a delivery failure; idempotence keeps it
// otherwise).
// One exception to "produced again unchanged": a record the broker refuses as too large (a line near
// max_line_bytes that does not compress, above the broker's message.max.bytes) can never pass as it is. It
// is produced again with the first half of its value, tagged _truncated, as often as needed, and counted
// (logpipe_shipper_records_cut_total); so the file moves on instead of retrying it forever. Only a record
// whose key and headers alone are too large (value already empty) is dropped, counted in
// logpipe_shipper_lines_dropped_total{reason="too_large_for_broker"} and logged as an error.
//
// Memory and backpressure: one budget (memory_budget) covers what lines cost between reading and
// acknowledgement: the read buffer, each record in librdkafka's queue with its headers and our slot for it
// (estimated per record, calibrated against RSS: bench/README.md), copies we keep of refused or failed
// records, and what files hold between reads (the start of an unfinished line, a container partial
// line, a multiline event being built). Reading stops when the total reaches the budget, so when
// Kafka is slow or down memory stays flat and the files are the buffer; it resumes by itself once
// acknowledgements have freed an eighth of the budget (one large read then, not a few lines after each
// report: that woke librdkafka's broker thread ~4x as often for the same lines, bench/README.md). librdkafka's own queue limits are sized from the budget
// (producer_properties()) so that it never refuses what the budget allows, and its batches
// (batch.num.messages) so that several fill within it and leave without waiting for linger.ms. One exception keeps the
// pipeline from stalling: unfinished lines and events can only complete by reading more, so when nothing
// is in flight (no acknowledgement will free anything) reading goes on even above the budget; what files
// hold is bounded per file by tail.max_line_bytes and multiline.max_bytes.
// Threading: everything runs on the caller's thread, delivery reports included (Producer::poll).
//
// Cost per line (the hot path): a line is read into one buffer shared by all files and handed to the
// producer as views (value, the file's key and shared headers built once per file, a few headers of its
// own); librdkafka copies it, we keep no copy. What we keep per line in flight is a slot (token ->
// file, end offset, cost) and the file's ack entry, both in deques. A record is copied only on the rare
// paths: the producer refused it (local queue full) or Kafka reported it failed (the copy comes from the
// delivery report), and it is produced again from that copy.
//
// Discovery: every scan_interval (at once when a tailed file finished, and when inotify reports a name
// created, renamed or deleted in a directory the globs can match in: FileWatcher; such requested rescans
// at most every 100 ms) each input's globs are expanded; a file gets a tailer unless one already has it open (same device and inode). A rotated file
// found again under its new name resumes where the previous tailer stopped reading (its identity is still
// known), so nothing is read twice or skipped. At start-up, a checkpointed file whose path now names
// another file (rotated while the shipper was stopped) is searched for in its directory and read to its end.
// A deleted file is read to its end and released; if it cannot be finished within deleted_file_grace
// (output blocked), it is closed anyway and its unread bytes are counted as dropped (reason
// deleted_file_timeout): a bounded loss chosen so a blocked output cannot fill the disk.
// A last line without '\n' is shipped once the file has not grown for idle_flush.
// Waiting: when a round read nothing, the pipeline sleeps up to poll_interval on the producer's wakeup
// descriptor (delivery reports) and inotify's together, so an append or a new file is read at once.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/kafka/producer.h"
#include "common/kafka/retry_backoff.h"
#include "common/metrics.h"
#include "common/ack_tracker.h"
#include "shipper/file_tail/checkpoint_store.h"
#include "shipper/file_tail/file_record.h"
#include "shipper/file_tail/file_tailer.h"
#include "shipper/file_tail/file_watcher.h"
#include "shipper/container/container_log.h"
#include "shipper/multiline/multiline_joiner.h"
#include "shipper/shipper_config.h"

namespace logpipe::shipper {

class Pipeline final : public kafka::DeliveryHandler {
 public:
  Pipeline(ShipperConfig config, Clock& clock, metrics::Registry& metrics);
  ~Pipeline() override;

  // Loads the checkpoint and creates the tailers. The producer must be set before run_once().
  Status start();
  void set_producer(kafka::Producer* producer) { producer_ = producer; }
  // One round: produce what waits, read new lines within the budget, serve delivery reports (waiting up
  // to poll_interval when idle), checkpoint when due. Returns the number of lines read.
  size_t run_once();
  // Stops reading, waits up to shutdown_timeout for acknowledgements, writes the final checkpoint.
  Status shutdown();

  void on_delivery(uint64_t token, const Status& status) override;
  void on_delivery_failed(uint64_t token, const Status& status, kafka::DeliveryFailure why,
                          const kafka::RecordView& record) override;

  int64_t in_flight_bytes() const { return in_flight_bytes_; }
  // What counts against memory_budget now.
  int64_t memory_in_use() const { return in_flight_bytes_ + held_bytes_ + static_cast<int64_t>(read_buffer_.size()); }
  // librdkafka queue limits derived from the budget, added to `properties` unless set there.
  static std::map<std::string, std::string> producer_properties(const ShipperConfig& config,
                                                                std::map<std::string, std::string> properties);
  // Lines read and not yet acknowledged.
  size_t pending_records() const { return unacked_; }
  // Paths currently tailed, for tests and diagnostics.
  std::vector<std::string> tailed_paths() const;
  Status write_checkpoint();

 private:
  struct FileState {
    std::string path;
    FileIdentity id;
    AckTracker acks;
    int64_t read_end = 0;  // end of the last line sent: where a new tailer of this file resumes
    std::chrono::steady_clock::time_point last_active;
  };
  // The line of `token` is done with (acknowledged, or dropped): its file's watermark may pass it.
  void settle(uint64_t token);
  // One line handed to the producer, at index token - first_token_ of slots_.
  struct Slot {
    FileState* file;  // null once acknowledged (the FileState may be gone by then)
    int64_t end_offset;
    int64_t read_micros;
    int64_t cost;   // counted against memory_budget
    int64_t bytes;  // of the line as read (for bytes_acked)
  };
  // A line as it leaves the tailer (views), the container unwrapper or the multiline joiner (owned).
  struct ShipLine {
    int64_t offset;
    int64_t end_offset;
    std::string_view text;
    bool truncated;
    bool unparsed;
    std::string_view stream;
    std::string_view runtime_time;
  };
  struct Tail {
    size_t input;
    std::unique_ptr<FileTailer> tailer;
    bool drain_only = false;  // found by the rotated-while-stopped search: read to the end, then drop
    std::optional<std::chrono::steady_clock::time_point> unlinked_since;
    std::unique_ptr<ContainerUnwrapper> unwrapper;  // docker and cri inputs
    std::unique_ptr<MultilineJoiner> joiner;        // null: one record per line
    std::unique_ptr<FileRecordTemplate> record;     // key and shared headers of this file's records
    int64_t held = 0;  // bytes held between reads (tailer, unwrapper, joiner), as counted in held_bytes_
    int64_t last_read_offset = -1;
    std::chrono::steady_clock::time_point last_growth;  // when the file last gave us bytes
  };

  FileState& state_for(const std::string& path, const FileIdentity& id);
  std::optional<int64_t> resume_offset(const FileIdentity& id) const;
  void add_tail(size_t input, const std::string& path, bool drain_only);
  void rescan();
  void recover_rotated_while_stopped();
  // Reads what the budget allows from one file and ships it; returns the number of lines.
  size_t read_tail(Tail& tail);
  void ship(Tail& tail, FileState& state, const ShipLine& line, int64_t read_micros, std::string_view read_us);
  void produce_waiting();
  // Sleeps up to `timeout` for delivery reports or file activity, then serves the reports.
  void wait_for_work(std::chrono::milliseconds timeout);
  void update_gauges();

  ShipperConfig config_;
  Clock& clock_;
  kafka::Producer* producer_ = nullptr;
  CheckpointStore checkpoints_;
  std::vector<InputConfig> inputs_;
  std::vector<std::string> topics_;  // per input, from the kafka.topic template
  std::vector<Tail> tails_;
  std::map<std::string, FileState> files_;                 // key: FileIdentity::str()
  std::map<std::string, CheckpointEntry> resume_entries_;  // from the checkpoint file, by identity
  std::deque<Slot> slots_;       // read, not all acknowledged; front = oldest unacknowledged (token first_token_)
  uint64_t first_token_ = 1;
  uint64_t next_token_ = 1;
  size_t unacked_ = 0;
  std::deque<std::pair<uint64_t, kafka::OutRecord>> waiting_;  // refused by the producer or failed: our copy
  kafka::RetryBackoff retry_backoff_;                           // holds waiting_ back after failed deliveries
  int64_t in_flight_bytes_ = 0;  // records read and not acknowledged, and our copies of waiting ones
  int64_t held_bytes_ = 0;       // sum of Tail::held
  double cost_per_byte_ = 8;       // in-flight cost per byte read, from the last batch (sizes the next read)
  size_t next_tail_ = 0;           // reading starts here next round (files take turns)
  std::vector<char> read_buffer_;  // shared by all tailers
  std::unique_ptr<FileWatcher> watcher_;
  FileWatcher::Stats watcher_reported_;  // what the counters below have been told
  std::vector<LineView> views_;
  std::vector<TailedLine> owned_, staged_;
  std::chrono::steady_clock::time_point last_checkpoint_;
  std::chrono::steady_clock::time_point last_scan_;
  std::chrono::steady_clock::time_point last_failure_log_{};  // "will retry" is logged once per 10 s at most
  bool dirty_ = false;
  bool rescan_now_ = true;

  metrics::Counter& lines_read_;
  metrics::Counter& bytes_read_;
  metrics::Counter& lines_acked_;
  metrics::Counter& bytes_acked_;
  metrics::Counter& lines_sent_;
  metrics::Counter& bytes_sent_;
  metrics::Counter& delivery_failures_;
  metrics::Counter& lines_truncated_;
  metrics::Counter& truncations_;
  metrics::Counter& bytes_dropped_deleted_;
  metrics::Counter& records_cut_;
  metrics::Counter& lines_dropped_too_large_;
  metrics::Counter& container_unparsed_;
  metrics::Gauge& files_open_;
  metrics::Gauge& in_flight_gauge_;
  metrics::Gauge& memory_gauge_;
  metrics::Gauge& oldest_unacked_age_;
  metrics::Counter& inotify_init_failures_;
  metrics::Counter& inotify_watch_failures_;
  metrics::Counter& inotify_overflows_;
  metrics::Gauge& inotify_watches_;
  metrics::Registry& registry_;
};

}  // namespace logpipe::shipper
