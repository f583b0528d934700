// BeastClient over TLS against an in-process HTTPS server whose certificates are made by the test:
// verification against a CA file, host name checks (DNS and IP), SNI, insecure mode, client certificates,
// and the Authorization header on the wire.

#include <catch2/catch.hpp>

#include "common/http/beast_client.h"
#include "tests/fakes/temp_dir.h"
#include "tests/fakes/test_certificates.h"
#include "tests/fakes/tls_http_server.h"

using namespace logpipe;
using namespace logpipe::testing;

namespace {

struct Pki {
  Pem ca = make_ca("logpipe test CA");
  Pem other_ca = make_ca("some other CA");
  Pem localhost = make_leaf(ca, "localhost", "DNS:localhost");
  Pem elsewhere = make_leaf(ca, "es.example", "DNS:es.example,DNS:*.example");
  Pem client = make_leaf(ca, "logpipe-client", "");
  TempDir dir;
  std::string ca_file = dir.file("ca.pem"), other_ca_file = dir.file("other-ca.pem"), client_cert = dir.file("client.pem"),
              client_key = dir.file("client.key");
  Pki() {
    write_file(ca_file, ca.cert);
    write_file(other_ca_file, other_ca.cert);
    write_file(client_cert, client.cert);
    write_file(client_key, client.key);
  }
};

// Answers whatever arrives on a connection with "400 Bad Request" and closes it.
class PlainHttpServer {
 public:
  PlainHttpServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io_, serve(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~PlainHttpServer() {
    io_.stop();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::awaitable<void> serve() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
      try {
        char buf[512];
        co_await socket.async_read_some(boost::asio::buffer(buf), boost::asio::use_awaitable);
        const std::string answer = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        co_await boost::asio::async_write(socket, boost::asio::buffer(answer), boost::asio::use_awaitable);
      } catch (const std::exception&) {
      }
    }
  }
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

// Accepts connections and never says anything: for the client's deadlines.
class SilentServer {
 public:
  SilentServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io_, serve(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~SilentServer() {
    io_.stop();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::awaitable<void> serve() {
    for (;;) held_.push_back(co_await acceptor_.async_accept(boost::asio::use_awaitable));
  }
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<boost::asio::ip::tcp::socket> held_;
  std::thread thread_;
};

http::Endpoint https(const std::string& host, unsigned short port) { return {host, std::to_string(port), "", true}; }

http::ClientOptions with_ca(const std::string& ca_file) {
  http::ClientOptions o;
  o.timeout = std::chrono::seconds(10);
  o.tls.ca_file = ca_file;
  return o;
}

Result<http::Response> get(const http::Endpoint& endpoint, const http::ClientOptions& options) {
  http::BeastClient client(endpoint, options);
  return client.send({"GET", "/", "", ""});
}

}  // namespace

TEST_CASE("tls: a certificate signed by the configured CA for the host name is accepted, with SNI", "[common][tls]") {
  Pki pki;
  TlsHttpServer server(pki.localhost);
  http::BeastClient client(https("localhost", server.port()), with_ca(pki.ca_file));
  auto r = client.send({"GET", "/", "", ""});
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  REQUIRE(r->header("x-sni") != nullptr);
  CHECK(*r->header("x-sni") == "localhost");
  // The connection is kept: a second request needs no second handshake.
  REQUIRE(client.send({"GET", "/", "", ""}).ok());
  CHECK(server.handshakes() == 1);
}

TEST_CASE("tls: a certificate from another CA is refused", "[common][tls]") {
  Pki pki;
  TlsHttpServer server(pki.localhost);
  auto r = get(https("localhost", server.port()), with_ca(pki.other_ca_file));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message(), Catch::StartsWith("TLS handshake with localhost:" + std::to_string(server.port()) +
                                                    ": certificate verify failed: "));
  CHECK(server.handshakes() == 0);
  // Without a CA file the system's trust store is used, which does not know the test CA either.
  auto system = get(https("localhost", server.port()), with_ca(""));
  REQUIRE_FALSE(system.ok());
  CHECK_THAT(system.error().message(), Catch::Contains("certificate verify failed"));
}

TEST_CASE("tls: a host name or IP address the certificate does not name is refused", "[common][tls]") {
  Pki pki;
  {
    TlsHttpServer server(pki.elsewhere);  // es.example and *.example, not localhost
    auto r = get(https("localhost", server.port()), with_ca(pki.ca_file));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(), Catch::EndsWith("certificate verify failed: hostname mismatch"));
  }
  {
    TlsHttpServer server(pki.localhost);  // DNS:localhost only: 127.0.0.1 is not in it
    auto r = get(https("127.0.0.1", server.port()), with_ca(pki.ca_file));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(), Catch::EndsWith("certificate verify failed: IP address mismatch"));
    CHECK(server.handshakes() == 0);
  }
  {
    Pem by_ip = make_leaf(pki.ca, "127.0.0.1", "IP:127.0.0.1");
    TlsHttpServer server(by_ip);
    auto r = get(https("127.0.0.1", server.port()), with_ca(pki.ca_file));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(*r->header("x-sni") == "");  // no SNI for an IP address (RFC 6066)
  }
}

TEST_CASE("tls: insecure mode accepts any certificate and name, still over TLS", "[common][tls]") {
  Pki pki;
  TlsHttpServer server(pki.elsewhere);
  http::ClientOptions o = with_ca("");
  o.tls.insecure = true;
  auto r = get(https("127.0.0.1", server.port()), o);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(server.handshakes() == 1);
}

TEST_CASE("tls: a server that requires a client certificate gets ours", "[common][tls]") {
  Pki pki;
  TlsHttpServer server(pki.localhost, pki.ca.cert);
  auto without = get(https("localhost", server.port()), with_ca(pki.ca_file));
  REQUIRE_FALSE(without.ok());  // TLS 1.3: the server's refusal arrives with the first read
  http::ClientOptions o = with_ca(pki.ca_file);
  o.tls.client_cert_file = pki.client_cert;
  o.tls.client_key_file = pki.client_key;
  auto with = get(https("localhost", server.port()), o);
  REQUIRE(with.ok());
  CHECK(with->status == 200);
}

TEST_CASE("tls: credentials travel as an Authorization header", "[common][tls]") {
  Pki pki;
  TlsHttpServer server(pki.localhost);
  http::ClientOptions basic = with_ca(pki.ca_file);
  basic.credentials.username = "elastic";
  basic.credentials.password = http::Secret("changeme");
  auto r = get(https("localhost", server.port()), basic);
  REQUIRE(r.ok());
  CHECK(r->body == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
  http::ClientOptions key = with_ca(pki.ca_file);
  key.credentials.api_key = http::Secret("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  r = get(https("localhost", server.port()), key);
  REQUIRE(r.ok());
  CHECK(r->body == "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  // A request that sets its own Authorization keeps it.
  http::BeastClient client(https("localhost", server.port()), basic);
  auto own = client.send({"GET", "/", "", "", {{"Authorization", "Bearer t"}}});
  REQUIRE(own.ok());
  CHECK(own->body == "Bearer t");
}

TEST_CASE("tls: the wrong scheme for the port says so", "[common][tls]") {
  Pki pki;
  TlsHttpServer tls_server(pki.localhost);
  auto plain_to_tls = get({"localhost", std::to_string(tls_server.port()), ""}, with_ca(""));
  REQUIRE_FALSE(plain_to_tls.ok());
  CHECK_THAT(plain_to_tls.error().message(), Catch::EndsWith("(is the server https://?)"));

  // A plain HTTP server answers the TLS hello with an HTTP error, as Elasticsearch's plain port does.
  PlainHttpServer plain_server;
  auto tls_to_plain = get(https("127.0.0.1", plain_server.port()), with_ca(pki.ca_file));
  REQUIRE_FALSE(tls_to_plain.ok());
  CHECK_THAT(tls_to_plain.error().message(), Catch::EndsWith("(is the server plain http://?)"));
}

TEST_CASE("tls: unusable CA, certificate or key files are reported by create()", "[common][tls]") {
  Pki pki;
  const auto endpoint = https("localhost", 1);
  auto missing = http::BeastClient::create(endpoint, with_ca(pki.dir.file("nope.pem")));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message() == "CA file " + pki.dir.file("nope.pem") + ": no such file");

  write_file(pki.dir.file("garbage.pem"), "not a certificate\n");
  auto garbage = http::BeastClient::create(endpoint, with_ca(pki.dir.file("garbage.pem")));
  REQUIRE_FALSE(garbage.ok());
  CHECK_THAT(garbage.error().message(), Catch::StartsWith("CA file " + pki.dir.file("garbage.pem") + ": "));

  http::ClientOptions mismatched = with_ca(pki.ca_file);
  mismatched.tls.client_cert_file = pki.client_cert;
  write_file(pki.dir.file("other.key"), pki.other_ca.key);
  mismatched.tls.client_key_file = pki.dir.file("other.key");
  auto wrong_key = http::BeastClient::create(endpoint, mismatched);
  REQUIRE_FALSE(wrong_key.ok());
  CHECK_THAT(wrong_key.error().message(), Catch::Contains("client key"));

  // The same client built with the constructor fails every send with that error, without connecting.
  http::BeastClient client(endpoint, with_ca(pki.dir.file("nope.pem")));
  auto r = client.send({"GET", "/", "", ""});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() == missing.error().message());

  auto fine = http::BeastClient::create(endpoint, with_ca(pki.ca_file));
  CHECK(fine.ok());
}

TEST_CASE("tls: a server that never answers is given up on after the timeout, in the handshake or the read", "[common][tls]") {
  SilentServer server;
  http::ClientOptions o = with_ca("");
  o.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto handshake = get(https("127.0.0.1", server.port()), o);
  REQUIRE_FALSE(handshake.ok());
  CHECK_THAT(handshake.error().message(), Catch::StartsWith("TLS handshake with 127.0.0.1:" + std::to_string(server.port()) + ": "));
  CHECK_THAT(handshake.error().message(), Catch::Contains("timeout"));
  auto read = get({"127.0.0.1", std::to_string(server.port()), ""}, o);
  REQUIRE_FALSE(read.ok());
  CHECK_THAT(read.error().message(), Catch::StartsWith("http read: "));
  CHECK_THAT(read.error().message(), Catch::Contains("timeout"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
