#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/kafka/record_format.h"
#include "common/metrics.h"
#include "shipper/tcp_input/tcp_server.h"
#include "tests/fakes/recording_sink.h"
#include "tests/fakes/tcp_client.h"

using namespace logpipe;
using namespace std::chrono_literals;
using logpipe::shipper::TcpListenerConfig;
using logpipe::shipper::tcp::ListenerSetup;
using logpipe::shipper::tcp::TcpServer;
using logpipe::testing::PlainClient;
using logpipe::testing::RecordingSink;

namespace {

struct Server {
  SystemClock clock;
  metrics::Registry registry;
  RecordingSink sink;
  std::unique_ptr<TcpServer> server;
  uint16_t port = 0;

  explicit Server(TcpListenerConfig c = {}) {
    c.listen = "127.0.0.1:0";
    if (c.service.empty()) c.service = "svc";
    ListenerSetup s;
    s.config = c;
    s.topic = "t";
    s.meta.host = "shipper-host";
    s.meta.service = c.service;
    s.meta.source = "tcp";
    s.meta.format = "json";
    s.meta.file_id = "tcp:walid";
    server = std::make_unique<TcpServer>(std::vector<ListenerSetup>{s}, sink, clock, registry);
    auto st = server->start();
    INFO(st.message());
    REQUIRE(st.ok());
    port = server->ports().at(0);
  }
  uint64_t counter(const std::string& series) const {
    const std::string text = registry.render_prometheus();
    const size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(text.substr(at + series.size() + 2));
  }
  bool wait_counter(const std::string& series, uint64_t at_least, std::chrono::milliseconds timeout = 10s) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (counter(series) < at_least) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }
};

std::vector<std::string> values(const std::vector<RecordingSink::Event>& events) {
  std::vector<std::string> v;
  for (const auto& e : events) v.push_back(e.value);
  return v;
}

}  // namespace

TEST_CASE("tcp server 4: byte-at-a-time and one big write over real sockets give the same events", "[shipper][tcp]") {
  Server s;
  std::string payload;
  for (int i = 0; i < 1000; ++i) payload += "{\"message\":\"e" + std::to_string(i) + "\"}\n";
  payload += "\n{\"message\":\"last, unterminated\"}";
  {
    PlainClient big(s.port);
    REQUIRE(big.connected());
    REQUIRE(big.send(payload));
    big.half_close();
    REQUIRE(s.sink.wait_for(1001));
  }
  const auto first = values(s.sink.events());
  {
    PlainClient slow(s.port);
    REQUIRE(slow.connected());
    for (char c : payload.substr(0, 3000)) REQUIRE(slow.send(std::string_view(&c, 1)));
    REQUIRE(slow.send(payload.substr(3000)));
    slow.half_close();
    REQUIRE(s.sink.wait_for(2002));
  }
  const auto all = values(s.sink.events());
  REQUIRE(all.size() == 2002);
  CHECK(std::vector<std::string>(all.begin(), all.begin() + 1001) == first);
  CHECK(std::vector<std::string>(all.begin() + 1001, all.end()) == first);
  CHECK(first.back() == "{\"message\":\"last, unterminated\"}");
  CHECK_FALSE(s.sink.events().back().partial);  // a clean EOF: the last line is a normal event
  CHECK(s.counter("logpipe_tcp_blank_lines_total{listener=\"127.0.0.1:0\"}") == 2);
}

TEST_CASE("tcp server 12: every event carries the peer address and port, and the listener's metadata", "[shipper][tcp]") {
  Server s;
  PlainClient c(s.port);
  REQUIRE(c.send("{\"message\":\"hi\"}\n"));
  REQUIRE(s.sink.wait_for(1));
  const auto e = s.sink.events().at(0);
  CHECK(e.header(kafka::header::kPeerIp) == "127.0.0.1");
  CHECK(e.header(kafka::header::kPeerPort) == std::to_string(c.local_port()));
  CHECK(e.header(kafka::header::kTlsSubject).empty());
  // The listener's fields travel packed in lp.v (schemas/kafka-record.md).
  CHECK(e.header(kafka::header::kSource).empty());
  auto meta = kafka::decode_headers(e.headers);
  REQUIRE(meta.ok());
  CHECK(meta->source == "tcp");
  CHECK(meta->format == "json");
  CHECK(meta->service == "svc");
  CHECK(meta->host == "shipper-host");
  CHECK(meta->file_id == "tcp:walid");
  CHECK(meta->peer_ip == "127.0.0.1");
  CHECK(meta->peer_port == c.local_port());
  CHECK(e.key == "shipper-host|tcp:walid|127.0.0.1:" + std::to_string(c.local_port()));
}

TEST_CASE("tcp server 14: a reset or half-close mid-stream loses no complete event", "[shipper][tcp]") {
  Server s;
  SECTION("reset") {
    PlainClient c(s.port);
    // Mid-stream: the server has the connection (a peer reset while still in the accept queue may lose
    // its bytes in the kernel, before any program could read them).
    REQUIRE(s.wait_counter("logpipe_tcp_connections_accepted_total{listener=\"127.0.0.1:0\"}", 1));
    std::string data;
    for (int i = 0; i < 500; ++i) data += "{\"n\":" + std::to_string(i) + "}\n";
    REQUIRE(c.send(data + "{\"n\":500, \"cut\":"));
    c.reset();
    s.sink.wait_for(501);
    INFO("events: " << s.sink.size());
    REQUIRE(s.sink.size() == 501);
    const auto events = s.sink.events();
    for (int i = 0; i < 500; ++i) {
      CHECK(events[static_cast<size_t>(i)].value == "{\"n\":" + std::to_string(i) + "}");
      CHECK_FALSE(events[static_cast<size_t>(i)].partial);
    }
    // The bytes of the unfinished line are kept, tagged as possibly incomplete.
    CHECK(events[500].value == "{\"n\":500, \"cut\":");
    CHECK(events[500].partial);
    CHECK(s.wait_counter("logpipe_tcp_partial_lines_total{listener=\"127.0.0.1:0\"}", 1));
  }
  SECTION("half-close") {
    PlainClient c(s.port);
    REQUIRE(c.send("{\"n\":1}\n{\"n\":2}\n{\"n\":3}"));
    c.half_close();
    REQUIRE(s.sink.wait_for(3));
    CHECK(values(s.sink.events()) == std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}"});
    CHECK_FALSE(s.sink.events()[2].partial);
    // The server then closes its side: EOF, and never a byte.
    CHECK(c.wait_server(5s) == 0);
  }
}

TEST_CASE("tcp server 5/6/7: arrays split, garbage kept, over-long lines truncated, the connection stays open",
          "[shipper][tcp]") {
  TcpListenerConfig cfg;
  cfg.max_line_bytes = 256;
  Server s(cfg);
  PlainClient c(s.port);
  const std::string bad_utf8 = "{\"message\":\"\xff\xfe\"}";
  REQUIRE(c.send("[{\"a\":1},{\"b\":[2,3]}]\nnot json\n42\n" + bad_utf8 + "\n" + std::string(1000, 'x') +
                 "\n{\"after\":true}\n"));
  REQUIRE(s.sink.wait_for(7));
  const auto e = s.sink.events();
  CHECK(values(e) == std::vector<std::string>{"{\"a\":1}", "{\"b\":[2,3]}", "not json", "42", bad_utf8,
                                              std::string(256, 'x'), "{\"after\":true}"});
  CHECK(e[5].truncated);
  CHECK_FALSE(e[6].truncated);
  CHECK(s.counter("logpipe_tcp_json_arrays_split_total{listener=\"127.0.0.1:0\"}") == 1);
  CHECK(s.counter("logpipe_tcp_lines_truncated_total{listener=\"127.0.0.1:0\"}") == 1);
  // Still open and served.
  REQUIRE(c.send("{\"still\":\"open\"}\n"));
  REQUIRE(s.sink.wait_for(8));
  CHECK(c.wait_server(50ms) == -2);
}

TEST_CASE("tcp server: connections over max_connections are closed at once and counted", "[shipper][tcp]") {
  TcpListenerConfig cfg;
  cfg.max_connections = 2;
  Server s(cfg);
  PlainClient a(s.port), b(s.port);
  REQUIRE(a.send("{\"c\":\"a\"}\n"));
  REQUIRE(b.send("{\"c\":\"b\"}\n"));
  REQUIRE(s.sink.wait_for(2));
  PlainClient third(s.port);
  const int r = third.wait_server(5s);
  CHECK((r == 0 || r == -1));  // closed by the server
  CHECK(s.wait_counter("logpipe_tcp_connections_rejected_total{listener=\"127.0.0.1:0\",reason=\"max_connections\"}", 1));
  // The first two are untouched.
  REQUIRE(a.send("{\"c\":\"a2\"}\n"));
  REQUIRE(s.sink.wait_for(3));
  CHECK(a.wait_server(20ms) == -2);
}

TEST_CASE("tcp server: an idle connection is closed after idle_timeout, an active one is not", "[shipper][tcp]") {
  TcpListenerConfig cfg;
  cfg.idle_timeout = 600ms;
  Server s(cfg);
  PlainClient idle(s.port), active(s.port);
  REQUIRE(idle.send("{\"x\":1}\n{\"partial\":"));
  const auto start = std::chrono::steady_clock::now();
  // The active one keeps sending keep-alives (bare newlines) more often than the timeout.
  int idle_result = -2;
  while (std::chrono::steady_clock::now() - start < 5s && idle_result == -2) {
    REQUIRE(active.send("\n"));
    idle_result = idle.wait_server(100ms);
  }
  CHECK(idle_result == 0);  // EOF from the server
  CHECK(std::chrono::steady_clock::now() - start >= 550ms);
  CHECK(s.counter("logpipe_tcp_connections_idle_closed_total{listener=\"127.0.0.1:0\"}") == 1);
  CHECK(active.wait_server(10ms) == -2);
  // The idle connection's unterminated line was kept, tagged.
  REQUIRE(s.sink.wait_for(2));
  CHECK(s.sink.events()[1].value == "{\"partial\":");
  CHECK(s.sink.events()[1].partial);
}

TEST_CASE("tcp server: a full sink stops reading (backpressure) and reading resumes by itself, nothing lost",
          "[shipper][tcp]") {
  Server s;
  PlainClient c(s.port);
  REQUIRE(c.send("{\"n\":0}\n"));
  REQUIRE(s.sink.wait_for(1));
  s.sink.set_full(true);
  std::string burst;
  for (int i = 1; i <= 2000; ++i) burst += "{\"n\":" + std::to_string(i) + "}\n";
  REQUIRE(c.send(burst));
  REQUIRE(s.wait_counter("logpipe_tcp_backpressure_total", 1));
  const size_t during = s.sink.size();
  CHECK(during == 1);
  s.sink.set_full(false);
  REQUIRE(s.sink.wait_for(2001));
  const auto e = s.sink.events();
  for (size_t i = 0; i < e.size(); ++i) CHECK(e[i].value == "{\"n\":" + std::to_string(i) + "}");
  CHECK(s.wait_counter("logpipe_tcp_connections_paused", 0));
  CHECK(c.wait_server(10ms) == -2);  // the connection was never closed or written to
}

TEST_CASE("tcp server: a flooding sender does not starve a quiet one", "[shipper][tcp]") {
  Server s;
  PlainClient flood(s.port), quiet(s.port);
  const std::string line = "{\"flood\":\"" + std::string(1000, 'f') + "\"}\n";
  std::string chunk;
  for (int i = 0; i < 256; ++i) chunk += line;
  std::atomic<bool> stop{false};
  std::atomic<size_t> sent{0};
  std::thread flooder([&] {
    while (!stop && sent < 400u * chunk.size()) {
      if (!flood.send(chunk)) break;
      sent += chunk.size();
    }
  });
  REQUIRE(s.sink.wait_for(1000));
  REQUIRE(quiet.send("{\"quiet\":1}\n"));
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : s.sink.events())
      if (e.value == "{\"quiet\":1}") seen = true;
    if (!seen) std::this_thread::sleep_for(1ms);
  }
  const size_t flood_events_then = s.sink.size();
  stop = true;
  flood.reset();
  flooder.join();
  CHECK(seen);
  // The quiet line got in while the flood was still going (far from all 100k flood lines read).
  CHECK(flood_events_then < 400u * 256u);
}
