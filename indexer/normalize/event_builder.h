#pragma once
// Turns one Kafka record into one Elasticsearch document with ECS field names (schemas/event-schema.md).
// This is the start of issue 5's normalizer: plain lines become `message`; JSON lines (format=json) are
// parsed with simdjson for the logback/Logstash encoder's core fields. A JSON line that does not parse is
// kept whole as `message` with tag `_jsonparsefailure`: nothing is dropped.
// Threading: one builder per thread (it owns a simdjson parser). No exceptions.

#include <simdjson.h>

#include <cstdint>
#include <string>

#include "common/kafka/consumer.h"
#include "common/kafka/record_format.h"

namespace logpipe::indexer {

struct Document {
  std::string index;
  std::string id;
  std::string source;  // the JSON document
};

struct BuildOptions {
  std::string index_prefix = "logs-";  // daily indices: <prefix>YYYY.MM.DD (UTC, from @timestamp)
};

// Deterministic _id: from (host, file identity, byte offset) when the shipper gave them, else from
// (topic, partition, offset). A replay by the shipper or the indexer yields the same _id, and with the
// `create` op the replay is absorbed as a 409.
std::string document_id(const kafka::RecordMeta& meta, const kafka::InRecord& record);

class EventBuilder {
 public:
  explicit EventBuilder(BuildOptions options) : options_(std::move(options)) {}
  // `ingested_micros` is the time the indexer handled the record (event.ingested).
  Document build(const kafka::InRecord& record, int64_t ingested_micros);

 private:
  BuildOptions options_;
  simdjson::dom::parser parser_;
};

}  // namespace logpipe::indexer
