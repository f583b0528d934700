#pragma once
// The indexer's metrics, registered once and shared by the polling thread and the bulk workers (all
// updates are atomics). Names and meaning: indexer/README.md.

#include <string>

#include "common/metrics.h"

namespace logpipe::indexer {

struct IndexerMetrics {
  explicit IndexerMetrics(metrics::Registry& r);

  // Dead-lettered events by reason (Elasticsearch's error type); registered on first use.
  void dead_lettered(const std::string& reason, uint64_t n);

  metrics::Registry& registry;
  metrics::Counter& consumed;
  metrics::Counter& indexed;
  metrics::Counter& duplicates;
  metrics::Counter& retried;
  metrics::Counter& dead_lettered_total;
  metrics::Counter& lost_deadletter_rejected;
  metrics::Counter& bulk_errors;
  metrics::Counter& bulk_splits;
  metrics::Counter& abandoned;
  metrics::Counter& commits;
  metrics::Counter& commit_errors;
  metrics::Gauge& inflight_bytes;
  metrics::Gauge& paused;
  metrics::Histogram& bulk_seconds;
  metrics::Histogram& end_to_end_seconds;
};

}  // namespace logpipe::indexer
