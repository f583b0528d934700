#pragma once
// How a program talks to Elasticsearch/OpenSearch beyond the URL: TLS (trust, host name verification,
// client certificate) and credentials (basic or API key). One struct for every program, so the indexer's
// config and the query CLI's flags fill the same thing and BeastClient reads only this.
//
// Secrets (password, API key) are held in `Secret`, which has no way to be printed: nothing here or in
// BeastClient puts a secret into an error message or a log line. They come from files, the environment or
// a flag; read_secret_file() never quotes what it read.

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace logpipe::http {

// A password or API key. Deliberately not streamable and without a string conversion: the only way to the
// value is reveal(), used where the Authorization header is built.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }

 private:
  std::string value_;
};

struct TlsOptions {
  std::string ca_file;           // PEM file of CA certificates to trust; empty: the system's trust store
  bool insecure = false;         // accept any certificate and host name (testing only; still encrypted)
  std::string client_cert_file;  // PEM client certificate (chain), for clusters that require one
  std::string client_key_file;   // its unencrypted PEM private key; empty: read from client_cert_file
};

struct Credentials {
  std::string username;  // set: HTTP basic authentication with `password`
  Secret password;
  Secret api_key;        // Elasticsearch API key: the "encoded" value, or "id:api_key" (encoded here)
  bool any() const { return !username.empty() || !api_key.empty(); }
};

struct ClientOptions {
  std::chrono::milliseconds timeout{30000};  // connect, TLS handshake, and each request
  TlsOptions tls;
  Credentials credentials;
};

// The Authorization header value: "Basic base64(user:password)" or "ApiKey <encoded>"; empty without
// credentials. Call validate() first (a user without password, or both kinds, are errors there).
std::string authorization_value(const Credentials& credentials);

// Checks the options without I/O: one kind of credentials, a password with a user, a key file only with a
// certificate. (TLS options are ignored for http:// URLs, so a profile can keep its CA file while a flag
// points at a local plain-HTTP cluster.)
Status validate(const ClientOptions& options);

// A secret from a file: its content without one trailing newline (LF or CR LF). An empty file is an error.
// Error messages name the file and the reason, never the content.
Result<Secret> read_secret_file(const std::string& path);

// Standard base64 (with padding), for basic authentication and "id:key" API keys.
std::string base64_encode(std::string_view data);

// `url` with any user information ("user:password@") replaced by "***@", for logs and error messages.
std::string redact_url(std::string_view url);

}  // namespace logpipe::http
