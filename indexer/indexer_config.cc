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
    k.finish();
  }
  {
    auto e = r.section("elasticsearch", "where documents go (Elasticsearch 8 or OpenSearch 2)");
    c.es_url = e.string("url", "http://127.0.0.1:9200", "base URL");
    c.index_prefix = e.string("index_prefix", "logs-", "daily indices are <prefix>YYYY.MM.DD (UTC)");
    c.deadletter_index = e.string("deadletter_index", "logpipe-deadletter",
                                  "where events Elasticsearch rejects for good are stored, with the error");
    c.es_timeout = e.duration("timeout", "30s", "per HTTP request");
    e.finish();
  }
  {
    auto b = r.section("batch", "bulk request sizing");
    c.batch_max_docs = b.integer("max_docs", 2000, 1, 100000, "documents per bulk request at most");
    c.batch_max_wait = b.duration("max_wait", "500ms", "how long to wait for a batch to fill");
    c.retry_initial_backoff = b.duration("retry_initial_backoff", "200ms", "first wait before a retry");
    c.retry_max_backoff = b.duration("retry_max_backoff", "30s", "longest wait between retries (jittered, doubling)");
    b.finish();
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
