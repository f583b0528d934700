#include "shipper/pipeline.h"

#include "common/log.h"

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
                                 "lines longer than max_line_bytes, shipped truncated")) {}

Pipeline::~Pipeline() = default;

Status Pipeline::start() {
  auto loaded = checkpoints_.load();
  if (!loaded) return Error(loaded.error().message());
  for (auto& e : *loaded) resume_entries_[e.id.str()] = e;
  for (const auto& in : config_.inputs) {
    Input input;
    input.config = in;
    input.tailer = std::make_unique<FileTailer>(in.path, config_.max_line_bytes,
                                                [this](const FileIdentity& id) -> std::optional<int64_t> {
                                                  auto it = resume_entries_.find(id.str());
                                                  if (it == resume_entries_.end()) return std::nullopt;
                                                  return it->second.offset;
                                                });
    inputs_.push_back(std::move(input));
  }
  last_checkpoint_ = clock_.now();
  log::info("shipper started", {{"inputs", static_cast<int64_t>(inputs_.size())},
                                {"checkpoint", std::string_view(config_.checkpoint_file)}});
  return Status::Ok();
}

Pipeline::FileState& Pipeline::state_for(const std::string& path, const FileIdentity& id) {
  const std::string key = id.str();
  auto it = files_.find(key);
  if (it != files_.end()) return it->second;
  int64_t start = 0;
  if (auto r = resume_entries_.find(key); r != resume_entries_.end()) start = r->second.offset;
  return files_.emplace(key, FileState{path, id, AckTracker(start), -1}).first->second;
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

size_t Pipeline::run_once() {
  produce_waiting();
  size_t lines_this_round = 0;
  std::vector<TailedLine> lines;
  for (auto& input : inputs_) {
    if (!waiting_.empty() || in_flight_bytes_ >= config_.max_in_flight_bytes) break;  // backpressure
    lines.clear();
    const auto budget = static_cast<size_t>(config_.max_in_flight_bytes - in_flight_bytes_);
    if (auto s = input.tailer->poll(lines, budget); !s) log::warn("tail error", {{"error", s.message()}});
    if (lines.empty()) continue;
    const FileIdentity& id = input.tailer->identity();
    FileState& state = state_for(input.config.path, id);
    kafka::RecordMeta meta;
    meta.host = config_.host;
    meta.service = input.config.service;
    meta.path = input.config.path;
    meta.file_id = id.str();
    meta.format = input.config.format;
    meta.labels = input.config.labels;
    const std::string key = kafka::record_key(meta);
    const int64_t now = clock_.wall_micros();
    for (auto& line : lines) {
      meta.offset = line.offset;
      meta.read_micros = now;
      const uint64_t token = next_token_++;
      bytes_read_.inc(line.text.size());
      if (line.truncated) lines_truncated_.inc();
      in_flight_bytes_ += static_cast<int64_t>(line.text.size());
      Pending p{id.str(), line.end_offset,
                kafka::OutRecord{config_.kafka_topic, key, std::move(line.text), kafka::encode_headers(meta)}};
      pending_.emplace(token, std::move(p));
      state.acks.sent(token, line.end_offset);
      if (!waiting_.empty() || !try_produce(token)) waiting_.push_back(token);
    }
    lines_this_round += lines.size();
    lines_read_.inc(lines.size());
  }
  producer_->poll(lines_this_round == 0 ? config_.poll_interval : std::chrono::milliseconds(0));
  if (dirty_ && clock_.now() - last_checkpoint_ >= config_.checkpoint_interval) {
    if (auto s = write_checkpoint(); !s) log::error("checkpoint failed", {{"error", s.message()}});
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
  in_flight_bytes_ -= static_cast<int64_t>(it->second.record.value.size());
  if (auto f = files_.find(it->second.file_key); f != files_.end()) {
    f->second.acks.acked(token);
    dirty_ = true;
  }
  pending_.erase(it);
}

Status Pipeline::write_checkpoint() {
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
