#include <catch2/catch.hpp>

#include "shipper/multiline/multiline_joiner.h"

using namespace logpipe::shipper;
using namespace std::chrono_literals;

namespace {

// Feeds `text` line by line (offsets as in a file) and returns the events, flushing at the end.
std::vector<TailedLine> join(const MultilineOptions& o, const std::string& text) {
  auto j = MultilineJoiner::create(o);
  REQUIRE(j.ok());
  std::vector<TailedLine> out;
  const auto now = std::chrono::steady_clock::time_point{};
  int64_t offset = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    TailedLine l;
    l.offset = offset;
    l.text = text.substr(start, nl - start);
    l.end_offset = offset + static_cast<int64_t>(nl - start) + 1;
    offset = l.end_offset;
    (*j)->push(std::move(l), now, out);
    start = nl + 1;
  }
  (*j)->flush(out);
  return out;
}

MultilineOptions mode(const std::string& m) {
  MultilineOptions o;
  o.mode = m;
  return o;
}

}  // namespace

TEST_CASE("multiline java: a logback stack trace with Caused by and '... N more' is one event", "[shipper]") {
  const std::string log =
      "2024-05-14 09:15:03.020 [http-nio-8080-exec-2] ERROR c.e.checkout.CheckoutService - checkout failed\n"
      "java.lang.IllegalStateException: payment declined\n"
      "\tat com.example.checkout.CheckoutService.pay(CheckoutService.java:88)\n"
      "\tat com.example.checkout.CartController.checkout(CartController.java:41)\n"
      "Caused by: java.io.IOException: timeout\n"
      "\tat com.example.payments.Client.call(Client.java:12)\n"
      "\t... 2 more\n"
      "2024-05-14 09:15:04.660 [http-nio-8080-exec-3] INFO  c.e.checkout.CartController - next\n";
  auto ev = join(mode("java"), log);
  REQUIRE(ev.size() == 2);
  CHECK(ev.back().text == "2024-05-14 09:15:04.660 [http-nio-8080-exec-3] INFO  c.e.checkout.CartController - next");
  const auto& trace = ev[0];
  CHECK(trace.offset == 0);
  CHECK(trace.text.find("failed\njava.lang.IllegalStateException: payment declined\n\tat com.example") != std::string::npos);
  CHECK(trace.text.find("Caused by: java.io.IOException: timeout") != std::string::npos);
  CHECK(trace.text.ends_with("\t... 2 more"));
  CHECK(trace.end_offset == ev.back().offset);
}

TEST_CASE("multiline python: logging.exception output with its traceback is one event", "[shipper]") {
  const std::string log =
      "2024-05-14 09:15:03,011 ERROR payments: capture failed\n"
      "Traceback (most recent call last):\n"
      "  File \"/app/capture.py\", line 41, in capture\n"
      "    resp = client.post(url, json=body)\n"
      "ValueError: amount must be positive\n"
      "2024-05-14 09:15:04,000 INFO payments: retrying\n";
  auto ev = join(mode("python"), log);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].text.starts_with("2024-05-14 09:15:03,011 ERROR payments: capture failed\nTraceback"));
  CHECK(ev[0].text.ends_with("ValueError: amount must be positive"));
  CHECK(ev[0].offset == 0);
  CHECK(ev[1].text == "2024-05-14 09:15:04,000 INFO payments: retrying");
}

TEST_CASE("multiline python: an error-looking line outside a traceback starts a new event", "[shipper]") {
  auto ev = join(mode("python"), "first\nValueError: not part of a traceback\n");
  CHECK(ev.size() == 2);
}

TEST_CASE("multiline go: a panic with goroutine frames is one event", "[shipper]") {
  const std::string log =
      "panic: runtime error: index out of range [3] with length 3\n"
      "\n"
      "goroutine 1 [running]:\n"
      "main.handler(...)\n"
      "\t/app/main.go:21 +0x1d\n"
      "main.main()\n"
      "\t/app/main.go:9 +0x25\n"
      "exit status 2\n";
  auto ev = join(mode("go"), log);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].text.starts_with("panic: runtime error"));
  CHECK(ev[0].text.ends_with("\t/app/main.go:9 +0x25"));
  CHECK(ev[1].text == "exit status 2");
}

TEST_CASE("multiline custom: lines not matching the start pattern continue the event", "[shipper]") {
  MultilineOptions o = mode("custom");
  o.start_pattern = R"(^\d{4}-\d{2}-\d{2} )";
  auto ev = join(o, "2024-05-14 a\ncontinued\nalso\n2024-05-14 b\n");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].text == "2024-05-14 a\ncontinued\nalso");
  CHECK(ev[1].text == "2024-05-14 b");
}

TEST_CASE("multiline: max_lines and max_bytes split an event", "[shipper]") {
  MultilineOptions o = mode("java");
  o.max_lines = 3;
  auto ev = join(o, "start\n\ta\n\tb\n\tc\n\td\n");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].text == "start\n\ta\n\tb");
  CHECK(ev[1].text == "\tc\n\td");
  o.max_lines = 500;
  o.max_bytes = 10;
  ev = join(o, "start\n\taaaaaa\n");
  CHECK(ev.size() == 2);
}

TEST_CASE("multiline: an event is emitted after the timeout without a next line", "[shipper]") {
  MultilineOptions o = mode("java");
  o.timeout = 1000ms;
  auto j = MultilineJoiner::create(o);
  REQUIRE(j.ok());
  std::vector<TailedLine> out;
  const auto t0 = std::chrono::steady_clock::time_point{} + 10s;
  (*j)->push({0, 6, "start", false}, t0, out);
  (*j)->push({6, 10, "\tat", false}, t0, out);
  (*j)->flush_if_idle(t0 + 999ms, out);
  CHECK(out.empty());
  (*j)->flush_if_idle(t0 + 1000ms, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].text == "start\n\tat");
  CHECK(out[0].end_offset == 10);
}

TEST_CASE("multiline: bad options are errors, not crashes", "[shipper]") {
  MultilineOptions o = mode("custom");
  CHECK_FALSE(MultilineJoiner::create(o).ok());  // no pattern
  o.start_pattern = "(unclosed";
  auto r = MultilineJoiner::create(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("start_pattern") != std::string::npos);
  CHECK_FALSE(MultilineJoiner::create(mode("cobol")).ok());
}
