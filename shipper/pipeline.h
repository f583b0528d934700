#pragma once
// The shipper's pipeline: file tailers -> Kafka producer, with per-file acknowledgement watermarks and
// durable checkpoints.
//
// Delivery guarantee (decided here): at-least-once per line. A line's offset enters the checkpoint only
// after Kafka acknowledged it and every earlier line of the same file (AckTracker). A record the producer
// reports failed is produced again, never dropped. After a crash, lines between the checkpoint and the
// crash are sent again with the same (host, file identity, offset), which the indexer turns into the same
// Elasticsearch _id. Re-produced records may land after later lines of the same file (ordering is
// best-effort after a delivery failure; idempotence keeps it otherwise).
//
// Backpressure: reading stops while more than max_in_flight_bytes are unacknowledged; the files are the
// buffer. Threading: everything runs on the caller's thread, delivery reports included (Producer::poll).

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/kafka/producer.h"
#include "common/metrics.h"
#include "shipper/file_tail/ack_tracker.h"
#include "shipper/file_tail/checkpoint_store.h"
#include "shipper/file_tail/file_tailer.h"
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

  int64_t in_flight_bytes() const { return in_flight_bytes_; }
  size_t pending_records() const { return pending_.size(); }
  Status write_checkpoint();

 private:
  struct FileState {
    std::string path;
    FileIdentity id;
    AckTracker acks;
    int64_t checkpointed = -1;
  };
  struct Pending {
    std::string file_key;
    int64_t end_offset;
    kafka::OutRecord record;
  };
  struct Input {
    InputConfig config;
    std::unique_ptr<FileTailer> tailer;
    FileState* current = nullptr;
  };

  FileState& state_for(const std::string& path, const FileIdentity& id);
  void produce_waiting();
  bool try_produce(uint64_t token);

  ShipperConfig config_;
  Clock& clock_;
  kafka::Producer* producer_ = nullptr;
  CheckpointStore checkpoints_;
  std::vector<Input> inputs_;
  std::map<std::string, FileState> files_;                 // key: FileIdentity::str()
  std::map<std::string, CheckpointEntry> resume_entries_;  // from the checkpoint file, by identity
  std::unordered_map<uint64_t, Pending> pending_;          // read, not yet acknowledged
  std::deque<uint64_t> waiting_;                           // not accepted by the producer yet (or failed)
  uint64_t next_token_ = 1;
  int64_t in_flight_bytes_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_;
  bool dirty_ = false;

  metrics::Counter& lines_read_;
  metrics::Counter& bytes_read_;
  metrics::Counter& lines_acked_;
  metrics::Counter& delivery_failures_;
  metrics::Counter& lines_truncated_;
};

}  // namespace logpipe::shipper
