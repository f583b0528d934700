#pragma once
// The few Elasticsearch/OpenSearch calls the indexer makes, over an http::Client. Only APIs present in
// both engines (and in Elasticsearch's integ-test distribution) are used: _bulk, _index_template,
// _cluster/health. Threading: as the underlying http::Client (one thread; one client per worker).

#include <optional>
#include <string>
#include <vector>

#include "common/http/http_client.h"
#include "common/result.h"
#include "indexer/elasticsearch/bulk.h"

namespace logpipe::indexer {

// Why a bulk request as a whole got no per-item answer. The typed decision the caller acts on.
enum class BulkFailure {
  // Nothing can be assumed stored; send all of it again later: connection refused/reset, timeout, 429,
  // 5xx, an unparseable 200, and 4xx other than 413 (401/403/404: credentials or URL to fix, not data:
  // retrying keeps the events instead of dead-lettering all of them).
  kUnavailable,
  // 413: the body is larger than the cluster accepts (http.max_content_length): split it.
  kTooLarge,
};

struct BulkOutcome {
  std::optional<BulkFailure> failure;  // empty: `items` holds one result per document, in request order
  int http_status = 0;                 // 0: no HTTP answer at all
  std::string error;                   // for failures: what happened, for logs and the dead-letter index
  std::vector<ItemResult> items;
};

struct ElasticsearchOptions {
  bool gzip = false;   // request bodies sent with Content-Encoding: gzip
  int gzip_level = 1;  // 1 (fastest) .. 9
};

class ElasticsearchClient {
 public:
  explicit ElasticsearchClient(http::Client& http, ElasticsearchOptions options = {})
      : http_(http), options_(options) {}

  // PUT /_index_template/<name>: idempotent; a second call with the same body changes nothing. The
  // engine's answer whatever its status (the caller decides: retry, or a fallback template); an Error only
  // when there was no answer.
  Result<http::Response> put_index_template(const std::string& name, const std::string& body);
  // POST /_bulk with `items` documents in `body`. The body is moved into the request and handed back
  // unchanged when the call returns, so a caller that builds one bulk after another reuses its capacity
  // (no fresh multi-megabyte allocation and page faults per request).
  BulkOutcome bulk(std::string& body, size_t items);

 private:
  http::Client& http_;
  ElasticsearchOptions options_;
};

}  // namespace logpipe::indexer
