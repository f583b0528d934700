#include "shipper/tcp_input/json_array.h"

namespace logpipe::shipper::tcp {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool looks_like_array(std::string_view line) {
  for (char c : line) {
    if (!is_ws(c)) return c == '[';
  }
  return false;
}

bool JsonArraySplitter::split(std::string_view line, std::vector<std::string_view>& elements) {
  if (!looks_like_array(line)) return false;
  simdjson::dom::array array;
  if (parser_.parse(line.data(), line.size()).get(array) != simdjson::SUCCESS) return false;
  // simdjson has validated the whole text (structure and UTF-8), so a scan that only tracks strings and
  // nesting finds the top-level commas exactly.
  const std::string_view body = trim(line);  // "[ ... ]"
  size_t start = 1;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 1; i + 1 < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      elements.push_back(trim(body.substr(start, i - start)));
      start = i + 1;
    }
  }
  const std::string_view last = trim(body.substr(start, body.size() - 1 - start));
  if (!last.empty()) elements.push_back(last);
  return true;
}

}  // namespace logpipe::shipper::tcp
