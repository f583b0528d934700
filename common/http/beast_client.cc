#include "common/http/beast_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <filesystem>
#include <optional>

namespace logpipe::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

// The TLS context: trust, verification mode, client certificate. Built once per client; file errors here
// are configuration errors.
Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  auto file_error = [](const char* what, const std::string& path, const beast::error_code& e) {
    std::error_code fe;
    if (!std::filesystem::exists(path, fe)) return Error(std::string(what) + " " + path + ": no such file");
    return Error(std::string(what) + " " + path + ": " + e.message());
  };
  if (o.insecure) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (!o.ca_file.empty()) {
      ctx->load_verify_file(o.ca_file, ec);
      if (ec) return file_error("CA file", o.ca_file, ec);
    } else {
      ctx->set_default_verify_paths(ec);
      if (ec) return Error("system trust store: " + ec.message());
    }
  }
  if (!o.client_cert_file.empty()) {
    ctx->use_certificate_chain_file(o.client_cert_file, ec);
    if (ec) return file_error("client certificate", o.client_cert_file, ec);
    const std::string& key = o.client_key_file.empty() ? o.client_cert_file : o.client_key_file;
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return file_error("client key", key, ec);
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
      return Error("client key " + key + " does not belong to the certificate " + o.client_cert_file);
  }
  return ctx;
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

// One connection (plain or TLS) and the io_context that drives it. Operations are asynchronous underneath
// so the tcp_stream's deadline applies to each of them (Beast's timeouts do not cover blocking calls);
// send() runs the io_context until the operation completes.
struct BeastClient::Connection {
  boost::asio::io_context io;
  std::shared_ptr<ssl::context> tls_context;  // null: plain HTTP
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;

  bool open() const { return plain.has_value() || tls.has_value(); }
  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    if (open()) {
      beast::error_code ec;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
      tcp().socket().close(ec);
    }
    tls.reset();
    plain.reset();
  }

  // Starts an asynchronous operation with a completion handler and runs it to the end.
  template <class Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = boost::asio::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  template <class Body>
  beast::error_code write(bhttp::request<Body>& req) {
    if (tls) return run([&](auto handler) { bhttp::async_write(*tls, req, std::move(handler)); });
    return run([&](auto handler) { bhttp::async_write(*plain, req, std::move(handler)); });
  }

  beast::error_code read(beast::flat_buffer& buffer, bhttp::response_parser<bhttp::string_body>& parser) {
    if (tls) return run([&](auto handler) { bhttp::async_read(*tls, buffer, parser, std::move(handler)); });
    return run([&](auto handler) { bhttp::async_read(*plain, buffer, parser, std::move(handler)); });
  }
};

Result<Endpoint> parse_url(const std::string& url) {
  const std::string shown = redact_url(url);
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Error("invalid URL '" + shown + "': " + parsed.error().message());
  if (parsed->scheme() != "http" && parsed->scheme() != "https")
    return Error("URL '" + shown + "': the scheme must be http:// or https://");
  if (parsed->has_userinfo())
    return Error("URL '" + shown + "': credentials in the URL are not accepted; use the user/password or API key settings");
  Endpoint e;
  e.tls = parsed->scheme() == "https";
  e.host = parsed->host();
  if (e.host.empty()) return Error("URL '" + shown + "' has no host");
  // IPv6 literals come as "[::1]"; the resolver and certificate checks want the bare address.
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  e.port = parsed->has_port() ? std::string(parsed->port()) : (e.tls ? "443" : "80");
  e.base_path = parsed->path();
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  return e;
}

BeastClient::BeastClient(Endpoint endpoint, std::chrono::milliseconds timeout)
    : BeastClient(std::move(endpoint), ClientOptions{timeout, {}, {}}) {}

BeastClient::BeastClient(Endpoint endpoint, ClientOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), conn_(std::make_unique<Connection>()) {
  if (auto s = validate(options_); !s) {
    setup_ = s;
    return;
  }
  authorization_ = authorization_value(options_.credentials);
  if (endpoint_.tls) {
    auto ctx = make_tls_context(options_.tls);
    if (ctx) conn_->tls_context = *ctx;
    else setup_ = Error(ctx.error().message());
  }
}

BeastClient::~BeastClient() { conn_->close(); }

Result<std::unique_ptr<BeastClient>> BeastClient::create(Endpoint endpoint, ClientOptions options) {
  auto client = std::make_unique<BeastClient>(std::move(endpoint), std::move(options));
  if (!client->setup_) return Error(client->setup_.message());
  return client;
}

Status BeastClient::connect() {
  Connection& c = *conn_;
  const std::string where = endpoint_.host + ":" + endpoint_.port;
  beast::error_code ec;
  tcp::resolver resolver(c.io);
  auto results = resolver.resolve(endpoint_.host, endpoint_.port, ec);
  if (ec) return Error("resolve " + endpoint_.host + ": " + ec.message());
  if (c.tls_context) c.tls.emplace(c.io, *c.tls_context);
  else c.plain.emplace(c.io);
  c.tcp().expires_after(options_.timeout);
  ec = c.run([&](auto handler) { c.tcp().async_connect(results, std::move(handler)); });
  if (ec) {
    c.close();
    return Error("connect " + where + ": " + ec.message());
  }
  c.tcp().socket().set_option(tcp::no_delay(true), ec);
  if (!c.tls) return Status::Ok();

  SSL* ssl_handle = c.tls->native_handle();
  const bool ip = is_ip_literal(endpoint_.host);
  // SNI carries DNS names only (RFC 6066).
  // (SSL_set_tlsext_host_name is a macro with a C cast: the call it stands for.)
  if (!ip) SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(endpoint_.host.c_str()));
  if (!options_.tls.insecure) {
    // OpenSSL checks the name during verification, so a mismatch is reported as exactly that.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, endpoint_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, endpoint_.host.c_str(), 0);
    }
  }
  c.tcp().expires_after(options_.timeout);
  ec = c.run([&](auto handler) { c.tls->async_handshake(ssl::stream_base::client, std::move(handler)); });
  if (ec) {
    std::string why = ec.message();
    const long verify = SSL_get_verify_result(ssl_handle);
    if (verify != X509_V_OK) {
      why = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    } else if (ec.category() == boost::asio::error::get_ssl_category() &&
               ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_WRONG_VERSION_NUMBER) {
      why += " (is the server plain http://?)";
    }
    c.close();
    return Error("TLS handshake with " + where + ": " + why);
  }
  return Status::Ok();
}

Result<Response> BeastClient::send(const Request& request) {
  if (!setup_) return Error(setup_.message());
  const bool reused = conn_->open();
  auto r = send_once(request);
  // A kept-alive connection may have been closed by the server while idle: retry once on a fresh one.
  if (!r.ok() && reused) r = send_once(request);
  return r;
}

Result<Response> BeastClient::send_once(const Request& request) {
  Connection& c = *conn_;
  const bool fresh = !c.open();
  if (fresh) {
    if (auto s = connect(); !s) return Error(s.message());
  }
  // The body is sent from the caller's buffer (span_body), not copied into the message: bulk bodies are
  // megabytes and a copy of each was a measurable part of the indexer's CPU (bench/README.md).
  bhttp::request<bhttp::span_body<const char>> req;
  req.method(bhttp::string_to_verb(request.method));
  req.target(endpoint_.base_path + request.target);
  req.version(11);
  req.set(bhttp::field::host, endpoint_.host);
  req.set(bhttp::field::user_agent, "logpipe");
  req.keep_alive(true);
  if (!authorization_.empty()) req.set(bhttp::field::authorization, authorization_);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    req.set(bhttp::field::content_type, request.content_type);
    req.body() = {request.body.data(), request.body.size()};
    req.prepare_payload();
  }
  c.tcp().expires_after(options_.timeout);
  beast::error_code ec = c.write(req);
  if (ec) {
    c.close();
    return Error("http write: " + ec.message());
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  if (request.method == "HEAD") parser.skip(true);
  c.tcp().expires_after(options_.timeout);
  ec = c.read(buffer, parser);
  if (ec) {
    c.close();
    std::string why = "http read: " + ec.message();
    // A TLS-only port closes a plain-text connection without answering.
    if (fresh && !endpoint_.tls && (ec == bhttp::error::end_of_stream || ec == boost::asio::error::connection_reset))
      why += " (is the server https://?)";
    return Error(why);
  }
  auto res = parser.release();
  if (!res.keep_alive()) c.close();
  Response out{static_cast<int>(res.result_int()), std::move(res.body()), {}};
  for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

}  // namespace logpipe::http
