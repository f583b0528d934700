#pragma once
// Follows one path: reads complete lines, notices rename+create rotation (the path now names another
// inode: finish the old file, then open the new one) and copytruncate (the file shrank below the read
// offset: restart at 0 and count it). Globs, deleted-while-open limits and rotation while stopped are
// issue 3.
// Threading: single-threaded (the pipeline thread). Owns its file descriptor.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "shipper/file_tail/file_identity.h"

namespace logpipe::shipper {

struct TailedLine {
  int64_t offset = 0;      // of the first byte of the line
  int64_t end_offset = 0;  // just past its '\n'
  std::string text;        // without the '\n'
  bool truncated = false;  // longer than max_line_bytes; the rest was skipped
};

struct TailStats {
  uint64_t truncations_detected = 0;  // copytruncate events
  uint64_t bytes_possibly_missed = 0;  // bytes written after our read offset before a truncation
  uint64_t rotations = 0;
  uint64_t lines_truncated = 0;
};

class FileTailer {
 public:
  // Finds a resume offset for a file identity (from the checkpoint); nullopt = start at 0.
  using ResumeLookup = std::function<std::optional<int64_t>(const FileIdentity&)>;

  FileTailer(std::string path, int64_t max_line_bytes, ResumeLookup resume);
  ~FileTailer();
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;

  // Reads at most about `max_bytes` and appends complete lines to `out`. All lines appended by one call
  // belong to the file whose identity is identity() after the call.
  Status poll(std::vector<TailedLine>& out, size_t max_bytes);

  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  const FileIdentity& identity() const { return id_; }
  // Bytes in the file not read yet (for lag metrics).
  int64_t lag_bytes() const;
  const TailStats& stats() const { return stats_; }

 private:
  bool try_open();
  void close_fd();
  void split_lines(const char* data, size_t n, std::vector<TailedLine>& out);
  void restart_at(int64_t offset);

  std::string path_;
  int64_t max_line_bytes_;
  ResumeLookup resume_;
  int fd_ = -1;
  FileIdentity id_;
  int64_t read_offset_ = 0;     // next byte to read from the file
  std::string partial_;         // bytes of an incomplete line
  int64_t partial_offset_ = 0;  // file offset of partial_[0]
  bool discarding_ = false;     // inside an over-long line, skipping to its '\n'
  TailStats stats_;
};

}  // namespace logpipe::shipper
