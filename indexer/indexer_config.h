#pragma once
// The indexer's configuration; every option is declared once in indexer_config.cc.

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config_reader.h"
#include "common/http/client_options.h"
#include "common/result.h"
#include "indexer/normalize/text_rules.h"

namespace logpipe::indexer {

struct IndexerConfig {
  std::string kafka_brokers;
  std::vector<std::string> kafka_topics;
  std::string kafka_group_id;
  std::map<std::string, std::string> kafka_properties;
  std::string es_url;
  std::string index_prefix;
  std::string deadletter_index;
  std::string status_listen;
  std::chrono::milliseconds es_timeout{30000};
  // elasticsearch.* TLS and credential settings as written; load_config resolves them into es_client.
  std::string es_username, es_password_file, es_password_env, es_api_key_file, es_api_key_env;
  std::string es_ca_file, es_client_cert_file, es_client_key_file;
  bool es_insecure = false;
  // What the HTTP client gets: timeout, TLS, credentials (secrets read from their files or environment).
  http::ClientOptions es_client;
  int64_t es_concurrency = 2;
  bool es_gzip = false;
  std::chrono::milliseconds revoke_timeout{10000};
  std::chrono::milliseconds lag_interval{10000};
  std::chrono::milliseconds commit_interval{1000};
  int64_t batch_max_docs = 2000;
  int64_t batch_max_bytes = 8 << 20;
  int64_t max_inflight_bytes = 64 << 20;
  std::chrono::milliseconds batch_max_wait{500};
  std::chrono::milliseconds retry_initial_backoff{200};
  std::chrono::milliseconds retry_max_backoff{30000};
  int64_t retention_days = 0;  // 0: off
  std::chrono::milliseconds retention_interval{3600000};
  std::string parsing_rules_file;  // empty: the built-in schemas/parsing-rules.yaml
  // Compiled by load_config from parsing_rules_file (null: built-in rules).
  std::shared_ptr<const TextRules> parsing_rules;
};

void declare(config::Reader& r, IndexerConfig& c);
// Reads, validates and resolves the config: secret files and environment variables are read here (`getenv`
// is replaceable for tests), so a missing password is a startup error. Error messages never contain a
// secret.
Result<IndexerConfig> load_config(const std::string& file, const std::function<const char*(const char*)>& getenv = ::getenv);
std::string config_reference();

}  // namespace logpipe::indexer
