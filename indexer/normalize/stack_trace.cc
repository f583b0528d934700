#include "indexer/normalize/stack_trace.h"

#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace logpipe::indexer {
namespace {

constexpr std::string_view kPythonHead = "Traceback (most recent call last):";

// Bounded buffer the normalized material is written into before hashing (no allocation).
class Material {
 public:
  void add(std::string_view s) {
    const size_t n = std::min(s.size(), sizeof buf_ - size_);
    if (n == 0) return;  // an empty view may have a null data(): memcpy must not see it
    std::memcpy(buf_ + size_, s.data(), n);
    size_ += n;
  }
  void add(char c) {
    if (size_ < sizeof buf_) buf_[size_++] = c;
  }
  void finish(std::array<char, 17>& out) const {
    const uint64_t h = XXH3_64bits(buf_, size_);
    std::snprintf(out.data(), out.size(), "%016" PRIx64, h);
  }

 private:
  char buf_[2048];
  size_t size_ = 0;
};

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '$' || c == '.';
}

// Line containing `pos`'s successor lines: returns the line starting at `start` (without '\n').
std::string_view line_at(std::string_view text, size_t start) {
  const size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "com.x.Y.method" from "at java.base/com.x.Y.method(Y.java:42)", with generated numbers removed.
void add_java_frame(Material& m, std::string_view frame) {
  frame = trim(frame);
  if (frame.substr(0, 3) == "at ") frame.remove_prefix(3);
  frame = frame.substr(0, frame.find('('));
  // Module prefix: "java.base/", "app//", "org.elasticsearch.server@8.19.21/" (no '$' before the '/').
  if (const size_t slash = frame.find('/'); slash != std::string_view::npos) {
    const std::string_view before = frame.substr(0, slash);
    if (before.find('$') == std::string_view::npos) frame.remove_prefix(slash + 1);
    if (!frame.empty() && frame.front() == '/') frame.remove_prefix(1);
  }
  size_t i = 0;
  while (i < frame.size()) {
    const char c = frame[i];
    if (c == '/' && frame.substr(i + 1, 2) == "0x") {  // $$Lambda$12/0x0000000800c0b040
      i += 3;
      while (i < frame.size() && is_hex(frame[i])) ++i;
      continue;
    }
    if (c == '$') {
      m.add(c);
      size_t j = i + 1;
      while (j < frame.size() && frame[j] != '$' && frame[j] != '.' && frame[j] != '/') ++j;
      const std::string_view run = frame.substr(i + 1, j - i - 1);
      bool all_digits = !run.empty(), all_hex = !run.empty();
      for (char r : run) {
        all_digits = all_digits && is_digit(r);
        all_hex = all_hex && is_hex(r);
      }
      if (all_digits || (all_hex && run.size() >= 8)) {
        i = j;
        continue;
      }
      ++i;
      continue;
    }
    if (is_digit(c)) {  // GeneratedMethodAccessor123, $Proxy45, GeneratedConstructorAccessor7
      const std::string_view before = frame.substr(0, i);
      if (before.ends_with("Accessor") || before.ends_with("Proxy")) {
        while (i < frame.size() && is_digit(frame[i])) ++i;
        continue;
      }
    }
    m.add(c);
    ++i;
  }
  m.add('\n');
}

bool is_java_frame(std::string_view line) { return trim(line).substr(0, 3) == "at " && line.find('(') != std::string_view::npos; }

// "java.lang.IllegalStateException: boom" -> type, message. Accepts "Caused by: " and
// "Exception in thread \"main\" " prefixes.
bool java_header(std::string_view line, std::string_view& type, std::string_view& message) {
  line = trim(line);
  if (line.substr(0, 11) == "Caused by: ") line.remove_prefix(11);
  if (line.substr(0, 20) == "Exception in thread ") {
    const size_t q = line.find("\" ", 21);
    if (q == std::string_view::npos) return false;
    line.remove_prefix(q + 2);
  }
  size_t i = 0;
  bool dot = false;
  for (; i < line.size() && is_ident(line[i]); ++i)
    if (line[i] == '.') dot = true;
  if (i == 0 || !dot || line[0] == '.' || line[i - 1] == '.') return false;
  if (i == line.size()) {
    type = line;
    message = {};
    return true;
  }
  if (line[i] != ':') return false;
  type = line.substr(0, i);
  message = trim(line.substr(i + 1));
  return true;
}

ErrorInfo extract_java(std::string_view text, size_t first_frame) {
  ErrorInfo e;
  e.found = true;
  // Walk back over at most 20 lines for the exception line; the text above it is the log message.
  size_t end = first_frame - 1;  // the '\n' ending the line above the first frame
  size_t trace_start = 0;
  for (int n = 0; n < 20; ++n) {
    const size_t nl = end == 0 ? std::string_view::npos : text.rfind('\n', end - 1);
    const size_t start = nl == std::string_view::npos ? 0 : nl + 1;
    if (java_header(text.substr(start, end - start), e.type, e.message)) {
      trace_start = start;
      break;
    }
    if (start == 0) break;
    end = start - 1;
  }
  e.stack_trace = text.substr(trace_start);
  fingerprint_trace(e.type, text.substr(first_frame), e.fingerprint);
  return e;
}

// Python: the last "Traceback" block; frames `  File "path", line N, in func`; exception line after.
ErrorInfo extract_python(std::string_view text, size_t head) {
  ErrorInfo e;
  e.found = true;
  e.stack_trace = text.substr(head);
  size_t pos = text.find('\n', head);
  std::string_view exception_line;
  while (pos != std::string_view::npos) {
    const std::string_view line = line_at(text, pos + 1);
    if (!line.empty() && line[0] != ' ' && line[0] != '\t') {
      exception_line = line;
      e.stack_trace = text.substr(head, pos + 1 + line.size() - head);
      break;
    }
    pos = text.find('\n', pos + 1);
  }
  exception_line = trim(exception_line);
  const size_t colon = exception_line.find(": ");
  e.type = exception_line.substr(0, colon);
  if (colon != std::string_view::npos) e.message = exception_line.substr(colon + 2);
  fingerprint_trace(e.type, e.stack_trace, e.fingerprint);
  return e;
}

// Go: "panic: msg" ... "goroutine 1 [running]:" then "pkg.func(args)" / "\tfile.go:12 +0x1d" pairs.
ErrorInfo extract_go(std::string_view text, size_t head) {
  ErrorInfo e;
  e.found = true;
  e.type = "panic";
  e.message = trim(line_at(text, head + 7));
  e.stack_trace = text.substr(head);
  fingerprint_trace(e.type, e.stack_trace, e.fingerprint);
  return e;
}

size_t find_line_start(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) == prefix) return 0;
  for (size_t p = text.find(prefix); p != std::string_view::npos; p = text.find(prefix, p + 1))
    if (text[p - 1] == '\n') return p;
  return std::string_view::npos;
}

}  // namespace

bool fingerprint_trace(std::string_view type, std::string_view trace, std::array<char, 17>& out) {
  Material m;
  m.add(type);
  m.add('\n');
  int frames = 0;
  if (const size_t py = trace.rfind(kPythonHead); py != std::string_view::npos) {
    // Innermost frames are last: collect all frame positions, hash the last N.
    size_t starts[256];
    int n = 0;
    for (size_t p = trace.find("\n  File \"", py); p != std::string_view::npos && n < 256; p = trace.find("\n  File \"", p + 1))
      starts[n++] = p + 1;
    for (int i = n > kFingerprintFrames ? n - kFingerprintFrames : 0; i < n; ++i) {
      std::string_view line = trim(line_at(trace, starts[i]));  // File "path", line N, in func
      line.remove_prefix(6);
      const size_t q = line.find('"');
      std::string_view path = line.substr(0, q);
      if (const size_t sp = path.rfind("site-packages/"); sp != std::string_view::npos) path.remove_prefix(sp + 14);
      const size_t in = line.rfind(", in ");
      m.add(path);
      m.add(':');
      if (in != std::string_view::npos) m.add(line.substr(in + 5));
      m.add('\n');
      ++frames;
    }
  } else if (const size_t go = trace.find("goroutine "); go != std::string_view::npos && type == "panic") {
    for (size_t p = trace.find('\n', go); p != std::string_view::npos && frames < kFingerprintFrames; p = trace.find('\n', p + 1)) {
      const std::string_view line = line_at(trace, p + 1);
      if (line.empty() || line[0] == '\t' || line[0] == ' ') continue;
      if (line.substr(0, 10) == "goroutine ") break;
      m.add(line.substr(0, line.rfind('(')));
      m.add('\n');
      ++frames;
    }
  } else {
    for (size_t p = 0; p < trace.size() && frames < kFingerprintFrames;) {
      const std::string_view line = line_at(trace, p);
      if (is_java_frame(line)) {
        add_java_frame(m, line);
        ++frames;
      } else if (frames > 0) {
        break;  // "Caused by:" or "... 12 more": the top exception's frames end here
      }
      p += line.size() + 1;
    }
  }
  m.finish(out);
  return frames > 0;
}

ErrorInfo extract_error(std::string_view text) {
  for (std::string_view marker : {std::string_view("\n\tat "), std::string_view("\n    at ")}) {
    const size_t p = text.find(marker);
    if (p != std::string_view::npos && is_java_frame(line_at(text, p + 1))) return extract_java(text, p + 1);
  }
  if (const size_t py = text.rfind(kPythonHead); py != std::string_view::npos && (py == 0 || text[py - 1] == '\n'))
    return extract_python(text, py);
  if (const size_t go = find_line_start(text, "panic: "); go != std::string_view::npos &&
                                                          text.find("\ngoroutine ", go) != std::string_view::npos)
    return extract_go(text, go);
  return {};
}

}  // namespace logpipe::indexer
