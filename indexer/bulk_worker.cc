#include "indexer/bulk_worker.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "common/json/json_writer.h"
#include "common/log.h"
#include "common/time_util.h"

namespace logpipe::indexer {

void Outage::failed(const std::string& error, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (!active_.load()) since_ = now;
  last_error_ = error;
  active_ = true;
}

void Outage::succeeded() {
  if (!active_.load()) return;
  std::lock_guard lock(mu_);
  active_ = false;
  last_error_.clear();
}

std::chrono::milliseconds Outage::duration(std::chrono::steady_clock::time_point now) const {
  std::lock_guard lock(mu_);
  if (!active_.load()) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - since_);
}

std::string Outage::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::chrono::milliseconds Backoff::delay(int attempt) {
  const int64_t base = initial_.count() << std::min(attempt, 16);
  const int64_t capped = std::min<int64_t>(base, max_.count());
  std::uniform_int_distribution<int64_t> jitter(capped / 2, std::max<int64_t>(capped, 1));
  return std::chrono::milliseconds(jitter(rng_));
}

int64_t record_read_micros(const kafka::InRecord& rec) { return kafka::read_micros_of(rec.headers); }

BulkWorker::BulkWorker(const IndexerConfig& config, std::unique_ptr<http::Client> http, Clock& clock,
                       IndexerMetrics& metrics, Outage& outage, const std::atomic<bool>& abort, Sleeper sleeper)
    : config_(config),
      http_(std::move(http)),
      es_(*http_, ElasticsearchOptions{config.es_gzip, 1}),
      clock_(clock),
      metrics_(metrics),
      outage_(outage),
      abort_(abort),
      sleep_(std::move(sleeper)),
      backoff_(config.retry_initial_backoff, config.retry_max_backoff),
      builder_(BuildOptions{config.index_prefix, config.parsing_rules}) {}

bool BulkWorker::deliver(const std::vector<Document>& docs, std::vector<size_t> pending,
                         const std::function<bool(size_t)>& live,
                         const std::function<void(size_t, const ItemResult&)>& on_stored,
                         std::vector<Rejected>& rejected) {
  for (int attempt = 0;; ++attempt) {
    std::erase_if(pending, [&](size_t i) { return !live(i); });
    if (pending.empty()) return true;
    if (abort_) return false;
    std::vector<size_t> again;
    std::vector<std::vector<size_t>> segments{std::move(pending)};  // a stack: 413 halves go back on it
    while (!segments.empty()) {
      std::vector<size_t> seg = std::move(segments.back());
      segments.pop_back();
      // One body buffer per worker, reused: reserved once at the size this bulk needs, so appending
      // never reallocates (and copies) the body, and later bulks of similar size allocate nothing.
      size_t need = 0;
      for (size_t i : seg) need += create_item_size(docs[i]);
      body_.clear();
      body_.reserve(need);
      for (size_t i : seg) append_create(body_, docs[i]);
      const auto started = clock_.now();
      BulkOutcome out = es_.bulk(body_, seg.size());
      if (out.http_status != 0)
        metrics_.bulk_seconds.observe(std::chrono::duration<double>(clock_.now() - started).count());
      if (!out.failure) {
        outage_.succeeded();
        answered_micros_ = clock_.wall_micros();  // one clock read per answer, not per document
        for (size_t k = 0; k < seg.size(); ++k) {
          const ItemResult& item = out.items[k];
          switch (item.outcome) {
            case ItemOutcome::kCreated:
            case ItemOutcome::kDuplicate: on_stored(seg[k], item); break;
            case ItemOutcome::kRetry: again.push_back(seg[k]); break;
            case ItemOutcome::kReject: rejected.push_back({seg[k], item}); break;
          }
        }
        metrics_.retried.inc(static_cast<uint64_t>(std::count_if(
            out.items.begin(), out.items.end(), [](const ItemResult& i) { return i.outcome == ItemOutcome::kRetry; })));
        continue;
      }
      if (*out.failure == BulkFailure::kTooLarge) {
        if (seg.size() > 1) {
          metrics_.bulk_splits.inc();
          const auto mid = seg.begin() + static_cast<std::ptrdiff_t>(seg.size() / 2);
          segments.emplace_back(mid, seg.end());
          segments.emplace_back(seg.begin(), mid);
        } else {
          outage_.succeeded();  // the cluster answered; this one document is the problem
          rejected.push_back({seg[0], ItemResult{ItemOutcome::kReject, out.http_status, "request_too_large", out.error}});
        }
        continue;
      }
      // Failed as a whole: nothing of this request (nor of the segments not sent yet) can be assumed stored.
      metrics_.bulk_errors.inc();
      outage_.failed(out.error, clock_.now());
      log::warn("bulk request failed, retrying", {{"error", std::string_view(out.error)}, {"attempt", int64_t{attempt}}});
      again.insert(again.end(), seg.begin(), seg.end());
      for (const auto& rest : segments) again.insert(again.end(), rest.begin(), rest.end());
      segments.clear();
    }
    pending = std::move(again);
    if (pending.empty()) return true;
    if (abort_) return false;
    sleep_(backoff_.delay(attempt));
  }
}

Document BulkWorker::dead_letter_document(const kafka::InRecord& rec, const ItemResult& why, int64_t now) const {
  auto meta = kafka::decode_headers(rec.headers);
  Document d;
  d.index = config_.deadletter_index;
  d.id = document_id(meta ? *meta : kafka::RecordMeta{}, rec);
  json::Writer w(d.source);
  w.begin_object().kv("@timestamp", format_rfc3339_micros(now));
  w.key("event").begin_object().kv("original", rec.value).end_object();
  w.key("error").begin_object().kv("type", why.error_type).kv("message", why.error_reason)
      .kv("code", int64_t{why.status}).end_object();
  if (meta) {
    w.key("host").begin_object().kv("name", meta->host).end_object();
    w.key("service").begin_object().kv("name", meta->service).end_object();
  }
  w.key("kafka").begin_object().kv("topic", rec.topic).kv("partition", int64_t{rec.partition})
      .kv("offset", rec.offset).end_object();
  w.end_object();
  return d;
}

bool BulkWorker::process(BulkJob& job) {
  const size_t n = job.records.size();
  std::vector<uint32_t> chunk_of(n, 0);
  for (size_t c = 0; c < job.chunks.size(); ++c)
    for (size_t i = job.chunks[c].begin; i < job.chunks[c].end; ++i) chunk_of[i] = static_cast<uint32_t>(c);
  auto live = [&](size_t i) { return !job.chunks[chunk_of[i]].dropped.load(std::memory_order_relaxed); };

  const int64_t now = clock_.wall_micros();
  // The previous job's Documents are built into again: their strings keep their capacity, so building
  // allocates nothing per event once the sizes have settled.
  docs_.resize(n);
  read_micros_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    builder_.build(job.records[i], now, docs_[i]);
    // Read here, while the record is in cache: looked up at acknowledgement time it was a cache miss
    // per document (bench/README.md, "Indexer throughput").
    read_micros_[i] = record_read_micros(job.records[i]);
  }

  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  std::vector<Rejected> rejected;
  auto stored = [&](size_t i, const ItemResult& item) {
    if (item.outcome == ItemOutcome::kDuplicate) {
      metrics_.duplicates.inc();
      return;
    }
    metrics_.indexed.inc();
    if (const int64_t read = read_micros_[i]; read > 0)
      metrics_.end_to_end_seconds.observe(static_cast<double>(answered_micros_ - read) / 1e6);
  };
  if (!deliver(docs_, std::move(all), live, stored, rejected)) return false;
  if (rejected.empty()) return true;

  // Permanent failures: into the dead-letter index with the raw line and Elasticsearch's error, so the
  // watermark can move past them.
  std::vector<Document> dead;
  std::vector<size_t> dead_all;
  dead.reserve(rejected.size());
  const int64_t dl_now = clock_.wall_micros();
  for (const auto& r : rejected) {
    dead_all.push_back(dead.size());
    dead.push_back(dead_letter_document(job.records[r.index], r.result, dl_now));
  }
  auto dead_live = [&](size_t k) { return live(rejected[k].index); };
  auto dead_stored = [&](size_t k, const ItemResult&) { metrics_.dead_lettered(rejected[k].result.error_type, 1); };
  std::vector<Rejected> refused;
  if (!deliver(dead, std::move(dead_all), dead_live, dead_stored, refused)) return false;
  for (const auto& r : refused) {
    // The dead-letter index refused it too: the one place an event is lost. Logged with the raw line's
    // position and counted (logpipe_indexer_events_lost_total).
    const auto& rec = job.records[rejected[r.index].index];
    log::error("dead-letter index rejected an event; it is lost",
               {{"error", std::string_view(r.result.error_reason)}, {"kafka.topic", std::string_view(rec.topic)},
                {"kafka.partition", int64_t{rec.partition}}, {"kafka.offset", rec.offset}});
    metrics_.lost_deadletter_rejected.inc();
  }
  return true;
}

}  // namespace logpipe::indexer
