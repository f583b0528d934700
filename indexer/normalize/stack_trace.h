#pragma once
// Finds a stack trace in a message and derives error.type, error.message and error.fingerprint.
// Java (`\tat ` frames; the exception line is the nearest `qualified.Name[: message]` line above the
// first frame), Python ("Traceback (most recent call last):" ... last line "Type: message") and Go
// ("panic: ..." then "goroutine N [running]:"). Results are views into the input; no allocation, no
// exceptions.
//
// error.fingerprint = xxh3-64 (16 hex digits) of the exception type and the top kFingerprintFrames
// frames (the innermost for Python), each reduced to its function: line numbers, file names, Java module
// prefixes ("java.base/", "org.elasticsearch.server@8.19.21/"), lambda and generated-class numbers
// (lambda$run$0, $$Lambda$12/0x..., GeneratedMethodAccessor7, $Proxy3, CGLIB hashes) are removed, so the
// same bug groups together across builds and hosts. The message is not part of it (it often holds ids).

#include <array>
#include <cstdint>
#include <string_view>

namespace logpipe::indexer {

inline constexpr int kFingerprintFrames = 5;

struct ErrorInfo {
  bool found = false;
  std::string_view type;         // empty when the trace has no recognizable exception line
  std::string_view message;
  std::string_view stack_trace;  // from the exception line (or the trace's start) to the end
  std::array<char, 17> fingerprint{};  // 16 hex digits + NUL
  std::string_view fingerprint_view() const { return {fingerprint.data(), 16}; }
};

ErrorInfo extract_error(std::string_view text);

// The fingerprint of a known type and a Java/Python/Go trace text (used when a JSON layout gives the
// type separately, e.g. ECS error.type). Returns false if no frame was found.
bool fingerprint_trace(std::string_view type, std::string_view trace, std::array<char, 17>& out);

}  // namespace logpipe::indexer
