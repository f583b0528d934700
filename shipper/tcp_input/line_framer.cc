#include "shipper/tcp_input/line_framer.h"

#include <cstring>

namespace logpipe::shipper::tcp {
namespace {

// The first '\n' or '\0' in [p, end), or end.
const char* find_separator(const char* p, const char* end) {
  const auto n = static_cast<size_t>(end - p);
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
  const char* limit = nl != nullptr ? nl : end;
  const char* nul = static_cast<const char*>(std::memchr(p, '\0', static_cast<size_t>(limit - p)));
  return nul != nullptr ? nul : limit;
}

}  // namespace

void LineFramer::emit(std::string_view line, bool truncated, const Sink& sink) {
  // One '\r' before the separator belongs to the separator (CRLF). A truncated line lost its end, so
  // its last byte is data, not part of a separator.
  if (!truncated && !line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    ++stats_.blank_lines;
    return;
  }
  ++stats_.lines;
  if (truncated) ++stats_.truncated;
  sink(line, truncated);
}

void LineFramer::append_partial(std::string_view piece) {
  if (discarding_) return;
  // Keep one byte more than the limit: a line of exactly max_line_bytes followed by "\r\n" must not be
  // taken for an over-long one because of its '\r'.
  const size_t room = max_line_bytes_ + 1 - partial_.size();
  if (piece.size() <= room) {
    partial_.append(piece);
    return;
  }
  partial_.append(piece.substr(0, room));
  discarding_ = true;
}

void LineFramer::feed(std::string_view bytes, const Sink& sink) {
  stats_.bytes += bytes.size();
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end) {
    const char* sep = find_separator(p, end);
    const std::string_view piece(p, static_cast<size_t>(sep - p));
    if (sep == end) {  // no separator: the line goes on in a later read
      append_partial(piece);
      return;
    }
    if (partial_.empty() && !discarding_) {
      // Common case: the whole line is in this read; no copy.
      if (piece.size() <= max_line_bytes_ ||
          (piece.size() == max_line_bytes_ + 1 && piece.back() == '\r')) {
        emit(piece, false, sink);
      } else {
        emit(piece.substr(0, max_line_bytes_), true, sink);
      }
    } else {
      append_partial(piece);
      std::string_view line(partial_);
      bool truncated = discarding_;
      if (line.size() > max_line_bytes_ && !(line.size() == max_line_bytes_ + 1 && line.back() == '\r')) {
        truncated = true;
      }
      if (truncated) line = line.substr(0, max_line_bytes_);
      emit(line, truncated, sink);
      partial_.clear();
      discarding_ = false;
    }
    p = sep + 1;
  }
}

bool LineFramer::finish(const Sink& sink) {
  if (partial_.empty()) {
    discarding_ = false;
    return false;
  }
  std::string_view line(partial_);
  const bool truncated = discarding_ || line.size() > max_line_bytes_;
  if (truncated) line = line.substr(0, max_line_bytes_);
  const uint64_t before = stats_.lines;
  emit(line, truncated, sink);
  partial_.clear();
  discarding_ = false;
  return stats_.lines != before;
}

}  // namespace logpipe::shipper::tcp
