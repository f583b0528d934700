#pragma once
// An http::Client that answers through a test-provided function and records every request.

#include <functional>
#include <vector>

#include "common/http/http_client.h"

namespace logpipe::testing {

class FakeHttpClient final : public http::Client {
 public:
  using Handler = std::function<Result<http::Response>(const http::Request&)>;
  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}

  Result<http::Response> send(const http::Request& request) override {
    requests_.push_back(request);
    return handler_(request);
  }
  const std::vector<http::Request>& requests() const { return requests_; }

 private:
  Handler handler_;
  std::vector<http::Request> requests_;
};

}  // namespace logpipe::testing
