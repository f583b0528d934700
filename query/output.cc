#include "query/output.h"

namespace logpipe::query {

std::string render(const std::vector<Hit>& hits, Format format) {
  std::string out;
  for (const auto& h : hits) {
    switch (format) {
      case Format::kJsonl: out += h.source; break;
      case Format::kRaw: out += h.message; break;
      case Format::kPretty:
        out += h.timestamp + " " + h.host + " " + h.service + " ";
        if (!h.level.empty()) out += h.level + " ";
        out += h.message;
        break;
    }
    out += '\n';
  }
  return out;
}

}  // namespace logpipe::query
