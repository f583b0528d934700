#pragma once
// A minimal HTTP/1.1 client interface, used for Elasticsearch/OpenSearch by the indexer and the query CLI.
// Threading: one client per thread; calls are blocking. Lifetime: owns its persistent connection.

#include <algorithm>
#include <chrono>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace logpipe::http {

struct Request {
  std::string method = "GET";  // GET | POST | PUT | DELETE | HEAD
  std::string target;          // path and query, e.g. "/_bulk?filter_path=items"
  std::string body;
  std::string content_type = "application/json";
  // Extra request headers (e.g. Content-Encoding); the client adds Host, User-Agent, Content-Type and
  // Content-Length itself.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Response {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, names as sent by the server

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return (a | 0x20) == (b | 0x20);
          }))
        return &v;
    }
    return nullptr;
  }
};

class Client {
 public:
  virtual ~Client() = default;
  // A transport error (refused, reset, timeout) is an Error; any HTTP status is a Response.
  virtual Result<Response> send(const Request& request) = 0;
};

}  // namespace logpipe::http
