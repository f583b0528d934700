#pragma once
// The Kafka record of a file's lines (schemas/kafka-record.md, packed layout of version 2, built here
// rather than with kafka::encode_headers so that a line costs only its value and a few headers of its
// own): the key and the headers every line of one file shares (lp.v packing version, source, format,
// host, service, file id and path; the labels) are built once per file, and again only when its path or
// identity changes; per line come lp.line (offset and read time) and, when set, lp.stream,
// lp.runtime_time, lp.tags. The pipeline's unit tests check that kafka::decode_headers reads these
// records back as encode_headers would have written them.
// Threading: single-threaded. Not copyable: the header views point into the object.

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/kafka/producer.h"
#include "shipper/file_tail/file_identity.h"

namespace logpipe::shipper {

class FileRecordTemplate {
 public:
  FileRecordTemplate(std::string host, std::string service, std::string format,
                     const std::map<std::string, std::string>& labels);
  FileRecordTemplate(const FileRecordTemplate&) = delete;
  FileRecordTemplate& operator=(const FileRecordTemplate&) = delete;

  // Points the template at a file; cheap when neither the path nor the identity changed.
  void set_file(std::string_view path, const FileIdentity& id);

  std::string_view key() const { return key_; }
  std::span<const kafka::HeaderView> shared() const { return shared_; }
  // Bytes of the shared headers' names and values, and their count (for memory accounting).
  int64_t shared_bytes() const { return shared_bytes_; }

  // A line's own headers, formatted into `scratch` (reused from line to line; the views point into it
  // and into constants). `read_us` (digits) is formatted once per batch by the caller.
  struct LineScratch {
    std::array<char, 48> line;  // "<offset>\t<read_us>": two int64s and the separator
    std::array<kafka::HeaderView, 4> headers;
  };
  static std::span<const kafka::HeaderView> line_headers(LineScratch& scratch, int64_t offset, std::string_view read_us,
                                                         std::string_view stream, std::string_view runtime_time,
                                                         bool truncated, bool unparsed);

 private:
  void rebuild();

  std::string host_, service_, format_;
  std::vector<std::pair<std::string, std::string>> labels_;  // header name, value
  std::string path_, file_id_, key_, version_;
  FileIdentity id_;
  bool built_ = false;
  std::vector<kafka::HeaderView> shared_;
  int64_t shared_bytes_ = 0;
};

}  // namespace logpipe::shipper
