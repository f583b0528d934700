#include "common/http/beast_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace logpipe::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

Result<Endpoint> parse_url(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Error("invalid URL '" + url + "': " + parsed.error().message());
  if (parsed->scheme() != "http") {
    return Error("URL '" + url + "': only http:// is supported in this build");
  }
  Endpoint e;
  e.host = parsed->host();
  if (e.host.empty()) return Error("URL '" + url + "' has no host");
  e.port = parsed->has_port() ? std::string(parsed->port()) : "80";
  e.base_path = parsed->path();
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  return e;
}

BeastClient::BeastClient(Endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

BeastClient::~BeastClient() {
  if (stream_) {
    beast::error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

Status BeastClient::connect() {
  beast::error_code ec;
  tcp::resolver resolver(io_);
  auto results = resolver.resolve(endpoint_.host, endpoint_.port, ec);
  if (ec) return Error("resolve " + endpoint_.host + ": " + ec.message());
  stream_.emplace(io_);
  stream_->expires_after(timeout_);
  stream_->connect(results, ec);
  if (ec) {
    stream_.reset();
    return Error("connect " + endpoint_.host + ":" + endpoint_.port + ": " + ec.message());
  }
  return Status::Ok();
}

Result<Response> BeastClient::send(const Request& request) {
  const bool reused = stream_.has_value();
  auto r = send_once(request);
  // A kept-alive connection may have been closed by the server while idle: retry once on a fresh one.
  if (!r.ok() && reused) r = send_once(request);
  return r;
}

Result<Response> BeastClient::send_once(const Request& request) {
  if (!stream_) {
    if (auto s = connect(); !s) return Error(s.message());
  }
  bhttp::request<bhttp::string_body> req;
  req.method(bhttp::string_to_verb(request.method));
  req.target(endpoint_.base_path + request.target);
  req.version(11);
  req.set(bhttp::field::host, endpoint_.host);
  req.set(bhttp::field::user_agent, "logpipe");
  req.keep_alive(true);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    req.set(bhttp::field::content_type, request.content_type);
    req.body() = request.body;
    req.prepare_payload();
  }
  beast::error_code ec;
  stream_->expires_after(timeout_);
  bhttp::write(*stream_, req, ec);
  if (ec) {
    stream_.reset();
    return Error("http write: " + ec.message());
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  if (request.method == "HEAD") parser.skip(true);
  bhttp::read(*stream_, buffer, parser, ec);
  if (ec) {
    stream_.reset();
    return Error("http read: " + ec.message());
  }
  auto res = parser.release();
  if (!res.keep_alive()) stream_.reset();
  Response out{static_cast<int>(res.result_int()), std::move(res.body()), {}};
  for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

}  // namespace logpipe::http
