#pragma once
// Joins the lines of one multi-line event (a stack trace, a traceback, a Go panic) into one record, as
// Filebeat's multiline and Fluent Bit's multiline parsers do. The joined event keeps the first line's
// offset and ends where its last line ends, so acknowledgements and checkpoints work unchanged.
//
// Modes:
//   java    continuation = starts with whitespace, "Caused by:", "Suppressed:", "... N more", or an
//           exception header "pkg.SomeException: msg" (logback prints it right after the message line)
//   python  continuation = starts with whitespace, "Traceback (most recent call last):", the "During
//           handling..." / "The above exception..." separators, and the exception line that ends a
//           traceback ("ValueError: bad")
//   go      continuation = starts with whitespace, "goroutine N [...]:", "created by ...", a blank line
//           inside a panic, or a function frame "pkg.fn(...)"
//   custom  a line matching `start_pattern` (re2) starts an event; every other line continues it
// An event is emitted when the next one starts, when it reaches max_lines or max_bytes, or when no line
// was added for `timeout` (flush_if_idle).
// Threading: single-threaded (one per tailed file, on the pipeline thread).

#include <re2/re2.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "shipper/file_tail/file_tailer.h"

namespace logpipe::shipper {

struct MultilineOptions {
  std::string mode = "none";  // none | java | python | go | custom
  std::string start_pattern;  // custom only
  std::chrono::milliseconds timeout{1000};
  int64_t max_lines = 500;
  int64_t max_bytes = 1 << 20;
};

class MultilineJoiner {
 public:
  // Validates the options (mode name, pattern syntax) without I/O: used by --check-config too.
  static Result<std::unique_ptr<MultilineJoiner>> create(const MultilineOptions& options);

  // Adds a line; complete events are appended to `out`.
  void push(TailedLine line, std::chrono::steady_clock::time_point now, std::vector<TailedLine>& out);
  // Emits the event being built if nothing was added for `timeout`.
  void flush_if_idle(std::chrono::steady_clock::time_point now, std::vector<TailedLine>& out);
  // Emits the event being built, whatever its age (the file finished).
  void flush(std::vector<TailedLine>& out);
  bool has_pending() const { return pending_.has_value(); }
  // Memory held by the event being built (for the pipeline's memory budget).
  int64_t held_bytes() const { return pending_ ? static_cast<int64_t>(pending_->text.capacity()) : 0; }

 private:
  explicit MultilineJoiner(MultilineOptions options) : options_(std::move(options)) {}
  bool continues(const std::string& line);

  MultilineOptions options_;
  std::unique_ptr<RE2> start_;
  std::optional<TailedLine> pending_;
  int64_t pending_lines_ = 0;
  bool in_python_traceback_ = false;
  std::chrono::steady_clock::time_point last_push_;
};

}  // namespace logpipe::shipper
