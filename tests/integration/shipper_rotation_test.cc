// The shipper's at-least-once promise on the real broker: a writer appends numbered lines and rotates
// the file (rename + create, then copytruncate, alternating) while the shipper is killed with SIGKILL and
// restarted several times. Every line number must reach Kafka, and per file the first occurrences must be
// in order. Kafka is read back with kcat (installed by scripts/install-deps.sh).

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::vector<long>> read_topic(const std::string& topic) { return seq_numbers_by_key(kafka_address(), topic); }

}  // namespace

TEST_CASE("rotation (rename and copytruncate) under repeated kill -9: every line reaches Kafka, in order per file",
          "[integration]") {
  REQUIRE(run_command("command -v kcat >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string topic = unique_name("rot");
  const std::string log = dir.file("app.log");
  write_file(dir.file("shipper.yaml"),
             "host: rot-host\n"
             // A long linger keeps lines read-but-unacknowledged for a while, so every kill lands while
             // some are in flight: checkpointing anything but the acknowledged watermark would lose them.
             "kafka:\n  brokers: " + kafka_address() + "\n  topic: " + topic + "\n  properties: {linger.ms: \"300\"}\n"
             "inputs:\n  - paths: \"" + log + "*\"\n    service: rot\n"
             "state:\n  checkpoint_file: " + dir.file("cp.json") + "\n  checkpoint_interval: 100ms\n"
             "tail:\n  scan_interval: 200ms\n"
             "status_listen: 127.0.0.1:0\n");
  auto start = [&] {
    auto p = std::make_unique<ChildProcess>(std::vector<std::string>{LOGPIPE_SHIPPER_BIN, "-c", dir.file("shipper.yaml")},
                                            dir.file("shipper.out"));
    REQUIRE(p->started());
    return p;
  };
  auto shipper = start();

  // About 2000 lines/s: each file lives for seconds, so checkpoints are written while it is being read.
  constexpr long kLines = 12000;
  constexpr long kChunk = 100;
  int rotations = 0;
  int kills = 0;
  long seq = 0;
  while (seq < kLines) {
    std::string chunk;
    for (long i = 0; i < kChunk; ++i) chunk += "seq=" + std::to_string(++seq) + " some payload to make the line longer\n";
    append_file(log, chunk);
    if (seq % 3000 == 0) {
      ++rotations;
      const std::string rotated = log + "." + std::to_string(rotations);
      if (rotations % 2 == 1) {
        std::filesystem::rename(log, rotated);  // rename + create (the next append creates it)
      } else {
        std::filesystem::copy_file(log, rotated);  // copytruncate
        const int fd = ::open(log.c_str(), O_WRONLY | O_TRUNC);
        REQUIRE(fd >= 0);
        ::close(fd);
      }
    }
    if (seq % 2500 == 1300) {  // 1300, 3800, 6300, 8800, 11300: moments unrelated to rotations
      std::this_thread::sleep_for(150ms);
      shipper->stop(SIGKILL);
      ++kills;
      shipper = start();
    }
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(kills >= 5);
  REQUIRE(rotations >= 4);

  std::map<std::string, std::vector<long>> by_file;
  std::set<long> seen;
  const bool complete = wait_until(
      [&] {
        by_file = read_topic(topic);
        seen.clear();
        for (const auto& [key, values] : by_file) seen.insert(values.begin(), values.end());
        return static_cast<long>(seen.size()) >= kLines;
      },
      120s);
  INFO(shipper->log());
  REQUIRE(complete);
  CHECK(*seen.begin() == 1);
  CHECK(*seen.rbegin() == kLines);
  // Per file (Kafka key), the first time each number appears, numbers go up: replays after a crash repeat
  // a tail of the file, they never reorder it.
  for (const auto& [key, values] : by_file) {
    std::set<long> firsts;
    long last_first = 0;
    for (long v : values) {
      if (!firsts.insert(v).second) continue;
      INFO("file " << key << ": " << v << " after " << last_first);
      CHECK(v > last_first);
      last_first = v;
    }
  }
  CHECK(shipper->stop() == 0);
}
