#include "indexer/normalize/structured_data.h"

namespace logpipe::indexer {
namespace {

// SD-NAME: printable US-ASCII except '=', space, ']' and '"' (RFC 5424 caps it at 32 chars; longer names are
// accepted here, the line length bounds them).
bool name_char(char c) { return c > ' ' && c < 127 && c != '=' && c != ']' && c != '"'; }

std::string_view read_name(std::string_view s, size_t& i) {
  const size_t start = i;
  while (i < s.size() && name_char(s[i])) ++i;
  return s.substr(start, i - start);
}

}  // namespace

bool StructuredData::parse(std::string_view sd) {
  clear();
  if (sd.empty() || sd == "-") return true;
  if (arena.capacity() < sd.size()) arena.reserve(sd.size());  // unescaped values never outgrow the input
  auto add = [this](std::string_view id, std::string_view name, std::string_view value) {
    if (entries.size() < kMaxStructuredDataEntries) {
      entries.push_back({id, name, value});
    } else {
      truncated = true;
    }
  };
  size_t i = 0;
  while (i < sd.size()) {
    if (sd[i++] != '[') return false;
    const std::string_view id = read_name(sd, i);
    if (id.empty()) return false;
    add(id, {}, {});
    for (;;) {
      if (i >= sd.size()) return false;
      if (sd[i] == ']') {
        ++i;
        break;
      }
      if (sd[i++] != ' ') return false;
      const std::string_view name = read_name(sd, i);
      if (name.empty() || i + 1 >= sd.size() || sd[i] != '=' || sd[i + 1] != '"') return false;
      i += 2;
      // PARAM-VALUE: '"', '\' and ']' come escaped with '\'; a '\' before anything else is a plain '\'.
      const size_t start = i;
      bool escaped = false;
      while (i < sd.size() && sd[i] != '"') {
        if (sd[i] == '\\' && i + 1 < sd.size() && (sd[i + 1] == '"' || sd[i + 1] == '\\' || sd[i + 1] == ']')) {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (i >= sd.size()) return false;  // no closing quote
      std::string_view value = sd.substr(start, i - start);
      ++i;
      if (escaped) {
        const size_t at = arena.size();
        for (size_t k = 0; k < value.size(); ++k) {
          if (value[k] == '\\' && k + 1 < value.size() &&
              (value[k + 1] == '"' || value[k + 1] == '\\' || value[k + 1] == ']'))
            ++k;
          arena.push_back(value[k]);
        }
        value = std::string_view(arena.data() + at, arena.size() - at);
      }
      add(id, name, value);
    }
  }
  return true;
}

}  // namespace logpipe::indexer
