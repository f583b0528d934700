#pragma once
// A tiny HTTP server for operators and Prometheus: GET /metrics (text format) and GET /health (JSON,
// 200 when healthy, 503 otherwise). Shared by the shipper and the indexer.
//
// Threading: serves on its own thread, one connection at a time (scrapes are rare and small); the health
// callback and the registry are read from that thread, so they must be thread-safe (atomics, locks).
// Lifetime: start() once; stop() (or the destructor) joins the thread.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "common/metrics.h"
#include "common/result.h"

namespace logpipe::http {

struct Health {
  bool ok = true;
  std::string detail_json = "{}";  // an object with details, e.g. {"kafka":"connected"}
};

// "127.0.0.1:9600" -> host and port; errors name the problem.
Result<std::pair<std::string, uint16_t>> parse_listen_address(const std::string& listen);

class StatusServer {
 public:
  using HealthFn = std::function<Health()>;
  StatusServer(metrics::Registry& registry, HealthFn health);
  ~StatusServer();

  // Binds host:port (port 0 = any free port) and starts serving.
  Status start(const std::string& host, uint16_t port);
  // The same from a "host:port" config value; an empty value means "off" and starts nothing.
  Status start(const std::string& listen);
  void stop();
  uint16_t port() const { return port_; }

 private:
  struct Impl;
  metrics::Registry& registry_;
  HealthFn health_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  uint16_t port_ = 0;
};

}  // namespace logpipe::http
