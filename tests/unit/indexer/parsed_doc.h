#pragma once
// Helpers for normalizer tests: records with logpipe headers, and a parsed view of a built document.

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/kafka/consumer.h"
#include "common/kafka/record_format.h"
#include "indexer/normalize/event_builder.h"

namespace logpipe::test {

inline constexpr int64_t kSampleReadMicros = 1795453200000000;  // 2026-11-23T17:00:00Z, after the samples
inline constexpr int64_t kSampleIngestedMicros = 1795453201000000;

inline kafka::RecordMeta sample_meta(std::string format) {
  kafka::RecordMeta m;
  m.host = "web-1";
  m.service = "svc";
  m.path = "/var/log/app.log";
  m.file_id = "2049:1234:abcd";
  m.offset = 0;
  m.read_micros = kSampleReadMicros;
  m.format = std::move(format);
  return m;
}

inline kafka::InRecord sample_record(const std::string& value, const std::string& format,
                                     int64_t read_micros = kSampleReadMicros) {
  kafka::RecordMeta m = sample_meta(format);
  m.read_micros = read_micros;
  kafka::InRecord r;
  r.topic = "logs";
  r.partition = 0;
  r.offset = 1;
  r.timestamp_ms = read_micros / 1000;
  r.value = value;
  r.headers = kafka::encode_headers(m);
  return r;
}

// The lines of tests/data/logs/<name>.
inline std::vector<std::string> sample_lines(const std::string& name) {
  std::ifstream in(std::string(LOGPIPE_TEST_DATA_DIR) + "/logs/" + name);
  REQUIRE(in);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The whole file, without its final newline.
inline std::string sample_text(const std::string& name) {
  std::ifstream in(std::string(LOGPIPE_TEST_DATA_DIR) + "/logs/" + name);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

struct Doc {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string json;

  explicit Doc(std::string j) : json(std::move(j)) {
    const auto err = parser.parse(json).get(root);
    INFO(json);
    REQUIRE(err == simdjson::SUCCESS);
  }
  bool has(const char* pointer) {
    simdjson::dom::element e;
    return root.at_pointer(pointer).get(e) == simdjson::SUCCESS;
  }
  std::string str(const char* pointer) {
    std::string_view v;
    if (root.at_pointer(pointer).get(v) != simdjson::SUCCESS) return "<missing>";
    return std::string(v);
  }
  int64_t num(const char* pointer) {
    int64_t v = 0;
    if (root.at_pointer(pointer).get(v) != simdjson::SUCCESS) return INT64_MIN;
    return v;
  }
  std::vector<std::string> tags() {
    std::vector<std::string> out;
    simdjson::dom::array arr;
    if (root["tags"].get(arr) != simdjson::SUCCESS) return out;
    for (simdjson::dom::element e : arr) {
      std::string_view v;
      if (e.get(v) == simdjson::SUCCESS) out.emplace_back(v);
    }
    return out;
  }
};

inline std::string build_source(const std::string& value, const std::string& format,
                                int64_t read_micros = kSampleReadMicros) {
  indexer::EventBuilder b(indexer::BuildOptions{});
  return b.build(sample_record(value, format, read_micros), kSampleIngestedMicros).source;
}

}  // namespace logpipe::test
