#include "common/http/client_options.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace logpipe::http {

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(data[k])); };
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 0x3f];
  }
  if (const size_t rest = data.size() - i; rest > 0) {
    const uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[(n >> 18) & 0x3f];
    out += kAlphabet[(n >> 12) & 0x3f];
    out += rest == 2 ? kAlphabet[(n >> 6) & 0x3f] : '=';
    out += '=';
  }
  return out;
}

std::string authorization_value(const Credentials& c) {
  if (!c.api_key.empty()) {
    const std::string& key = c.api_key.reveal();
    // Elasticsearch prints both the "encoded" form and the id and api_key; accept "id:api_key" too.
    return "ApiKey " + (key.find(':') != std::string::npos ? base64_encode(key) : key);
  }
  if (!c.username.empty()) return "Basic " + base64_encode(c.username + ":" + c.password.reveal());
  return "";
}

Status validate(const ClientOptions& o) {
  const Credentials& c = o.credentials;
  if (!c.username.empty() && !c.api_key.empty()) return Error("give either a user name (basic authentication) or an API key, not both");
  if (!c.username.empty() && c.password.empty()) return Error("user '" + c.username + "' has no password");
  if (c.username.empty() && !c.password.empty()) return Error("a password is set but no user name");
  if (c.username.find(':') != std::string::npos) return Error("the user name must not contain ':' (basic authentication)");
  if (!o.tls.client_key_file.empty() && o.tls.client_cert_file.empty())
    return Error("a client key file needs a client certificate file");
  if (o.tls.insecure && !o.tls.ca_file.empty()) return Error("a CA file and insecure mode exclude each other");
  return Status::Ok();
}

Result<Secret> read_secret_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Error("cannot read " + path + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error("cannot read " + path);
  std::string value = ss.str();
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  if (value.empty()) return Error(path + " is empty");
  // A second line is almost certainly a mistake (e.g. a whole env file); say so without quoting it.
  if (value.find('\n') != std::string::npos) return Error(path + " has more than one line; it must hold the secret only");
  return Secret(std::move(value));
}

std::string redact_url(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  const std::string_view authority = url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + "***@" + std::string(url.substr(start + at + 1));
}

}  // namespace logpipe::http
