#include "shipper/tcp_input/tcp_config.h"

#include <charconv>

namespace logpipe::shipper {

bool split_host_port(const std::string& s, std::string& host, uint16_t& port) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 >= s.size()) return false;
  host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data() + colon + 1, s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

void declare_tcp(config::Reader& r, std::vector<TcpListenerConfig>& listeners, WalConfig& wal) {
  r.list("tcp", "TCP listeners for JSON lines (Logstash `tcp` input with `json_lines` compatible: logback "
         "LogstashTcpSocketAppender, log4j2 SocketAppender, python-logstash); see shipper/tcp_input/README.md",
         false, [&](config::Reader& in) {
    TcpListenerConfig l;
    l.listen = in.string("listen", "", "host:port to listen on; empty = 0.0.0.0:4560, or 0.0.0.0:6514 with tls.enabled");
    l.service = in.required_string("service", "service.name of events that do not name their own service");
    l.labels = in.string_map("labels", "extra fields attached to every event (labels.<name>)");
    l.max_connections = in.integer("max_connections", 1000, 1, 1000000,
                                   "connections open at once; more are accepted and closed at once (counted)");
    l.max_line_bytes = in.bytes("max_line_bytes", "1MiB", 256, 64 << 20,
                                "longer lines are cut to this size, tagged _truncated and counted; the rest of "
                                "the line is skipped up to the next newline");
    l.idle_timeout = in.duration("idle_timeout", "5m",
                                 "a connection that sent nothing for this long is closed; keep it above the "
                                 "senders' keep-alive (logback: keepAliveDuration)");
    {
      auto t = in.section("tls", "TLS 1.2/1.3 on this listener");
      l.tls.enabled = t.boolean("enabled", false, "accept only TLS connections");
      l.tls.cert_file = t.string("cert_file", "", "PEM file: server certificate followed by its chain");
      l.tls.key_file = t.string("key_file", "", "PEM file: the certificate's private key");
      l.tls.client_auth = t.choice("client_auth", {"none", "optional", "required"},
                                   "client certificates: not asked for, verified if sent, or required");
      l.tls.ca_file = t.string("ca_file", "", "PEM file of the CAs client certificates must chain to");
      if (l.tls.enabled && (l.tls.cert_file.empty() || l.tls.key_file.empty()))
        t.add_error("tls.enabled needs cert_file and key_file");
      if (l.tls.enabled && l.tls.client_auth != "none" && l.tls.ca_file.empty())
        t.add_error("client_auth " + l.tls.client_auth + " needs ca_file");
      t.finish();
    }
    if (l.listen.empty()) l.listen = l.tls.enabled ? "0.0.0.0:6514" : "0.0.0.0:4560";
    std::string host;
    uint16_t port = 0;
    if (!split_host_port(l.listen, host, port)) in.add_error("listen: expected host:port, got '" + l.listen + "'");
    listeners.push_back(std::move(l));
  });
  auto w = r.section("wal", "write-ahead log of the TCP input: what was read from a socket survives a crash");
  wal.dir = w.string("dir", "logpipe-shipper.wal", "directory of the WAL segments");
  wal.max_disk_bytes = w.bytes("max_disk_bytes", "1GiB", 1 << 20, int64_t{1} << 40,
                               "disk budget; when full, the TCP input stops reading its sockets (backpressure)");
  wal.segment_bytes = w.bytes("segment_bytes", "64MiB", 64 << 10, int64_t{1} << 30,
                              "a segment is sealed past this size; a segment is deleted once Kafka acknowledged all of it");
  wal.sync_interval = w.duration("sync_interval", "200ms",
                                 "fsync at most this long after an append: what a power loss can lose");
  wal.sync_bytes = w.bytes("sync_bytes", "4MiB", 4096, int64_t{1} << 30, "fsync also after this many bytes appended");
  wal.compression_level = static_cast<int>(w.integer("compression_level", 3, 0, 19, "zstd level of sealed segments; 0 = none"));
  wal.max_memory_bytes = w.bytes("max_memory_bytes", "64MiB", 1 << 20, int64_t{16} << 30,
                                 "events appended and not yet acknowledged kept in memory for producing at most; "
                                 "past it they are read back from the WAL later");
  w.finish();
}

}  // namespace logpipe::shipper
