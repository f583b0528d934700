#include "indexer/elasticsearch/retention.h"

#include <simdjson.h>

#include "common/time_util.h"

namespace logpipe::indexer {
namespace {

// "YYYY.MM.DD" with a plausible month and day; lexical order is then chronological order.
bool is_day(std::string_view s) {
  int y = 0, m = 0, d = 0;
  return s.size() == 10 && s[4] == '.' && s[7] == '.' && parse_digits(s, 0, 4, y) && parse_digits(s, 5, 2, m) &&
         parse_digits(s, 8, 2, d) && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

}  // namespace

std::vector<std::string> expired_indices(const std::vector<std::string>& names, const std::string& prefix, int days,
                                         int64_t now_micros) {
  std::vector<std::string> out;
  if (days <= 0) return out;
  const std::string cutoff = format_day(now_micros - int64_t{days} * 86'400'000'000LL, '.');
  for (const auto& n : names) {
    if (n.size() != prefix.size() + 10 || n.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view day = std::string_view(n).substr(prefix.size());
    if (is_day(day) && day <= cutoff) out.push_back(n);
  }
  return out;
}

Result<std::vector<std::string>> Retention::run_once(int64_t now_micros) {
  auto listed = http_.send({"GET", "/_cat/indices/" + prefix_ + "*?h=index&format=json", "", "application/json"});
  if (!listed) return Error("retention: listing indices: " + listed.error().message());
  if (listed->status != 200)
    return Error("retention: listing indices: HTTP " + std::to_string(listed->status) + ": " + listed->body.substr(0, 200));
  simdjson::dom::parser parser;
  simdjson::dom::array rows;
  if (parser.parse(listed->body).get(rows) != simdjson::SUCCESS) return Error("retention: _cat/indices is not a JSON array");
  std::vector<std::string> names;
  for (simdjson::dom::element row : rows) {
    std::string_view name;
    if (row["index"].get(name) == simdjson::SUCCESS) names.emplace_back(name);
  }
  std::vector<std::string> deleted;
  for (const auto& name : expired_indices(names, prefix_, days_, now_micros)) {
    auto r = http_.send({"DELETE", "/" + name, "", "application/json"});
    if (!r) return Error("retention: deleting " + name + ": " + r.error().message());
    if (r->status != 200 && r->status != 404)
      return Error("retention: deleting " + name + ": HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
    deleted.push_back(name);
  }
  return deleted;
}

}  // namespace logpipe::indexer
