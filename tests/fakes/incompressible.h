#pragma once
// Bytes no compressor shrinks, for records that must stay above a size limit after zstd: xorshift64 output
// with the separators and the characters tests split on (\n, \0, \t, \r) replaced, not starting with '['
// (the TCP input would read a JSON array). Deterministic.

#include <cstddef>
#include <cstdint>
#include <string>

namespace logpipe::testing {

inline std::string incompressible_line(size_t n) {
  std::string s(n, 'x');
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x >> 56);
    if (c == '\n' || c == '\0' || c == '\t' || c == '\r') c = 'x';
  }
  if (n > 0) s[0] = 'x';
  return s;
}

}  // namespace logpipe::testing
