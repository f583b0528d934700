#pragma once
// An HTTPS server in the test process (Boost.Beast over Asio SSL, on 127.0.0.1 and a free port), for the
// TLS client tests. Every request gets 200 with the request's Authorization header as the body and the
// SNI name the client sent in the "x-sni" header; it records how many TLS handshakes succeeded.
// Optionally requires a client certificate signed by a given CA.
// Lifetime: serves on its own thread from construction until destruction.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <string>
#include <thread>

#include "tests/fakes/test_certificates.h"

namespace logpipe::testing {

class TlsHttpServer {
 public:
  // client_ca: when not empty, a client certificate signed by it is required.
  TlsHttpServer(const Pem& server, const std::string& client_ca = "")
      : ctx_(boost::asio::ssl::context::tls_server), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain(boost::asio::buffer(server.cert));
    ctx_.use_private_key(boost::asio::buffer(server.key), boost::asio::ssl::context::pem);
    if (!client_ca.empty()) {
      ctx_.add_certificate_authority(boost::asio::buffer(client_ca));
      ctx_.set_verify_mode(boost::asio::ssl::verify_peer | boost::asio::ssl::verify_fail_if_no_peer_cert);
    }
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsHttpServer() {
    io_.stop();
    thread_.join();
  }
  TlsHttpServer(const TlsHttpServer&) = delete;
  TlsHttpServer& operator=(const TlsHttpServer&) = delete;

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  int handshakes() const { return handshakes_.load(); }

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
      boost::asio::co_spawn(io_, session(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    Stream stream(std::move(socket), ctx_);
    try {
      co_await stream.async_handshake(boost::asio::ssl::stream_base::server, boost::asio::use_awaitable);
      ++handshakes_;
      const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      boost::beast::flat_buffer buffer;
      for (;;) {
        http::request<http::string_body> req;
        co_await http::async_read(stream, buffer, req, boost::asio::use_awaitable);
        http::response<http::string_body> res{http::status::ok, 11};
        auto auth = req.find(http::field::authorization);
        res.body() = auth == req.end() ? "" : std::string(auth->value());
        res.set("x-sni", sni != nullptr ? sni : "");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_await http::async_write(stream, res, boost::asio::use_awaitable);
      }
    } catch (const std::exception&) {
      // The client went away or failed the handshake: that is what the tests provoke.
    }
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<int> handshakes_{0};
  std::thread thread_;
};

}  // namespace logpipe::testing
