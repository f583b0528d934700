#pragma once
// Options of the TCP input (`tcp:` listeners) and of its write-ahead log (`wal:`), declared once in
// tcp_config.cc and read as part of the shipper's config (shipper_config.cc calls declare_tcp()).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/config/config_reader.h"

namespace logpipe::shipper {

struct TcpTlsConfig {
  bool enabled = false;
  std::string cert_file;  // PEM: the server certificate followed by its chain
  std::string key_file;   // PEM private key
  std::string ca_file;    // PEM CAs that client certificates must chain to (client_auth optional/required)
  std::string client_auth = "none";  // none | optional | required
};

struct TcpListenerConfig {
  std::string listen;  // host:port; default 0.0.0.0:4560, or 0.0.0.0:6514 with TLS
  std::string service;
  std::map<std::string, std::string> labels;
  int64_t max_connections = 1000;
  int64_t max_line_bytes = 1 << 20;
  std::chrono::milliseconds idle_timeout{300000};
  TcpTlsConfig tls;
};

struct WalConfig {
  std::string dir;
  int64_t max_disk_bytes = 1LL << 30;
  int64_t segment_bytes = 64 << 20;
  std::chrono::milliseconds sync_interval{200};
  int64_t sync_bytes = 4 << 20;
  int compression_level = 3;
  int64_t max_memory_bytes = 64 << 20;
};

// Declares `tcp` (a list of listeners) and `wal`.
void declare_tcp(config::Reader& r, std::vector<TcpListenerConfig>& listeners, WalConfig& wal);

// "host:port" -> (host, port); the port may be 0 (any free port, for tests).
bool split_host_port(const std::string& s, std::string& host, uint16_t& port);

}  // namespace logpipe::shipper
