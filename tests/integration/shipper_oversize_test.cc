// A line the real broker refuses as too large: just under the shipper's max_line_bytes (1 MiB) and
// incompressible, its record is above the broker's default message.max.bytes (1,048,588 bytes per
// batch). The shipper must ship it cut and tagged _truncated, ship the lines after it, and move its
// checkpoint past it, instead of producing it again forever (shipper/pipeline.h). Kafka is read back
// with kcat.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdint>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/fakes/incompressible.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/kafka_admin.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

int64_t checkpointed(const std::string& cp) {
  const auto r = run_command("cat '" + cp + "' 2>/dev/null");
  std::smatch m;
  static const std::regex kOffset("\"offset\":([0-9]+)");
  return std::regex_search(r.out, m, kOffset) ? std::stoll(m[1].str()) : -1;
}

}  // namespace

TEST_CASE("a line above the broker's message.max.bytes is shipped cut and tagged, and its file moves on",
          "[integration]") {
  REQUIRE(run_command("command -v kcat >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = unique_name("oversize");
  std::string content;
  for (int i = 0; i < 5; ++i) content += "before " + std::to_string(i) + "\n";
  const std::string big = incompressible_line(1048500);
  content += big + "\n";
  for (int i = 0; i < 5; ++i) content += "after " + std::to_string(i) + "\n";
  write_file(dir.file("app.log"), content);
  write_file(dir.file("shipper.yaml"),
             "host: oversize-host\n"
             "kafka:\n  brokers: " + kafka_address() + "\n  topic: " + topic + "\n"
             "inputs:\n  - paths: \"" + dir.file("app.log") + "\"\n    service: oversize\n"
             "state:\n  checkpoint_file: " + dir.file("cp.json") + "\n  checkpoint_interval: 100ms\n"
             "status_listen: 127.0.0.1:0\n");
  ChildProcess shipper({LOGPIPE_SHIPPER_BIN, "-c", dir.file("shipper.yaml")}, dir.file("shipper.out"));
  REQUIRE(shipper.started());

  // Before the fix the checkpoint stayed at the start of the big line, and the shipper produced it again
  // hundreds of times a second.
  const auto size = static_cast<int64_t>(content.size());
  CHECK(wait_until([&] { return checkpointed(dir.file("cp.json")) == size; }, 60s));
  shipper.stop(SIGTERM);

  // One line per record: the value's length, then the headers (kcat prints them as name=value,...).
  const auto r = run_command("kcat -C -b " + kafka_address() + " -t " + topic + " -o beginning -e -q -f '%S %h\\n'");
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  int records = 0, cut = 0;
  size_t cut_size = 0;
  for (std::string line; std::getline(in, line); ++records) {
    if (line.find("lp.tags=_truncated") == std::string::npos) continue;
    ++cut;
    cut_size = std::stoul(line);
  }
  CHECK(records == 11);  // every line once: 5 before, the big one cut, 5 after
  CHECK(cut == 1);
  CHECK(cut_size == big.size() / 2);
  const std::string out = run_command("cat '" + dir.file("shipper.out") + "'").out;
  CHECK(out.find("producing it again with half its value") != std::string::npos);
}

TEST_CASE("a record too large for its topic even with an empty value is dropped and counted, and the topic is not "
          "reported failing",
          "[integration]") {
  REQUIRE(run_command("command -v curl >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = unique_name("toosmall");
  KafkaAdmin admin;
  // The record's key and headers alone are above 200 bytes: no cut can make it fit.
  REQUIRE(admin.create(topic, {{"max.message.bytes", "200"}}).empty());
  DropTopicAtEnd drop_topic{admin, topic};
  write_file(dir.file("app.log"), "the only line\n");
  write_file(dir.file("shipper.yaml"),
             "host: toosmall-host\n"
             "kafka:\n  brokers: " + kafka_address() + "\n  topic: " + topic + "\n"
             "inputs:\n  - paths: \"" + dir.file("app.log") + "\"\n    service: toosmall\n"
             "state:\n  checkpoint_file: " + dir.file("cp.json") + "\n  checkpoint_interval: 100ms\n"
             "status_listen: 127.0.0.1:0\n"
             "health_failing_after: 1s\n");
  ChildProcess shipper({LOGPIPE_SHIPPER_BIN, "-c", dir.file("shipper.yaml")}, dir.file("shipper.out"));
  REQUIRE(shipper.started());
  int port = 0;
  REQUIRE(wait_until([&] { return (port = status_port(shipper)) > 0; }, 30s));
  INFO(shipper.log());
  CHECK(wait_until([&] { return checkpointed(dir.file("cp.json")) == 14; }, 30s));
  const auto metrics = http_get(port, "/metrics").body;
  CHECK(metrics.find("logpipe_shipper_lines_dropped_total{reason=\"too_large_for_broker\"} 1") != std::string::npos);
  // Nothing else goes to this topic, so no acknowledgement would clear it: a refusal for size must not
  // count as a failing topic in the first place.
  std::this_thread::sleep_for(1500ms);
  const auto health = http_get(port, "/health");
  CHECK(health.code == 200);
  CHECK(health.body == "{\"status\":\"ok\",\"details\":{\"kafka\":\"connected\",\"failing_topics\":[]}}\n");
  shipper.stop(SIGTERM);
}
