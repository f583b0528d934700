#include "shipper/pipeline.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "common/log.h"
#include "shipper/file_tail/glob.h"

namespace logpipe::shipper {

Pipeline::Pipeline(ShipperConfig config, Clock& clock, metrics::Registry& m)
    : config_(std::move(config)),
      clock_(clock),
      checkpoints_(config_.checkpoint_file),
      lines_read_(m.counter("logpipe_shipper_lines_read_total", "complete lines read from files")),
      bytes_read_(m.counter("logpipe_shipper_bytes_read_total", "bytes of lines read from files")),
      lines_acked_(m.counter("logpipe_shipper_lines_acked_total", "lines acknowledged by Kafka")),
      bytes_acked_(m.counter("logpipe_shipper_bytes_acked_total", "bytes of lines acknowledged by Kafka (as read)")),
      lines_sent_(m.counter("logpipe_shipper_lines_sent_total",
                            "records handed to the Kafka client (each attempt: re-produced ones count again)")),
      bytes_sent_(m.counter("logpipe_shipper_bytes_sent_total",
                            "bytes of the values handed to the Kafka client (each attempt)")),
      delivery_failures_(m.counter("logpipe_shipper_kafka_delivery_failures_total",
                                   "records Kafka did not acknowledge (they are produced again)")),
      lines_truncated_(m.counter("logpipe_shipper_lines_truncated_total",
                                 "lines longer than max_line_bytes, shipped truncated")),
      truncations_(m.counter("logpipe_shipper_truncations_total", "files found truncated (copytruncate)")),
      bytes_dropped_deleted_(m.counter("logpipe_shipper_bytes_dropped_total",
                                       "bytes never read, by reason", {{"reason", "deleted_file_timeout"}})),
      records_cut_(m.counter("logpipe_shipper_records_cut_total",
                             "records the broker refused as too large, produced again with the first half of "
                             "their value, tagged _truncated (once per cut)")),
      lines_dropped_too_large_(m.counter("logpipe_shipper_lines_dropped_total", "lines not shipped, by reason",
                                         {{"reason", "too_large_for_broker"}})),
      container_unparsed_(m.counter("logpipe_shipper_container_unparsed_total",
                                    "lines of docker/cri inputs that were not runtime records (shipped as read, tagged)")),
      files_open_(m.gauge("logpipe_shipper_files_open", "files being tailed")),
      in_flight_gauge_(m.gauge("logpipe_shipper_in_flight_bytes",
                               "memory of records read and not yet acknowledged by Kafka (estimated)")),
      memory_gauge_(m.gauge("logpipe_shipper_memory_bytes",
                            "memory counted against memory_budget: records in flight, read buffer, partial lines and events")),
      oldest_unacked_age_(m.gauge("logpipe_shipper_oldest_unacked_age_seconds",
                                  "age of the oldest line read and not yet acknowledged (0 when none)")),
      inotify_init_failures_(m.counter("logpipe_shipper_inotify_failures_total",
                                       "inotify problems; the periodic rescan and poll cover for them", {{"reason", "init"}})),
      inotify_watch_failures_(m.counter("logpipe_shipper_inotify_failures_total",
                                        "inotify problems; the periodic rescan and poll cover for them", {{"reason", "watch"}})),
      inotify_overflows_(m.counter("logpipe_shipper_inotify_failures_total",
                                   "inotify problems; the periodic rescan and poll cover for them", {{"reason", "overflow"}})),
      inotify_watches_(m.gauge("logpipe_shipper_inotify_watches", "directories watched with inotify")),
      registry_(m) {}

Pipeline::~Pipeline() = default;

namespace {
// One read of one file at most (smaller with small budgets): a larger read only makes one file's batch
// bigger, not the loop faster.
constexpr int64_t kMaxReadBuffer = 256 << 10, kMinReadBuffer = 16 << 10;
// What a line in flight costs beyond its bytes, calibrated so that peak RSS grows by about the budget
// (bench/README.md): librdkafka's message (~200 bytes of struct around the copied value and key) and
// header list, each header allocated on its own (struct, two NULs, allocator rounding), our slot and the
// file's ack entry, and the allocator's rounding and retention around all of them.
constexpr int64_t kLineOverhead = 700;
constexpr int64_t kHeaderOverhead = 80;
}  // namespace

std::map<std::string, std::string> Pipeline::producer_properties(const ShipperConfig& config,
                                                                 std::map<std::string, std::string> properties) {
  // librdkafka counts only values against its byte limit, and every record costs at least kLineOverhead
  // of our budget: with these limits it never refuses a record the budget let us read.
  properties.try_emplace("queue.buffering.max.kbytes", std::to_string(std::max<int64_t>(config.memory_budget >> 10, 1024)));
  properties.try_emplace("queue.buffering.max.messages", std::to_string(std::max<int64_t>(config.memory_budget / kLineOverhead, 1000)));
  // Batches small enough that several per partition fit in what the budget lets be in flight (a line of
  // the bench costs ~1.2 KiB of it; 10 MiB: batches of 2048, about a quarter of the lines in flight).
  // librdkafka sends a full batch at once; with its default (10000) the budget's lines never fill one,
  // so every round trip waited for linger.ms and throughput was the budget per linger.ms (bench/README.md).
  properties.try_emplace("batch.num.messages", std::to_string(std::clamp<int64_t>(config.memory_budget / 5120, 100, 10000)));
  // The largest record we make (a line of max_line_bytes, a multiline event of max_bytes) plus key and
  // headers must pass librdkafka's size check (default 1000000 < the 1 MiB default line): a record it
  // refuses would be retried forever and stop its file. The broker's own limit (message.max.bytes, per
  // compressed batch) must allow it too: README.md.
  int64_t largest = config.max_line_bytes;
  for (const auto& in : config.inputs)
    if (in.multiline.mode != "none") largest = std::max(largest, in.multiline.max_bytes);
  properties.try_emplace("message.max.bytes", std::to_string(std::max<int64_t>(largest + (64 << 10), 1000000)));
  return properties;
}

Status Pipeline::start() {
  auto loaded = checkpoints_.load();
  if (!loaded) return Error(loaded.error().message());
  for (auto& e : *loaded) resume_entries_[e.id.str()] = e;
  inputs_ = config_.inputs;
  for (const auto& in : inputs_) {
    auto topic = topic_for(config_.kafka_topic, in, config_.host);
    if (!topic) return Error("kafka.topic: " + topic.error().message());
    topics_.push_back(*topic);
  }
  watcher_ = std::make_unique<FileWatcher>(FileWatcher::Options{config_.inotify, FileWatcher::Options{}.max_watches});
  read_buffer_.resize(static_cast<size_t>(std::clamp(config_.memory_budget / 16, kMinReadBuffer, kMaxReadBuffer)));
  last_checkpoint_ = clock_.now();
  recover_rotated_while_stopped();
  rescan();
  log::info("shipper started", {{"inputs", static_cast<int64_t>(inputs_.size())},
                                {"files", static_cast<int64_t>(tails_.size())},
                                {"checkpoint", std::string_view(config_.checkpoint_file)}});
  return Status::Ok();
}

std::optional<int64_t> Pipeline::resume_offset(const FileIdentity& id) const {
  const std::string key = id.str();
  // A file we are already shipping (found again under a rotated name): go on where reading stopped.
  if (auto f = files_.find(key); f != files_.end()) return f->second.read_end;
  if (auto r = resume_entries_.find(key); r != resume_entries_.end()) return r->second.offset;
  return std::nullopt;
}

void Pipeline::add_tail(size_t input, const std::string& path, bool drain_only) {
  Tail t;
  t.input = input;
  t.drain_only = drain_only;
  t.tailer = std::make_unique<FileTailer>(path, config_.max_line_bytes,
                                          [this](const FileIdentity& id) { return resume_offset(id); });
  if (inputs_[input].format == "docker") t.unwrapper = std::make_unique<ContainerUnwrapper>(ContainerUnwrapper::Kind::kDocker);
  if (inputs_[input].format == "cri") t.unwrapper = std::make_unique<ContainerUnwrapper>(ContainerUnwrapper::Kind::kCri);
  if (inputs_[input].multiline.mode != "none") {
    auto joiner = MultilineJoiner::create(inputs_[input].multiline);  // validated with the config
    if (joiner) t.joiner = std::move(*joiner);
  }
  const InputConfig& in = inputs_[input];
  t.record = std::make_unique<FileRecordTemplate>(config_.host, in.service, t.unwrapper ? in.content_format : in.format,
                                                  in.labels);
  tails_.push_back(std::move(t));
  files_open_.set(static_cast<int64_t>(tails_.size()));
}

void Pipeline::rescan() {
  last_scan_ = clock_.now();
  rescan_now_ = false;
  if (watcher_ && watcher_->available()) {
    // Watch first, expand second: a file created in between is then reported, not missed.
    std::set<std::string> dirs;
    for (const auto& in : inputs_)
      for (const auto& pattern : in.paths)
        for (auto& d : glob_directories(pattern)) dirs.insert(std::move(d));
    watcher_->watch(dirs);
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    for (const auto& pattern : inputs_[i].paths) {
      for (const auto& path : expand_glob(pattern)) {
        if (std::any_of(inputs_[i].exclude.begin(), inputs_[i].exclude.end(),
                        [&](const std::string& ex) { return exclude_match(ex, path); }))
          continue;
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) continue;
        const auto dev = static_cast<uint64_t>(st.st_dev), ino = static_cast<uint64_t>(st.st_ino);
        // One tailer per file: skip a file some tailer has open (maybe under its old name), and a path
        // whose tailer has not opened it yet.
        const bool taken = std::any_of(tails_.begin(), tails_.end(), [&](const Tail& t) {
          return t.tailer->same_file(dev, ino) || (!t.tailer->is_open() && !t.tailer->finished() && t.tailer->path() == path);
        });
        if (!taken) add_tail(i, path, false);
      }
    }
  }
}

void Pipeline::recover_rotated_while_stopped() {
  namespace fs = std::filesystem;
  for (auto it = resume_entries_.begin(); it != resume_entries_.end();) {
    const CheckpointEntry& e = it->second;
    struct stat st {};
    if (::stat(e.path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_dev) == e.id.dev &&
        static_cast<uint64_t>(st.st_ino) == e.id.ino) {
      ++it;  // still at its path: discovery resumes it
      continue;
    }
    // The path names another file now (or none): look for ours, by inode and fingerprint, next to it.
    std::optional<std::string> found;
    std::error_code ec;
    for (const auto& d : fs::directory_iterator(fs::path(e.path).parent_path(), ec)) {
      struct stat cand {};
      if (::stat(d.path().c_str(), &cand) != 0 || !S_ISREG(cand.st_mode) ||
          static_cast<uint64_t>(cand.st_dev) != e.id.dev || static_cast<uint64_t>(cand.st_ino) != e.id.ino)
        continue;
      const int fd = ::open(d.path().c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      const uint64_t fp = read_fingerprint(fd);
      ::close(fd);
      if (fp == e.id.fingerprint) found = d.path().string();
      break;
    }
    std::optional<size_t> input;
    for (size_t i = 0; i < inputs_.size() && !input; ++i)
      for (const auto& pattern : inputs_[i].paths)
        if (glob_match(pattern, e.path)) input = i;
    if (!found || !input) {
      it = resume_entries_.erase(it);  // gone for good, or no longer configured: nothing to resume
      continue;
    }
    const bool discovered_anyway = std::any_of(inputs_[*input].paths.begin(), inputs_[*input].paths.end(),
                                               [&](const std::string& p) { return glob_match(p, *found); });
    log::info("found a file rotated while stopped", {{"was", std::string_view(e.path)}, {"now", std::string_view(*found)}});
    if (!discovered_anyway) add_tail(*input, *found, true);
    ++it;
  }
}

std::vector<std::string> Pipeline::tailed_paths() const {
  std::vector<std::string> out;
  for (const auto& t : tails_) out.push_back(t.tailer->path());
  return out;
}

Pipeline::FileState& Pipeline::state_for(const std::string& path, const FileIdentity& id) {
  const std::string key = id.str();
  auto it = files_.find(key);
  if (it != files_.end()) {
    it->second.path = path;
    return it->second;
  }
  int64_t start = 0;
  if (auto r = resume_entries_.find(key); r != resume_entries_.end()) start = r->second.offset;
  return files_.emplace(key, FileState{path, id, AckTracker(start), start, clock_.now()}).first->second;
}

void Pipeline::produce_waiting() {
  if (!retry_backoff_.ready(clock_.now())) return;  // after failed deliveries (common/kafka/retry_backoff.h)
  while (!waiting_.empty()) {
    if (!producer_->produce(waiting_.front().second, waiting_.front().first).ok()) return;  // queue full: next round
    lines_sent_.inc();
    bytes_sent_.inc(waiting_.front().second.value.size());
    waiting_.pop_front();
  }
}

void Pipeline::ship(Tail& tail, FileState& state, const ShipLine& line, int64_t read_micros, std::string_view read_us) {
  FileRecordTemplate::LineScratch scratch;
  const auto own = FileRecordTemplate::line_headers(scratch, line.offset, read_us, line.stream, line.runtime_time,
                                                    line.truncated, line.unparsed);
  const FileRecordTemplate& rec = *tail.record;
  const kafka::RecordView view{topics_[tail.input], rec.key(), line.text, rec.shared(), own};
  int64_t cost = static_cast<int64_t>(line.text.size() + rec.key().size()) + rec.shared_bytes() + kLineOverhead +
                 static_cast<int64_t>(rec.shared().size() + own.size()) * kHeaderOverhead;
  for (const auto& h : own) cost += static_cast<int64_t>(h.name.size() + h.value.size());

  const uint64_t token = next_token_++;
  slots_.push_back(Slot{&state, line.end_offset, read_micros, cost, static_cast<int64_t>(line.text.size())});
  ++unacked_;
  in_flight_bytes_ += cost;
  state.acks.sent(token, line.end_offset);
  state.read_end = line.end_offset;
  bytes_read_.inc(line.text.size());
  if (line.truncated) lines_truncated_.inc();
  if (line.unparsed) container_unparsed_.inc();
  // Once one record waits, the ones after it wait too (they would overtake it otherwise).
  if (!waiting_.empty() || !producer_->produce_view(view, token).ok()) {
    waiting_.emplace_back(token, kafka::to_out_record(view));
    return;
  }
  lines_sent_.inc();
  bytes_sent_.inc(line.text.size());
}

size_t Pipeline::read_tail(Tail& tail) {
  // Read what the free budget can hold once in flight: a line costs several times its text
  // (cost_per_byte_, from the last batch), so reading the whole free budget would overshoot it.
  const double free_budget = static_cast<double>(std::max<int64_t>(config_.memory_budget - memory_in_use(), 0));
  const auto budget = std::clamp<size_t>(static_cast<size_t>(free_budget / cost_per_byte_), 4096, read_buffer_.size());
  views_.clear();
  owned_.clear();
  const uint64_t truncations_before = tail.tailer->stats().truncations_detected;
  if (auto s = tail.tailer->poll_views(views_, budget, read_buffer_); !s) log::warn("tail error", {{"error", s.message()}});
  truncations_.inc(tail.tailer->stats().truncations_detected - truncations_before);
  const auto now = clock_.now();
  if (tail.tailer->read_offset() != tail.last_read_offset) {
    tail.last_read_offset = tail.tailer->read_offset();
    tail.last_growth = now;
  } else if (config_.idle_flush.count() > 0 && tail.tailer->has_partial() && now - tail.last_growth >= config_.idle_flush) {
    owned_.push_back(*tail.tailer->take_partial());
  }
  const bool transform = tail.unwrapper || tail.joiner;
  if (transform) {
    // Container and multiline inputs keep state across reads: they work on owned lines.
    staged_.clear();
    for (const auto& v : views_) staged_.push_back(to_tailed_line(v));
    for (auto& l : owned_) staged_.push_back(std::move(l));
    owned_.clear();
    views_.clear();
    if (tail.unwrapper) {
      for (const auto& l : staged_) tail.unwrapper->push(l, owned_);
      if (tail.tailer->finished()) tail.unwrapper->flush(owned_);
      staged_.swap(owned_);
      owned_.clear();
    }
    if (tail.joiner) {
      for (auto& l : staged_) tail.joiner->push(std::move(l), now, owned_);
      if (tail.tailer->finished()) tail.joiner->flush(owned_);
      else tail.joiner->flush_if_idle(now, owned_);
    } else {
      owned_.swap(staged_);
    }
  }
  const int64_t held = tail.tailer->held_bytes() + (tail.unwrapper ? tail.unwrapper->held_bytes() : 0) +
                       (tail.joiner ? tail.joiner->held_bytes() : 0);
  held_bytes_ += held - tail.held;
  tail.held = held;
  const size_t n = views_.size() + owned_.size();
  if (n == 0) return 0;
  FileState& state = state_for(tail.tailer->path(), tail.tailer->identity());
  tail.record->set_file(tail.tailer->path(), tail.tailer->identity());
  const int64_t read_micros = clock_.wall_micros();
  char read_us_buf[24];
  const auto [end, ec] = std::to_chars(read_us_buf, read_us_buf + sizeof read_us_buf, read_micros);
  (void)ec;
  const std::string_view read_us(read_us_buf, static_cast<size_t>(end - read_us_buf));
  const int64_t cost_before = in_flight_bytes_;
  int64_t bytes = 0;
  for (const auto& v : views_) {
    ship(tail, state, ShipLine{v.offset, v.end_offset, v.text, v.truncated, false, {}, {}}, read_micros, read_us);
    bytes += v.end_offset - v.offset;
  }
  for (const auto& l : owned_) {
    ship(tail, state, ShipLine{l.offset, l.end_offset, l.text, l.truncated, l.unparsed, l.stream, l.runtime_time}, read_micros, read_us);
    bytes += l.end_offset - l.offset;
  }
  if (bytes > 0) cost_per_byte_ = std::max(1.0, static_cast<double>(in_flight_bytes_ - cost_before) / static_cast<double>(bytes));
  state.last_active = now;
  lines_read_.inc(n);
  return n;
}

size_t Pipeline::run_once() {
  if (watcher_ && watcher_->drain().names_changed) rescan_now_ = true;
  produce_waiting();
  // Requested rescans (inotify, a finished file) at most every 100 ms: a busy directory of unrelated
  // files must not turn the loop into a glob walker.
  const auto since_scan = clock_.now() - last_scan_;
  if ((rescan_now_ && since_scan >= std::chrono::milliseconds(100)) || since_scan >= config_.scan_interval) rescan();
  size_t lines_this_round = 0;
  // Files take turns being first, so a tight budget is shared instead of going to the first file.
  // Reading resumes once an eighth of the budget is free, not at the first acknowledgement: each read
  // is then a large one, and librdkafka's broker thread is woken for a batch, not for a few lines.
  const int64_t resume_at = config_.memory_budget - config_.memory_budget / 8;
  const size_t count = tails_.size();
  for (size_t i = 0; i < count; ++i) {
    // Backpressure; but with nothing in flight only reading can free memory (see pipeline.h).
    if (!waiting_.empty() || (memory_in_use() > resume_at && unacked_ > 0)) break;
    Tail& tail = tails_[(next_tail_ + i) % count];
    const size_t lines = read_tail(tail);
    lines_this_round += lines;
    if (tail.drain_only && !tail.tailer->finished() && lines == 0 && tail.tailer->lag_bytes() == 0) tail.tailer->abandon();
  }
  if (count > 0) next_tail_ = (next_tail_ + 1) % count;
  // Deleted files hold disk space: release them when read, or after the grace period whatever is left.
  for (auto& tail : tails_) {
    if (tail.tailer->finished() || !tail.tailer->unlinked()) continue;
    if (!tail.unlinked_since) tail.unlinked_since = clock_.now();
    if (clock_.now() - *tail.unlinked_since >= config_.deleted_file_grace) {
      const int64_t unread = tail.tailer->abandon();
      bytes_dropped_deleted_.inc(static_cast<uint64_t>(unread));
      log::warn("deleted file closed before it was read to the end",
                {{"path", std::string_view(tail.tailer->path())}, {"unread_bytes", unread}});
    }
  }
  const size_t before = tails_.size();
  std::erase_if(tails_, [this](const Tail& t) {
    if (t.tailer->finished()) held_bytes_ -= t.held;
    return t.tailer->finished();
  });
  if (tails_.size() != before) {
    rescan_now_ = true;  // a rotated path may already name its next file
    files_open_.set(static_cast<int64_t>(tails_.size()));
  }
  if (lines_this_round == 0) wait_for_work(config_.poll_interval);
  else producer_->poll(std::chrono::milliseconds(0));
  if (clock_.now() - last_checkpoint_ >= config_.checkpoint_interval) {
    update_gauges();
    if (dirty_) {
      if (auto s = write_checkpoint(); !s) log::error("checkpoint failed", {{"error", s.message()}});
    } else {
      last_checkpoint_ = clock_.now();
    }
  }
  return lines_this_round;
}

void Pipeline::on_delivery(uint64_t token, const Status& status) {
  if (token < first_token_ || token - first_token_ >= slots_.size()) return;
  if (slots_[token - first_token_].file == nullptr) return;  // already acknowledged
  if (!status.ok()) {
    // A producer that cannot give the record back (not ours): nothing to produce again from. Count it;
    // the watermark stays behind the line, so it is read and sent again after a restart.
    delivery_failures_.inc();
    log::warn("kafka delivery failed without the record; it is sent again after a restart", {{"error", status.message()}});
    return;
  }
  retry_backoff_.acked();
  lines_acked_.inc();
  bytes_acked_.inc(static_cast<uint64_t>(slots_[token - first_token_].bytes));
  settle(token);
}

void Pipeline::settle(uint64_t token) {
  Slot& slot = slots_[token - first_token_];
  in_flight_bytes_ -= slot.cost;
  --unacked_;
  slot.file->acks.acked(token);
  slot.file = nullptr;
  dirty_ = true;
  while (!slots_.empty() && slots_.front().file == nullptr) {
    slots_.pop_front();
    ++first_token_;
  }
}

void Pipeline::on_delivery_failed(uint64_t token, const Status& status, kafka::DeliveryFailure why,
                                  const kafka::RecordView& record) {
  if (token < first_token_ || token - first_token_ >= slots_.size() || slots_[token - first_token_].file == nullptr) return;
  // Not acknowledged: produce it again (from librdkafka's copy, handed back with the report) rather than
  // drop it; the watermark stays behind it meanwhile.
  delivery_failures_.inc();
  kafka::OutRecord again = kafka::to_out_record(record);
  if (why == kafka::DeliveryFailure::kTooLarge) {
    // Unchanged it would be refused forever and hold its file back: cut it (pipeline.h).
    const auto before = static_cast<int64_t>(again.value.size());
    const std::string& path = slots_[token - first_token_].file->path;  // FileState outlives settle()
    if (!kafka::cut_value_in_half(again)) {
      lines_dropped_too_large_.inc();
      log::error("kafka: the broker refuses a record as too large even with an empty value; dropping the line",
                 {{"error", status.message()}, {"path", path}, {"key_bytes", static_cast<int64_t>(again.key.size())}});
      settle(token);
      return;
    }
    records_cut_.inc();
    log::warn("kafka: the broker refused a record as too large; producing it again with half its value, tagged _truncated",
              {{"error", status.message()}, {"path", path}, {"value_bytes_before", before},
               {"value_bytes_now", static_cast<int64_t>(again.value.size())}});
  } else {
    retry_backoff_.failed(clock_.now());  // not at once: a refusing broker answers in milliseconds
    if (clock_.now() - last_failure_log_ > std::chrono::seconds(10)) {
      // An outage fails every record in flight: one line per 10 s, the counter has the number.
      last_failure_log_ = clock_.now();
      log::warn("kafka delivery failed, will retry (logged at most every 10 s; logpipe_shipper_kafka_delivery_failures_total counts them)",
                {{"error", status.message()}});
    }
  }
  waiting_.emplace_back(token, std::move(again));
}

void Pipeline::wait_for_work(std::chrono::milliseconds timeout) {
  const int producer_fd = producer_->wakeup_fd();
  if (timeout.count() <= 0 || producer_fd < 0 || !watcher_ || !watcher_->available()) {
    producer_->poll(timeout);
    return;
  }
  pollfd fds[2] = {{producer_fd, POLLIN, 0}, {watcher_->fd(), POLLIN, 0}};
  ::poll(fds, 2, static_cast<int>(timeout.count()));
  producer_->poll(std::chrono::milliseconds(0));
}

void Pipeline::update_gauges() {
  if (watcher_) {
    const auto& st = watcher_->stats();
    inotify_init_failures_.inc(st.init_failures - watcher_reported_.init_failures);
    inotify_watch_failures_.inc(st.watch_failures - watcher_reported_.watch_failures);
    inotify_overflows_.inc(st.overflows - watcher_reported_.overflows);
    watcher_reported_ = st;
    inotify_watches_.set(static_cast<int64_t>(watcher_->watch_count()));
  }
  in_flight_gauge_.set(in_flight_bytes_);
  memory_gauge_.set(memory_in_use());
  oldest_unacked_age_.set(slots_.empty() ? 0 : (clock_.wall_micros() - slots_.front().read_micros) / 1'000'000);
  std::vector<std::pair<metrics::Labels, int64_t>> lag;
  for (const auto& t : tails_) lag.push_back({{{"path", t.tailer->path()}}, t.tailer->lag_bytes()});
  registry_.set_gauge_family("logpipe_shipper_file_lag_bytes", "bytes in a tailed file not read yet", lag);
}

Status Pipeline::write_checkpoint() {
  // Forget files no tailer has had for a while and whose lines are all acknowledged: they were deleted or
  // rotated out of every glob. (A file found again later starts over; the indexer absorbs the replay.)
  const auto now = clock_.now();
  std::erase_if(files_, [&](const auto& kv) {
    const FileState& st = kv.second;
    const bool tailed = std::any_of(tails_.begin(), tails_.end(), [&](const Tail& t) { return t.tailer->identity() == st.id; });
    const bool forget = !tailed && st.acks.pending() == 0 && now - st.last_active > std::chrono::minutes(5);
    if (forget) resume_entries_.erase(kv.first);
    return forget;
  });
  std::map<std::string, CheckpointEntry> entries = resume_entries_;
  for (auto& [key, st] : files_) entries[key] = CheckpointEntry{st.path, st.id, st.acks.watermark()};
  std::vector<CheckpointEntry> list;
  list.reserve(entries.size());
  for (auto& [key, e] : entries) list.push_back(e);
  auto s = checkpoints_.save(list);
  if (s) {
    dirty_ = false;
    last_checkpoint_ = clock_.now();
  }
  return s;
}

Status Pipeline::shutdown() {
  const auto deadline = clock_.now() + config_.shutdown_timeout;
  while (unacked_ > 0 && clock_.now() < deadline) {
    produce_waiting();
    producer_->poll(std::chrono::milliseconds(50));
  }
  if (unacked_ > 0)
    log::warn("shutdown with unacknowledged lines; they are read again at the next start",
              {{"pending", static_cast<int64_t>(unacked_)}});
  return write_checkpoint();
}

}  // namespace logpipe::shipper
