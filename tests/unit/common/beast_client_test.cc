// BeastClient over plain HTTP against an in-process echo server: request bodies go out byte for byte
// (they are sent from the caller's buffer, not a copy), with the right Content-Length, several requests
// share one kept-alive connection, and the caller's Request is left as it was.

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <string>
#include <thread>

#include "common/http/beast_client.h"

using namespace logpipe;

namespace {

// Answers every request with 200, the request's body as the body, and its method, Content-Length and
// Content-Type in headers; counts the connections it accepted.
class EchoServer {
 public:
  EchoServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    io_.stop();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return connections_.load(); }

 private:
  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
      ++connections_;
      boost::asio::co_spawn(io_, session(std::move(socket)), boost::asio::detached);
    }
  }
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket) {
    namespace bhttp = boost::beast::http;
    try {
      boost::beast::flat_buffer buffer;
      for (;;) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        co_await bhttp::async_read(socket, buffer, parser, boost::asio::use_awaitable);
        auto req = parser.release();
        bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
        auto length = req.find(bhttp::field::content_length);
        auto type = req.find(bhttp::field::content_type);
        res.set("x-method", std::string(req.method_string()));
        res.set("x-content-length", length == req.end() ? "none" : std::string(length->value()));
        res.set("x-content-type", type == req.end() ? "none" : std::string(type->value()));
        res.body() = std::move(req.body());
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_await bhttp::async_write(socket, res, boost::asio::use_awaitable);
      }
    } catch (const std::exception&) {
      // The client closed the connection.
    }
  }
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

std::string header(const http::Response& r, const char* name) {
  const std::string* v = r.header(name);
  return v != nullptr ? *v : "(missing)";
}

}  // namespace

TEST_CASE("http client: bodies go out byte for byte, on one kept-alive connection, the request untouched", "[common][http]") {
  EchoServer server;
  http::Endpoint e{"127.0.0.1", std::to_string(server.port()), "", false};
  http::BeastClient client(e, std::chrono::milliseconds(5000));

  // 3 MiB with every byte value (NUL included) and a multi-line ndjson start, like a bulk body.
  std::string big = "{\"create\":{}}\n{\"m\":1}\n";
  for (size_t i = 0; big.size() < 3 * 1024 * 1024; ++i) big.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  const http::Request post{"POST", "/_bulk", big, "application/x-ndjson"};
  auto r = client.send(post);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body.size() == big.size());
  CHECK(r->body == big);
  CHECK(header(*r, "x-content-length") == std::to_string(big.size()));
  CHECK(header(*r, "x-content-type") == "application/x-ndjson");
  CHECK(post.body == big);  // sent from the request's buffer, which stays as it was

  // The next requests reuse the connection: a small PUT, a GET without a body, an empty POST.
  r = client.send({"PUT", "/t", "{\"a\":1}", "application/json"});
  REQUIRE(r.ok());
  CHECK(r->body == "{\"a\":1}");
  CHECK(header(*r, "x-method") == "PUT");
  r = client.send({"GET", "/", "", "application/json"});
  REQUIRE(r.ok());
  CHECK(r->body.empty());
  CHECK(header(*r, "x-method") == "GET");
  r = client.send({"POST", "/empty", "", "application/json"});
  REQUIRE(r.ok());
  CHECK(r->body.empty());
  CHECK(header(*r, "x-content-length") == "0");
  CHECK(server.connections() == 1);
}
