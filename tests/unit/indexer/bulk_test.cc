#include "indexer/elasticsearch/bulk.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "indexer/elasticsearch/es_client.h"
#include "indexer/elasticsearch/gzip.h"
#include "indexer/elasticsearch/index_template.h"
#include "indexer/pipeline.h"
#include "tests/fakes/fake_http_client.h"

using logpipe::indexer::append_create;
using logpipe::indexer::classify_item_status;
using logpipe::indexer::Document;
using logpipe::indexer::ItemOutcome;
using logpipe::indexer::parse_bulk_response;
using logpipe::indexer::render_index_template;

namespace {

// A recorded Elasticsearch 8 bulk response for five `create` items: stored, replay (409), throttled (429),
// mapping conflict (400), stored.
constexpr std::string_view kMixedResponse = R"json({
  "took": 31,
  "errors": true,
  "items": [
    {"create": {"_index": "logs-2024.03.05", "_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "_version": 1,
                "result": "created", "_shards": {"total": 2, "successful": 1, "failed": 0},
                "_seq_no": 10, "_primary_term": 1, "status": 201}},
    {"create": {"_index": "logs-2024.03.05", "_id": "11111111111111111111111111111111", "status": 409,
                "error": {"type": "version_conflict_engine_exception",
                          "reason": "[11111111111111111111111111111111]: version conflict, document already exists (current version [1])",
                          "index_uuid": "aUYn3bC9QbuRkWmA0ymC9g", "shard": "0", "index": "logs-2024.03.05"}}},
    {"create": {"_index": "logs-2024.03.05", "_id": "22222222222222222222222222222222", "status": 429,
                "error": {"type": "es_rejected_execution_exception",
                          "reason": "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=104857600, max_coordinating_and_primary_bytes=107374182]"}}},
    {"create": {"_index": "logs-2024.03.05", "_id": "33333333333333333333333333333333", "status": 400,
                "error": {"type": "mapper_parsing_exception",
                          "reason": "failed to parse field [log.offset] of type [long] in document with id '33333333333333333333333333333333'. Preview of field's value: 'abc'",
                          "caused_by": {"type": "illegal_argument_exception", "reason": "For input string: \"abc\""}}}},
    {"create": {"_index": "logs-2024.03.06", "_id": "44444444444444444444444444444444", "_version": 1,
                "result": "created", "_shards": {"total": 2, "successful": 1, "failed": 0},
                "_seq_no": 0, "_primary_term": 1, "status": 201}}
  ]
})json";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("bulk: classify_item_status", "[indexer]") {
  CHECK(classify_item_status(200) == ItemOutcome::kCreated);
  CHECK(classify_item_status(201) == ItemOutcome::kCreated);
  CHECK(classify_item_status(409) == ItemOutcome::kDuplicate);
  CHECK(classify_item_status(429) == ItemOutcome::kRetry);
  CHECK(classify_item_status(500) == ItemOutcome::kRetry);
  CHECK(classify_item_status(502) == ItemOutcome::kRetry);
  CHECK(classify_item_status(503) == ItemOutcome::kRetry);
  CHECK(classify_item_status(400) == ItemOutcome::kReject);
  CHECK(classify_item_status(403) == ItemOutcome::kReject);
  CHECK(classify_item_status(404) == ItemOutcome::kReject);
  CHECK(classify_item_status(413) == ItemOutcome::kReject);
}

TEST_CASE("bulk: append_create renders the action line and the source", "[indexer]") {
  std::string body;
  append_create(body, Document{"i", "x", R"({"message":"m"})"});
  CHECK(body == "{\"create\":{\"_index\":\"i\",\"_id\":\"x\"}}\n{\"message\":\"m\"}\n");

  append_create(body, Document{"logs-2024.03.05", "abc", "{}"});
  CHECK(body ==
        "{\"create\":{\"_index\":\"i\",\"_id\":\"x\"}}\n{\"message\":\"m\"}\n"
        "{\"create\":{\"_index\":\"logs-2024.03.05\",\"_id\":\"abc\"}}\n{}\n");
}

TEST_CASE("bulk: append_create escapes the index and id", "[indexer]") {
  std::string body;
  append_create(body, Document{"we\"ird", "a\\b", "{}"});
  CHECK(body == "{\"create\":{\"_index\":\"we\\\"ird\",\"_id\":\"a\\\\b\"}}\n{}\n");
}

TEST_CASE("bulk: parse_bulk_response on a mixed Elasticsearch 8 response", "[indexer]") {
  auto r = parse_bulk_response(kMixedResponse, 5);
  REQUIRE(r.ok());
  const auto& items = r.value();
  REQUIRE(items.size() == 5);

  CHECK(items[0].outcome == ItemOutcome::kCreated);
  CHECK(items[0].status == 201);
  CHECK(items[0].error_type.empty());
  CHECK(items[0].error_reason.empty());

  CHECK(items[1].outcome == ItemOutcome::kDuplicate);
  CHECK(items[1].status == 409);
  CHECK(items[1].error_type == "version_conflict_engine_exception");

  CHECK(items[2].outcome == ItemOutcome::kRetry);
  CHECK(items[2].status == 429);
  CHECK(items[2].error_type == "es_rejected_execution_exception");

  CHECK(items[3].outcome == ItemOutcome::kReject);
  CHECK(items[3].status == 400);
  CHECK(items[3].error_type == "mapper_parsing_exception");
  CHECK(items[3].error_reason ==
        "failed to parse field [log.offset] of type [long] in document with id "
        "'33333333333333333333333333333333'. Preview of field's value: 'abc'");

  CHECK(items[4].outcome == ItemOutcome::kCreated);
  CHECK(items[4].status == 201);
}

TEST_CASE("bulk: parse_bulk_response accepts index and other action names", "[indexer]") {
  auto r = parse_bulk_response(R"({"errors":false,"items":[{"index":{"status":200}},{"create":{"status":503}}]})", 2);
  REQUIRE(r.ok());
  CHECK(r.value()[0].outcome == ItemOutcome::kCreated);
  CHECK(r.value()[1].outcome == ItemOutcome::kRetry);
}

TEST_CASE("bulk: parse_bulk_response with the wrong number of items is an error", "[indexer]") {
  auto fewer = parse_bulk_response(kMixedResponse, 6);
  REQUIRE_FALSE(fewer.ok());
  CHECK(fewer.error().message() == "bulk response has 5 items, expected 6");
  CHECK_FALSE(parse_bulk_response(kMixedResponse, 4).ok());
  CHECK_FALSE(parse_bulk_response(R"({"errors":false,"items":[]})", 1).ok());
  CHECK(parse_bulk_response(R"({"errors":false,"items":[]})", 0).ok());
}

TEST_CASE("bulk: parse_bulk_response rejects malformed responses", "[indexer]") {
  SECTION("not JSON") {
    auto r = parse_bulk_response("<html><body>502 Bad Gateway</body></html>", 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "bulk response is not JSON");
  }
  SECTION("empty body") {
    CHECK_FALSE(parse_bulk_response("", 1).ok());
  }
  SECTION("truncated") {
    CHECK_FALSE(parse_bulk_response(kMixedResponse.substr(0, kMixedResponse.size() / 2), 5).ok());
  }
  SECTION("no items (an error response)") {
    auto r = parse_bulk_response(
        R"({"error":{"root_cause":[],"type":"illegal_argument_exception","reason":"bad"},"status":400})", 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "bulk response has no items");
  }
  SECTION("items is not an array") {
    CHECK_FALSE(parse_bulk_response(R"({"items":{"create":{"status":201}}})", 1).ok());
  }
  SECTION("item without status") {
    CHECK_FALSE(parse_bulk_response(R"({"items":[{"create":{"_id":"x"}}]})", 1).ok());
  }
  SECTION("item with two actions") {
    CHECK_FALSE(parse_bulk_response(R"({"items":[{"create":{"status":201},"index":{"status":201}}]})", 1).ok());
  }
  SECTION("item that is not an object") {
    CHECK_FALSE(parse_bulk_response(R"({"items":[201]})", 1).ok());
  }
}

TEST_CASE("render_index_template replaces every ${INDEX_PREFIX}", "[indexer]") {
  CHECK(render_index_template(R"({"a":"${INDEX_PREFIX}*","b":["${INDEX_PREFIX}x","${INDEX_PREFIX}"]})", "p-") ==
        R"({"a":"p-*","b":["p-x","p-"]})");
  CHECK(render_index_template("${INDEX_PREFIX}${INDEX_PREFIX}", "ab") == "abab");
  // A prefix that itself contains the placeholder is not expanded again.
  CHECK(render_index_template("[${INDEX_PREFIX}]", "${INDEX_PREFIX}") == "[${INDEX_PREFIX}]");
  CHECK(render_index_template("no placeholder", "p-") == "no placeholder");
  CHECK(render_index_template("${INDEX_PREFIX}*|${INDEX_PREFIX}", "") == "*|");
  // The prefix is JSON-escaped.
  CHECK(render_index_template(R"(["${INDEX_PREFIX}"])", "a\"b") == R"(["a\"b"])");
}

TEST_CASE("render_index_template on schemas/index-template.json gives valid JSON", "[indexer]") {
  const std::string tmpl = read_file(LOGPIPE_SOURCE_DIR "/schemas/index-template.json");
  REQUIRE(tmpl.find("${INDEX_PREFIX}") != std::string::npos);
  const std::string out = render_index_template(tmpl, "myprefix-");
  CHECK(out.find("${INDEX_PREFIX}") == std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(out).get(doc) == simdjson::SUCCESS);
  simdjson::dom::array patterns;
  REQUIRE(doc["index_patterns"].get(patterns) == simdjson::SUCCESS);
  std::vector<std::string> values;
  for (simdjson::dom::element e : patterns) {
    std::string_view v;
    REQUIRE(e.get(v) == simdjson::SUCCESS);
    values.emplace_back(v);
  }
  CHECK(values == std::vector<std::string>{"myprefix-*"});

  std::string_view ts_type;
  REQUIRE(doc.at_pointer("/template/mappings/properties/@timestamp/type").get(ts_type) == simdjson::SUCCESS);
  CHECK(ts_type == "date_nanos");
}

// Elasticsearch 8.19's answer to PUT /_index_template with a match_only_text field when its mapper-extras
// module is missing (recorded from the integ-test distribution deploy/stack.sh runs).
constexpr std::string_view kNoMatchOnlyTextEs8 = R"json({"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"composable template [es-ids-probe] template after composition is invalid"}],"type":"illegal_argument_exception","reason":"composable template [es-ids-probe] template after composition is invalid","caused_by":{"type":"illegal_argument_exception","reason":"invalid composite mappings for [es-ids-probe]","caused_by":{"type":"mapper_parsing_exception","reason":"Failed to parse mapping: The mapper type [match_only_text] declared on field [message] does not exist. It might have been created within a future version or requires a plugin to be installed. Check the documentation.","caused_by":{"type":"mapper_parsing_exception","reason":"The mapper type [match_only_text] declared on field [message] does not exist. It might have been created within a future version or requires a plugin to be installed. Check the documentation."}}}},"status":400})json";

TEST_CASE("rejects_match_only_text recognizes an engine without the type, and nothing else", "[indexer]") {
  using logpipe::indexer::rejects_match_only_text;
  CHECK(rejects_match_only_text(400, kNoMatchOnlyTextEs8));
  // Elasticsearch 7 and OpenSearch before 2.12 word it "No handler for type".
  CHECK(rejects_match_only_text(400, R"({"error":{"type":"mapper_parsing_exception","reason":"No handler for type [match_only_text] declared on field [message]"},"status":400})"));
  CHECK_FALSE(rejects_match_only_text(200, R"({"acknowledged":true})"));
  CHECK_FALSE(rejects_match_only_text(401, R"({"error":"missing authentication credentials for [match_only_text]"})"));
  CHECK_FALSE(rejects_match_only_text(400, R"({"error":{"type":"mapper_parsing_exception","reason":"unknown parameter [norms]"}})"));
}

TEST_CASE("the template maps full text as match_only_text; without_match_only_text gives text without norms", "[indexer]") {
  using logpipe::indexer::without_match_only_text;
  const std::string tmpl = render_index_template(read_file(LOGPIPE_SOURCE_DIR "/schemas/index-template.json"), "p-");
  const std::vector<std::string> full_text = {"/template/mappings/properties/message",
                                              "/template/mappings/properties/error/properties/message",
                                              "/template/mappings/properties/error/properties/stack_trace"};
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(tmpl).get(doc) == simdjson::SUCCESS);
  for (const auto& path : full_text) {
    std::string_view type;
    REQUIRE(doc.at_pointer(path + "/type").get(type) == simdjson::SUCCESS);
    CHECK(type == "match_only_text");
  }

  const std::string fallback = without_match_only_text(tmpl);
  CHECK(fallback.find("match_only_text") == std::string::npos);
  simdjson::dom::parser parser2;
  simdjson::dom::element fb;
  REQUIRE(parser2.parse(fallback).get(fb) == simdjson::SUCCESS);
  for (const auto& path : full_text) {
    INFO(path);
    std::string_view type;
    bool norms = true;
    REQUIRE(fb.at_pointer(path + "/type").get(type) == simdjson::SUCCESS);
    REQUIRE(fb.at_pointer(path + "/norms").get(norms) == simdjson::SUCCESS);
    CHECK(type == "text");
    CHECK_FALSE(norms);
  }
  // Nothing else changes: minified JSON (no space after the colon) too.
  CHECK(without_match_only_text(R"({"a":{"type":"match_only_text"},"b":{"type":"keyword"}})") ==
        R"({"a":{"type":"text", "norms": false},"b":{"type":"keyword"}})");
  CHECK(without_match_only_text(R"({"b":{"type":"text"}})") == R"({"b":{"type":"text"}})");
}

TEST_CASE("es client: bulk sends the body as is and hands it back unchanged, with gzip it sends a compressed copy", "[indexer]") {
  using logpipe::testing::FakeHttpClient;
  auto created = [](const logpipe::http::Request&) -> logpipe::Result<logpipe::http::Response> {
    return logpipe::http::Response{200, R"({"items":[{"create":{"status":201}}]})", {}};
  };
  const std::string doc = "{\"create\":{\"_index\":\"i\",\"_id\":\"a\"}}\n{\"m\":1}\n";
  for (const bool gzip : {false, true}) {
    INFO("gzip " << gzip);
    FakeHttpClient http(created);
    logpipe::indexer::ElasticsearchClient es(http, logpipe::indexer::ElasticsearchOptions{gzip, 1});
    std::string body = doc;
    const auto out = es.bulk(body, 1);
    REQUIRE_FALSE(out.failure);
    REQUIRE(out.items.size() == 1);
    CHECK(body == doc);  // the caller's buffer is intact afterwards, whatever was sent
    const auto reqs = http.requests();
    REQUIRE(reqs.size() == 1);
    if (gzip) {
      auto plain = logpipe::indexer::gzip_decompress(reqs[0].body);
      REQUIRE(plain.ok());
      CHECK(*plain == doc);
    } else {
      CHECK(reqs[0].body == doc);
    }
    // A failed request hands the body back too (the worker resends it).
    FakeHttpClient down([](const logpipe::http::Request&) -> logpipe::Result<logpipe::http::Response> {
      return logpipe::Error("connection refused");
    });
    logpipe::indexer::ElasticsearchClient es_down(down, logpipe::indexer::ElasticsearchOptions{gzip, 1});
    CHECK(es_down.bulk(body, 1).failure == logpipe::indexer::BulkFailure::kUnavailable);
    CHECK(body == doc);
  }
}
