#include "indexer/indexer_metrics.h"

namespace logpipe::indexer {

IndexerMetrics::IndexerMetrics(metrics::Registry& r)
    : registry(r),
      consumed(r.counter("logpipe_indexer_records_consumed_total", "records read from Kafka")),
      indexed(r.counter("logpipe_indexer_documents_indexed_total", "documents Elasticsearch stored (201)")),
      duplicates(r.counter("logpipe_indexer_duplicates_absorbed_total", "replayed documents already stored (409)")),
      retried(r.counter("logpipe_indexer_items_retried_total", "bulk items retried (429/5xx)")),
      dead_lettered_total(r.counter("logpipe_indexer_dead_lettered_total",
                                    "documents rejected for good, stored in the dead-letter index")),
      lost_deadletter_rejected(r.counter("logpipe_indexer_events_lost_total",
                                         "events neither stored nor dead-lettered (the dead-letter index refused them too)",
                                         {{"reason", "deadletter_rejected"}})),
      bulk_errors(r.counter("logpipe_indexer_bulk_request_errors_total",
                            "bulk requests that failed as a whole (connection, 429/5xx): retried")),
      bulk_splits(r.counter("logpipe_indexer_bulk_requests_split_total", "bulk requests split in halves after a 413")),
      abandoned(r.counter("logpipe_indexer_records_abandoned_total",
                          "records of revoked partitions (or at shutdown) not acknowledged within "
                          "kafka.revoke_timeout: not committed, read again by the next owner")),
      commits(r.counter("logpipe_indexer_commits_total", "offset commits")),
      commit_errors(r.counter("logpipe_indexer_commit_errors_total", "offset commits Kafka refused (retried with the next one)")),
      inflight_bytes(r.gauge("logpipe_indexer_inflight_bytes", "bytes of records read and not yet acknowledged")),
      paused(r.gauge("logpipe_indexer_consumption_paused", "1 while consumption is paused (outage or memory budget)")),
      bulk_seconds(r.histogram("logpipe_indexer_bulk_duration_seconds",
                               "bulk request latency (requests that got an HTTP answer)",
                               metrics::latency_buckets_seconds())),
      end_to_end_seconds(r.histogram("logpipe_indexer_end_to_end_latency_seconds",
                                     "shipper read time (lp.read_us) to Elasticsearch acknowledgement, per stored document",
                                     metrics::latency_buckets_seconds())) {}

void IndexerMetrics::dead_lettered(const std::string& reason, uint64_t n) {
  dead_lettered_total.inc(n);
  std::string label = reason.empty() ? "unknown" : reason.substr(0, 64);
  registry.counter("logpipe_indexer_dead_lettered_by_reason_total", "dead-lettered documents by Elasticsearch error type",
                   {{"reason", label}})
      .inc(n);
}

}  // namespace logpipe::indexer
