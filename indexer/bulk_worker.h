#pragma once
// One bulk worker: takes a BulkJob and works on it until every record is resolved — stored (201), known
// stored (409), or stored in the dead-letter index with Elasticsearch's error — or its partition is
// dropped (revoked), or the pipeline aborts (shutdown after the drain bound). Retrying is a typed
// decision (STYLE.md 6):
//   per item     201 stored · 409 duplicate · 429/5xx retry that item alone · other 4xx dead letter
//   per request  connection error / timeout / 429 / 5xx / other non-413 status: retry all of it
//                (the outage state makes the pipeline pause consumption) · 413: split in halves,
//                a single document still too large is dead-lettered
// Backoff is jittered exponential (batch.retry_initial_backoff doubling to batch.retry_max_backoff),
// forever: nothing is skipped because Elasticsearch is away.
//
// Threading: each worker runs on its own thread with its own HTTP connection and EventBuilder; the
// Outage and the abort flag are shared with the pipeline (thread-safe). Documents are built here, so
// parsing runs on as many threads as requests are in flight.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http/http_client.h"
#include "indexer/bulk_job.h"
#include "indexer/elasticsearch/es_client.h"
#include "indexer/indexer_config.h"
#include "indexer/indexer_metrics.h"
#include "indexer/normalize/event_builder.h"

namespace logpipe::indexer {

// Whether bulk requests currently fail as a whole. Thread-safe.
class Outage {
 public:
  void failed(const std::string& error, std::chrono::steady_clock::time_point now);
  void succeeded();
  bool active() const { return active_.load(); }
  // How long requests have failed, and the last error; zero and empty when not active.
  std::chrono::milliseconds duration(std::chrono::steady_clock::time_point now) const;
  std::string last_error() const;

 private:
  std::atomic<bool> active_{false};
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point since_{};
  std::string last_error_;
};

// Jittered exponential backoff: attempt n waits a random time in [d/2, d], d = min(initial * 2^n, max).
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) : initial_(initial), max_(max) {}
  std::chrono::milliseconds delay(int attempt);

 private:
  std::chrono::milliseconds initial_, max_;
  std::mt19937_64 rng_{std::random_device{}()};
};

class BulkWorker {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  BulkWorker(const IndexerConfig& config, std::unique_ptr<http::Client> http, Clock& clock, IndexerMetrics& metrics,
             Outage& outage, const std::atomic<bool>& abort, Sleeper sleeper);

  // True when every record not dropped is resolved; false if aborted first (nothing may be committed).
  bool process(BulkJob& job);

 private:
  struct Rejected {
    size_t index;
    ItemResult result;
  };
  // Sends docs[pending] until each is created, a duplicate or rejected for good (into `rejected`).
  // `live(i)` false drops document i. False if aborted first.
  bool deliver(const std::vector<Document>& docs, std::vector<size_t> pending, const std::function<bool(size_t)>& live,
               const std::function<void(size_t, const ItemResult&)>& on_stored, std::vector<Rejected>& rejected);
  Document dead_letter_document(const kafka::InRecord& rec, const ItemResult& why, int64_t now) const;

  const IndexerConfig& config_;
  std::unique_ptr<http::Client> http_;
  ElasticsearchClient es_;
  Clock& clock_;
  IndexerMetrics& metrics_;
  Outage& outage_;
  const std::atomic<bool>& abort_;
  Sleeper sleep_;
  Backoff backoff_;
  EventBuilder builder_;
  std::vector<Document> docs_;         // reused across jobs
  std::vector<int64_t> read_micros_;   // lp.read_us of docs_[i]'s record (0: none), for the latency histogram
  std::string body_;                   // the bulk body, reused across requests
  int64_t answered_micros_ = 0;        // wall clock when the last bulk answer arrived
};

// lp.read_us of a record (shipper read time), or 0.
int64_t record_read_micros(const kafka::InRecord& rec);

}  // namespace logpipe::indexer
