#include "indexer/normalize/level.h"

#include <catch2/catch.hpp>
#include <string>

using logpipe::indexer::canonical_level;

namespace {
std::string level(std::string_view s) {
  auto l = canonical_level(s);
  return l ? std::string(*l) : "<none>";
}
std::string level(int64_t n) {
  auto l = canonical_level(n);
  return l ? std::string(*l) : "<none>";
}
}  // namespace

TEST_CASE("level: written names map to trace/debug/info/warn/error/fatal", "[indexer][level]") {
  CHECK(level("TRACE") == "trace");
  CHECK(level("FINEST") == "trace");
  CHECK(level("DEBUG") == "debug");
  CHECK(level("debug2") == "debug");
  CHECK(level("INFO ") == "info");  // %-5level padding
  CHECK(level("Information") == "info");
  CHECK(level("notice") == "info");
  CHECK(level("LOG") == "info");  // PostgreSQL
  CHECK(level("WARN") == "warn");
  CHECK(level("WARNING") == "warn");
  CHECK(level("warn") == "warn");
  CHECK(level("ERR") == "error");
  CHECK(level("error") == "error");
  CHECK(level("SEVERE") == "error");
  CHECK(level("FATAL") == "fatal");
  CHECK(level("CRITICAL") == "fatal");
  CHECK(level("crit") == "fatal");
  CHECK(level("emerg") == "fatal");
  CHECK(level("PANIC") == "fatal");
  CHECK(level("3") == "error");  // a syslog severity written as a string
  CHECK(level("LOUD") == "<none>");
  CHECK(level("") == "<none>");
}

TEST_CASE("level: numbers are syslog severities, Python levels or logback level_value", "[indexer][level]") {
  CHECK(level(int64_t{0}) == "fatal");
  CHECK(level(int64_t{3}) == "error");
  CHECK(level(int64_t{4}) == "warn");
  CHECK(level(int64_t{6}) == "info");
  CHECK(level(int64_t{7}) == "debug");
  CHECK(level(int64_t{20}) == "info");
  CHECK(level(int64_t{50}) == "fatal");
  CHECK(level(int64_t{40000}) == "error");
  CHECK(level(int64_t{5000}) == "trace");
  CHECK(level(int64_t{12345}) == "<none>");
}
