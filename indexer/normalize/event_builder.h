#pragma once
// Turns one Kafka record into one Elasticsearch document with ECS field names (schemas/event-schema.md).
// By `lp.format`:
//   json   -> simdjson; the layout is recognized by its keys (json_layouts.h); a Docker json-file
//             wrapper is unwrapped and its inner line parsed as JSON or text
//   docker -> the same
//   cri    -> "<time> <stream> <P|F> <line>" unwrapped, inner line parsed as JSON or text
//   plain  -> the text rules (text_rules.h, schemas/parsing-rules.yaml) on the first line; the record's
//             further lines (a joined multi-line event) stay in the message or, if they are a stack
//             trace, become error.stack_trace
// RFC 5424 structured data -> log.syslog.structured_data {SD-ID: {param: value}} (structured_data.h).
// Java/Python/Go stack traces give error.type, error.message and error.fingerprint (stack_trace.h).
// Timestamps from the line, else the wrapper's, else the shipper's read time (tagged). Nothing is
// dropped: a line that does not parse is kept whole as `message` and tagged.
// Threading: one builder per thread (it owns simdjson parsers and match scratch). No exceptions.

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/kafka/consumer.h"
#include "common/kafka/record_format.h"
#include "indexer/normalize/event.h"
#include "indexer/normalize/structured_data.h"
#include "indexer/normalize/text_rules.h"

namespace logpipe::json {
class Writer;
}

namespace logpipe::indexer {

struct Document {
  std::string index;
  std::string id;
  std::string source;  // the JSON document
};

// The part of a file record's _id that depends on its source only, kept for the next record: consecutive
// records mostly come from one file, and its hash is then computed once (document_id()).
struct IdPrefixCache {
  std::string host, file_id;    // the source it was computed for (empty: none yet)
  std::array<char, 12> head{};  // base64url of the source prefix's bytes 0-8
  uint8_t last = 0;             // the prefix's byte 9 (shares a base64url group with the offset)
};

struct BuildOptions {
  std::string index_prefix = "logs-";  // daily indices: <prefix>YYYY.MM.DD (UTC, from @timestamp)
  std::shared_ptr<const TextRules> rules;  // null: the built-in schemas/parsing-rules.yaml
};

// Deterministic _id: from (host, file identity, byte offset) when the shipper gave them, else from
// (topic, partition, offset). A replay by the shipper or the indexer yields the same _id, and with the
// `create` op the replay is absorbed as a 409. 24 base64url characters: an 80-bit hash of the source, then
// the offset big-endian, so one source's ids share a prefix and increase (schemas/event-schema.md, "_id").
std::string document_id(const kafka::RecordMeta& meta, const kafka::InRecord& record);
void document_id(const kafka::RecordMetaView& meta, const kafka::InRecord& record, std::string& out);
// The same, reusing `cache` when the record comes from the file it was computed for.
void document_id(const kafka::RecordMetaView& meta, const kafka::InRecord& record, std::string& out,
                 IdPrefixCache& cache);

class EventBuilder {
 public:
  explicit EventBuilder(BuildOptions options);
  // `ingested_micros` is the time the indexer handled the record (event.ingested).
  Document build(const kafka::InRecord& record, int64_t ingested_micros);
  // The same into `out`, reusing the capacity of its strings: a caller that keeps its Documents (and
  // gives the builder the same `ingested_micros` for a whole batch) allocates nothing per event.
  void build(const kafka::InRecord& record, int64_t ingested_micros, Document& out);

 private:
  // Each returns true if the line had structure (a JSON object, a matching rule).
  bool parse_json(std::string_view line, simdjson::dom::parser& parser, int depth);
  bool parse_text(std::string_view text);
  bool parse_cri(std::string_view line);
  void extract_error_fields();
  void write_structured_data(json::Writer& w);

  BuildOptions options_;
  simdjson::dom::parser parser_;
  simdjson::dom::parser inner_parser_;  // for a JSON line inside a Docker/CRI wrapper
  MatchScratch scratch_;
  StructuredData sd_;
  Event ev_;
  kafka::RecordMetaView meta_;
  // Formatting caches: event.ingested is one value per batch, and the daily index changes once a day.
  std::optional<int64_t> ingested_micros_;
  std::string ingested_text_;
  std::optional<int64_t> index_day_;
  std::string index_name_;
  bool foreign_ = false;  // a record without lp.* headers
  std::string_view wrapper_time_;  // a Docker/CRI wrapper's timestamp: fallback for @timestamp
  IdPrefixCache id_cache_;  // the _id source prefix of the last file seen
  std::array<char, 17> fingerprint_{};
  std::array<char, 32> level_lower_{};
};

}  // namespace logpipe::indexer
