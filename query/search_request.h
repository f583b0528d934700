#pragma once
// Builds the Elasticsearch query DSL from the CLI's filters. Always structural JSON: user text goes into
// JSON strings through the escaping writer, never into a query string, so there is no injection.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace logpipe::query {

struct SearchOptions {
  std::vector<std::string> hosts;     // host.name, any of
  std::vector<std::string> services;  // service.name, any of
  std::string text;                   // full-text match on message (all words)
  std::string since = "1h";           // relative window: s/m/h/d
  int64_t limit = 100;
};

// "15m" -> "now-15m" after validation; errors name the bad input.
Result<std::string> since_to_date_math(const std::string& since);
Result<std::string> build_search_body(const SearchOptions& options);

struct Hit {
  std::string timestamp;
  std::string host;
  std::string service;
  std::string level;
  std::string message;
  std::string source;  // the whole _source as JSON
};

// Parses a search response; hits come back newest first and are returned newest LAST (like tail).
Result<std::vector<Hit>> parse_hits(const std::string& body);

}  // namespace logpipe::query
