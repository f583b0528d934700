#pragma once
// The shipper's configuration. Every option is declared once in shipper_config.cc; the reference in
// README.md is generated from those declarations (`logpipe-shipper --print-config-reference`).

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/config/config_reader.h"
#include "common/result.h"
#include "shipper/multiline/multiline_joiner.h"
#include "shipper/tcp_input/tcp_config.h"

namespace logpipe::shipper {

struct InputConfig {
  std::vector<std::string> paths;    // globs
  std::vector<std::string> exclude;  // globs
  std::string service;
  std::string format;          // plain | json | docker | cri
  std::string content_format;  // docker/cri: what the application wrote, plain | json
  std::map<std::string, std::string> labels;
  MultilineOptions multiline;
};

struct ShipperConfig {
  std::string host;  // empty in the file = the system host name
  std::string kafka_brokers;
  std::string kafka_topic;
  std::map<std::string, std::string> kafka_properties;
  std::vector<InputConfig> inputs;   // files; may be empty when there are TCP listeners
  std::vector<TcpListenerConfig> tcp;
  WalConfig wal;
  std::string checkpoint_file;
  std::string status_listen;
  std::chrono::milliseconds checkpoint_interval{1000};
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds scan_interval{1000};
  std::chrono::milliseconds idle_flush{5000};
  std::chrono::milliseconds deleted_file_grace{300000};
  std::chrono::milliseconds shutdown_timeout{10000};
  std::chrono::milliseconds health_failing_after{60000};
  int64_t max_line_bytes = 1 << 20;
  bool inotify = true;
  int64_t memory_budget = 10 << 20;  // everything lines cost while read and not acknowledged: pipeline.h
};

// The topic for one input from kafka.topic: "{service}", "{host}" and "{label.NAME}" are replaced
// ("logs-{service}" -> "logs-checkout"). An unknown placeholder or a missing label is an error.
Result<std::string> topic_for(const std::string& topic_template, const InputConfig& input, const std::string& host);

// The service and labels of a TCP listener as topic_for() takes them.
InputConfig tcp_topic_input(const TcpListenerConfig& listener);

// Declares every option against `r` (reads them, or documents them in describe mode).
void declare(config::Reader& r, ShipperConfig& c);
// Reads and validates a config file; the error lists every problem, one per line, with its key path.
Result<ShipperConfig> load_config(const std::string& file);
std::string config_reference();

}  // namespace logpipe::shipper
