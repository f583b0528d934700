#include "shipper/wal/wal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <type_traits>
#include <vector>

#include "common/log.h"

// On-disk format (README.md): little-endian integers.
//   raw segment  <first seq, 20 digits>.log : "LPWALR01" u64 first_seq, then records
//   record                                 : u32 len, u64 seq, u64 xxh3(len, seq, payload), payload
//   sealed       <first seq>.zst           : "LPWALZ01" u64 first_seq, then blocks
//   block : u32 magic, u32 raw_len, u32 comp_len, u32 run_count, run_count x (u64 first, u32 count),
//           u64 xxh3(compressed), u64 xxh3(header so far), compressed bytes (= records, framed as above)
//   seq, acked : two 32-byte slots at 0 and 512: u32 magic, u32 version, u64 generation, u64 value, u64 xxh3
static_assert(std::endian::native == std::endian::little, "the WAL format is written little-endian");

namespace logpipe::shipper {
namespace {

namespace fs = std::filesystem;

constexpr char kRawMagic[] = "LPWALR01";
constexpr char kZstMagic[] = "LPWALZ01";
constexpr int64_t kFileHeaderBytes = 16;
constexpr int64_t kRecordHeaderBytes = 20;
constexpr uint32_t kBlockMagic = 0x425a504c;       // "LPZB"
constexpr size_t kBlockFixedBytes = 16;            // magic, raw_len, comp_len, run_count
constexpr size_t kRunBytes = 12;
constexpr size_t kBlockRawBytes = 128 << 10;       // records per compressed block (and per corruption loss)
constexpr int64_t kCompactionStepBytes = 128 << 10;  // raw bytes compressed per append/maybe_sync call
constexpr uint64_t kSeqLease = 1 << 20;            // sequence numbers reserved per durable write
constexpr uint32_t kSeqMagic = 0x51535043;         // "CPSQ"
constexpr uint32_t kAckedMagic = 0x4b415043;       // "CPAK"
constexpr size_t kReadChunk = 1 << 20;
constexpr int64_t kMarkBytes = 256 << 10;
constexpr uint64_t kMaxEventBytes = 0xffffffffULL - kRecordHeaderBytes;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

void put32(std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
void put64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
uint32_t get32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t get64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint64_t record_hash(uint32_t len, uint64_t seq, std::string_view payload) {
  char head[12];
  std::memcpy(head, &len, 4);
  std::memcpy(head + 4, &seq, 8);
  return XXH3_64bits_withSeed(payload.data(), payload.size(), XXH3_64bits(head, sizeof head));
}

void frame_record(std::string& out, uint64_t seq, std::string_view payload) {
  const auto len = static_cast<uint32_t>(payload.size());
  put32(out, len);
  put64(out, seq);
  put64(out, record_hash(len, seq, payload));
  out.append(payload);
}

Status write_all(int fd, const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(errno_text("write"));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error(errno_text("open " + dir));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return Error(std::string("fsync ") + dir + ": " + std::strerror(saved));
  return Status::Ok();
}

std::string segment_file(uint64_t first_seq, bool compressed) {
  char name[40];
  std::snprintf(name, sizeof name, "%020llu.%s", static_cast<unsigned long long>(first_seq),
                compressed ? "zst" : "log");
  return name;
}

// Reads byte ranges of a file through a chunk buffer (sequential scans, the occasional step back), or of
// an in-memory string. Views stay valid until the next get().
class ByteReader {
 public:
  ByteReader(int fd, int64_t size) : fd_(fd), size_(size) {}
  explicit ByteReader(std::string_view memory) : size_(static_cast<int64_t>(memory.size())), memory_(memory) {}

  int64_t size() const { return size_; }

  // [off, off + n) must lie inside the file.
  Result<std::string_view> get(int64_t off, size_t n) {
    if (fd_ < 0) return memory_.substr(static_cast<size_t>(off), n);
    if (off >= buf_off_ && off + static_cast<int64_t>(n) <= buf_off_ + static_cast<int64_t>(buf_.size()))
      return std::string_view(buf_).substr(static_cast<size_t>(off - buf_off_), n);
    const size_t want = std::min<size_t>(std::max(n, kReadChunk), static_cast<size_t>(size_ - off));
    buf_.resize(want);
    size_t done = 0;
    while (done < want) {
      const ssize_t r = ::pread(fd_, buf_.data() + done, want - done, off + static_cast<int64_t>(done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Error(errno_text("read"));
      if (r == 0) return Error("read: file shrank while reading");
      done += static_cast<size_t>(r);
    }
    buf_off_ = off;
    return std::string_view(buf_).substr(0, n);
  }

 private:
  int fd_ = -1;
  int64_t size_ = 0;
  std::string_view memory_;
  std::string buf_;
  int64_t buf_off_ = 0;
};

struct RecordAt {
  bool valid = false;
  uint64_t seq = 0;
  std::string_view payload;  // valid until the reader's next get()
  int64_t end = 0;
};

// The record at `off` if it is whole, checksummed and its seq is at least `min_seq`.
Result<RecordAt> read_record(ByteReader& r, int64_t off, uint64_t min_seq) {
  RecordAt rec;
  if (off + kRecordHeaderBytes > r.size()) return rec;
  auto head = r.get(off, kRecordHeaderBytes);
  if (!head) return head.error();
  const uint32_t len = get32(head->data());
  const uint64_t seq = get64(head->data() + 4);
  const uint64_t hash = get64(head->data() + 12);
  if (seq < min_seq || off + kRecordHeaderBytes + len > r.size()) return rec;
  auto body = r.get(off, kRecordHeaderBytes + len);
  if (!body) return body.error();
  const std::string_view payload = body->substr(kRecordHeaderBytes);
  if (record_hash(len, seq, payload) != hash) return rec;
  rec.valid = true;
  rec.seq = seq;
  rec.payload = payload;
  rec.end = off + kRecordHeaderBytes + len;
  return rec;
}

struct RawScan {
  int64_t valid_end = 0;         // end of the last whole record (where a torn tail is cut)
  uint64_t corrupt_regions = 0;  // invalid bytes followed by a valid record
  bool bad_tail = false;         // invalid bytes up to the end, no valid record after them
  uint64_t last_seq = 0;         // of the last record visited (and not refused by fn)
  int64_t stopped_at = -1;       // offset of the record fn returned false for
};

// Visits every valid record of records framed from `start` to the end of `r`, in order, until `fn`
// returns false (if it returns bool). Invalid bytes
// are skipped by looking for the next valid record one byte further at a time (sequence numbers must
// increase), so a corrupt record costs only itself.
template <class Fn>
Result<RawScan> scan_records(ByteReader& r, int64_t start, uint64_t min_seq, Fn&& fn) {
  RawScan scan;
  scan.valid_end = start;
  int64_t off = start;
  while (off < r.size()) {
    auto rec = read_record(r, off, min_seq);
    if (!rec) return rec.error();
    if (!rec->valid) {
      bool found = false;
      for (int64_t o = off + 1; o + kRecordHeaderBytes <= r.size(); ++o) {
        rec = read_record(r, o, min_seq);
        if (!rec) return rec.error();
        if (rec->valid) {
          found = true;
          off = o;
          break;
        }
      }
      if (!found) {
        scan.bad_tail = true;
        break;
      }
      ++scan.corrupt_regions;
    }
    if constexpr (std::is_same_v<decltype(fn(rec->seq, rec->payload)), bool>) {
      if (!fn(rec->seq, rec->payload)) {
        scan.stopped_at = off;
        break;
      }
    } else {
      fn(rec->seq, rec->payload);
    }
    scan.last_seq = rec->seq;
    min_seq = rec->seq + 1;
    off = rec->end;
    scan.valid_end = off;
  }
  return scan;
}

struct BlockHeader {
  uint32_t raw_len = 0;
  uint32_t comp_len = 0;
  std::vector<std::pair<uint64_t, uint32_t>> runs;  // sequence numbers stored: [first, first + count)
  uint64_t payload_hash = 0;
  int64_t payload_off = 0;
  int64_t end = 0;
  uint64_t record_count() const {
    uint64_t n = 0;
    for (const auto& run : runs) n += run.second;
    return n;
  }
};

// The block header at `off` if it is whole and checksummed (nullopt otherwise).
Result<std::optional<BlockHeader>> read_block_header(ByteReader& r, int64_t off) {
  if (off + static_cast<int64_t>(kBlockFixedBytes + 16) > r.size()) return std::optional<BlockHeader>();
  auto fixed = r.get(off, kBlockFixedBytes);
  if (!fixed) return fixed.error();
  if (get32(fixed->data()) != kBlockMagic) return std::optional<BlockHeader>();
  BlockHeader h;
  h.raw_len = get32(fixed->data() + 4);
  h.comp_len = get32(fixed->data() + 8);
  const uint32_t run_count = get32(fixed->data() + 12);
  const int64_t header_len = static_cast<int64_t>(kBlockFixedBytes + run_count * kRunBytes + 16);
  if (run_count > h.raw_len / kRecordHeaderBytes + 1 || off + header_len + h.comp_len > r.size())
    return std::optional<BlockHeader>();
  auto all = r.get(off, static_cast<size_t>(header_len));
  if (!all) return all.error();
  const char* p = all->data();
  if (XXH3_64bits(p, static_cast<size_t>(header_len - 8)) != get64(p + header_len - 8))
    return std::optional<BlockHeader>();
  for (uint32_t i = 0; i < run_count; ++i)
    h.runs.emplace_back(get64(p + kBlockFixedBytes + i * kRunBytes), get32(p + kBlockFixedBytes + i * kRunBytes + 8));
  h.payload_hash = get64(p + header_len - 16);
  h.payload_off = off + header_len;
  h.end = h.payload_off + h.comp_len;
  return std::optional<BlockHeader>(std::move(h));
}

// Visits every whole block header of a compressed segment; a corrupt header is skipped by looking for
// the next valid one (counted in *corrupt). Stops when *stop turns true.
template <class Fn>
Status scan_blocks(ByteReader& r, uint64_t* corrupt, const bool* stop, Fn&& fn) {
  int64_t off = kFileHeaderBytes;
  while (off < r.size() && !*stop) {
    auto h = read_block_header(r, off);
    if (!h) return h.error();
    if (!*h) {
      ++*corrupt;
      bool found = false;
      for (int64_t o = off + 1; o + static_cast<int64_t>(kBlockFixedBytes) <= r.size() && !found; ++o) {
        h = read_block_header(r, o);
        if (!h) return h.error();
        found = h->has_value();
      }
      if (!found) break;
    }
    const BlockHeader header = std::move(**h);
    if (Status s = fn(header); !s) return s;
    off = header.end;
  }
  return Status::Ok();
}

// Sequence numbers of one segment that are stored and not acknowledged: a bitmap from the first one.
// Inserted in increasing order only.
class SeqSet {
 public:
  void insert(uint64_t seq) {
    if (words_.empty()) base_ = seq;
    const uint64_t bit = seq - base_;
    if (bit / 64 >= words_.size()) words_.resize(bit / 64 + 1, 0);
    words_[bit / 64] |= uint64_t{1} << (bit % 64);
    ++count_;
  }
  bool contains(uint64_t seq) const {
    if (words_.empty() || seq < base_) return false;
    const uint64_t bit = seq - base_;
    return bit / 64 < words_.size() && (words_[bit / 64] >> (bit % 64) & 1) != 0;
  }
  bool erase(uint64_t seq) {
    if (!contains(seq)) return false;
    const uint64_t bit = seq - base_;
    words_[bit / 64] &= ~(uint64_t{1} << (bit % 64));
    --count_;
    return true;
  }
  uint64_t size() const { return count_; }
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (size_t w = 0; w < words_.size(); ++w)
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1)
        fn(base_ + w * 64 + static_cast<uint64_t>(std::countr_zero(bits)));
  }
  // The lowest member; the set must not be empty.
  uint64_t lowest() const {
    while (words_[low_word_] == 0) ++low_word_;  // bits below are never set again
    return base_ + low_word_ * 64 + static_cast<uint64_t>(std::countr_zero(words_[low_word_]));
  }

 private:
  uint64_t base_ = 0;
  std::vector<uint64_t> words_;
  uint64_t count_ = 0;
  mutable size_t low_word_ = 0;
};

struct Segment {
  uint64_t first_seq = 0;  // the file name
  bool compressed = false;
  bool sealed = false;
  int64_t bytes = 0;
  uint64_t last_seq = 0;   // highest stored (0: none)
  SeqSet pending;          // stored and not acknowledged
  // Raw segment appended by this process: (first seq of a batch, its file offset), one at least every
  // kMarkBytes, so replay_from() starts near `from` instead of at the top of the segment.
  std::vector<std::pair<uint64_t, int64_t>> marks;
};

// A value kept in a two-slot file, so that a torn write of one slot leaves the other.
class SlotFile {
 public:
  explicit SlotFile(uint32_t magic) : magic_(magic) {}
  ~SlotFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  SlotFile(const SlotFile&) = delete;
  SlotFile& operator=(const SlotFile&) = delete;

  // Opens or creates it; the value read (nullopt when no slot is valid).
  Result<std::optional<uint64_t>> open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Error(errno_text("open " + path));
    std::optional<uint64_t> value;
    for (int64_t slot = 0; slot < 2; ++slot) {
      char b[32];
      const ssize_t n = ::pread(fd_, b, sizeof b, slot * 512);
      if (n != static_cast<ssize_t>(sizeof b) || get32(b) != magic_ || get32(b + 4) != 1 ||
          XXH3_64bits(b, 24) != get64(b + 24))
        continue;
      if (!value || get64(b + 8) > generation_) {
        generation_ = get64(b + 8);
        value = get64(b + 16);
      }
    }
    return value;
  }

  Status write(uint64_t value, bool durable) {
    ++generation_;
    std::string b;
    put32(b, magic_);
    put32(b, 1);
    put64(b, generation_);
    put64(b, value);
    put64(b, XXH3_64bits(b.data(), b.size()));
    if (::pwrite(fd_, b.data(), b.size(), static_cast<off_t>((generation_ & 1) * 512)) != static_cast<ssize_t>(b.size()))
      return Error(errno_text("write"));
    if (durable && ::fdatasync(fd_) != 0) return Error(errno_text("fdatasync"));
    return Status::Ok();
  }

 private:
  uint32_t magic_;
  int fd_ = -1;
  uint64_t generation_ = 0;
};

Result<std::string> load_or_create_id(const std::string& dir, bool has_segments) {
  const std::string path = dir + "/id";
  if (FILE* f = std::fopen(path.c_str(), "re")) {
    char buf[64] = {};
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    std::string id(buf, n);
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos) return id;
    return Error("wal " + path + ": not a WAL id (32 hex digits)");
  }
  if (errno != ENOENT) return Error(errno_text("open " + path));
  if (has_segments)
    log::warn("wal id file missing next to segments; a new id makes replayed events new documents",
              {{"dir", std::string_view(dir)}});
  std::random_device rd;
  char id[33];
  std::snprintf(id, sizeof id, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error(errno_text("open " + tmp));
  const std::string line = std::string(id) + "\n";
  Status s = write_all(fd, line.data(), line.size());
  if (s && ::fsync(fd) != 0) s = Error(errno_text("fsync " + tmp));
  ::close(fd);
  if (!s) return Error(s.message());
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Error(errno_text("rename " + tmp));
  if (Status d = fsync_dir(dir); !d) return Error(d.message());
  return std::string(id);
}

using ReplayFn = std::function<bool(uint64_t, std::string_view)>;

// The rewrite of one sealed raw segment into a compressed one, done a step at a time so that sealing a
// large segment never stalls the owner's loop (see README.md).
struct Compaction {
  uint64_t first_seq = 0;
  int in = -1;
  int out = -1;
  std::unique_ptr<ByteReader> reader;
  int64_t off = kFileHeaderBytes;  // next record to read
  uint64_t min_seq = 0;
  std::string block;
  std::vector<std::pair<uint64_t, uint32_t>> runs;
  SeqSet kept;                     // written to the compressed file
  int64_t written = 0;             // size of the .zst.tmp (counted in disk_bytes_)
  uint64_t corrupt_regions = 0;
  ~Compaction() {
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
  }
};

class FileWal final : public Wal {
 public:
  FileWal(const WalOptions& options, const Clock& clock)
      : opts_(options),
        clock_(clock),
        // A segment larger than the budget could fill it alone and never be sealed, so never deleted.
        segment_bytes_(std::min(options.segment_bytes, std::max<int64_t>(options.max_disk_bytes / 4, 1))),
        seq_file_(kSeqMagic),
        acked_file_(kAckedMagic) {}

  ~FileWal() override {
    if (active_fd_ >= 0) ::close(active_fd_);
    if (lock_fd_ >= 0) ::close(lock_fd_);
    if (cctx_ != nullptr) ZSTD_freeCCtx(cctx_);
    if (dctx_ != nullptr) ZSTD_freeDCtx(dctx_);
  }

  Status recover();

  const std::string& id() const override { return id_; }
  Result<uint64_t> append(std::string_view event) override { return append_batch(std::span(&event, 1)); }
  Result<uint64_t> append_batch(std::span<const std::string_view> events) override;
  bool is_full() const override { return refused_bytes_ > 0 && disk_bytes_ + refused_bytes_ > opts_.max_disk_bytes; }
  void ack(uint64_t seq) override;
  Status replay(const std::function<void(uint64_t seq, std::string_view event)>& fn) override {
    return replay_from(0, [&](uint64_t seq, std::string_view event) {
      fn(seq, event);
      return true;
    });
  }
  Status replay_from(uint64_t from, const ReplayFn& fn) override;
  Status maybe_sync() override;
  Status sync() override;
  Status close() override;
  int64_t disk_bytes() const override { return disk_bytes_; }
  uint64_t unacked_count() const override { return unacked_; }
  uint64_t corrupt_records() const override { return corrupt_; }
  size_t segment_count() const override { return segments_.size(); }

 private:
  std::string path_of(const Segment& s) const { return opts_.dir + "/" + segment_file(s.first_seq, s.compressed); }
  Status load_raw(Segment& seg, bool last, uint64_t watermark);
  Status load_compressed(Segment& seg, uint64_t watermark);
  Status open_active();
  Status seal_active();
  // A sealed segment: deleted when nothing in it is pending, else compressed if configured.
  Status settle(uint64_t first_seq);
  // Compaction: queued by settle(), advanced by append() and maybe_sync(), finished by open() and close().
  Status start_compaction(uint64_t first_seq);
  Status step_compaction(int64_t budget_bytes);
  Status finish_compaction();
  void abort_compaction(const std::string& why);
  Status finish_compactions();
  Status flush_block();
  Status remove_segment(uint64_t first_seq);
  Status replay_segment(uint64_t first_seq, uint64_t from, uint64_t limit, const ReplayFn& fn, bool* stopped);
  Status write_watermark(bool durable);
  uint64_t watermark() const;
  Status sync_active();

  WalOptions opts_;
  const Clock& clock_;
  int64_t segment_bytes_;  // effective: at most a quarter of the budget
  std::string id_;
  int lock_fd_ = -1;
  SlotFile seq_file_;    // durable lease: every sequence number handed out is below it
  SlotFile acked_file_;  // advisory: every sequence number up to it is acknowledged
  std::map<uint64_t, Segment> segments_;
  int active_fd_ = -1;
  uint64_t active_first_ = 0;  // key of the active segment when active_fd_ >= 0
  uint64_t next_seq_ = 1;
  uint64_t lease_ = 0;
  int64_t disk_bytes_ = 0;
  uint64_t unacked_ = 0;
  uint64_t corrupt_ = 0;
  int64_t refused_bytes_ = 0;
  int64_t unsynced_bytes_ = 0;
  std::optional<std::chrono::steady_clock::time_point> unsynced_since_;
  uint64_t watermark_written_ = 0;
  std::chrono::steady_clock::time_point watermark_time_{};
  Status sync_error_;
  bool closed_ = false;
  bool in_replay_ = false;
  std::vector<uint64_t> deferred_removals_;
  std::string record_buf_;
  ZSTD_CCtx* cctx_ = nullptr;
  ZSTD_DCtx* dctx_ = nullptr;
  std::unique_ptr<Compaction> job_;
  std::vector<uint64_t> compress_queue_;  // sealed raw segments to compress, oldest first
};

Status FileWal::recover() {
  std::error_code ec;
  fs::create_directories(opts_.dir, ec);
  if (ec) return Error("wal dir " + opts_.dir + ": " + ec.message());

  const std::string lock_path = opts_.dir + "/lock";
  const bool new_files = !fs::exists(lock_path, ec) || !fs::exists(opts_.dir + "/seq", ec) ||
                         !fs::exists(opts_.dir + "/acked", ec);
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Error(errno_text("wal " + lock_path));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return Error("wal " + opts_.dir + ": in use by another process (" + std::strerror(errno) + ")");

  // Segments; a .zst next to a .log of the same name is a finished compression whose raw file was not
  // deleted yet; .tmp files are unfinished ones.
  std::map<uint64_t, bool> found;  // first seq -> compressed
  std::vector<std::string> names;
  for (fs::directory_iterator it(opts_.dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) return Error("wal dir " + opts_.dir + ": " + ec.message());
  for (const std::string& name : names) {
    if (name.ends_with(".tmp")) {
      fs::remove(opts_.dir + "/" + name, ec);
      continue;
    }
    if (name.size() != 24 || name[20] != '.' || name.find_first_not_of("0123456789") != 20) continue;
    const std::string ext = name.substr(21);
    if (ext != "log" && ext != "zst") continue;
    uint64_t first = 0;
    if (std::from_chars(name.data(), name.data() + 20, first).ec != std::errc()) continue;
    if (ext == "zst") {
      found[first] = true;
    } else if (!found.contains(first)) {
      found[first] = false;
    }
  }
  for (const auto& [first, compressed] : found) {
    if (!compressed) continue;
    const std::string raw = opts_.dir + "/" + segment_file(first, false);
    if (::unlink(raw.c_str()) == 0) {
      if (Status s = fsync_dir(opts_.dir); !s) return s;
    }
  }

  auto id = load_or_create_id(opts_.dir, !found.empty());
  if (!id) return Error(id.error().message());
  id_ = *id;
  auto lease = seq_file_.open(opts_.dir + "/seq");
  if (!lease) return Error(lease.error().message());
  auto acked = acked_file_.open(opts_.dir + "/acked");
  if (!acked) return Error(acked.error().message());
  const uint64_t watermark = acked->value_or(0);
  watermark_written_ = watermark;

  uint64_t highest = 0;
  for (auto it = found.begin(); it != found.end(); ++it) {
    Segment seg;
    seg.first_seq = it->first;
    seg.compressed = it->second;
    seg.sealed = true;
    const bool last = std::next(it) == found.end();
    Status s = seg.compressed ? load_compressed(seg, watermark) : load_raw(seg, last, watermark);
    if (!s) return s;
    highest = std::max(highest, seg.last_seq);
    unacked_ += seg.pending.size();
    disk_bytes_ += seg.bytes;
    segments_.emplace(seg.first_seq, std::move(seg));
  }
  if (!lease->has_value() && highest > 0)
    log::warn("wal sequence lease unreadable; continuing after the highest stored number",
              {{"dir", std::string_view(opts_.dir)}});
  next_seq_ = std::max({highest + 1, lease->value_or(1), watermark + 1, uint64_t{1}});
  lease_ = next_seq_ + kSeqLease;
  if (Status s = seq_file_.write(lease_, true); !s) return Error("wal seq lease: " + s.message());
  if (new_files) {
    if (Status s = fsync_dir(opts_.dir); !s) return s;
  }

  // The previous process's segments are all sealed now: delete what is acknowledged, compress the rest.
  std::vector<uint64_t> firsts;
  for (const auto& [first, seg] : segments_) firsts.push_back(first);
  for (uint64_t first : firsts)
    if (Status s = settle(first); !s) return s;
  if (Status s = finish_compactions(); !s) return s;
  watermark_time_ = clock_.now();
  if (corrupt_ > 0)
    log::warn("wal recovered with corrupt records skipped",
              {{"dir", std::string_view(opts_.dir)}, {"corrupt_records", static_cast<int64_t>(corrupt_)}});
  return Status::Ok();
}

Status FileWal::load_raw(Segment& seg, bool last, uint64_t watermark) {
  const std::string path = path_of(seg);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Error(errno_text("wal open " + path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Error(errno_text("wal stat " + path));
  }
  ByteReader r(fd, st.st_size);
  int64_t keep = st.st_size;
  bool header_ok = st.st_size >= kFileHeaderBytes;
  if (header_ok) {
    auto head = r.get(0, kFileHeaderBytes);
    if (!head) {
      ::close(fd);
      return Error("wal " + path + ": " + head.error().message());
    }
    header_ok = head->substr(0, 8) == std::string_view(kRawMagic, 8) && get64(head->data() + 8) == seg.first_seq;
  }
  if (!header_ok) {
    // Only the segment being created when the process died may lack its header; it holds nothing.
    if (!last || st.st_size > kFileHeaderBytes) {
      ++corrupt_;
      log::warn("wal segment with an invalid header skipped", {{"path", std::string_view(path)}});
    }
    keep = 0;
  } else {
    auto scan = scan_records(r, kFileHeaderBytes, seg.first_seq, [&](uint64_t seq, std::string_view) {
      seg.last_seq = seq;
      if (seq > watermark) seg.pending.insert(seq);
    });
    if (!scan) {
      ::close(fd);
      return Error("wal " + path + ": " + scan.error().message());
    }
    corrupt_ += scan->corrupt_regions;
    if (scan->bad_tail) {
      if (last) {
        // A torn tail: the process died in the middle of a write. Cut it at the last whole record.
        log::info("wal torn tail cut", {{"path", std::string_view(path)},
                                        {"bytes", static_cast<int64_t>(st.st_size - scan->valid_end)}});
      } else {
        ++corrupt_;  // a sealed segment was synced whole: invalid bytes at its end are corruption
      }
      keep = scan->valid_end;
    }
  }
  if (last && keep != st.st_size) {
    if (::ftruncate(fd, keep) != 0 || ::fdatasync(fd) != 0) {
      ::close(fd);
      return Error(errno_text("wal truncate " + path));
    }
  }
  ::close(fd);
  seg.bytes = last ? keep : st.st_size;
  return Status::Ok();
}

Status FileWal::load_compressed(Segment& seg, uint64_t watermark) {
  const std::string path = path_of(seg);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(errno_text("wal open " + path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Error(errno_text("wal stat " + path));
  }
  seg.bytes = st.st_size;
  ByteReader r(fd, st.st_size);
  Status s;
  bool header_ok = st.st_size >= kFileHeaderBytes;
  if (header_ok) {
    auto head = r.get(0, kFileHeaderBytes);
    if (!head) s = Error(head.error().message());
    header_ok = head && head->substr(0, 8) == std::string_view(kZstMagic, 8) && get64(head->data() + 8) == seg.first_seq;
  }
  if (s && !header_ok) {
    ++corrupt_;
    log::warn("wal segment with an invalid header skipped", {{"path", std::string_view(path)}});
  } else if (s) {
    const bool never = false;
    s = scan_blocks(r, &corrupt_, &never, [&](const BlockHeader& h) -> Status {
      for (const auto& [first, count] : h.runs) {
        for (uint64_t seq = first; seq < first + count; ++seq) {
          if (seq <= seg.last_seq) continue;  // sequence numbers increase; anything else is not trusted
          seg.last_seq = seq;
          if (seq > watermark) seg.pending.insert(seq);
        }
      }
      return Status::Ok();
    });
  }
  ::close(fd);
  if (!s) return Error("wal " + path + ": " + s.message());
  return Status::Ok();
}

Status FileWal::open_active() {
  Segment seg;
  seg.first_seq = next_seq_;
  const std::string path = path_of(seg);
  active_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (active_fd_ < 0) return Error(errno_text("wal create " + path));
  std::string head(kRawMagic, 8);
  put64(head, seg.first_seq);
  Status s = write_all(active_fd_, head.data(), head.size());
  if (s) s = fsync_dir(opts_.dir);
  if (!s) {
    ::close(active_fd_);
    active_fd_ = -1;
    ::unlink(path.c_str());
    return Error("wal create " + path + ": " + s.message());
  }
  seg.bytes = kFileHeaderBytes;
  disk_bytes_ += seg.bytes;
  active_first_ = seg.first_seq;
  segments_.emplace(seg.first_seq, std::move(seg));
  return Status::Ok();
}

Result<uint64_t> FileWal::append_batch(std::span<const std::string_view> events) {
  if (closed_) return Error("wal closed");
  if (events.empty()) return Error("wal: empty batch");
  int64_t size = 0;
  for (std::string_view e : events) {
    if (e.size() > kMaxEventBytes) return Error("wal: event too large");
    size += kRecordHeaderBytes + static_cast<int64_t>(e.size());
  }
  int64_t need = size + (active_fd_ < 0 ? kFileHeaderBytes : 0);
  if (disk_bytes_ + need > opts_.max_disk_bytes && active_fd_ >= 0 &&
      segments_.at(active_first_).bytes >= segment_bytes_ / 8) {
    // Make room before refusing: sealing deletes an acknowledged segment now, or queues the compression
    // of its unacknowledged records (during a Kafka outage this lets the budget hold compressed data; the
    // room appears a few maybe_sync() calls later).
    if (Status s = seal_active(); !s) log::error("wal seal failed", {{"error", std::string_view(s.message())}});
    need = size + (active_fd_ < 0 ? kFileHeaderBytes : 0);
  }
  if (disk_bytes_ + need > opts_.max_disk_bytes) {
    refused_bytes_ = need;
    return Error("wal full: disk budget of " + std::to_string(opts_.max_disk_bytes) + " bytes reached");
  }
  refused_bytes_ = 0;
  const uint64_t first = next_seq_;
  if (first + events.size() > lease_) {
    // Reserve the next block of numbers durably before handing any out (see wal.h, Sequence numbers).
    const uint64_t lease = first + events.size() + kSeqLease;
    if (Status s = seq_file_.write(lease, true); !s) return Error("wal seq lease: " + s.message());
    lease_ = lease;
  }
  if (active_fd_ < 0) {
    if (Status s = open_active(); !s) return Error(s.message());
  }
  Segment& seg = segments_.at(active_first_);
  record_buf_.clear();
  for (size_t i = 0; i < events.size(); ++i) frame_record(record_buf_, first + i, events[i]);
  if (Status s = write_all(active_fd_, record_buf_.data(), record_buf_.size()); !s) {
    // A partial write would leave a torn record in the middle of the segment: cut it.
    if (::ftruncate(active_fd_, seg.bytes) != 0)
      log::error("wal cannot cut a failed write", {{"error", std::string_view(std::strerror(errno))}});
    return Error("wal append: " + s.message());
  }
  for (size_t i = 0; i < events.size(); ++i) seg.pending.insert(first + i);
  if (seg.marks.empty() || seg.bytes - seg.marks.back().second >= kMarkBytes) seg.marks.emplace_back(first, seg.bytes);
  next_seq_ = first + events.size();
  seg.last_seq = next_seq_ - 1;
  seg.bytes += size;
  disk_bytes_ += size;
  unacked_ += events.size();
  unsynced_bytes_ += size;
  if (!unsynced_since_) unsynced_since_ = clock_.now();
  if (record_buf_.capacity() > (1 << 20)) std::string().swap(record_buf_);  // do not keep a huge batch's buffer

  // The records are in the page cache: the append succeeded. Sync and seal failures are reported by the
  // next sync call (sync_error_), the records stay appended.
  Status s;
  if (seg.bytes >= segment_bytes_) {
    s = seal_active();
  } else if (unsynced_bytes_ >= opts_.sync_bytes || clock_.now() - *unsynced_since_ >= opts_.sync_interval) {
    s = sync_active();
  }
  if (s && (job_ || !compress_queue_.empty())) s = step_compaction(kCompactionStepBytes);
  if (!s) log::error("wal sync after append failed", {{"error", std::string_view(s.message())}});
  return first;
}

Status FileWal::sync_active() {
  if (active_fd_ >= 0 && unsynced_since_) {
    if (::fdatasync(active_fd_) != 0) {
      sync_error_ = Error(errno_text("wal fdatasync"));
      return sync_error_;
    }
  }
  sync_error_ = Status::Ok();
  unsynced_bytes_ = 0;
  unsynced_since_.reset();
  return Status::Ok();
}

Status FileWal::seal_active() {
  if (active_fd_ < 0) return Status::Ok();
  if (Status s = sync_active(); !s) return s;
  ::close(active_fd_);
  active_fd_ = -1;
  segments_.at(active_first_).sealed = true;
  return settle(active_first_);
}

Status FileWal::settle(uint64_t first_seq) {
  auto it = segments_.find(first_seq);
  if (it == segments_.end() || !it->second.sealed) return Status::Ok();
  Segment& seg = it->second;
  if (seg.pending.size() == 0) {
    if (in_replay_) {
      deferred_removals_.push_back(first_seq);
      return Status::Ok();
    }
    return remove_segment(first_seq);
  }
  if (!seg.compressed && opts_.compression_level > 0 && (!job_ || job_->first_seq != first_seq) &&
      std::find(compress_queue_.begin(), compress_queue_.end(), first_seq) == compress_queue_.end())
    compress_queue_.push_back(first_seq);
  return Status::Ok();
}

Status FileWal::remove_segment(uint64_t first_seq) {
  auto it = segments_.find(first_seq);
  if (it == segments_.end()) return Status::Ok();
  if (job_ && job_->first_seq == first_seq) abort_compaction("");
  const std::string path = path_of(it->second);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Error(errno_text("wal delete " + path));
  disk_bytes_ -= it->second.bytes;
  unacked_ -= it->second.pending.size();
  segments_.erase(it);
  return fsync_dir(opts_.dir);
}

Status FileWal::start_compaction(uint64_t first_seq) {
  Segment& seg = segments_.at(first_seq);
  const std::string raw_path = path_of(seg);
  const std::string tmp_path = opts_.dir + "/" + segment_file(first_seq, true) + ".tmp";
  auto job = std::make_unique<Compaction>();
  job->first_seq = first_seq;
  job->min_seq = first_seq;
  job->in = ::open(raw_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (job->in < 0) return Error(errno_text("wal open " + raw_path));
  struct stat st {};
  if (::fstat(job->in, &st) != 0) return Error(errno_text("wal stat " + raw_path));
  job->reader = std::make_unique<ByteReader>(job->in, st.st_size);
  job->out = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (job->out < 0) return Error(errno_text("wal create " + tmp_path));
  std::string head(kZstMagic, 8);
  put64(head, first_seq);
  if (Status s = write_all(job->out, head.data(), head.size()); !s) {
    ::unlink(tmp_path.c_str());
    return s;
  }
  job->written = kFileHeaderBytes;
  disk_bytes_ += job->written;
  if (cctx_ == nullptr) cctx_ = ZSTD_createCCtx();
  job_ = std::move(job);
  return Status::Ok();
}

Status FileWal::flush_block() {
  Compaction& job = *job_;
  if (job.block.empty()) return Status::Ok();
  std::string compressed(ZSTD_compressBound(job.block.size()), '\0');
  const size_t n = ZSTD_compressCCtx(cctx_, compressed.data(), compressed.size(), job.block.data(), job.block.size(),
                                     opts_.compression_level);
  if (ZSTD_isError(n)) return Error(std::string("zstd: ") + ZSTD_getErrorName(n));
  compressed.resize(n);
  std::string header;
  put32(header, kBlockMagic);
  put32(header, static_cast<uint32_t>(job.block.size()));
  put32(header, static_cast<uint32_t>(n));
  put32(header, static_cast<uint32_t>(job.runs.size()));
  for (const auto& [first, count] : job.runs) {
    put64(header, first);
    put32(header, count);
  }
  put64(header, XXH3_64bits(compressed.data(), compressed.size()));
  put64(header, XXH3_64bits(header.data(), header.size()));
  if (Status s = write_all(job.out, header.data(), header.size()); !s) return s;
  if (Status s = write_all(job.out, compressed.data(), compressed.size()); !s) return s;
  const auto bytes = static_cast<int64_t>(header.size() + compressed.size());
  job.written += bytes;
  disk_bytes_ += bytes;
  job.block.clear();
  job.runs.clear();
  return Status::Ok();
}

void FileWal::abort_compaction(const std::string& why) {
  if (!job_) return;
  const std::string tmp_path = opts_.dir + "/" + segment_file(job_->first_seq, true) + ".tmp";
  ::unlink(tmp_path.c_str());
  disk_bytes_ -= job_->written;
  // Not fatal: the raw segment stays, valid and complete, just uncompressed.
  if (!why.empty())
    log::warn("wal segment compression failed; kept uncompressed",
              {{"path", std::string_view(tmp_path)}, {"error", std::string_view(why)}});
  job_.reset();
}

// Reads about `budget_bytes` of the raw segment being compressed (starting the next queued one if none),
// compressing full blocks; finishes the job at the end of the file.
Status FileWal::step_compaction(int64_t budget_bytes) {
  while (!job_ && !compress_queue_.empty()) {
    const uint64_t first = compress_queue_.front();
    compress_queue_.erase(compress_queue_.begin());
    auto it = segments_.find(first);
    if (it == segments_.end() || it->second.compressed || it->second.pending.size() == 0) continue;
    if (Status s = start_compaction(first); !s) {
      abort_compaction(s.message());
      log::warn("wal segment compression failed; kept uncompressed", {{"error", std::string_view(s.message())}});
    }
  }
  if (!job_) return Status::Ok();
  Compaction& job = *job_;
  const Segment& seg = segments_.at(job.first_seq);
  int64_t consumed = 0;
  Status s;
  auto scan = scan_records(*job.reader, job.off, job.min_seq, [&](uint64_t seq, std::string_view payload) {
    if (consumed >= budget_bytes || !s) return false;
    consumed += kRecordHeaderBytes + static_cast<int64_t>(payload.size());
    if (!seg.pending.contains(seq)) return true;  // acknowledged: dropped by the rewrite
    frame_record(job.block, seq, payload);
    if (!job.runs.empty() && job.runs.back().first + job.runs.back().second == seq) {
      ++job.runs.back().second;
    } else {
      job.runs.emplace_back(seq, 1);
    }
    job.kept.insert(seq);
    if (job.block.size() >= kBlockRawBytes) s = flush_block();
    return true;
  });
  if (!scan) s = Error(scan.error().message());
  if (!s) {
    abort_compaction(s.message());
    return Status::Ok();
  }
  job.corrupt_regions += scan->corrupt_regions + (scan->bad_tail ? 1 : 0);
  if (scan->stopped_at >= 0) {
    job.off = scan->stopped_at;
    if (scan->last_seq > 0) job.min_seq = scan->last_seq + 1;
    return Status::Ok();
  }
  return finish_compaction();
}

Status FileWal::finish_compaction() {
  Compaction& job = *job_;
  const uint64_t first_seq = job.first_seq;
  const std::string raw_path = opts_.dir + "/" + segment_file(first_seq, false);
  const std::string zst_path = opts_.dir + "/" + segment_file(first_seq, true);
  const std::string tmp_path = zst_path + ".tmp";
  Status s = flush_block();
  if (s && ::fdatasync(job.out) != 0) s = Error(errno_text("fdatasync"));
  if (s && ::rename(tmp_path.c_str(), zst_path.c_str()) != 0) s = Error(errno_text("rename"));
  if (!s) {
    abort_compaction(s.message());
    return Status::Ok();
  }
  Segment& seg = segments_.at(first_seq);
  // Acknowledged since they were written, or never found (corruption): only the rest stays pending.
  SeqSet pending;
  job.kept.for_each([&](uint64_t seq) {
    if (seg.pending.contains(seq)) pending.insert(seq);
  });
  uint64_t lost_pending = 0;
  seg.pending.for_each([&](uint64_t seq) {
    if (!job.kept.contains(seq)) ++lost_pending;
  });
  if (lost_pending > 0 || job.corrupt_regions > 0) {
    corrupt_ += std::max<uint64_t>(lost_pending, job.corrupt_regions);
    log::warn("wal corrupt records skipped while sealing",
              {{"path", std::string_view(raw_path)}, {"lost", static_cast<int64_t>(lost_pending)}});
  }
  unacked_ -= lost_pending;
  seg.pending = std::move(pending);
  seg.compressed = true;
  disk_bytes_ -= seg.bytes;  // the compressed bytes were counted while written
  seg.bytes = job.written;
  job_.reset();
  if (::unlink(raw_path.c_str()) != 0) s = Error(errno_text("wal delete " + raw_path));
  if (Status d = fsync_dir(opts_.dir); s && !d) s = d;
  if (!s) return s;
  return settle(first_seq);  // deletes it if nothing is pending any more
}

Status FileWal::finish_compactions() {
  Status s;
  while (s && (job_ || !compress_queue_.empty())) s = step_compaction(std::numeric_limits<int64_t>::max());
  return s;
}

void FileWal::ack(uint64_t seq) {
  auto it = segments_.upper_bound(seq);
  if (it == segments_.begin()) return;
  --it;
  Segment& seg = it->second;
  if (!seg.pending.erase(seq)) return;
  --unacked_;
  if (seg.sealed && seg.pending.size() == 0) {
    if (Status s = settle(seg.first_seq); !s)
      log::error("wal segment deletion failed", {{"error", std::string_view(s.message())}});
  }
}

uint64_t FileWal::watermark() const {
  for (const auto& [first, seg] : segments_)
    if (seg.pending.size() > 0) return seg.pending.lowest() - 1;
  return next_seq_ - 1;
}

Status FileWal::write_watermark(bool durable) {
  const uint64_t w = watermark();
  if (w == watermark_written_ && !durable) return Status::Ok();
  if (Status s = acked_file_.write(w, durable); !s) return Error("wal ack watermark: " + s.message());
  watermark_written_ = w;
  watermark_time_ = clock_.now();
  return Status::Ok();
}

Status FileWal::maybe_sync() {
  if (closed_) return Error("wal closed");
  if (job_ || !compress_queue_.empty()) {
    if (Status s = step_compaction(kCompactionStepBytes); !s) return s;
  }
  const auto now = clock_.now();
  if (unsynced_since_ && now - *unsynced_since_ >= opts_.sync_interval) return sync();
  if (now - watermark_time_ >= opts_.sync_interval) {
    if (Status s = write_watermark(false); !s) return s;
    watermark_time_ = now;
  }
  return sync_error_;
}

Status FileWal::sync() {
  if (closed_) return Error("wal closed");
  if (Status s = sync_active(); !s) return s;
  // Not synced on purpose: the watermark only saves replay work, an older one is still correct.
  return write_watermark(false);
}

Status FileWal::close() {
  if (closed_) return Status::Ok();
  Status s = seal_active();
  if (Status c = finish_compactions(); s && !c) s = c;
  if (Status w = write_watermark(true); s && !w) s = w;
  // Tight lease: the next process continues without a gap.
  if (s) {
    if (Status l = seq_file_.write(next_seq_, true); !l) s = Error("wal seq lease: " + l.message());
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
  closed_ = true;
  return s;
}

Status FileWal::replay_segment(uint64_t first_seq, uint64_t from, uint64_t limit, const ReplayFn& fn,
                               bool* stopped) {
  auto found = segments_.find(first_seq);
  const std::string path = path_of(found->second);
  const bool compressed = found->second.compressed;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(errno_text("wal open " + path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Error(errno_text("wal stat " + path));
  }
  ByteReader r(fd, st.st_size);
  SeqSet seen;              // pending records found intact
  uint64_t scanned_to = 0;  // when stopped: the last number looked at
  // `fn` may ack (erasing from pending) or append (sealing and compressing the active segment, which
  // replaces this segment's file but not this open descriptor): look the segment up again each time.
  auto visit = [&](uint64_t seq, std::string_view payload) -> bool {
    if (seq < from || seq >= limit) return true;
    auto it = segments_.find(first_seq);
    if (it == segments_.end() || !it->second.pending.contains(seq)) return true;
    seen.insert(seq);
    if (fn(seq, payload)) return true;
    *stopped = true;
    scanned_to = seq;
    return false;
  };
  Status s;
  if (!compressed) {
    // Start at the last mark at or below `from` (records below it are not visited anyway).
    int64_t start = kFileHeaderBytes;
    uint64_t min_seq = first_seq;
    const auto& marks = found->second.marks;
    auto m = std::upper_bound(marks.begin(), marks.end(), from,
                              [](uint64_t f, const std::pair<uint64_t, int64_t>& mark) { return f < mark.first; });
    if (m != marks.begin()) {
      --m;
      start = m->second;
      min_seq = m->first;
    }
    auto scan = scan_records(r, start, min_seq, visit);
    if (!scan) s = Error(scan.error().message());
  } else {
    if (dctx_ == nullptr) dctx_ = ZSTD_createDCtx();
    std::string raw;
    uint64_t ignored = 0;  // header corruption was counted on open
    s = scan_blocks(r, &ignored, stopped, [&](const BlockHeader& h) -> Status {
      if (h.runs.empty() || h.runs.back().first + h.runs.back().second <= from) return Status::Ok();
      auto payload = r.get(h.payload_off, h.comp_len);
      if (!payload) return Error(payload.error().message());
      if (XXH3_64bits(payload->data(), payload->size()) != h.payload_hash) return Status::Ok();  // lost, below
      raw.resize(h.raw_len);
      const size_t n = ZSTD_decompressDCtx(dctx_, raw.data(), raw.size(), payload->data(), payload->size());
      if (ZSTD_isError(n) || n != h.raw_len) return Status::Ok();
      ByteReader block(raw);
      auto scan = scan_records(block, 0, first_seq, visit);
      if (!scan) return Error(scan.error().message());
      return Status::Ok();
    });
  }
  ::close(fd);
  if (!s) return Error("wal replay " + path + ": " + s.message());

  // Pending records in the range looked at that were not found intact are lost to corruption.
  auto it = segments_.find(first_seq);
  if (it == segments_.end()) return Status::Ok();
  const uint64_t last = *stopped ? scanned_to : std::min(it->second.last_seq, limit - 1);
  std::vector<uint64_t> lost;
  for (uint64_t seq = std::max(first_seq, from); seq <= last; ++seq)
    if (it->second.pending.contains(seq) && !seen.contains(seq)) lost.push_back(seq);
  if (!lost.empty()) {
    corrupt_ += lost.size();
    log::warn("wal corrupt records skipped on replay",
              {{"path", std::string_view(path)}, {"records", static_cast<int64_t>(lost.size())}});
    for (uint64_t seq : lost) ack(seq);  // nothing left to deliver: let the segment go
  }
  return Status::Ok();
}

Status FileWal::replay_from(uint64_t from, const ReplayFn& fn) {
  if (closed_) return Error("wal closed");
  if (in_replay_) return Error("wal replay: already replaying");
  const uint64_t limit = next_seq_;
  std::vector<uint64_t> firsts;
  for (const auto& [first, seg] : segments_)
    if (first < limit && seg.last_seq >= from) firsts.push_back(first);
  in_replay_ = true;
  Status s;
  bool stopped = false;
  for (uint64_t first : firsts) {
    auto it = segments_.find(first);
    if (it == segments_.end() || it->second.pending.size() == 0) continue;
    s = replay_segment(first, from, limit, fn, &stopped);
    if (!s || stopped) break;
  }
  in_replay_ = false;
  std::vector<uint64_t> removals;
  removals.swap(deferred_removals_);
  for (uint64_t first : removals)
    if (Status r = remove_segment(first); s && !r) s = r;
  return s;
}

}  // namespace

Result<std::unique_ptr<Wal>> Wal::open(const WalOptions& options) {
  static const SystemClock clock;
  return open(options, clock);
}

Result<std::unique_ptr<Wal>> Wal::open(const WalOptions& options, const Clock& clock) {
  if (options.dir.empty()) return Error("wal: dir is empty");
  if (options.segment_bytes <= 0 || options.max_disk_bytes <= 0 || options.sync_bytes <= 0 ||
      options.sync_interval.count() < 0)
    return Error("wal: segment_bytes, max_disk_bytes, sync_bytes must be positive, sync_interval not negative");
  if (options.compression_level < 0 || options.compression_level > ZSTD_maxCLevel())
    return Error("wal: compression_level must be 0 (none) to " + std::to_string(ZSTD_maxCLevel()));
  auto wal = std::make_unique<FileWal>(options, clock);
  if (Status s = wal->recover(); !s) return Error(s.message());
  return std::unique_ptr<Wal>(std::move(wal));
}

}  // namespace logpipe::shipper
