#include <catch2/catch.hpp>

#include "shipper/shipper_config.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe::shipper;
using logpipe::testing::TempDir;
using logpipe::testing::write_file;

TEST_CASE("shipper config: tcp listeners alone are a valid config, defaults follow TLS", "[shipper][tcp]") {
  TempDir dir;
  write_file(dir.file("c.yaml"),
             "kafka: {topic: 'logs-{service}'}\n"
             "tcp:\n"
             "  - service: orders\n"
             "    labels: {env: prod}\n"
             "  - service: payments\n"
             "    idle_timeout: 10m\n"
             "    tls: {enabled: true, cert_file: /c.pem, key_file: /k.pem, client_auth: required, ca_file: /ca.pem}\n"
             "wal: {dir: /var/lib/logpipe/wal, max_disk_bytes: 2GiB}\n");
  auto c = load_config(dir.file("c.yaml"));
  INFO((c.ok() ? "" : c.error().message()));
  REQUIRE(c.ok());
  CHECK(c->inputs.empty());
  REQUIRE(c->tcp.size() == 2);
  CHECK(c->tcp[0].listen == "0.0.0.0:4560");
  CHECK(c->tcp[0].idle_timeout == std::chrono::minutes(5));
  CHECK(c->tcp[0].max_connections == 1000);
  CHECK(c->tcp[1].listen == "0.0.0.0:6514");
  CHECK(c->tcp[1].tls.client_auth == "required");
  CHECK(c->wal.dir == "/var/lib/logpipe/wal");
  CHECK(c->wal.max_disk_bytes == 2LL << 30);
  CHECK(topic_for(c->kafka_topic, tcp_topic_input(c->tcp[1]), c->host).value() == "logs-payments");
}

TEST_CASE("shipper config: tcp and wal problems are reported with their key paths", "[shipper][tcp]") {
  TempDir dir;
  write_file(dir.file("c.yaml"),
             "tcp:\n"
             "  - service: a\n"
             "    listen: nowhere\n"
             "    tls: {enabled: true, client_auth: optional}\n"
             "    max_line_bytes: 10\n"
             "  - listen: 127.0.0.1:5000\n"
             "    colour: blue\n"
             "wal: {dir: /x, fsync: always}\n");
  auto c = load_config(dir.file("c.yaml"));
  REQUIRE_FALSE(c.ok());
  const std::string& e = c.error().message();
  CHECK(e.find("tcp[0]: listen: expected host:port") != std::string::npos);
  CHECK(e.find("tcp[0].tls: tls.enabled needs cert_file and key_file") != std::string::npos);
  CHECK(e.find("tcp[0].tls: client_auth optional needs ca_file") != std::string::npos);
  CHECK(e.find("tcp[0].max_line_bytes:") != std::string::npos);
  CHECK(e.find("tcp[1].service: required") != std::string::npos);
  CHECK(e.find("tcp[1].colour: unknown key") != std::string::npos);
  CHECK(e.find("wal.fsync: unknown key") != std::string::npos);
}

TEST_CASE("shipper config: without file inputs and without tcp listeners there is nothing to do", "[shipper][tcp]") {
  TempDir dir;
  write_file(dir.file("c.yaml"), "kafka: {topic: logs}\n");
  auto c = load_config(dir.file("c.yaml"));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message().find("inputs: required") != std::string::npos);
}
