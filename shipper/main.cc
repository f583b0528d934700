// logpipe-shipper: tails log files and receives JSON lines over TCP, and forwards each event to Kafka.
// Wiring only; see pipeline.h (files) and tcp_input/tcp_input.h (TCP).

#include <csignal>
#include <iostream>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>

#include "common/clock.h"
#include "common/http/status_server.h"
#include "common/kafka/rdkafka_producer.h"
#include "common/log.h"
#include "common/metrics.h"
#include "shipper/health.h"
#include "shipper/pipeline.h"
#include "shipper/shipper_config.h"
#include "shipper/tcp_input/tcp_input.h"

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
  auto props = cfg->kafka_properties;
  props.try_emplace("bootstrap.servers", cfg->kafka_brokers);

  // Files: the pipeline and its producer (only when there are file inputs).
  std::optional<shipper::Pipeline> pipeline;
  std::unique_ptr<kafka::RdKafkaProducer> file_producer;
  if (!cfg->inputs.empty()) {
    pipeline.emplace(*cfg, clock, registry);
    if (auto s = pipeline->start(); !s) {
      log::error("start failed", {{"error", s.message()}});
      return 1;
    }
    auto producer = kafka::RdKafkaProducer::create(shipper::Pipeline::producer_properties(*cfg, props), *pipeline);
    if (!producer) {
      log::error("kafka producer", {{"error", producer.error().message()}});
      return 2;
    }
    file_producer = std::move(*producer);
    pipeline->set_producer(file_producer.get());
  }

  // TCP: WAL, its own producer, listeners (only when there are tcp listeners).
  std::unique_ptr<shipper::tcp::TcpInput> tcp_input;
  if (!cfg->tcp.empty()) {
    auto in = shipper::tcp::TcpInput::create(
        *cfg, clock, registry, [&](kafka::DeliveryHandler& handler) -> Result<std::unique_ptr<kafka::Producer>> {
          auto p = kafka::RdKafkaProducer::create(shipper::tcp::TcpInput::producer_properties(*cfg, props), handler);
          if (!p) return p.error();
          return std::unique_ptr<kafka::Producer>(std::move(*p));
        });
    if (!in) {
      log::error("tcp input", {{"error", in.error().message()}});
      return 2;
    }
    tcp_input = std::move(*in);
    if (auto s = tcp_input->start(); !s) {
      log::error("tcp input start failed", {{"error", s.message()}});
      return 1;
    }
  }

  kafka::Producer* raw_producer = file_producer.get();
  shipper::tcp::TcpInput* raw_tcp = tcp_input.get();
  http::StatusServer status(registry, [raw_producer, raw_tcp, failing_after = cfg->health_failing_after] {
    const bool up = (raw_producer == nullptr || raw_producer->connected()) && (raw_tcp == nullptr || raw_tcp->kafka_connected());
    std::vector<kafka::Producer::FailingTopic> failing;
    if (raw_producer != nullptr) failing = raw_producer->failing_topics();
    if (raw_tcp != nullptr)
      for (auto& f : raw_tcp->failing_topics()) failing.push_back(std::move(f));
    return shipper::shipper_health(up, failing, std::chrono::steady_clock::now(), failing_after);
  });
  if (auto s = status.start(cfg->status_listen); !s) {
    log::error("status endpoint", {{"error", s.message()}});
    return 2;
  }
  while (!g_stop) {
    if (pipeline) {
      pipeline->run_once();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  log::info("stopping: flushing and checkpointing");
  bool ok = true;
  if (tcp_input) {
    // Stop accepting and reading first, so the WAL is closed with everything that was read in it.
    if (auto s = tcp_input->shutdown(cfg->shutdown_timeout); !s) {
      log::error("tcp input shutdown", {{"error", s.message()}});
      ok = false;
    }
  }
  if (pipeline) {
    auto s = pipeline->shutdown();
    if (!s) {
      log::error("final checkpoint failed", {{"error", s.message()}});
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
