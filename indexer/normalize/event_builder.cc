#include "indexer/normalize/event_builder.h"

#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <vector>

#include "common/json/json_writer.h"
#include "common/time_util.h"

namespace logpipe::indexer {
namespace {

std::string hash_id(const std::string& material) {
  const XXH128_hash_t h = XXH3_128bits(material.data(), material.size());
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "%016" PRIx64, h.high64, h.low64);
  return buf;
}

// Fields the JSON path lifts out of a logback/Logstash-encoder line.
struct JsonFields {
  std::string_view message, timestamp, level, logger, thread, stack_trace, trace_id, span_id;
  bool ok = false;
};

JsonFields read_json(simdjson::dom::parser& parser, const std::string& line) {
  JsonFields f;
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS || !doc.is_object()) return f;
  f.ok = true;
  auto get = [&](const char* k, std::string_view& out) {
    if (doc[k].get(out) != simdjson::SUCCESS) out = {};  // absent or not a string
  };
  get("message", f.message);
  get("@timestamp", f.timestamp);
  get("level", f.level);
  get("logger_name", f.logger);
  get("thread_name", f.thread);
  get("stack_trace", f.stack_trace);
  get("trace_id", f.trace_id);
  get("span_id", f.span_id);
  if (f.trace_id.empty()) get("traceId", f.trace_id);
  if (f.span_id.empty()) get("spanId", f.span_id);
  return f;
}

}  // namespace

std::string document_id(const kafka::RecordMeta& meta, const kafka::InRecord& record) {
  std::string material;
  if (!meta.file_id.empty() && meta.offset >= 0) {
    material = "f\x1f" + meta.host + "\x1f" + meta.file_id + "\x1f" + std::to_string(meta.offset);
  } else {
    material = "k\x1f" + record.topic + "\x1f" + std::to_string(record.partition) + "\x1f" + std::to_string(record.offset);
  }
  return hash_id(material);
}

Document EventBuilder::build(const kafka::InRecord& record, int64_t ingested_micros) {
  std::vector<std::string> tags;
  auto meta_r = kafka::decode_headers(record.headers);
  kafka::RecordMeta meta;
  if (meta_r) {
    meta = std::move(*meta_r);
  } else {
    tags.emplace_back("_bad_record_headers");
  }
  if (meta.version == 0) tags.emplace_back("_no_logpipe_headers");

  JsonFields jf;
  if (meta.format == "json") {
    jf = read_json(parser_, record.value);
    if (!jf.ok) tags.emplace_back("_jsonparsefailure");
  }

  // @timestamp: from the line if it has a valid one, else the shipper's read time, else Kafka's timestamp.
  std::optional<int64_t> parsed_ts;
  if (!jf.timestamp.empty()) {
    parsed_ts = parse_rfc3339_micros(jf.timestamp);
    if (!parsed_ts) tags.emplace_back("_timestampparsefailure");
  }
  const int64_t ts = parsed_ts ? *parsed_ts : meta.read_micros > 0 ? meta.read_micros : record.timestamp_ms * 1000;

  Document d;
  d.id = document_id(meta, record);
  d.index = options_.index_prefix + format_day(ts, '.');
  d.source.reserve(record.value.size() + 384);
  json::Writer w(d.source);
  w.begin_object();
  w.kv("@timestamp", format_rfc3339_micros(ts));
  w.kv("message", jf.ok && !jf.message.empty() ? jf.message : std::string_view(record.value));
  if (!meta.host.empty()) w.key("host").begin_object().kv("name", meta.host).end_object();
  if (!meta.service.empty()) w.key("service").begin_object().kv("name", meta.service).end_object();
  w.key("log").begin_object();
  if (!jf.level.empty()) w.kv("level", jf.level);
  if (!jf.logger.empty()) w.kv("logger", jf.logger);
  if (!meta.path.empty()) w.key("file").begin_object().kv("path", meta.path).end_object();
  if (meta.offset >= 0) w.kv("offset", meta.offset);
  w.end_object();
  if (!jf.thread.empty()) w.key("process").begin_object().key("thread").begin_object().kv("name", jf.thread).end_object().end_object();
  if (!jf.stack_trace.empty()) w.key("error").begin_object().kv("stack_trace", jf.stack_trace).end_object();
  if (!jf.trace_id.empty()) w.key("trace").begin_object().kv("id", jf.trace_id).end_object();
  if (!jf.span_id.empty()) w.key("span").begin_object().kv("id", jf.span_id).end_object();
  if (!meta.labels.empty()) {
    w.key("labels").begin_object();
    for (const auto& [k, v] : meta.labels) w.kv(k, v);
    w.end_object();
  }
  w.key("event").begin_object().kv("ingested", format_rfc3339_micros(ingested_micros)).end_object();
  w.key("kafka").begin_object().kv("topic", record.topic).kv("partition", int64_t{record.partition}).kv("offset", record.offset).end_object();
  if (w.saw_invalid_utf8()) tags.emplace_back("_invalid_utf8");
  if (!tags.empty()) {
    w.key("tags").begin_array();
    for (const auto& t : tags) w.string(t);
    w.end_array();
  }
  w.end_object();
  return d;
}

}  // namespace logpipe::indexer
