#pragma once
// HTTP/1.1 over a persistent TCP connection with Boost.Beast. Reconnects once when a kept-alive connection
// turns out to be closed by the server. Plain HTTP only for now (HTTPS: issue 5).

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>
#include <optional>
#include <string>

#include "common/http/http_client.h"

namespace logpipe::http {

struct Endpoint {
  std::string host;
  std::string port;
  std::string base_path;  // prefix for every target, without trailing '/'
};

Result<Endpoint> parse_url(const std::string& url);

class BeastClient final : public Client {
 public:
  BeastClient(Endpoint endpoint, std::chrono::milliseconds timeout);
  ~BeastClient() override;
  Result<Response> send(const Request& request) override;

 private:
  Result<Response> send_once(const Request& request);
  Status connect();

  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> stream_;
};

}  // namespace logpipe::http
