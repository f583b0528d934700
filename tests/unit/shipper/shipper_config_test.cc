#include <catch2/catch.hpp>

#include "shipper/shipper_config.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe::shipper;
using logpipe::testing::TempDir;
using logpipe::testing::write_file;

TEST_CASE("shipper config: every problem is reported with its key path", "[shipper]") {
  TempDir dir;
  write_file(dir.file("c.yaml"),
             "kafka: {topic: logs, brokrs: x}\n"
             "inputs:\n"
             "  - paths: /var/log/a.log\n"
             "    service: a\n"
             "    multiline: {mode: custom, start_pattern: '(unclosed'}\n"
             "  - service: b\n"
             "tail: {max_line_bytes: 12parsecs}\n");
  auto c = load_config(dir.file("c.yaml"));
  REQUIRE_FALSE(c.ok());
  const std::string& e = c.error().message();
  CHECK(e.find("kafka.brokrs: unknown key") != std::string::npos);
  CHECK(e.find("inputs[0].multiline: multiline.start_pattern:") != std::string::npos);
  CHECK(e.find("inputs[1].paths: required") != std::string::npos);
  CHECK(e.find("tail.max_line_bytes:") != std::string::npos);
}

TEST_CASE("shipper config: the example config is valid", "[shipper]") {
  auto c = load_config(LOGPIPE_SOURCE_DIR "/examples/shipper.yaml");
  INFO((c.ok() ? "" : c.error().message()));
  REQUIRE(c.ok());
  CHECK(c->inputs.size() == 2);
  CHECK(c->inputs[0].multiline.mode == "java");
}

TEST_CASE("shipper config: topic templates use service, host and labels, unknown placeholders are errors", "[shipper]") {
  InputConfig in;
  in.service = "checkout";
  in.labels = {{"team", "pay"}};
  CHECK(topic_for("logs-{service}", in, "web-1").value() == "logs-checkout");
  CHECK(topic_for("{label.team}.{host}.{service}", in, "web-1").value() == "pay.web-1.checkout");
  CHECK(topic_for("plain", in, "h").value() == "plain");
  CHECK_FALSE(topic_for("logs-{nope}", in, "h").ok());
  CHECK_FALSE(topic_for("logs-{label.missing}", in, "h").ok());
  CHECK_FALSE(topic_for("logs-{service", in, "h").ok());
  // Names Kafka would refuse at the first record are config errors.
  in.service = "check out/v2";
  CHECK(topic_for("logs-{service}", in, "h").error().message() ==
        "'logs-check out/v2' is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not '.' or '..')");
  CHECK(topic_for("logs", in, "h").ok());  // the service is not in it
  CHECK_FALSE(topic_for(std::string(250, 'a'), in, "h").ok());
  CHECK(topic_for(std::string(249, 'a'), in, "h").ok());
  CHECK_FALSE(topic_for("..", in, "h").ok());
  in.service = "checkout";

  TempDir dir;
  write_file(dir.file("c.yaml"), "kafka: {topic: 'logs-{labl.team}'}\ninputs: [{paths: /a.log, service: a}]\n");
  auto c = load_config(dir.file("c.yaml"));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message().find("kafka.topic (for inputs[0]): unknown placeholder {labl.team}") != std::string::npos);

  write_file(dir.file("d.yaml"), "kafka: {topic: 'logs-{service}'}\ninputs: [{paths: /a.log, service: ok}, {paths: /b.log, service: 'my app'}]\n");
  auto d = load_config(dir.file("d.yaml"));
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message().find("kafka.topic (for inputs[1]): 'logs-my app' is not a valid Kafka topic name") != std::string::npos);
  CHECK(d.error().message().find("inputs[0]") == std::string::npos);
}

TEST_CASE("shipper config: host and service with control characters are refused (they travel tab-separated)", "[shipper]") {
  TempDir dir;
  write_file(dir.file("c.yaml"), "host: \"web\\t1\"\ninputs: [{paths: /a.log, service: \"a\\nb\"}, {paths: /b.log, service: ok}]\n");
  auto c = load_config(dir.file("c.yaml"));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message().find("host: must not contain control characters") != std::string::npos);
  CHECK(c.error().message().find("inputs[0].service: must not contain control characters") != std::string::npos);
  CHECK(c.error().message().find("inputs[1].service") == std::string::npos);
}
