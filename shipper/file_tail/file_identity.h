#pragma once
// File identity = device + inode + a fingerprint of the file's first line (at most kFingerprintWindow
// bytes). The inode alone is not enough: after rotation a new file may get an old inode, and must not
// inherit that file's offset. The first line is used (not a fixed window) so that the fingerprint is
// fixed as soon as the first line can be shipped, even for files shorter than the window.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace logpipe::shipper {

inline constexpr size_t kFingerprintWindow = 1024;

struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t fingerprint = 0;  // 0 = not known yet (no complete first line)

  bool same_inode(const FileIdentity& o) const { return dev == o.dev && ino == o.ino; }
  bool operator==(const FileIdentity&) const = default;
  // "<dev>:<ino>:<fingerprint hex>"
  std::string str() const;
  static std::optional<FileIdentity> parse(const std::string& s);
};

// Reads the fingerprint from an open fd without moving its file position: the hash of the bytes up to and
// including the first '\n' within the window, or of the whole window if it holds no '\n' but is full.
// Returns 0 if the file does not yet have enough data.
uint64_t read_fingerprint(int fd);

}  // namespace logpipe::shipper
