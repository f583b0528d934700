#include <catch2/catch.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/kafka/record_format.h"
#include "common/metrics.h"
#include "shipper/tcp_input/tcp_server.h"
#include "tests/fakes/recording_sink.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe;
using namespace std::chrono_literals;
using logpipe::shipper::TcpListenerConfig;
using logpipe::shipper::tcp::ListenerSetup;
using logpipe::shipper::tcp::TcpServer;
using logpipe::testing::RecordingSink;
using logpipe::testing::TempDir;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

// A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI.
struct Certs {
  TempDir dir;
  bool ok = false;
  Certs() {
    const std::string d = dir.path().string();
    const std::string script =
        "set -e; cd '" + d + "'; "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=logpipe-test-ca' "
        "  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign; "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1'; "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext; "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
        "  -extfile server.ext; "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj '/O=logpipe/CN=test-client'; "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2; "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 -subj '/CN=rogue'";
    ok = std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
  }
  std::string file(const std::string& n) const { return dir.file(n); }
};

struct TlsServer {
  SystemClock clock;
  metrics::Registry registry;
  RecordingSink sink;
  std::unique_ptr<TcpServer> server;
  uint16_t port = 0;

  TlsServer(const Certs& certs, const std::string& client_auth) {
    TcpListenerConfig c;
    c.listen = "127.0.0.1:0";
    c.service = "svc";
    c.tls.enabled = true;
    c.tls.cert_file = certs.file("server.pem");
    c.tls.key_file = certs.file("server.key");
    c.tls.client_auth = client_auth;
    if (client_auth != "none") c.tls.ca_file = certs.file("ca.pem");
    ListenerSetup s;
    s.config = c;
    s.topic = "t";
    s.meta.source = "tcp";
    server = std::make_unique<TcpServer>(std::vector<ListenerSetup>{s}, sink, clock, registry);
    auto st = server->start();
    INFO(st.message());
    REQUIRE(st.ok());
    port = server->ports().at(0);
  }
  bool rejected_tls() const {
    return registry.render_prometheus().find("reason=\"tls_handshake\"} 1") != std::string::npos;
  }
};

// Connects, handshakes and sends `data`; returns the handshake error (empty on success).
std::string send_tls(uint16_t port, const Certs& certs, const std::string& client_cert, const std::string& data,
                     int max_version = 0) {
  asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.load_verify_file(certs.file("ca.pem"), ec);
  ctx.set_verify_mode(ssl::verify_peer, ec);
  if (!client_cert.empty()) {
    ctx.use_certificate_chain_file(certs.file(client_cert + ".pem"), ec);
    ctx.use_private_key_file(certs.file(client_cert + ".key"), ssl::context::pem, ec);
  }
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  ssl::stream<asio::ip::tcp::socket> s(io, ctx);
  s.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "connect: " + ec.message();
  s.handshake(ssl::stream_base::client, ec);
  if (ec) return "handshake: " + ec.message();
  asio::write(s, asio::buffer(data), ec);
  if (ec) return "write: " + ec.message();
  s.shutdown(ec);  // close_notify; returns when the server closes the connection
  return {};
}

}  // namespace

TEST_CASE("tcp tls: no client certificate asked for, events arrive without a subject", "[shipper][tcp][tls]") {
  Certs certs;
  REQUIRE(certs.ok);
  TlsServer s(certs, "none");
  CHECK(send_tls(s.port, certs, "", "{\"message\":\"over tls\"}\n{\"message\":\"second\"}") == "");
  REQUIRE(s.sink.wait_for(2));
  const auto e = s.sink.events();
  CHECK(e[0].value == "{\"message\":\"over tls\"}");
  CHECK(e[1].value == "{\"message\":\"second\"}");
  CHECK_FALSE(e[1].partial);  // close_notify is a clean end
  CHECK(e[0].header(kafka::header::kTlsSubject).empty());
  CHECK(e[0].header(kafka::header::kPeerIp) == "127.0.0.1");
}

TEST_CASE("tcp tls: client_auth required records the client subject and refuses clients without a valid certificate",
          "[shipper][tcp][tls]") {
  Certs certs;
  REQUIRE(certs.ok);
  TlsServer s(certs, "required");
  CHECK(send_tls(s.port, certs, "client", "{\"message\":\"mtls\"}\n") == "");
  REQUIRE(s.sink.wait_for(1));
  CHECK(s.sink.events()[0].header(kafka::header::kTlsSubject) == "CN=test-client,O=logpipe");

  // No certificate, or one from an unknown CA: no event gets in, the handshake failure is counted.
  send_tls(s.port, certs, "", "{\"message\":\"anonymous\"}\n");
  send_tls(s.port, certs, "rogue", "{\"message\":\"rogue\"}\n");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (s.registry.render_prometheus().find("reason=\"tls_handshake\"} 2") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  CHECK(s.registry.render_prometheus().find("reason=\"tls_handshake\"} 2") != std::string::npos);
  CHECK(s.sink.size() == 1);
}

TEST_CASE("tcp tls: client_auth optional takes clients with and without a certificate", "[shipper][tcp][tls]") {
  Certs certs;
  REQUIRE(certs.ok);
  TlsServer s(certs, "optional");
  CHECK(send_tls(s.port, certs, "", "{\"message\":\"anon\"}\n") == "");
  REQUIRE(s.sink.wait_for(1));
  CHECK(send_tls(s.port, certs, "client", "{\"message\":\"named\"}\n") == "");
  REQUIRE(s.sink.wait_for(2));
  const auto e = s.sink.events();
  CHECK(e[0].header(kafka::header::kTlsSubject).empty());
  CHECK(e[1].header(kafka::header::kTlsSubject) == "CN=test-client,O=logpipe");
}

TEST_CASE("tcp tls: only TLS 1.2 and 1.3, a TLS 1.1 client is refused", "[shipper][tcp][tls]") {
  Certs certs;
  REQUIRE(certs.ok);
  TlsServer s(certs, "none");
  CHECK(send_tls(s.port, certs, "", "{\"v\":\"1.2\"}\n", TLS1_2_VERSION) == "");
  CHECK(send_tls(s.port, certs, "", "{\"v\":\"1.1\"}\n", TLS1_1_VERSION) != "");
  REQUIRE(s.sink.wait_for(1));
  CHECK(s.sink.size() == 1);
  CHECK(s.sink.events()[0].value == "{\"v\":\"1.2\"}");
}
