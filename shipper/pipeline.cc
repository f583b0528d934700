#include "shipper/pipeline.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

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
      delivery_failures_(m.counter("logpipe_shipper_kafka_delivery_failures_total",
                                   "records Kafka did not acknowledge (they are produced again)")),
      lines_truncated_(m.counter("logpipe_shipper_lines_truncated_total",
                                 "lines longer than max_line_bytes, shipped truncated")),
      truncations_(m.counter("logpipe_shipper_truncations_total", "files found truncated (copytruncate)")),
      bytes_dropped_deleted_(m.counter("logpipe_shipper_bytes_dropped_total",
                                       "bytes never read, by reason", {{"reason", "deleted_file_timeout"}})),
      container_unparsed_(m.counter("logpipe_shipper_container_unparsed_total",
                                    "lines of docker/cri inputs that were not runtime records (shipped as read, tagged)")),
      files_open_(m.gauge("logpipe_shipper_files_open", "files being tailed")),
      in_flight_gauge_(m.gauge("logpipe_shipper_in_flight_bytes", "bytes read and not yet acknowledged by Kafka")),
      oldest_unacked_age_(m.gauge("logpipe_shipper_oldest_unacked_age_seconds",
                                  "age of the oldest line read and not yet acknowledged (0 when none)")),
      registry_(m) {}

Pipeline::~Pipeline() = default;

int64_t Pipeline::in_flight_cost(const Pending& p) {
  // What one in-flight line really holds: our copy of the record (value, key, topic, headers) and the
  // bookkeeping around it, and librdkafka's own copy of value, key and headers (RK_MSG_COPY). Counting
  // only the line text let 64 MiB of text become ~650 MiB of RSS (bench/README.md).
  constexpr int64_t kStringOverhead = 32, kEntryOverhead = 256;
  int64_t payload = static_cast<int64_t>(p.record.value.size() + p.record.key.size());
  for (const auto& [k, v] : p.record.headers) payload += static_cast<int64_t>(k.size() + v.size()) + 2 * kStringOverhead;
  return 2 * payload + static_cast<int64_t>(p.record.topic.size() + p.file_key.size()) + kEntryOverhead;
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
  tails_.push_back(std::move(t));
  files_open_.set(static_cast<int64_t>(tails_.size()));
}

void Pipeline::rescan() {
  last_scan_ = clock_.now();
  rescan_now_ = false;
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

bool Pipeline::try_produce(uint64_t token) {
  auto it = pending_.find(token);
  if (it == pending_.end()) return true;
  return producer_->produce(it->second.record, token).ok();
}

void Pipeline::produce_waiting() {
  while (!waiting_.empty()) {
    if (!try_produce(waiting_.front())) return;  // local queue full: try again next round
    waiting_.pop_front();
  }
}

void Pipeline::read_tail(Tail& tail, std::vector<TailedLine>& lines, size_t& lines_this_round) {
  lines.clear();
  // Read in small steps: a line costs several times its text once in flight (in_flight_cost), so reading
  // the whole free budget at once would overshoot it.
  constexpr int64_t kMaxReadPerPoll = 1 << 20;
  const auto budget = static_cast<size_t>(std::clamp<int64_t>((config_.max_in_flight_bytes - in_flight_bytes_) / 4,
                                                              4096, kMaxReadPerPoll));
  const uint64_t truncations_before = tail.tailer->stats().truncations_detected;
  if (auto s = tail.tailer->poll(lines, budget); !s) log::warn("tail error", {{"error", s.message()}});
  truncations_.inc(tail.tailer->stats().truncations_detected - truncations_before);
  if (tail.tailer->read_offset() != tail.last_read_offset) {
    tail.last_read_offset = tail.tailer->read_offset();
    tail.last_growth = clock_.now();
  } else if (config_.idle_flush.count() > 0 && tail.tailer->has_partial() &&
             clock_.now() - tail.last_growth >= config_.idle_flush) {
    lines.push_back(*tail.tailer->take_partial());
  }
  if (tail.unwrapper) {
    std::vector<TailedLine> unwrapped;
    for (auto& l : lines) tail.unwrapper->push(std::move(l), unwrapped);
    if (tail.tailer->finished()) tail.unwrapper->flush(unwrapped);
    lines = std::move(unwrapped);
  }
  if (tail.joiner) {
    std::vector<TailedLine> events;
    for (auto& l : lines) tail.joiner->push(std::move(l), clock_.now(), events);
    if (tail.tailer->finished()) tail.joiner->flush(events);
    else tail.joiner->flush_if_idle(clock_.now(), events);
    lines = std::move(events);
  }
  if (lines.empty()) return;
  const InputConfig& input = inputs_[tail.input];
  const FileIdentity& id = tail.tailer->identity();
  FileState& state = state_for(tail.tailer->path(), id);
  kafka::RecordMeta meta;
  meta.host = config_.host;
  meta.service = input.service;
  meta.path = tail.tailer->path();
  meta.file_id = id.str();
  meta.format = tail.unwrapper ? input.content_format : input.format;
  meta.labels = input.labels;
  const std::string key = kafka::record_key(meta);
  const int64_t now = clock_.wall_micros();
  for (auto& line : lines) {
    meta.offset = line.offset;
    meta.read_micros = now;
    meta.stream = std::move(line.stream);
    meta.runtime_time = std::move(line.runtime_time);
    meta.tags.clear();
    if (line.truncated) meta.tags.emplace_back("_truncated");
    if (line.unparsed) {
      meta.tags.emplace_back("_container_unparsed");
      container_unparsed_.inc();
    }
    const uint64_t token = next_token_++;
    bytes_read_.inc(line.text.size());
    if (line.truncated) lines_truncated_.inc();
    state.read_end = line.end_offset;
    Pending p{id.str(), line.end_offset, now, 0,
              kafka::OutRecord{topics_[tail.input], key, std::move(line.text), kafka::encode_headers(meta)}};
    p.cost = in_flight_cost(p);
    in_flight_bytes_ += p.cost;
    pending_.emplace(token, std::move(p));
    state.acks.sent(token, line.end_offset);
    if (!waiting_.empty() || !try_produce(token)) waiting_.push_back(token);
  }
  state.last_active = clock_.now();
  lines_this_round += lines.size();
  lines_read_.inc(lines.size());
}

size_t Pipeline::run_once() {
  produce_waiting();
  if (rescan_now_ || clock_.now() - last_scan_ >= config_.scan_interval) rescan();
  size_t lines_this_round = 0;
  std::vector<TailedLine> lines;
  for (auto& tail : tails_) {
    if (!waiting_.empty() || in_flight_bytes_ >= config_.max_in_flight_bytes) break;  // backpressure
    read_tail(tail, lines, lines_this_round);
    if (tail.drain_only && !tail.tailer->finished() && lines.empty() && tail.tailer->lag_bytes() == 0) tail.tailer->abandon();
  }
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
  std::erase_if(tails_, [](const Tail& t) { return t.tailer->finished(); });
  if (tails_.size() != before) {
    rescan_now_ = true;  // a rotated path may already name its next file
    files_open_.set(static_cast<int64_t>(tails_.size()));
  }
  producer_->poll(lines_this_round == 0 ? config_.poll_interval : std::chrono::milliseconds(0));
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
  auto it = pending_.find(token);
  if (it == pending_.end()) return;
  if (!status.ok()) {
    // Not acknowledged: produce it again rather than drop it; the watermark stays behind it meanwhile.
    delivery_failures_.inc();
    log::warn("kafka delivery failed, will retry", {{"error", status.message()}});
    waiting_.push_back(token);
    return;
  }
  lines_acked_.inc();
  in_flight_bytes_ -= it->second.cost;
  if (auto f = files_.find(it->second.file_key); f != files_.end()) {
    f->second.acks.acked(token);
    dirty_ = true;
  }
  pending_.erase(it);
}

void Pipeline::update_gauges() {
  in_flight_gauge_.set(in_flight_bytes_);
  oldest_unacked_age_.set(pending_.empty() ? 0 : (clock_.wall_micros() - pending_.begin()->second.read_micros) / 1'000'000);
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
  while ((!pending_.empty()) && clock_.now() < deadline) {
    produce_waiting();
    producer_->poll(std::chrono::milliseconds(50));
  }
  if (!pending_.empty())
    log::warn("shutdown with unacknowledged lines; they are read again at the next start",
              {{"pending", static_cast<int64_t>(pending_.size())}});
  return write_checkpoint();
}

}  // namespace logpipe::shipper
