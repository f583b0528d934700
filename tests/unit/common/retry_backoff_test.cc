// When failed records are produced again: 100 ms after a failed round, doubling per further failed round
// up to 5 s, at once again after an acknowledgement; failures within the wait are the same round.

#include <catch2/catch.hpp>

#include "common/kafka/retry_backoff.h"

using namespace logpipe::kafka;
using namespace std::chrono_literals;

TEST_CASE("retry backoff: 100 ms doubling per failed round up to 5 s, reset by an acknowledgement", "[kafka]") {
  RetryBackoff b;
  auto t = std::chrono::steady_clock::time_point(10s);
  CHECK(b.ready(t));
  b.failed(t);
  CHECK(b.delay() == 100ms);
  CHECK_FALSE(b.ready(t + 99ms));
  b.failed(t + 50ms);  // the same round (other records of the same batch)
  CHECK(b.delay() == 100ms);
  CHECK(b.ready(t + 100ms));
  std::vector<long> delays;
  for (int round = 0; round < 8; ++round) {
    t += b.delay();
    b.failed(t);
    delays.push_back(static_cast<long>(b.delay().count()));
  }
  CHECK(delays == std::vector<long>{200, 400, 800, 1600, 3200, 5000, 5000, 5000});
  CHECK_FALSE(b.ready(t + 4999ms));
  b.acked();
  CHECK(b.ready(t));
  b.failed(t);
  CHECK(b.delay() == 100ms);
}
