#include "common/http/status_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <charconv>

#include "common/log.h"

namespace logpipe::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

Result<std::pair<std::string, uint16_t>> parse_listen_address(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error("expected host:port, e.g. 127.0.0.1:9600");
  const std::string port = listen.substr(colon + 1);
  int n = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || n < 0 || n > 65535)
    return Error("bad port '" + port + "'");
  return std::make_pair(listen.substr(0, colon), static_cast<uint16_t>(n));
}

struct StatusServer::Impl {
  boost::asio::io_context io;
  tcp::acceptor acceptor{io};
};

StatusServer::StatusServer(metrics::Registry& registry, HealthFn health)
    : registry_(registry), health_(std::move(health)), impl_(std::make_unique<Impl>()) {}

StatusServer::~StatusServer() { stop(); }

Status StatusServer::start(const std::string& host, uint16_t port) {
  beast::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return Error("status server: bad address '" + host + "'");
  const tcp::endpoint endpoint(address, port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(16, ec);
  if (ec) return Error("status server: cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  port_ = impl_->acceptor.local_endpoint().port();

  thread_ = std::thread([this] {
    while (!stopping_) {
      beast::error_code aec;
      tcp::socket socket(impl_->io);
      impl_->acceptor.accept(socket, aec);
      if (aec) continue;  // closed by stop(), or a transient accept error
      beast::tcp_stream stream(std::move(socket));
      stream.expires_after(std::chrono::seconds(5));  // a stuck client cannot hold the server
      beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      bhttp::read(stream, buffer, req, aec);
      if (aec) continue;
      bhttp::response<bhttp::string_body> res;
      res.version(req.version());
      res.keep_alive(false);
      const std::string_view target(req.target().data(), req.target().size());
      if (req.method() != bhttp::verb::get) {
        res.result(bhttp::status::method_not_allowed);
      } else if (target == "/metrics") {
        res.result(bhttp::status::ok);
        res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
        res.body() = registry_.render_prometheus();
      } else if (target == "/health") {
        const Health h = health_ ? health_() : Health{};
        res.result(h.ok ? bhttp::status::ok : bhttp::status::service_unavailable);
        res.set(bhttp::field::content_type, "application/json");
        res.body() = std::string("{\"status\":\"") + (h.ok ? "ok" : "unhealthy") + "\",\"details\":" + h.detail_json + "}\n";
      } else {
        res.result(bhttp::status::not_found);
        res.body() = "try /metrics or /health\n";
      }
      res.prepare_payload();
      bhttp::write(stream, res, aec);
      stream.socket().shutdown(tcp::socket::shutdown_both, aec);
    }
  });
  return Status::Ok();
}

Status StatusServer::start(const std::string& listen) {
  if (listen.empty()) return Status::Ok();
  auto addr = parse_listen_address(listen);
  if (!addr) return Error("status_listen: " + addr.error().message());
  if (auto s = start(addr->first, addr->second); !s) return s;
  log::info("serving /metrics and /health", {{"port", int64_t{port_}}});
  return Status::Ok();
}

void StatusServer::stop() {
  if (stopping_.exchange(true)) return;
  beast::error_code ec;
  // Closing the acceptor does not reliably wake a blocking accept(); a dummy connection does.
  if (thread_.joinable() && port_ != 0) {
    boost::asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(impl_->acceptor.local_endpoint(ec).address(), port_), ec);
  }
  if (thread_.joinable()) thread_.join();
  impl_->acceptor.close(ec);
}

}  // namespace logpipe::http
