// deploy/stack.sh's own failure reports, on a stack directory of this test's own:
//  - a port that is the local end of an open connection (any client's, when the port is in the kernel's
//    ephemeral range) is refused before a JVM starts, with an error that says so;
//  - an engine that dies while starting is reported on one line with the reason from its logs.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;

namespace {

std::string stack_up_kafka(const std::string& dir, int port, int controller_port, const std::string& extra_env = "") {
  return "LOGPIPE_STACK_DIR=" + dir + " LOGPIPE_KAFKA_PORT=" + std::to_string(port) +
         " LOGPIPE_KAFKA_CONTROLLER_PORT=" + std::to_string(controller_port) + " " + extra_env + " " +
         LOGPIPE_STACK_SCRIPT + " up kafka 2>&1";
}

// A connected TCP socket to the shared broker; returns its fd and local port.
int connect_to_broker(int& local_port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::stoi(env_or("LOGPIPE_KAFKA_PORT", "9092"))));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return -1;
  sockaddr_in me{};
  socklen_t len = sizeof me;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&me), &len);
  local_port = ntohs(me.sin_port);
  return fd;
}

}  // namespace

TEST_CASE("stack.sh refuses a port held by an open connection, before starting anything", "[integration]") {
  TempDir dir;
  int held = 0;
  const int fd = connect_to_broker(held);  // the kernel picks the local port from its ephemeral range
  REQUIRE(fd >= 0);
  auto r = run_command(stack_up_kafka(dir.file("stack"), held, 29193));
  ::close(fd);
  INFO(r.out);
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("port " + std::to_string(held) + " is the local port of an open connection") != std::string::npos);
  CHECK(r.out.find("starting Kafka") == std::string::npos);
}

TEST_CASE("stack.sh names the reason when an engine dies while starting", "[integration]") {
  TempDir dir;
  // A heap too small for the JVM to start: Kafka's process exits at once.
  auto r = run_command(stack_up_kafka(dir.file("stack"), 29192, 29193, "LOGPIPE_KAFKA_HEAP=1k"));
  INFO(r.out);
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("kafka process exited before becoming ready: Error occurred during initialization of VM") !=
        std::string::npos);
  run_command("LOGPIPE_STACK_DIR=" + dir.file("stack") + " " + LOGPIPE_STACK_SCRIPT + " down kafka >/dev/null 2>&1");
}
