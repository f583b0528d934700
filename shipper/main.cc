// logpipe-shipper: tails log files and forwards each line to Kafka. Wiring only; see pipeline.h.

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/clock.h"
#include "common/http/status_server.h"
#include "common/kafka/rdkafka_producer.h"
#include "common/log.h"
#include "common/metrics.h"
#include "shipper/pipeline.h"
#include "shipper/shipper_config.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  using namespace logpipe;
  CLI::App app{"logpipe-shipper: tail log files into Kafka, at least once"};
  std::string config_file;
  bool check_only = false, print_reference = false;
  app.add_option("-c,--config", config_file, "YAML config file");
  app.add_flag("--check-config", check_only, "validate the config and exit (no network)");
  app.add_flag("--print-config-reference", print_reference, "print every config option as Markdown");
  CLI11_PARSE(app, argc, argv);
  log::set_component("logpipe-shipper");

  if (print_reference) {
    std::cout << shipper::config_reference();
    return 0;
  }
  if (config_file.empty()) {
    std::cerr << "logpipe-shipper: --config is required (see --help)\n";
    return 2;
  }
  auto cfg = shipper::load_config(config_file);
  if (!cfg) {
    std::cerr << cfg.error().message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << config_file << ": ok\n";
    return 0;
  }

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  SystemClock clock;
  metrics::Registry registry;
  shipper::Pipeline pipeline(*cfg, clock, registry);
  if (auto s = pipeline.start(); !s) {
    log::error("start failed", {{"error", s.message()}});
    return 1;
  }
  auto props = cfg->kafka_properties;
  props.try_emplace("bootstrap.servers", cfg->kafka_brokers);
  auto producer = kafka::RdKafkaProducer::create(props, pipeline);
  if (!producer) {
    log::error("kafka producer", {{"error", producer.error().message()}});
    return 2;
  }
  pipeline.set_producer(producer->get());
  kafka::Producer* raw_producer = producer->get();
  http::StatusServer status(registry, [raw_producer] {
    const bool up = raw_producer->connected();
    return http::Health{up, std::string("{\"kafka\":\"") + (up ? "connected" : "unreachable") + "\"}"};
  });
  if (auto s = status.start(cfg->status_listen); !s) {
    log::error("status endpoint", {{"error", s.message()}});
    return 2;
  }
  while (!g_stop) pipeline.run_once();
  log::info("stopping: flushing and checkpointing");
  auto s = pipeline.shutdown();
  if (!s) log::error("final checkpoint failed", {{"error", s.message()}});
  return s ? 0 : 1;
}
