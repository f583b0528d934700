#pragma once
// HTTP/1.1 and HTTPS over a persistent connection with Boost.Beast (TLS: Boost.Asio SSL on OpenSSL).
// Reconnects once when a kept-alive connection turns out to be closed by the server.
//
// HTTPS verifies the server's certificate chain against ClientOptions::tls.ca_file (or the system's trust
// store) and its name against the URL's host (DNS name or IP address), and sends the host as SNI; only
// `insecure` turns verification off. Credentials become an Authorization header on every request that
// does not carry one. No error message contains a secret.
//
// Threading: one client per thread; calls are blocking. Lifetime: owns its connection and TLS context.

#include <chrono>
#include <memory>
#include <string>

#include "common/http/client_options.h"
#include "common/http/http_client.h"

namespace logpipe::http {

struct Endpoint {
  std::string host;
  std::string port;
  std::string base_path;  // prefix for every target, without trailing '/'
  bool tls = false;       // https://
};

// http://host[:port][/base] (port 80) or https://... (port 443). Credentials in the URL are refused (they
// would end up in shell history and logs): use ClientOptions. Errors quote the URL without its user info.
Result<Endpoint> parse_url(const std::string& url);

class BeastClient final : public Client {
 public:
  // Plain HTTP with no credentials (tests, local tools).
  BeastClient(Endpoint endpoint, std::chrono::milliseconds timeout);
  // Any endpoint. Bad options or unreadable CA/certificate/key files make every send() fail with that
  // error; create() reports it up front instead.
  BeastClient(Endpoint endpoint, ClientOptions options);
  ~BeastClient() override;

  // Validates the options and loads the TLS files now, so a bad file is a startup error.
  static Result<std::unique_ptr<BeastClient>> create(Endpoint endpoint, ClientOptions options);

  Result<Response> send(const Request& request) override;

 private:
  struct Connection;

  Result<Response> send_once(const Request& request);
  Status connect();

  Endpoint endpoint_;
  ClientOptions options_;
  std::string authorization_;
  Status setup_;  // not ok: the TLS context could not be built (see create())
  std::unique_ptr<Connection> conn_;
};

}  // namespace logpipe::http
