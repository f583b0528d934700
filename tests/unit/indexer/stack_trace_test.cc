#include "indexer/normalize/stack_trace.h"

#include <catch2/catch.hpp>
#include <string>

#include "parsed_doc.h"

using logpipe::indexer::extract_error;
using logpipe::indexer::fingerprint_trace;

namespace {

const std::string kJava =
    "payment failed\n"
    "java.lang.IllegalStateException: card declined: id=4711\n"
    "\tat com.shop.Payment.lambda$pay$3(Payment.java:42)\n"
    "\tat com.shop.Payment$$Lambda$812/0x0000000800c0b040.apply(Unknown Source)\n"
    "\tat jdk.internal.reflect.GeneratedMethodAccessor17.invoke(Unknown Source)\n"
    "\tat java.base/java.util.Optional.map(Optional.java:260)\n"
    "\tat com.shop.Api.checkout(Api.java:17)\n"
    "\tat com.shop.Main.main(Main.java:5)\n"
    "Caused by: java.io.IOException: timeout\n"
    "\tat com.shop.Net.read(Net.java:9)\n";

std::string fp(const std::string& text) { return std::string(extract_error(text).fingerprint_view()); }

}  // namespace

TEST_CASE("stack trace: Java exception line, message and trace", "[indexer][stack_trace]") {
  const auto e = extract_error(kJava);
  REQUIRE(e.found);
  CHECK(e.type == "java.lang.IllegalStateException");
  CHECK(e.message == "card declined: id=4711");
  CHECK(e.stack_trace.substr(0, 31) == "java.lang.IllegalStateException");
  CHECK(e.fingerprint_view().size() == 16);
}

TEST_CASE("stack trace: the fingerprint ignores line numbers, lambda and generated numbers, message",
          "[indexer][stack_trace]") {
  std::string rebuilt = kJava;
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t p = rebuilt.find(from);
    REQUIRE(p != std::string::npos);
    rebuilt.replace(p, from.size(), to);
  };
  replace("Payment.java:42", "Payment.java:44");
  replace("lambda$pay$3", "lambda$pay$0");
  replace("$$Lambda$812/0x0000000800c0b040", "$$Lambda$97/0x00000008001a2c40");
  replace("GeneratedMethodAccessor17", "GeneratedMethodAccessor3");
  replace("java.base/", "");
  replace("id=4711", "id=815");
  replace("java.io.IOException: timeout", "java.net.SocketException: reset");  // below the top frames
  CHECK(fp(rebuilt) == fp(kJava));

  SECTION("a different exception type is a different bug") {
    std::string other = kJava;
    other.replace(other.find("IllegalStateException"), 21, "IllegalArgumentException");
    CHECK(fp(other) != fp(kJava));
  }
  SECTION("a different method among the top frames is a different bug") {
    std::string other = kJava;
    other.replace(other.find("Api.checkout"), 12, "Api.refund");
    CHECK(fp(other) != fp(kJava));
  }
  SECTION("frames below the top five do not count") {
    std::string other = kJava;
    other.replace(other.find("Main.main"), 9, "Main.start");
    CHECK(fp(other) == fp(kJava));
  }
}

TEST_CASE("stack trace: a real Elasticsearch trace (no exception line: type unknown)", "[indexer][stack_trace]") {
  const std::string text = logpipe::test::sample_text("es-server.log");
  const std::string record = text.substr(text.find("[2026-11-23T16:43:11,303]"));
  const auto e = extract_error(record);
  REQUIRE(e.found);
  // The exception's toString() spans two lines before the frames; neither is `qualified.Name: ...`.
  CHECK(e.type.empty());
  CHECK(e.fingerprint_view().size() == 16);
  // The same frames from another build of Elasticsearch (module versions differ) group together.
  std::string other = record;
  for (size_t p; (p = other.find("@8.19.21/")) != std::string::npos;) other.replace(p, 9, "@8.19.22/");
  CHECK(fp(other) == fp(record));
}

TEST_CASE("stack trace: a real Python traceback", "[indexer][stack_trace]") {
  const std::string text = logpipe::test::sample_text("python.log");
  const auto e = extract_error(text);
  REQUIRE(e.found);
  CHECK(e.type == "ValueError");
  CHECK(e.message == "invalid literal for int() with base 10: 'abc'");
  CHECK(e.stack_trace.substr(0, 34) == "Traceback (most recent call last):");
  CHECK(e.stack_trace.ends_with("base 10: 'abc'"));
  std::string moved = text;
  moved.replace(moved.find("line 9"), 6, "line 19");
  CHECK(fp(moved) == fp(text));
  std::string other = text;
  other.replace(other.find("in parse"), 8, "in parse_qty");
  CHECK(fp(other) != fp(text));
}

TEST_CASE("stack trace: a Go panic", "[indexer][stack_trace]") {
  const std::string text =
      "panic: runtime error: index out of range [5] with length 3\n\n"
      "goroutine 1 [running]:\n"
      "main.lookup(...)\n\t/src/app/main.go:8\n"
      "main.main()\n\t/src/app/main.go:12 +0x1d\n"
      "exit status 2";
  const auto e = extract_error(text);
  REQUIRE(e.found);
  CHECK(e.type == "panic");
  CHECK(e.message == "runtime error: index out of range [5] with length 3");
  std::string moved = text;
  moved.replace(moved.find("main.go:12 +0x1d"), 16, "main.go:14 +0x2f");
  CHECK(fp(moved) == fp(text));
}

TEST_CASE("stack trace: ordinary multi-line text is not a trace", "[indexer][stack_trace]") {
  CHECK_FALSE(extract_error("line one\nline two\n\tindented").found);
  CHECK_FALSE(extract_error("at the beginning\nat the end").found);
  CHECK_FALSE(extract_error("").found);
  std::array<char, 17> out{};
  CHECK_FALSE(fingerprint_trace("X", "no frames here", out));
}
