#include "indexer/pipeline.h"

#include <algorithm>
#include <numeric>

#include "common/json/json_writer.h"
#include "common/log.h"
#include "indexer/elasticsearch/index_template.h"

namespace logpipe::indexer {

std::string render_index_template(const std::string& template_json, const std::string& index_prefix) {
  static const std::string kPlaceholder = "${INDEX_PREFIX}";
  std::string out = template_json;
  std::string escaped;
  json::append_escaped(escaped, index_prefix);
  for (size_t pos = out.find(kPlaceholder); pos != std::string::npos; pos = out.find(kPlaceholder, pos + escaped.size()))
    out.replace(pos, kPlaceholder.size(), escaped);
  return out;
}

namespace {

std::string describe(const std::set<kafka::TopicPartition>& tps) {
  std::string out;
  for (const auto& tp : tps) {
    if (!out.empty()) out += ',';
    out += tp.topic + "/" + std::to_string(tp.partition);
  }
  return out;
}

}  // namespace

Pipeline::Pipeline(IndexerConfig config, kafka::Consumer& consumer, HttpFactory http, Clock& clock,
                   metrics::Registry& registry, const std::atomic<bool>& stop, Sleeper sleeper)
    : config_(std::move(config)),
      consumer_(consumer),
      http_factory_(std::move(http)),
      clock_(clock),
      stop_(stop),
      metrics_(registry) {
  if (!sleeper) sleeper = [this](std::chrono::milliseconds d) { interruptible_wait(d); };
  for (int64_t i = 0; i < config_.es_concurrency; ++i)
    workers_.push_back(std::make_unique<BulkWorker>(config_, http_factory_(), clock_, metrics_, outage_, abort_, sleeper));
  for (auto& w : workers_) threads_.emplace_back([this, &w] { worker_loop(*w); });
  consumer_.set_rebalance_listener(this);
}

// Aborts what the bulk workers are doing (their jobs resolve as abandoned) and joins them.
void Pipeline::stop_workers() {
  abort_ = true;
  {
    std::lock_guard lock(mu_);
    workers_stopping_ = true;
  }
  work_cv_.notify_all();
  abort_cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

Pipeline::~Pipeline() {
  consumer_.set_rebalance_listener(nullptr);
  stop_workers();
}

void Pipeline::interruptible_wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  abort_cv_.wait_for(lock, d, [this] { return abort_.load(); });
}

void Pipeline::worker_loop(BulkWorker& worker) {
  for (;;) {
    std::shared_ptr<BulkJob> job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [this] { return workers_stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job->aborted = !worker.process(*job);
    {
      std::lock_guard lock(mu_);
      done_.push_back(std::move(job));
    }
    done_cv_.notify_all();
  }
}

Status Pipeline::install_templates(const std::string& template_json) {
  const std::string name = "logpipe-" + config_.index_prefix;
  std::string body = render_index_template(template_json, config_.index_prefix);
  auto http = http_factory_();
  ElasticsearchClient es(*http);
  Backoff backoff(config_.retry_initial_backoff, config_.retry_max_backoff);
  for (int attempt = 0; !stop_; ++attempt) {
    auto r = es.put_index_template(name, body);
    if (r && r->status == 200) {
      log::info("index template installed", {{"template", std::string_view(name)}});
      return Status::Ok();
    }
    // An engine without match_only_text refuses the whole template: install the same one with `text`
    // fields instead (index_template.h), at once, as this is no outage.
    if (r && rejects_match_only_text(r->status, r->body) && body.find("\"match_only_text\"") != std::string::npos) {
      log::warn("the search engine has no match_only_text type; installing the template with text fields instead",
                {{"template", std::string_view(name)}});
      body = without_match_only_text(std::move(body));
      continue;
    }
    const std::string error = r ? std::string("index template ") + name + ": HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 500)
                                : r.error().message();
    log::warn("index template not installed yet, retrying", {{"error", std::string_view(error)}});
    // Slices, so SIGTERM (stop_) is noticed during long backoffs.
    const auto until = std::chrono::steady_clock::now() + backoff.delay(attempt);
    while (!stop_ && std::chrono::steady_clock::now() < until) interruptible_wait(std::chrono::milliseconds(100));
  }
  return Error("stopped");
}

Result<size_t> Pipeline::run_once() {
  collect_done();
  if (const auto now = clock_.now(); now >= next_commit_) {
    commit_acknowledged();
    next_commit_ = now + config_.commit_interval;
  }
  update_pause();
  report_lag();
  const auto timeout = paused_ ? std::min(config_.batch_max_wait, std::chrono::milliseconds(100)) : config_.batch_max_wait;
  auto batch = consumer_.poll_batch(poll_size(), timeout);
  if (!batch) return Error(batch.error().message());
  const size_t n = batch->size();
  if (n == 0) return n;
  metrics_.consumed.inc(n);
  dispatch(std::move(*batch));
  return n;
}

size_t Pipeline::poll_size() const {
  const auto max_docs = static_cast<size_t>(config_.batch_max_docs);
  if (avg_record_bytes_ <= 0) return std::min<size_t>(max_docs, 100);  // first poll: learn the size cheaply
  const int64_t free = config_.max_inflight_bytes - held_bytes_.load();
  return std::clamp<size_t>(static_cast<size_t>(std::max<int64_t>(free / avg_record_bytes_, 1)), 1, max_docs);
}

void Pipeline::dispatch(std::vector<kafka::InRecord> records) {
  // One partition's records stay in offset order; partitions become contiguous runs (chunks). The
  // indices are sorted, not the records: each record is then moved once, into its job (sorting the
  // records moved each of them ~log2(n) times, a measurable share of the polling thread).
  std::vector<uint32_t> order(records.size());
  std::iota(order.begin(), order.end(), uint32_t{0});
  std::stable_sort(order.begin(), order.end(), [&records](uint32_t x, uint32_t y) {
    const kafka::InRecord& a = records[x];
    const kafka::InRecord& b = records[y];
    return a.partition != b.partition ? a.partition < b.partition : a.topic < b.topic;
  });
  int64_t total = 0;
  for (const auto& r : records) total += record_bytes(r);
  const int64_t avg = total / static_cast<int64_t>(records.size());
  avg_record_bytes_ = avg_record_bytes_ == 0 ? avg : (avg_record_bytes_ * 7 + avg) / 8;

  auto job = std::make_shared<BulkJob>();
  job->records.reserve(order.size());  // no regrowth (and second move of every record) while filling
  size_t chunk_begin = 0;
  auto close_chunk = [&] {
    if (chunk_begin == job->records.size()) return;
    const auto& first = job->records[chunk_begin];
    const auto& last = job->records.back();
    kafka::TopicPartition tp{first.topic, first.partition};
    auto& st = partitions_.try_emplace(tp, first.offset).first->second;
    const uint64_t token = next_token_++;
    st.acks.sent(token, last.offset + 1);
    st.next_fetch = last.offset + 1;
    job->chunks.emplace_back(std::move(tp), token, chunk_begin, job->records.size());
    chunk_begin = job->records.size();
  };
  for (size_t k = 0; k < order.size(); ++k) {
    kafka::InRecord& rec = records[order[k]];
    const int64_t b = record_bytes(rec);
    if (!job->records.empty() && job->bytes + b > config_.batch_max_bytes) {
      close_chunk();
      enqueue(std::move(job));
      job = std::make_shared<BulkJob>();
      job->records.reserve(order.size() - k);
      chunk_begin = 0;
    }
    if (chunk_begin < job->records.size() &&
        (job->records[chunk_begin].partition != rec.partition || job->records[chunk_begin].topic != rec.topic))
      close_chunk();
    job->bytes += b;
    job->records.push_back(std::move(rec));
  }
  close_chunk();
  if (!job->records.empty()) enqueue(std::move(job));
}

void Pipeline::enqueue(std::shared_ptr<BulkJob> job) {
  job->id = next_job_id_++;
  held_bytes_ += job->bytes;
  metrics_.inflight_bytes.set(held_bytes_);
  in_flight_.emplace(job->id, job);
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
  }
  work_cv_.notify_one();
}

void Pipeline::collect_done() {
  std::vector<std::shared_ptr<BulkJob>> done;
  {
    std::lock_guard lock(mu_);
    done.swap(done_);
  }
  for (const auto& job : done) {
    held_bytes_ -= job->bytes;
    in_flight_.erase(job->id);
    if (job->aborted) continue;
    for (const auto& c : job->chunks) {
      if (c.dropped) continue;
      auto it = partitions_.find(c.tp);
      if (it != partitions_.end()) it->second.acks.acked(c.token);
    }
  }
  metrics_.inflight_bytes.set(held_bytes_);
}

void Pipeline::commit_acknowledged(const std::set<kafka::TopicPartition>* only) {
  std::vector<kafka::CommitOffset> offsets;
  for (const auto& [tp, st] : partitions_) {
    if (only != nullptr && only->count(tp) == 0) continue;
    if (st.acks.watermark() > st.committed) offsets.push_back({tp.topic, tp.partition, st.acks.watermark()});
  }
  if (offsets.empty()) return;
  if (auto s = consumer_.commit(offsets); !s) {
    // Stored but not committed: tried again with the next commit; after a crash the records come back
    // and are absorbed as 409s.
    metrics_.commit_errors.inc();
    log::warn("commit failed", {{"error", s.message()}});
    return;
  }
  metrics_.commits.inc();
  for (const auto& o : offsets) partitions_.at({o.topic, o.partition}).committed = o.next_offset;
}

void Pipeline::update_pause() {
  const int64_t held = held_bytes_.load();
  // An outage with nothing in flight has nothing left to probe with: read again, the next bulk tells.
  const bool outage = outage_.active() && !in_flight_.empty();
  // Full when not even one more average record fits (with nothing held, one poll always may: a record
  // larger than the budget must not stall); once paused for it, resume at half the budget.
  const bool over_budget = (held > 0 && held + avg_record_bytes_ > config_.max_inflight_bytes) ||
                           (paused_ && held > config_.max_inflight_bytes / 2);
  const bool want = outage || over_budget;
  if (want == paused_) return;
  if (want) {
    std::vector<kafka::TopicPartition> parts(assigned_.begin(), assigned_.end());
    if (auto s = consumer_.pause(parts); !s) {
      log::error("pausing consumption failed", {{"error", s.message()}});
      return;
    }
    // An outage is news; a full budget is ordinary backpressure (Elasticsearch slower than Kafka).
    log::write(outage ? log::Level::kWarn : log::Level::kDebug, "consumption paused",
               {{"reason", outage ? "elasticsearch failing" : "in-flight memory budget"}, {"inflight_bytes", held},
                {"partitions", describe(assigned_)}});
  } else {
    std::vector<kafka::CommitOffset> positions;
    for (const auto& tp : assigned_) {
      auto it = partitions_.find(tp);
      positions.push_back({tp.topic, tp.partition, it != partitions_.end() ? it->second.next_fetch : -1});
    }
    if (auto s = consumer_.resume(positions); !s) {
      log::error("resuming consumption failed", {{"error", s.message()}});
      return;
    }
    log::write(outage_was_reported_ ? log::Level::kInfo : log::Level::kDebug, "consumption resumed",
               {{"inflight_bytes", held}, {"partitions", describe(assigned_)}});
  }
  paused_ = want;
  outage_was_reported_ = want && outage;
  metrics_.paused.set(want ? 1 : 0);
}

void Pipeline::report_lag() {
  if (config_.lag_interval.count() <= 0) return;
  const auto now = clock_.now();
  if (now < next_lag_report_) return;
  next_lag_report_ = now + config_.lag_interval;
  static const std::string kName = "logpipe_indexer_consumer_lag";
  static const std::string kHelp = "records of the partition the group has not committed yet (high watermark - committed)";
  std::vector<std::pair<metrics::Labels, int64_t>> series;
  if (!assigned_.empty()) {
    auto lag = consumer_.lag(std::vector<kafka::TopicPartition>(assigned_.begin(), assigned_.end()),
                             std::min(config_.lag_interval, std::chrono::milliseconds(1000)));
    if (!lag) {
      log::debug("consumer lag not available", {{"error", lag.error().message()}});
      return;  // keep the last values
    }
    for (const auto& l : *lag)
      series.push_back({{{"topic", l.tp.topic}, {"partition", std::to_string(l.tp.partition)}}, l.lag});
  }
  metrics_.registry.set_gauge_family(kName, kHelp, series);
}

bool Pipeline::has_work_for(const std::set<kafka::TopicPartition>& tps) const {
  for (const auto& [id, job] : in_flight_)
    for (const auto& c : job->chunks)
      if (!c.dropped && tps.count(c.tp) != 0) return true;
  return false;
}

bool Pipeline::wait_done(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return done_cv_.wait_until(lock, deadline, [this] { return !done_.empty(); });
}

bool Pipeline::drain(std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  collect_done();
  commit_acknowledged();
  while (!in_flight_.empty() && wait_done(deadline)) {
    collect_done();
    commit_acknowledged();
  }
  return in_flight_.empty();
}

void Pipeline::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (!drain(config_.revoke_timeout)) {
    uint64_t records = 0;
    for (const auto& [id, job] : in_flight_) records += job->records.size();
    metrics_.abandoned.inc(records);
    log::warn("stopping with bulk requests unfinished; their records are not committed and will be read again",
              {{"records", static_cast<int64_t>(records)}, {"error", outage_.last_error()}});
  }
  stop_workers();
  collect_done();
  commit_acknowledged();
}

void Pipeline::on_assigned(const std::vector<kafka::TopicPartition>& partitions) {
  assigned_.insert(partitions.begin(), partitions.end());
  if (paused_) {
    // Consumption is paused: new partitions wait too (the outage or the budget applies to them as well).
    if (auto s = consumer_.pause(partitions); !s) log::error("pausing new partitions failed", {{"error", s.message()}});
  }
}

void Pipeline::on_revoked(const std::vector<kafka::TopicPartition>& partitions, bool lost) {
  const std::set<kafka::TopicPartition> revoked(partitions.begin(), partitions.end());
  if (!lost) {
    // Give the bulks of these partitions the bound to finish, then commit what is acknowledged while
    // the partitions are still ours.
    const auto deadline = std::chrono::steady_clock::now() + config_.revoke_timeout;
    collect_done();
    while (has_work_for(revoked) && wait_done(deadline)) collect_done();
    commit_acknowledged(&revoked);
  }
  // What is still in flight is dropped: the workers stop retrying it; the next owner reads it again
  // from the committed offset and the _id absorbs what was stored meanwhile.
  uint64_t abandoned = 0;
  for (const auto& [id, job] : in_flight_) {
    for (auto& c : job->chunks) {
      if (revoked.count(c.tp) == 0 || c.dropped) continue;
      c.dropped = true;
      abandoned += c.end - c.begin;
    }
  }
  metrics_.abandoned.inc(abandoned);
  for (const auto& tp : revoked) {
    partitions_.erase(tp);
    assigned_.erase(tp);
  }
  log::info("partitions released", {{"partitions", describe(revoked)}, {"lost", lost},
                                    {"abandoned_records", static_cast<int64_t>(abandoned)}});
}

http::Health Pipeline::health() const {
  const bool ok = !outage_.active();
  std::string d;
  json::Writer w(d);
  w.begin_object().kv("elasticsearch", ok ? "ok" : "failing").kv("consumption", paused_ ? "paused" : "running")
      .kv("inflight_bytes", held_bytes_.load());
  if (!ok) {
    w.kv("failing_for_ms", static_cast<int64_t>(outage_.duration(clock_.now()).count()))
        .kv("last_error", outage_.last_error());
  }
  w.end_object();
  return http::Health{ok, d};
}

}  // namespace logpipe::indexer
