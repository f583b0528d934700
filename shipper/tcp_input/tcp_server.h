#pragma once
// The TCP listeners (plain and TLS) on Boost.Asio, one I/O thread for all of them.
//
// Per connection: read up to 64 KiB at a time, frame lines (line_framer.h), split JSON arrays
// (json_array.h), hand each event to the EventSink. The server never writes to a connection and never
// half-closes one (logback takes EOF as "reconnect"); it closes a connection only when the peer closed or
// reset it, after `idle_timeout` without a byte, when the listener is over `max_connections` (at once,
// counted), when a TLS handshake fails, or at shutdown.
//
// Fairness: every connection has at most one read outstanding and its completion is handled in the order
// completions arrive, so a sender that floods (or sends garbage) gets one 64 KiB chunk per turn like
// everyone else; a slow sender costs a buffer of at most max_line_bytes and is closed when idle.
//
// Backpressure: when the sink refuses an event (WAL full), the connection keeps the rest of its chunk's
// events in memory (at most one chunk's worth), stops reading -- the kernel's socket buffers fill and TCP
// flow control slows the sender -- and waits in a FIFO; every tick, while the sink accepts again, waiting
// connections are drained and resume reading in the order they stopped. Counted in
// logpipe_tcp_backpressure_total and _milliseconds_total.
//
// End of stream: an unterminated last line is an event. After a clean EOF (FIN, or TLS close_notify or a
// TLS peer that just closed TCP) it is used as is; after a reset, an error, an idle timeout or shutdown it
// is used and tagged `_partial_line`. Complete lines read before a reset are never lost.
//
// Threading: start() spawns the I/O thread; stop() may be called from any thread (once) and joins it. The
// sink is only ever called from the I/O thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/kafka/record_format.h"
#include "common/metrics.h"
#include "common/result.h"
#include "shipper/tcp_input/event_sink.h"
#include "shipper/tcp_input/tcp_config.h"

namespace logpipe::shipper::tcp {

struct ListenerSetup {
  TcpListenerConfig config;
  std::string topic;
  // host, service, labels, source=tcp, format=json, file_id=tcp:<WAL id>; the peer is added per connection.
  kafka::RecordMeta meta;
};

class TcpServer {
 public:
  TcpServer(std::vector<ListenerSetup> listeners, EventSink& sink, Clock& clock, metrics::Registry& metrics);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // Loads TLS material, binds every listener, starts the I/O thread. An error names the listener.
  Status start();
  // The bound port of each listener, in config order (useful with port 0).
  std::vector<uint16_t> ports() const;
  // Stops accepting, closes every connection (unterminated lines are handed over, tagged), joins the thread.
  void stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace logpipe::shipper::tcp
