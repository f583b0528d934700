#pragma once
// The indexer's pipeline: Kafka batch -> documents -> bulk -> per-item decision -> commit.
//
// Delivery guarantee (decided here): a partition's offset is committed only after every record of the
// batch is stored in Elasticsearch (201), known stored already (409 on `create` with the deterministic
// _id), or stored in the dead-letter index with its error. Items Elasticsearch asks to retry (429/5xx)
// and connection failures are retried with jittered exponential backoff, forever: nothing is skipped.
// If the process stops mid-batch, nothing of that batch is committed; it is consumed again and the
// replay is absorbed by the _id. Net effect: every record exactly once in Elasticsearch.
//
// Threading: one thread. `stop` is polled between retries so SIGTERM is honoured during an outage.

#include <atomic>
#include <functional>
#include <random>

#include "common/clock.h"
#include "common/kafka/consumer.h"
#include "common/metrics.h"
#include "indexer/elasticsearch/es_client.h"
#include "indexer/indexer_config.h"
#include "indexer/normalize/event_builder.h"

namespace logpipe::indexer {

class Pipeline {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  Pipeline(IndexerConfig config, kafka::Consumer& consumer, ElasticsearchClient& es, Clock& clock,
           metrics::Registry& metrics, Sleeper sleeper, const std::atomic<bool>& stop);

  // Installs the index template, retrying until Elasticsearch answers (or stop).
  Status install_templates(const std::string& template_json);
  // Consumes one batch and indexes it. Returns the number of records committed.
  Result<size_t> run_once();
  // False while bulk requests fail as a whole (Elasticsearch unreachable or refusing). Thread-safe.
  bool healthy() const { return healthy_.load(); }

 private:
  // Indexes `docs` until each is stored, duplicate or dead-lettered. False if stopped first.
  bool index_all(const std::vector<kafka::InRecord>& records, std::vector<Document>& docs);
  bool dead_letter(const std::vector<std::pair<const kafka::InRecord*, ItemResult>>& rejected);
  void backoff(int attempt);

  IndexerConfig config_;
  kafka::Consumer& consumer_;
  ElasticsearchClient& es_;
  Clock& clock_;
  Sleeper sleep_;
  const std::atomic<bool>& stop_;
  EventBuilder builder_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<bool> healthy_{true};

  metrics::Counter& consumed_;
  metrics::Counter& indexed_;
  metrics::Counter& duplicates_;
  metrics::Counter& retried_;
  metrics::Counter& dead_lettered_;
  metrics::Counter& bulk_errors_;
};

// Renders the index template from schemas/index-template.json for `index_prefix`.
std::string render_index_template(const std::string& template_json, const std::string& index_prefix);

}  // namespace logpipe::indexer
