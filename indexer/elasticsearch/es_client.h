#pragma once
// The few Elasticsearch/OpenSearch calls the indexer makes, over an http::Client. Only APIs present in
// both engines (and in Elasticsearch's integ-test distribution) are used: _bulk, _index_template,
// _cluster/health. Threading: as the underlying http::Client (one thread).

#include <string>
#include <vector>

#include "common/http/http_client.h"
#include "common/result.h"
#include "indexer/elasticsearch/bulk.h"

namespace logpipe::indexer {

class ElasticsearchClient {
 public:
  explicit ElasticsearchClient(http::Client& http) : http_(http) {}

  // PUT /_index_template/<name>: idempotent; a second call with the same body changes nothing.
  Status put_index_template(const std::string& name, const std::string& body);
  // POST /_bulk. An Error means the request as a whole did not get a usable answer (connection error,
  // 429/5xx/413 for the whole request): nothing can be assumed stored, retry all of it.
  Result<std::vector<ItemResult>> bulk(const std::string& body, size_t items);

 private:
  http::Client& http_;
};

}  // namespace logpipe::indexer
