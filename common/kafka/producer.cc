#include "common/kafka/producer.h"

namespace logpipe::kafka {

bool cut_value_in_half(OutRecord& record) {
  if (record.value.empty()) return false;
  record.value.resize(record.value.size() / 2);
  for (auto& [name, value] : record.headers) {
    if (name != header::kTags) continue;
    bool tagged = false;
    for_each_tag(value, [&](std::string_view tag) { tagged = tagged || tag == kTruncatedTag; });
    if (!tagged) value = value.empty() ? std::string(kTruncatedTag) : value + "," + std::string(kTruncatedTag);
    return true;
  }
  record.headers.emplace_back(header::kTags, kTruncatedTag);
  return true;
}

}  // namespace logpipe::kafka
