#pragma once
// A minimal HTTP/1.1 client interface, used for Elasticsearch/OpenSearch by the indexer and the query CLI.
// Threading: one client per thread; calls are blocking. Lifetime: owns its persistent connection.

#include <chrono>
#include <string>

#include "common/result.h"

namespace logpipe::http {

struct Request {
  std::string method = "GET";  // GET | POST | PUT | DELETE | HEAD
  std::string target;          // path and query, e.g. "/_bulk?filter_path=items"
  std::string body;
  std::string content_type = "application/json";
};

struct Response {
  int status = 0;
  std::string body;
};

class Client {
 public:
  virtual ~Client() = default;
  // A transport error (refused, reset, timeout) is an Error; any HTTP status is a Response.
  virtual Result<Response> send(const Request& request) = 0;
};

}  // namespace logpipe::http
