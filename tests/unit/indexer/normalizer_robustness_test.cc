// Truncated and corrupted inputs through every format: the builder must always produce one valid JSON
// document (run under ASan/UBSan by scripts/test.sh). Deterministic: fixed seed.

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "parsed_doc.h"

namespace {

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  for (const char* f : {"kafka-server.log", "es-server.json", "syslog.log", "nginx-access.log", "nginx-error.log"})
    for (auto& l : logpipe::test::sample_lines(f)) out.push_back(l);
  out.push_back(logpipe::test::sample_text("python.log"));
  const std::string es = logpipe::test::sample_text("es-server.log");
  out.push_back(es.substr(es.find("[2026-11-23T16:43:11,303]")));
  out.push_back(R"({"log":"{\"level\":\"warn\",\"msg\":\"slow\"}\n","stream":"stderr","time":"2024-03-05T10:11:12.4Z"})");
  out.push_back("2024-03-05T10:11:12.123456789Z stdout F WARNING:app:low disk");
  out.push_back("panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:3 +0x1d");
  out.push_back("x\n\tat a.B.c(B.java:1)\nCaused by: y\n\tat $$Lambda$/0x(Unknown Source)\n\tat 1$2$$$.(:)");
  return out;
}

}  // namespace

TEST_CASE("robustness: truncated and corrupted lines always give one valid document", "[indexer][robustness]") {
  logpipe::indexer::EventBuilder b(logpipe::indexer::BuildOptions{});
  std::mt19937 rng(12345);
  size_t built = 0;
  for (const std::string& line : corpus()) {
    for (const char* format : {"plain", "json", "cri", "docker"}) {
      auto check = [&](const std::string& value) {
        auto doc = b.build(logpipe::test::sample_record(value, format), 0);
        simdjson::dom::parser p;
        simdjson::dom::element root;
        INFO(format << ": " << value);
        REQUIRE(p.parse(doc.source).get(root) == simdjson::SUCCESS);
        ++built;
      };
      const size_t step = std::max<size_t>(1, line.size() / 40);
      for (size_t n = 0; n <= line.size(); n += step) check(line.substr(0, n));
      for (int i = 0; i < 20; ++i) {
        std::string m = line;
        for (int k = 0; k < 3 && !m.empty(); ++k) m[rng() % m.size()] = static_cast<char>(rng() % 256);
        check(m);
      }
    }
  }
  CHECK(built > 1000);
}
