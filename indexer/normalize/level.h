#pragma once
// Log level normalization: `log.level` is always one of trace, debug, info, warn, error, fatal when the
// written level is known (any case; logback/log4j/JUL/Python/syslog/PostgreSQL names, syslog severities
// 0-7, logback level_value and Python numeric levels), else the written level lowercased.
// Table in schemas/event-schema.md.

#include <cstdint>
#include <optional>
#include <string_view>

namespace logpipe::indexer {

// The canonical name for a written level, or nullopt if it is not a known one.
std::optional<std::string_view> canonical_level(std::string_view written);
// Numbers: 0-7 syslog severity, 5/10/20/30/40/50 Python, 5000..50000 logback level_value.
std::optional<std::string_view> canonical_level(int64_t number);

}  // namespace logpipe::indexer
