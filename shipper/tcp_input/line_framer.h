#pragma once
// Splits a TCP byte stream into events the way Logstash's `json_lines` codec does, so logback's
// LogstashTcpSocketAppender, log4j2's SocketAppender (JsonTemplateLayout, with or without
// nullEventDelimiterEnabled) and python-logstash can all send to us:
//   - '\n' ends a line; one '\r' before it is dropped (CRLF from JVMs on Windows);
//   - '\0' ends a line too (log4j2 sends "}\n\0": the '\0' then ends an empty line);
//   - empty lines are not events (logback's keep-alive is a bare newline): counted, not errors;
//   - a line longer than max_line_bytes is cut to max_line_bytes, flagged truncated, and everything up to
//     the next separator is discarded (we resync there), so one bad line never eats the next one;
//   - how the bytes were chunked by the network does not matter (one byte at a time or 1000 lines in one
//     read give the same lines);
//   - finish() at the end of the stream hands over an unterminated last line.
// Bytes are not interpreted otherwise: invalid UTF-8 passes through untouched (the indexer's JSON writer
// replaces it when rendering).
// Threading: one framer per connection, used by the thread that reads that connection.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace logpipe::shipper::tcp {

struct FramerStats {
  uint64_t lines = 0;        // non-empty lines handed over
  uint64_t blank_lines = 0;  // empty (or lone "\r") lines skipped
  uint64_t truncated = 0;    // lines longer than max_line_bytes, cut
  uint64_t bytes = 0;        // bytes fed
};

class LineFramer {
 public:
  // `line` is valid only during the call. `truncated`: the line was longer than max_line_bytes.
  using Sink = std::function<void(std::string_view line, bool truncated)>;

  explicit LineFramer(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  void feed(std::string_view bytes, const Sink& sink);
  // End of stream: hands over the unterminated last line, if any. Returns true if there was one.
  bool finish(const Sink& sink);
  // Bytes of an unterminated line held right now.
  size_t buffered() const { return partial_.size(); }
  const FramerStats& stats() const { return stats_; }

 private:
  void emit(std::string_view line, bool truncated, const Sink& sink);
  void append_partial(std::string_view piece);

  size_t max_line_bytes_;
  std::string partial_;       // the start of a line whose separator has not arrived yet
  bool discarding_ = false;   // past max_line_bytes: dropping bytes until the next separator
  FramerStats stats_;
};

}  // namespace logpipe::shipper::tcp
