#pragma once
// The programs' own logs: one JSON object per line on stderr, so they can be shipped like any other
// service's logs. Thread-safe; a line is written with a single write(2).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace logpipe::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };

using Value = std::variant<std::string_view, int64_t, double, bool>;
using Field = std::pair<std::string_view, Value>;

void set_component(std::string component);
void set_min_level(Level level);
void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kError, m, f); }

}  // namespace logpipe::log
