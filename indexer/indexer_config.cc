#include "indexer/indexer_config.h"

#include <optional>

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
    c.es_username = e.string("username", "", "user for HTTP basic authentication (needs password_file or password_env)");
    c.es_password_file = e.string("password_file", "", "file holding the user's password (one line)");
    c.es_password_env = e.string("password_env", "", "name of an environment variable holding the password (instead of password_file)");
    c.es_api_key_file = e.string("api_key_file", "", "file holding an API key (the encoded value, or id:api_key); instead of a user");
    c.es_api_key_env = e.string("api_key_env", "", "name of an environment variable holding the API key");
    c.es_ca_file = e.string("ca_file", "", "PEM CA certificates to trust for https:// (empty: the system's trust store)");
    c.es_client_cert_file = e.string("client_cert_file", "", "PEM client certificate, when the cluster asks for one");
    c.es_client_key_file = e.string("client_key_file", "", "PEM key of the client certificate (empty: in client_cert_file)");
    c.es_insecure = e.boolean("insecure", false, "do not verify the server certificate and host name (testing only)");
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

namespace {

// One secret from a file or an environment variable named in the config (not both). `key` is the
// config key prefix for messages ("elasticsearch.password").
std::optional<http::Secret> read_secret(const std::string& file, const std::string& env_name, const std::string& key,
                                        const std::function<const char*(const char*)>& getenv,
                                        std::vector<std::string>& errors) {
  if (!file.empty() && !env_name.empty()) {
    errors.push_back(key + "_file and " + key + "_env: set one of them");
    return std::nullopt;
  }
  if (!file.empty()) {
    auto s = http::read_secret_file(file);
    if (!s) {
      errors.push_back(key + "_file: " + s.error().message());
      return std::nullopt;
    }
    return std::move(*s);
  }
  if (!env_name.empty()) {
    const char* v = getenv(env_name.c_str());
    if (v == nullptr || *v == '\0') {
      errors.push_back(key + "_env: environment variable " + env_name + " is not set or empty");
      return std::nullopt;
    }
    return http::Secret(v);
  }
  return std::nullopt;
}

void resolve_client(IndexerConfig& c, const std::function<const char*(const char*)>& getenv, std::vector<std::string>& errors) {
  http::ClientOptions& o = c.es_client;
  o.timeout = c.es_timeout;
  o.tls = {c.es_ca_file, c.es_insecure, c.es_client_cert_file, c.es_client_key_file};
  o.credentials.username = c.es_username;
  const size_t before = errors.size();
  auto password = read_secret(c.es_password_file, c.es_password_env, "elasticsearch.password", getenv, errors);
  auto api_key = read_secret(c.es_api_key_file, c.es_api_key_env, "elasticsearch.api_key", getenv, errors);
  if (password) o.credentials.password = std::move(*password);
  if (api_key) o.credentials.api_key = std::move(*api_key);
  if (errors.size() != before) return;
  if (auto s = http::validate(o); !s) errors.push_back("elasticsearch: " + s.message());
}

}  // namespace

Result<IndexerConfig> load_config(const std::string& file, const std::function<const char*(const char*)>& getenv) {
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
  resolve_client(c, getenv, ctx.errors);
  if (auto s = config::collected_errors(ctx, file); !s) return Error(s.message());
  return c;
}

std::string config_reference() {
  return config::config_reference<IndexerConfig>("indexer", [](config::Reader& r, IndexerConfig& c) { declare(r, c); });
}

}  // namespace logpipe::indexer
