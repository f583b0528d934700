#pragma once
// Unwraps container runtime log files into the lines the application wrote:
//   docker  json-file driver: {"log":"text\n","stream":"stdout","time":"2024-...Z"} per line; a "log"
//           without a trailing "\n" is a partial (Docker splits lines at 16 KiB) and is joined with the
//           following records up to the one that ends the line
//   cri     Kubernetes /var/log/containers: "<RFC3339Nano time> <stdout|stderr> <P|F> <content>"; P records
//           are joined until the F record
// The joined line keeps the offset of its first record and ends where its last record ends. A record that
// does not parse is passed on as it is, tagged (container_error), never dropped.
// Threading: single-threaded (one per tailed file). The JSON parser and its buffers are shared by all
// unwrappers of a thread (one per thread), so a hundred docker files do not hold a hundred parsers.

#include <optional>
#include <string>
#include <vector>

#include "shipper/file_tail/file_tailer.h"

namespace logpipe::shipper {

class ContainerUnwrapper {
 public:
  enum class Kind { kDocker, kCri };
  explicit ContainerUnwrapper(Kind kind) : kind_(kind) {}

  // Appends complete application lines (text, stream, runtime_time set) to `out`.
  void push(const LineView& raw, std::vector<TailedLine>& out);
  void push(const TailedLine& raw, std::vector<TailedLine>& out) {
    push(LineView{raw.offset, raw.end_offset, raw.text, raw.truncated}, out);
  }
  // Memory held by a partial line (for the pipeline's memory budget).
  int64_t held_bytes() const { return partial_ ? static_cast<int64_t>(partial_->text.capacity()) : 0; }
  bool has_partial() const { return partial_.has_value(); }
  // Emits a partial line as it is (the file finished or went idle).
  void flush(std::vector<TailedLine>& out);

 private:
  void append(TailedLine piece, bool complete, std::vector<TailedLine>& out);
  Kind kind_;
  std::optional<TailedLine> partial_;
};

}  // namespace logpipe::shipper
