#include "shipper/file_tail/file_record.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/kafka/record_format.h"

namespace logpipe::shipper {
namespace {
constexpr std::string_view kSourceFile = "file";
}  // namespace

FileRecordTemplate::FileRecordTemplate(std::string host, std::string service, std::string format,
                                       const std::map<std::string, std::string>& labels)
    : host_(std::move(host)), service_(std::move(service)), format_(std::move(format)) {
  for (const auto& [k, v] : labels) labels_.emplace_back(std::string(kafka::header::kLabelPrefix) + k, v);
}

void FileRecordTemplate::set_file(std::string_view path, const FileIdentity& id) {
  if (built_ && id == id_ && path == path_) return;
  path_.assign(path);
  id_ = id;
  rebuild();
}

void FileRecordTemplate::rebuild() {
  namespace h = kafka::header;
  file_id_ = id_.str();
  key_ = host_ + "|" + file_id_;  // = kafka::record_key() of a line with this host and file id
  version_ = kafka::packed_version_header(kSourceFile, format_, host_, service_, file_id_, path_);
  shared_.clear();
  shared_.push_back({h::kVersion, version_});
  for (const auto& [name, value] : labels_) shared_.push_back({name, value});
  shared_bytes_ = 0;
  for (const auto& hv : shared_) shared_bytes_ += static_cast<int64_t>(hv.name.size() + hv.value.size());
  built_ = true;
}

std::span<const kafka::HeaderView> FileRecordTemplate::line_headers(LineScratch& s, int64_t offset,
                                                                    std::string_view read_us, std::string_view stream,
                                                                    std::string_view runtime_time, bool truncated,
                                                                    bool unparsed) {
  namespace h = kafka::header;
  size_t n = 0;
  // lp.line = "<offset>\t<read_us>" (packed, record format version 2)
  char* const begin = s.line.data();
  const auto [end, ec] = std::to_chars(begin, begin + 24, offset);
  (void)ec;  // 24 chars hold any int64
  char* p = end;
  *p++ = kafka::kFieldSeparator;
  const size_t us = std::min(read_us.size(), s.line.size() - static_cast<size_t>(p - begin));
  std::memcpy(p, read_us.data(), us);
  s.headers[n++] = {h::kLine, std::string_view(begin, static_cast<size_t>(p - begin) + us)};
  if (!stream.empty()) s.headers[n++] = {h::kStream, stream};
  if (!runtime_time.empty()) s.headers[n++] = {h::kRuntimeTime, runtime_time};
  if (truncated || unparsed) {
    s.headers[n++] = {h::kTags, truncated && unparsed ? "_truncated,_container_unparsed"
                                : truncated           ? "_truncated"
                                                      : "_container_unparsed"};
  }
  return {s.headers.data(), n};
}

}  // namespace logpipe::shipper
