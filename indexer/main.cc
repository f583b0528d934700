// logpipe-indexer: Kafka -> Elasticsearch. Wiring only; see pipeline.h.

#include <csignal>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "common/clock.h"
#include "common/http/beast_client.h"
#include "common/http/status_server.h"
#include "common/kafka/rdkafka_consumer.h"
#include "common/log.h"
#include "common/metrics.h"
#include "indexer/elasticsearch/retention.h"
#include "indexer/index_template.h"
#include "indexer/indexer_config.h"
#include "indexer/pipeline.h"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  using namespace logpipe;
  CLI::App app{"logpipe-indexer: Kafka -> Elasticsearch, offsets committed after acknowledgement"};
  std::string config_file;
  bool check_only = false, print_reference = false;
  app.add_option("-c,--config", config_file, "YAML config file (optional: every option has a default)");
  app.add_flag("--check-config", check_only, "validate the config and exit (no network)");
  app.add_flag("--print-config-reference", print_reference, "print every config option as Markdown");
  CLI11_PARSE(app, argc, argv);
  log::set_component("logpipe-indexer");

  if (print_reference) {
    std::cout << indexer::config_reference();
    return 0;
  }
  auto cfg = indexer::load_config(config_file);
  if (!cfg) {
    std::cerr << cfg.error().message() << "\n";
    return 2;
  }
  auto endpoint = http::parse_url(cfg->es_url);
  if (!endpoint) {
    std::cerr << "elasticsearch.url: " << endpoint.error().message() << "\n";
    return 2;
  }
  // Builds the TLS context now: an unreadable CA, certificate or key file is a config error.
  auto http_client = http::BeastClient::create(*endpoint, cfg->es_client);
  if (!http_client) {
    std::cerr << "elasticsearch: " << http_client.error().message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << (config_file.empty() ? "defaults" : config_file) << ": ok\n";
    return 0;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  auto props = cfg->kafka_properties;
  props.try_emplace("bootstrap.servers", cfg->kafka_brokers);
  props.try_emplace("group.id", cfg->kafka_group_id);
  auto consumer = kafka::RdKafkaConsumer::create(props, cfg->kafka_topics);
  if (!consumer) {
    log::error("kafka consumer", {{"error", consumer.error().message()}});
    return 2;
  }
  SystemClock clock;
  metrics::Registry registry;
  // One persistent connection per bulk worker (elasticsearch.concurrency), plus one for control requests;
  // TLS and credentials from elasticsearch.* (validated above by BeastClient::create).
  auto http_factory = [endpoint = *endpoint, options = cfg->es_client]() -> std::unique_ptr<http::Client> {
    return std::make_unique<http::BeastClient>(endpoint, options);
  };
  indexer::Pipeline pipeline(*cfg, **consumer, http_factory, clock, registry, g_stop);
  http::StatusServer status(registry, [&pipeline] { return pipeline.health(); });
  if (auto s = status.start(cfg->status_listen); !s) {
    log::error("status endpoint", {{"error", s.message()}});
    return 2;
  }
  if (auto s = pipeline.install_templates(std::string(indexer::kIndexTemplateJson)); !s) return 1;
  // Retention runs on its own thread and connection, so a slow DELETE never delays polling.
  std::thread retention_thread;
  if (cfg->retention_days > 0) {
    auto& deleted = registry.counter("logpipe_indexer_indices_deleted_total", "daily indices deleted by retention");
    retention_thread = std::thread([&, http = http_factory()] {
      indexer::Retention retention(*http, cfg->index_prefix, static_cast<int>(cfg->retention_days));
      auto next = std::chrono::steady_clock::now();
      while (!g_stop) {
        if (std::chrono::steady_clock::now() >= next) {
          next = std::chrono::steady_clock::now() + cfg->retention_interval;
          auto r = retention.run_once(clock.wall_micros());
          if (!r) log::warn("retention failed, trying again later", {{"error", r.error().message()}});
          for (const auto& name : r ? *r : std::vector<std::string>{}) {
            log::info("retention: index deleted", {{"index", std::string_view(name)}});
            deleted.inc();
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  const std::string es_shown = http::redact_url(cfg->es_url);  // parse_url refuses user info; belt and braces for logs
  log::info("indexer started", {{"es", std::string_view(es_shown)}, {"group", std::string_view(cfg->kafka_group_id)}});
  while (!g_stop) {
    auto r = pipeline.run_once();
    if (!r) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll already waited; a short pause
  }
  log::info("stopping");
  if (retention_thread.joinable()) retention_thread.join();
  pipeline.shutdown();  // finish or abandon what is in flight, commit what is acknowledged
  (*consumer)->close();  // leaves the group; the revoke callback finds nothing left in flight
  return 0;
}
