#pragma once
// Where the integration tests find the shared local stack (deploy/stack.sh honours the same variables), and
// reading a topic back with kcat.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/process.h"

namespace logpipe::testing {

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// The shared stack's broker (LOGPIPE_KAFKA_PORT, default 9092).
inline std::string kafka_address() { return "127.0.0.1:" + env_or("LOGPIPE_KAFKA_PORT", "9092"); }

// A topic or index name no other run shares: prefix, pid, and the clock.
inline std::string unique_name(const std::string& prefix) {
  return prefix + std::to_string(::getpid()) + "x" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

// Key -> the numbers after "seq=" in each value, in topic order (per partition; a key has one partition).
inline std::map<std::string, std::vector<long>> seq_numbers_by_key(const std::string& broker, const std::string& topic) {
  auto r = run_command("kcat -C -b " + broker + " -t " + topic + " -e -q -f '%k\\t%s\\n' 2>/dev/null");
  std::map<std::string, std::vector<long>> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    const auto eq = line.find("seq=");
    if (tab == std::string::npos || eq == std::string::npos) continue;
    out[line.substr(0, tab)].push_back(std::stol(line.substr(eq + 4)));
  }
  return out;
}

}  // namespace logpipe::testing
