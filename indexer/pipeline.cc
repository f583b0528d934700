#include "indexer/pipeline.h"

#include <algorithm>
#include <map>

#include "common/json/json_writer.h"
#include "common/log.h"
#include "common/time_util.h"

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

Pipeline::Pipeline(IndexerConfig config, kafka::Consumer& consumer, ElasticsearchClient& es, Clock& clock,
                   metrics::Registry& m, Sleeper sleeper, const std::atomic<bool>& stop)
    : config_(std::move(config)),
      consumer_(consumer),
      es_(es),
      clock_(clock),
      sleep_(std::move(sleeper)),
      stop_(stop),
      builder_(BuildOptions{config_.index_prefix, config_.parsing_rules}),
      consumed_(m.counter("logpipe_indexer_records_consumed_total", "records read from Kafka")),
      indexed_(m.counter("logpipe_indexer_documents_indexed_total", "documents Elasticsearch stored (201)")),
      duplicates_(m.counter("logpipe_indexer_duplicates_absorbed_total", "replayed documents already stored (409)")),
      retried_(m.counter("logpipe_indexer_items_retried_total", "bulk items retried (429/5xx)")),
      dead_lettered_(m.counter("logpipe_indexer_dead_lettered_total", "documents rejected for good, sent to the dead-letter index")),
      bulk_errors_(m.counter("logpipe_indexer_bulk_request_errors_total", "bulk requests that failed as a whole")) {}

void Pipeline::backoff(int attempt) {
  const auto base = config_.retry_initial_backoff.count() << std::min(attempt, 16);
  const auto capped = std::min<int64_t>(base, config_.retry_max_backoff.count());
  std::uniform_int_distribution<int64_t> jitter(capped / 2, std::max<int64_t>(capped, 1));
  sleep_(std::chrono::milliseconds(jitter(rng_)));
}

Status Pipeline::install_templates(const std::string& template_json) {
  const std::string name = "logpipe-" + config_.index_prefix;
  const std::string body = render_index_template(template_json, config_.index_prefix);
  for (int attempt = 0; !stop_; ++attempt) {
    auto s = es_.put_index_template(name, body);
    if (s) {
      log::info("index template installed", {{"template", std::string_view(name)}});
      return s;
    }
    log::warn("index template not installed yet, retrying", {{"error", s.message()}});
    backoff(attempt);
  }
  return Error("stopped");
}

bool Pipeline::dead_letter(const std::vector<std::pair<const kafka::InRecord*, ItemResult>>& rejected) {
  std::string body;
  const int64_t now = clock_.wall_micros();
  for (const auto& [rec, res] : rejected) {
    auto meta = kafka::decode_headers(rec->headers);
    Document d;
    d.index = config_.deadletter_index;
    d.id = document_id(meta ? *meta : kafka::RecordMeta{}, *rec);
    json::Writer w(d.source);
    w.begin_object().kv("@timestamp", format_rfc3339_micros(now));
    w.key("event").begin_object().kv("original", rec->value).end_object();
    w.key("error").begin_object().kv("type", res.error_type).kv("message", res.error_reason)
        .kv("code", int64_t{res.status}).end_object();
    if (meta) {
      w.key("host").begin_object().kv("name", meta->host).end_object();
      w.key("service").begin_object().kv("name", meta->service).end_object();
    }
    w.key("kafka").begin_object().kv("topic", rec->topic).kv("partition", int64_t{rec->partition})
        .kv("offset", rec->offset).end_object();
    w.end_object();
    append_create(body, d);
  }
  for (int attempt = 0; !stop_; ++attempt) {
    auto r = es_.bulk(body, rejected.size());
    const bool retry = !r || std::any_of(r->begin(), r->end(), [](const ItemResult& i) {
      return i.outcome == ItemOutcome::kRetry;  // resend the whole small request; `create` makes that safe
    });
    if (retry) {
      backoff(attempt);
      continue;
    }
    for (size_t i = 0; i < r->size(); ++i) {
      if ((*r)[i].outcome != ItemOutcome::kReject) continue;
      // The dead-letter index itself refused it: the one place an event can be lost; logged and counted.
      log::error("dead-letter index rejected an event",
                 {{"error", std::string_view((*r)[i].error_reason)}, {"kafka.offset", rejected[i].first->offset}});
      bulk_errors_.inc();
    }
    dead_lettered_.inc(rejected.size());
    return true;
  }
  return false;
}

bool Pipeline::index_all(const std::vector<kafka::InRecord>& records, std::vector<Document>& docs) {
  std::vector<size_t> pending(docs.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  int attempt = 0;
  while (!pending.empty()) {
    if (stop_) return false;
    std::string body;
    for (size_t i : pending) append_create(body, docs[i]);
    auto result = es_.bulk(body, pending.size());
    healthy_ = result.ok();
    if (!result) {
      bulk_errors_.inc();
      log::warn("bulk failed, retrying", {{"error", result.error().message()}, {"attempt", int64_t{attempt}}});
      backoff(attempt++);
      continue;
    }
    std::vector<size_t> again;
    std::vector<std::pair<const kafka::InRecord*, ItemResult>> rejected;
    for (size_t k = 0; k < pending.size(); ++k) {
      const ItemResult& item = (*result)[k];
      switch (item.outcome) {
        case ItemOutcome::kCreated: indexed_.inc(); break;
        case ItemOutcome::kDuplicate: duplicates_.inc(); break;
        case ItemOutcome::kRetry: again.push_back(pending[k]); break;
        case ItemOutcome::kReject: rejected.emplace_back(&records[pending[k]], item); break;
      }
    }
    if (!rejected.empty() && !dead_letter(rejected)) return false;
    retried_.inc(again.size());
    pending = std::move(again);
    if (!pending.empty()) backoff(attempt++);
  }
  return true;
}

Result<size_t> Pipeline::run_once() {
  auto batch = consumer_.poll_batch(static_cast<size_t>(config_.batch_max_docs), config_.batch_max_wait);
  if (!batch) return Error(batch.error().message());
  if (batch->empty()) return size_t{0};
  consumed_.inc(batch->size());
  const int64_t now = clock_.wall_micros();
  std::vector<Document> docs;
  docs.reserve(batch->size());
  for (const auto& rec : *batch) docs.push_back(builder_.build(rec, now));
  if (!index_all(*batch, docs)) return size_t{0};  // stopped: not committed, consumed again next time

  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const auto& rec : *batch) {
    auto& n = next[{rec.topic, rec.partition}];
    n = std::max(n, rec.offset + 1);
  }
  std::vector<kafka::CommitOffset> offsets;
  for (const auto& [tp, off] : next) offsets.push_back({tp.first, tp.second, off});
  if (auto s = consumer_.commit(offsets); !s) {
    // Stored but not committed: the records come back after a restart and are absorbed as 409s.
    log::warn("commit failed", {{"error", s.message()}});
  }
  return batch->size();
}

}  // namespace logpipe::indexer
