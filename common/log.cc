#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "common/json/json_writer.h"
#include "common/time_util.h"

namespace logpipe::log {
namespace {

std::string g_component = "logpipe";
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

}  // namespace

void set_component(std::string component) { g_component = std::move(component); }
void set_min_level(Level level) { g_min_level = static_cast<int>(level); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string line;
  line.reserve(160);
  json::Writer w(line);
  w.begin_object()
      .kv("@timestamp", format_rfc3339_millis(now))
      .kv("log.level", level_name(level))
      .kv("service.name", g_component)
      .kv("message", message);
  for (const auto& [k, v] : fields) {
    w.key(k);
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string_view>) w.string(x);
          else if constexpr (std::is_same_v<T, bool>) w.boolean(x);
          else w.number(x);
        },
        v);
  }
  w.end_object();
  line.push_back('\n');
  // One write(2) per line keeps lines from interleaving between threads.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace logpipe::log
