#include "shipper/file_tail/file_identity.h"

#include <unistd.h>
#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace logpipe::shipper {

std::string FileIdentity::str() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%" PRIu64 ":%" PRIu64 ":%016" PRIx64, dev, ino, fingerprint);
  return buf;
}

std::optional<FileIdentity> FileIdentity::parse(const std::string& s) {
  FileIdentity id;
  if (std::sscanf(s.c_str(), "%" SCNu64 ":%" SCNu64 ":%" SCNx64, &id.dev, &id.ino, &id.fingerprint) != 3)
    return std::nullopt;
  return id;
}

uint64_t read_fingerprint(int fd) {
  char buf[kFingerprintWindow];
  const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  if (n <= 0) return 0;
  const void* nl = std::memchr(buf, '\n', static_cast<size_t>(n));
  size_t len;
  if (nl != nullptr) {
    len = static_cast<size_t>(static_cast<const char*>(nl) - buf) + 1;
  } else if (static_cast<size_t>(n) == sizeof buf) {
    len = sizeof buf;
  } else {
    return 0;
  }
  const uint64_t h = XXH3_64bits(buf, len);
  return h == 0 ? 1 : h;  // 0 means "unknown"
}

}  // namespace logpipe::shipper
