#pragma once
// Follows one file, opened at `path`: reads complete lines and notices copytruncate (the file shrank
// below the read offset: restart at 0 and count it). When the path no longer names this file (rename
// for rotation, deletion), the tailer reads the file to its end, ships its unterminated last line, and
// reports finished(); the pipeline then drops it, and its discovery picks up whatever file the path (or
// the rotated name, if an input's glob matches it) names next.
// Threading: single-threaded (the pipeline thread). Owns its file descriptor.
//
// Memory: poll_views() reads into a buffer the caller provides (one for all tailers) and returns views
// of the lines in it; a tailer itself keeps only the start of an unfinished line (and the one line per
// poll that joins it with what follows), so a hundred idle tailers hold next to nothing (held_bytes()).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "shipper/file_tail/file_identity.h"

namespace logpipe::shipper {

struct TailedLine {
  int64_t offset = 0;      // of the first byte of the line
  int64_t end_offset = 0;  // just past its '\n'
  std::string text;        // without the '\n'
  bool truncated = false;  // longer than max_line_bytes; the rest was skipped
  // Set by the container unwrapper (shipper/container) for docker and cri inputs.
  std::string stream;        // stdout | stderr
  std::string runtime_time;  // the container runtime's timestamp
  bool unparsed = false;     // not a record of the input's container format: shipped as read
};

// A line as poll_views() returns it: `text` points into the caller's read buffer or into the tailer, and
// stays valid until the next poll of this tailer or the next use of that buffer, whichever comes first.
struct LineView {
  int64_t offset = 0;
  int64_t end_offset = 0;
  std::string_view text;  // without the '\n' (and a '\r' before it), at most max_line_bytes
  bool truncated = false;
};

TailedLine to_tailed_line(const LineView& v);

struct TailStats {
  uint64_t truncations_detected = 0;  // copytruncate events
  uint64_t bytes_possibly_missed = 0;  // bytes written after our read offset before a truncation
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

  // Reads at most min(max_bytes, buffer.size()) bytes into `buffer` and appends the complete lines to
  // `out` as views (see LineView); they belong to identity().
  Status poll_views(std::vector<LineView>& out, size_t max_bytes, std::vector<char>& buffer);
  // The same with owned copies of the lines (tests, and callers that keep lines).
  Status poll(std::vector<TailedLine>& out, size_t max_bytes);

  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  // Read to its end after its path stopped naming it (or it could not be opened): drop this tailer.
  bool finished() const { return finished_; }
  // The file has no name left (deleted while open); it still holds disk space until closed.
  bool unlinked() const;
  // Closes the file now, whatever is left unread (bounded time for deleted files). Returns unread bytes.
  int64_t abandon();
  // Bytes of a started line still waiting for its '\n'.
  bool has_partial() const { return !partial_.empty() && !discarding_; }
  // Memory this tailer holds for line bytes (for the pipeline's memory budget).
  int64_t held_bytes() const {
    return static_cast<int64_t>(partial_.capacity() + joined_.capacity() + last_.capacity());
  }
  // Ships the waiting bytes as a line now (the writer went quiet mid-line); what is appended later starts
  // a new line.
  std::optional<TailedLine> take_partial();
  int64_t read_offset() const { return read_offset_; }
  // Device and inode of the open file (valid while is_open()).
  bool same_file(uint64_t dev, uint64_t ino) const { return fd_ >= 0 && id_.dev == dev && id_.ino == ino; }
  const FileIdentity& identity() const { return id_; }
  // Bytes in the file not read yet (for lag metrics).
  int64_t lag_bytes() const;
  const TailStats& stats() const { return stats_; }

 private:
  bool try_open();
  void close_fd();
  void split_lines(const char* data, size_t n, std::vector<LineView>& out);
  LineView make_line(int64_t offset, int64_t end_offset, std::string_view text);
  void restart_at(int64_t offset);

  std::string path_;
  int64_t max_line_bytes_;
  ResumeLookup resume_;
  int fd_ = -1;
  FileIdentity id_;
  int64_t read_offset_ = 0;     // next byte to read from the file
  std::string partial_;         // bytes of an incomplete line
  std::string joined_;          // this poll's line that began in an earlier one (LineView storage)
  std::string last_;            // the unterminated last line of a finished file (LineView storage)
  int64_t partial_offset_ = 0;  // file offset of partial_[0]
  bool discarding_ = false;     // inside an over-long line, skipping to its '\n'
  bool finished_ = false;
  TailStats stats_;
};

}  // namespace logpipe::shipper
