#include <catch2/catch.hpp>

#include "common/ack_tracker.h"

using logpipe::AckTracker;

TEST_CASE("watermark moves only over a contiguous prefix of acknowledged lines", "[common]") {
  AckTracker t(100);
  t.sent(1, 110);
  t.sent(2, 120);
  t.sent(3, 130);
  CHECK(t.watermark() == 100);
  t.acked(2);
  CHECK(t.watermark() == 100);  // line 1 still unacknowledged
  t.acked(3);
  CHECK(t.watermark() == 100);
  t.acked(1);
  CHECK(t.watermark() == 130);
  CHECK(t.pending() == 0);
}

TEST_CASE("acks from before a reset are ignored", "[common]") {
  AckTracker t;
  t.sent(1, 10);
  t.reset(0);
  t.acked(1);
  CHECK(t.watermark() == 0);
  t.sent(2, 5);
  t.acked(2);
  CHECK(t.watermark() == 5);
}
