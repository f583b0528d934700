#include "shipper/multiline/multiline_joiner.h"

namespace logpipe::shipper {
namespace {

bool starts_with_space(const std::string& l) { return !l.empty() && (l[0] == ' ' || l[0] == '\t'); }

// "ValueError: bad", "json.decoder.JSONDecodeError: ...", "KeyboardInterrupt"
bool python_exception_line(const std::string& l) {
  static const RE2 re(R"(^[A-Za-z_][\w.]*(Error|Exception|Warning|Exit|Interrupt|Iteration)\b.*)");
  return RE2::FullMatch(l, re);
}

// "java.lang.IllegalStateException: msg", "com.x.FooError", as logback prints after the message line.
bool java_exception_line(const std::string& l) {
  static const RE2 re(R"(^[a-zA-Z_$][\w$]*(\.[a-zA-Z_$][\w$]*)+(Exception|Error|Throwable)[\w$]*(: .*)?$)");
  return RE2::FullMatch(l, re);
}

bool go_frame_line(const std::string& l) {
  static const RE2 re(R"(^[\w./*()\-]+\(.*\)$)");
  return RE2::FullMatch(l, re);
}

}  // namespace

Result<std::unique_ptr<MultilineJoiner>> MultilineJoiner::create(const MultilineOptions& options) {
  std::unique_ptr<MultilineJoiner> j(new MultilineJoiner(options));
  if (options.mode == "custom") {
    if (options.start_pattern.empty()) return Error("multiline.start_pattern is required with mode custom");
    RE2::Options o;
    o.set_log_errors(false);
    j->start_ = std::make_unique<RE2>(options.start_pattern, o);
    if (!j->start_->ok()) return Error("multiline.start_pattern: " + j->start_->error());
  } else if (options.mode != "java" && options.mode != "python" && options.mode != "go") {
    return Error("multiline.mode: unknown mode '" + options.mode + "'");
  }
  return j;
}

bool MultilineJoiner::continues(const std::string& l) {
  if (options_.mode == "custom") return !RE2::PartialMatch(l, *start_);
  if (options_.mode == "java") {
    return starts_with_space(l) || l.starts_with("Caused by:") || l.starts_with("Suppressed:") ||
           l.starts_with("... ") || java_exception_line(l);
  }
  if (options_.mode == "python") {
    if (l.starts_with("Traceback (most recent call last):")) {
      in_python_traceback_ = true;
      return true;
    }
    if (l.starts_with("During handling of the above exception") || l.starts_with("The above exception was")) return true;
    if (starts_with_space(l) || l.empty()) return in_python_traceback_ || starts_with_space(l);
    if (in_python_traceback_ && python_exception_line(l)) {
      in_python_traceback_ = false;  // the exception line closes the traceback (chained ones reopen it)
      return true;
    }
    in_python_traceback_ = false;
    return false;
  }
  // go
  return starts_with_space(l) || l.starts_with("goroutine ") || l.starts_with("created by ") || go_frame_line(l) ||
         (l.empty() && pending_ && (pending_->text.starts_with("panic: ") || pending_->text.find("goroutine ") != std::string::npos));
}

void MultilineJoiner::push(TailedLine line, std::chrono::steady_clock::time_point now, std::vector<TailedLine>& out) {
  const bool cont = pending_ && continues(line.text);
  const bool fits = pending_ && pending_lines_ < options_.max_lines &&
                    static_cast<int64_t>(pending_->text.size() + 1 + line.text.size()) <= options_.max_bytes;
  if (cont && fits) {
    pending_->text.push_back('\n');
    pending_->text.append(line.text);
    pending_->end_offset = line.end_offset;
    pending_->truncated = pending_->truncated || line.truncated;
    ++pending_lines_;
  } else {
    if (pending_ && !cont) in_python_traceback_ = false;
    flush(out);
    if (!pending_ && options_.mode == "python") (void)continues(line.text);  // a line may open a traceback
    pending_ = std::move(line);
    pending_lines_ = 1;
  }
  last_push_ = now;
}

void MultilineJoiner::flush_if_idle(std::chrono::steady_clock::time_point now, std::vector<TailedLine>& out) {
  if (pending_ && now - last_push_ >= options_.timeout) flush(out);
}

void MultilineJoiner::flush(std::vector<TailedLine>& out) {
  if (!pending_) return;
  out.push_back(std::move(*pending_));
  pending_.reset();
  pending_lines_ = 0;
}

}  // namespace logpipe::shipper
