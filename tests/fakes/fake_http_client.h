#pragma once
// An http::Client that answers through a test-provided function and records every request. Thread-safe
// (several bulk workers may share one handler); the handler runs outside the lock, so it may block.

#include <functional>
#include <mutex>
#include <vector>

#include "common/http/http_client.h"

namespace logpipe::testing {

class FakeHttpClient final : public http::Client {
 public:
  using Handler = std::function<Result<http::Response>(const http::Request&)>;
  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}

  Result<http::Response> send(const http::Request& request) override {
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    return handler_(request);
  }
  std::vector<http::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  Handler handler_;
  mutable std::mutex mu_;
  std::vector<http::Request> requests_;
};

}  // namespace logpipe::testing
