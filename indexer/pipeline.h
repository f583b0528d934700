#pragma once
// The indexer's pipeline: Kafka -> bulk jobs -> bulk workers -> per-partition watermarks -> commit.
//
//   polling thread (run_once)                          bulk workers (elasticsearch.concurrency threads)
//   poll -> group by partition -> BulkJob --queue-->   build documents, _bulk, retry, dead letter
//   AckTracker per partition <--done-- job resolved
//   commit contiguous acknowledged watermarks, pause/resume, rebalance callbacks, lag
//
// Delivery guarantee (decided here): a partition's offset is committed only up to the end of the
// longest prefix of its records that are all resolved: stored in Elasticsearch (201), known stored
// already (409 on `create` with the deterministic _id), or stored in the dead-letter index with its
// error. With several bulks in flight, a later bulk acknowledged first does not move the offset past an
// earlier one still retrying (AckTracker, one per partition). Items Elasticsearch asks to retry (429/5xx)
// and requests failing as a whole are retried with jittered exponential backoff, forever: nothing is
// skipped. Records read again — after a crash (nothing past the committed watermark is assumed
// stored), after a revoke whose bulks did not finish within kafka.revoke_timeout (abandoned, counted in
// logpipe_indexer_records_abandoned_total, read again by the next owner), after a failed commit — are
// absorbed by the _id as 409s. Net effect: every record exactly once in Elasticsearch, either in its
// daily index or in the dead-letter index. The one loss: the dead-letter index refusing an event too
// (bulk_worker.cc; logged and counted in logpipe_indexer_events_lost_total). The one duplicate: a record
// stored by an indexer older than schema v5 (32-hex-digit ids) and read again by a newer one gets another
// _id, so it is stored twice (schemas/event-schema.md, "_id"; upgrade with the old indexers stopped cleanly).
//
// Outage: while bulk requests fail as a whole, or while the records held (read, not yet acknowledged)
// would exceed batch.max_inflight_bytes, the assigned partitions are paused; poll keeps being called so
// the group membership stays (max.poll.interval.ms is never exceeded) and rebalances are still served.
// Consumption resumes when a request succeeds again (and the memory is under half the budget), at the
// offset after the last record read. Memory: polls are sized to the free budget by the average record
// size, so records held stay within max_inflight_bytes (plus the size variance of one poll), plus
// librdkafka's own prefetch (queued.max.messages.kbytes) and the documents being sent.
//
// Rebalance (cooperative-sticky): on revoke, the bulks holding records of the revoked partitions get
// kafka.revoke_timeout to finish; then what is acknowledged is committed and the rest is dropped (the
// workers stop retrying those records). On a lost assignment nothing can be committed; all is dropped.
//
// Threading: run_once, drain, shutdown and the rebalance callbacks (from inside poll) on one thread,
// the polling thread. health() from any thread. Workers are started by the constructor and stopped by
// shutdown() (or the destructor).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/ack_tracker.h"
#include "common/clock.h"
#include "common/http/http_client.h"
#include "common/http/status_server.h"
#include "common/kafka/consumer.h"
#include "common/metrics.h"
#include "indexer/bulk_job.h"
#include "indexer/bulk_worker.h"
#include "indexer/indexer_config.h"
#include "indexer/indexer_metrics.h"

namespace logpipe::indexer {

class Pipeline final : public kafka::RebalanceListener {
 public:
  using Sleeper = BulkWorker::Sleeper;
  // Makes one HTTP client (one persistent connection) per worker, plus one for control requests.
  using HttpFactory = std::function<std::unique_ptr<http::Client>()>;

  // `sleeper`: how workers wait between retries; null = a real wait that shutdown() interrupts (tests
  // pass one that records and returns at once).
  Pipeline(IndexerConfig config, kafka::Consumer& consumer, HttpFactory http, Clock& clock,
           metrics::Registry& metrics, const std::atomic<bool>& stop, Sleeper sleeper = nullptr);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Installs the index template, retrying until Elasticsearch answers (or stop); on an engine without the
  // match_only_text type, the template with text fields instead (elasticsearch/index_template.h).
  Status install_templates(const std::string& template_json);
  // One round on the polling thread: resolved jobs -> watermarks -> commit; pause or resume; lag; one
  // poll, cut into bulk jobs for the workers. Returns the number of records read.
  Result<size_t> run_once();
  // Waits up to `bound` until no job is in flight, committing what gets acknowledged. True if none is left.
  bool drain(std::chrono::milliseconds bound);
  // Graceful stop: drain within kafka.revoke_timeout, commit, abandon the rest, stop the workers.
  // Call before closing the consumer.
  void shutdown();

  // False while bulk requests fail as a whole; thread-safe.
  bool healthy() const { return !outage_.active(); }
  // For GET /health: 503 during an outage, with what is known about it.
  http::Health health() const;
  bool paused() const { return paused_.load(); }
  // Jobs handed to the workers and not collected back yet (polling thread only).
  size_t in_flight_jobs() const { return in_flight_.size(); }

  void on_assigned(const std::vector<kafka::TopicPartition>& partitions) override;
  void on_revoked(const std::vector<kafka::TopicPartition>& partitions, bool lost) override;

 private:
  struct PartitionState {
    explicit PartitionState(int64_t first) : acks(first), committed(first) {}
    AckTracker acks;
    int64_t committed;       // next_offset last committed (or the first offset read: nothing to commit)
    int64_t next_fetch = -1;  // offset after the last record read
  };

  void dispatch(std::vector<kafka::InRecord> records);
  // Records the next poll may return: batch.max_docs, fewer when the free budget holds fewer.
  size_t poll_size() const;
  void enqueue(std::shared_ptr<BulkJob> job);
  void stop_workers();
  void collect_done();  // resolved jobs -> AckTrackers, budget
  void commit_acknowledged(const std::set<kafka::TopicPartition>* only = nullptr);
  void update_pause();
  void report_lag();
  bool has_work_for(const std::set<kafka::TopicPartition>& tps) const;
  // Waits until a job comes back or `deadline`; false on timeout.
  bool wait_done(std::chrono::steady_clock::time_point deadline);
  void worker_loop(BulkWorker& worker);
  void interruptible_wait(std::chrono::milliseconds d);

  IndexerConfig config_;
  kafka::Consumer& consumer_;
  HttpFactory http_factory_;
  Clock& clock_;
  const std::atomic<bool>& stop_;
  IndexerMetrics metrics_;
  Outage outage_;
  std::atomic<bool> abort_{false};

  // Polling-thread state.
  std::set<kafka::TopicPartition> assigned_;
  std::map<kafka::TopicPartition, PartitionState> partitions_;
  std::map<uint64_t, std::shared_ptr<BulkJob>> in_flight_;
  std::atomic<int64_t> held_bytes_{0};
  std::atomic<bool> paused_{false};
  bool outage_was_reported_ = false;  // the current pause was logged as an outage
  int64_t avg_record_bytes_ = 0;  // moving average, for sizing polls to the free budget
  uint64_t next_token_ = 1;
  uint64_t next_job_id_ = 1;
  std::chrono::steady_clock::time_point next_lag_report_{};
  std::chrono::steady_clock::time_point next_commit_{};
  bool shut_down_ = false;

  // Shared with the workers.
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_, abort_cv_;
  std::deque<std::shared_ptr<BulkJob>> queue_;
  std::vector<std::shared_ptr<BulkJob>> done_;
  bool workers_stopping_ = false;
  std::vector<std::unique_ptr<BulkWorker>> workers_;
  std::vector<std::thread> threads_;
};

// Renders the index template from schemas/index-template.json for `index_prefix`.
std::string render_index_template(const std::string& template_json, const std::string& index_prefix);

}  // namespace logpipe::indexer
