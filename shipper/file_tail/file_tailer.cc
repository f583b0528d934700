#include "shipper/file_tail/file_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace logpipe::shipper {

FileTailer::FileTailer(std::string path, int64_t max_line_bytes, ResumeLookup resume)
    : path_(std::move(path)), max_line_bytes_(max_line_bytes), resume_(std::move(resume)) {}

FileTailer::~FileTailer() { close_fd(); }

void FileTailer::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool FileTailer::try_open() {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    finished_ = true;  // gone between discovery and open: discovery will find whatever comes next
    return false;
  }
  fd_ = fd;
  id_ = FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), read_fingerprint(fd)};
  int64_t start = 0;
  if (id_.fingerprint != 0 && resume_) {
    if (auto off = resume_(id_); off && *off <= st.st_size) start = *off;
  }
  restart_at(start);
  return true;
}

void FileTailer::restart_at(int64_t offset) {
  read_offset_ = offset;
  partial_.clear();
  partial_offset_ = offset;
  discarding_ = false;
  ::lseek(fd_, offset, SEEK_SET);
}

int64_t FileTailer::lag_bytes() const {
  if (fd_ < 0) return 0;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return 0;
  return st.st_size > read_offset_ ? st.st_size - read_offset_ : 0;
}

TailedLine to_tailed_line(const LineView& v) {
  TailedLine l;
  l.offset = v.offset;
  l.end_offset = v.end_offset;
  l.text.assign(v.text);
  l.truncated = v.truncated;
  return l;
}

LineView FileTailer::make_line(int64_t offset, int64_t end_offset, std::string_view text) {
  LineView l{offset, end_offset, text, false};
  if (!l.text.empty() && l.text.back() == '\r') l.text.remove_suffix(1);  // CRLF files
  if (static_cast<int64_t>(l.text.size()) > max_line_bytes_) {
    l.text = l.text.substr(0, static_cast<size_t>(max_line_bytes_));
    l.truncated = true;
    ++stats_.lines_truncated;
  }
  return l;
}

void FileTailer::split_lines(const char* data, size_t n, std::vector<LineView>& out) {
  int64_t pos = read_offset_ - static_cast<int64_t>(n);  // file offset of data[0]
  const char* p = data;
  const char* const end = data + n;
  if (discarding_) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
    if (nl == nullptr) return;  // still inside the over-long line
    pos += nl + 1 - p;
    p = nl + 1;
    discarding_ = false;
    partial_offset_ = pos;
  }
  if (!partial_.empty() && p < end) {
    // The line begun in an earlier poll: join it here, the view points at joined_.
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) {
      partial_.append(p, static_cast<size_t>(end - p));
      if (static_cast<int64_t>(partial_.size()) > max_line_bytes_) {
        // Over-long line: ship its head now, skip the rest up to the next '\n'. Its end offset is where
        // we are, so a restart resumes inside the skipped part and ships that tail as a line of its own.
        joined_.swap(partial_);
        partial_.clear();
        LineView l{partial_offset_, read_offset_, std::string_view(joined_).substr(0, static_cast<size_t>(max_line_bytes_)), true};
        ++stats_.lines_truncated;
        out.push_back(l);
        discarding_ = true;
      }
      return;
    }
    partial_.append(p, static_cast<size_t>(nl - p));
    joined_.swap(partial_);
    partial_.clear();
    const int64_t line_end = pos + (nl - p) + 1;
    out.push_back(make_line(partial_offset_, line_end, joined_));
    pos = line_end;
    partial_offset_ = pos;
    p = nl + 1;
  }
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) break;
    const int64_t line_end = pos + (nl - p) + 1;
    out.push_back(make_line(pos, line_end, std::string_view(p, static_cast<size_t>(nl - p))));
    pos = line_end;
    p = nl + 1;
  }
  partial_offset_ = pos;
  if (p == end) return;
  const auto rest = static_cast<size_t>(end - p);
  if (static_cast<int64_t>(rest) > max_line_bytes_) {
    out.push_back(LineView{pos, read_offset_, std::string_view(p, static_cast<size_t>(max_line_bytes_)), true});
    ++stats_.lines_truncated;
    discarding_ = true;
    return;
  }
  partial_.assign(p, rest);
}

bool FileTailer::unlinked() const {
  struct stat st {};
  return fd_ >= 0 && ::fstat(fd_, &st) == 0 && st.st_nlink == 0;
}

std::optional<TailedLine> FileTailer::take_partial() {
  if (!has_partial()) return std::nullopt;
  TailedLine l;
  l.offset = partial_offset_;
  l.end_offset = read_offset_;
  l.text = std::move(partial_);
  partial_.clear();
  partial_offset_ = read_offset_;
  if (id_.fingerprint == 0 && fd_ >= 0) id_.fingerprint = read_fingerprint(fd_);
  return l;
}

int64_t FileTailer::abandon() {
  // Bytes still in the file plus those of a started, unshipped line.
  const int64_t unread = lag_bytes() + (discarding_ ? 0 : static_cast<int64_t>(partial_.size()));
  partial_.clear();
  close_fd();
  finished_ = true;
  return unread;
}

Status FileTailer::poll(std::vector<TailedLine>& out, size_t max_bytes) {
  std::vector<char> buffer(std::max<size_t>(max_bytes, 1));
  std::vector<LineView> views;
  auto s = poll_views(views, max_bytes, buffer);
  for (const auto& v : views) out.push_back(to_tailed_line(v));
  return s;
}

Status FileTailer::poll_views(std::vector<LineView>& out, size_t max_bytes, std::vector<char>& buffer) {
  // Views handed out by the previous poll are dead now; do not keep a long line's memory around.
  constexpr size_t kKeepCapacity = 16 << 10;  // x2 per file; a 100 files hold at most ~3 MiB
  if (joined_.capacity() > kKeepCapacity) std::string().swap(joined_);
  else joined_.clear();
  if (finished_) return Status::Ok();
  if (fd_ < 0 && !try_open()) return Status::Ok();

  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Error(path_ + ": fstat: " + std::strerror(errno));
  if (st.st_size < read_offset_) {
    // copytruncate: the file was emptied (and maybe refilled) under us. Anything written between our last
    // read and the truncation is gone; we cannot know how much, so we count the event.
    ++stats_.truncations_detected;
    id_.fingerprint = 0;
    restart_at(0);
  }

  const size_t want = std::min(max_bytes, buffer.size());
  size_t got = 0;
  bool at_eof = false;
  while (got < want) {
    const ssize_t n = ::read(fd_, buffer.data() + got, want - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(path_ + ": read: " + std::strerror(errno));
    }
    if (n == 0) {
      at_eof = true;
      break;
    }
    got += static_cast<size_t>(n);
  }
  read_offset_ += static_cast<int64_t>(got);
  const size_t before = out.size();
  if (got > 0) split_lines(buffer.data(), got, out);
  if (partial_.capacity() > kKeepCapacity && partial_.size() < kKeepCapacity / 2) partial_.shrink_to_fit();
  if (id_.fingerprint == 0 && out.size() > before) id_.fingerprint = read_fingerprint(fd_);

  if (at_eof) {
    struct stat now {};
    const bool moved = ::stat(path_.c_str(), &now) != 0 || static_cast<uint64_t>(now.st_ino) != id_.ino ||
                       static_cast<uint64_t>(now.st_dev) != id_.dev;
    if (moved) {
      // Rotated away or deleted, and read to its end: its unterminated last line will never be completed.
      if (!partial_.empty() && !discarding_) {
        last_.swap(partial_);
        partial_.clear();
        out.push_back(LineView{partial_offset_, read_offset_, last_, false});
        if (id_.fingerprint == 0) id_.fingerprint = read_fingerprint(fd_);
      }
      close_fd();
      finished_ = true;
    }
  }
  return Status::Ok();
}

}  // namespace logpipe::shipper
