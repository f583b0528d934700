#include "indexer/indexer_config.h"

namespace logpipe::indexer {

void declare(config::Reader& r, IndexerConfig& c) {
  c.status_listen = r.string("status_listen", "127.0.0.1:9601",
                             "host:port serving GET /metrics (Prometheus) and GET /health; empty = off");
  {
    auto k = r.section("kafka", "where records come from");
    c.kafka_brokers = k.string("brokers", "127.0.0.1:9092", "bootstrap servers, comma-separated");
    c.kafka_topics = k.string_list("topics", "topics to consume (default: [logs])");
    if (c.kafka_topics.empty()) c.kafka_topics = {"logs"};
    c.kafka_group_id = k.string("group_id", "logpipe-indexer", "consumer group; indexers in one group share partitions");
    c.kafka_properties = k.string_map("properties", "any librdkafka consumer property (SASL, TLS, fetch sizes)");
    c.revoke_timeout = k.duration("revoke_timeout", "10s",
                                  "when partitions are revoked (rebalance) or at shutdown: how long their bulk requests "
                                  "in flight may take to finish before they are abandoned (not committed; the next owner "
                                  "reads them again and the deterministic _id absorbs the replay)");
    c.commit_interval = k.duration("commit_interval", "1s",
                                   "how often acknowledged offsets are committed (and always on revoke and shutdown); "
                                   "fewer commits mean fewer that race a rebalance (librdkafka then rejoins the group)");
    c.lag_interval = k.duration("lag_interval", "10s",
                                "how often consumer lag per partition is asked from the brokers for /metrics; 0s = never");
    k.finish();
  }
  {
    auto e = r.section("elasticsearch", "where documents go (Elasticsearch 8 or OpenSearch 2)");
    c.es_url = e.string("url", "http://127.0.0.1:9200", "base URL");
    c.index_prefix = e.string("index_prefix", "logs-", "daily indices are <prefix>YYYY.MM.DD (UTC)");
    c.deadletter_index = e.string("deadletter_index", "logpipe-deadletter",
                                  "where events Elasticsearch rejects for good are stored, with the error");
    c.es_timeout = e.duration("timeout", "30s", "per HTTP request");
    c.es_concurrency = e.integer("concurrency", 2, 1, 64,
                                 "bulk requests in flight, each from its own worker thread over its own persistent "
                                 "connection (bench/indexer_write_path.sh measures the choice)");
    c.es_gzip = e.boolean("gzip", false,
                          "send bulk bodies gzip-compressed (Content-Encoding: gzip, level 1); costs CPU, saves "
                          "bandwidth: worth it over a real network, not on loopback");
    e.finish();
  }
  {
    auto b = r.section("batch", "bulk request sizing");
    c.batch_max_docs = b.integer("max_docs", 2000, 1, 100000, "documents per bulk request at most");
    c.batch_max_bytes = b.bytes("max_bytes", "8MiB", 64 << 10, int64_t{1} << 30,
                                "records per bulk request at most, in bytes (a larger poll is cut into several requests)");
    c.max_inflight_bytes = b.bytes("max_inflight_bytes", "64MiB", 1 << 20, int64_t{16} << 30,
                                   "records held in memory at most (read from Kafka, not yet acknowledged by "
                                   "Elasticsearch); above it consumption pauses. Soft by one poll (max_docs records)");
    c.batch_max_wait = b.duration("max_wait", "500ms", "how long to wait for a batch to fill");
    c.retry_initial_backoff = b.duration("retry_initial_backoff", "200ms", "first wait before a retry");
    c.retry_max_backoff = b.duration("retry_max_backoff", "30s", "longest wait between retries (jittered, doubling)");
    b.finish();
  }
  {
    auto t = r.section("retention", "deleting old daily indices (optional)");
    c.retention_days = t.integer("days", 0, 0, 36500,
                                 "keep the daily indices <index_prefix>YYYY.MM.DD of the last N days (UTC, today "
                                 "included) and delete older ones; 0 = never delete");
    c.retention_interval = t.duration("interval", "1h", "how often expired indices are looked for");
    t.finish();
  }
  {
    auto p = r.section("parsing", "how lines become ECS fields");
    c.parsing_rules_file = p.string("rules_file", "",
                                    "text parsing rules (format: schemas/parsing-rules.yaml); empty: the built-in rules");
    p.finish();
  }
}

Result<IndexerConfig> load_config(const std::string& file) {
  YAML::Node node;
  if (!file.empty()) {
    auto loaded = config::load_file(file);
    if (!loaded) return Error(loaded.error().message());
    node = *loaded;
  }
  config::Context ctx;
  IndexerConfig c;
  config::Reader r(node, "", ctx);
  declare(r, c);
  r.finish();
  if (ctx.errors.empty() && !c.parsing_rules_file.empty()) {
    auto rules = TextRules::load_file(c.parsing_rules_file);
    if (rules) {
      c.parsing_rules = *rules;
    } else {
      ctx.errors.push_back("parsing.rules_file: " + rules.error().message());
    }
  }
  if (auto s = config::collected_errors(ctx, file); !s) return Error(s.message());
  return c;
}

std::string config_reference() {
  return config::config_reference<IndexerConfig>("indexer", [](config::Reader& r, IndexerConfig& c) { declare(r, c); });
}

}  // namespace logpipe::indexer
