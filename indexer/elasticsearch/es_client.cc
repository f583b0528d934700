#include "indexer/elasticsearch/es_client.h"

namespace logpipe::indexer {

Status ElasticsearchClient::put_index_template(const std::string& name, const std::string& body) {
  auto r = http_.send({"PUT", "/_index_template/" + name, body, "application/json"});
  if (!r) return Error(r.error().message());
  if (r->status != 200) return Error("index template " + name + ": HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 500));
  return Status::Ok();
}

Result<std::vector<ItemResult>> ElasticsearchClient::bulk(const std::string& body, size_t items) {
  auto r = http_.send({"POST", "/_bulk?filter_path=items.*.status,items.*.error", body, "application/x-ndjson"});
  if (!r) return Error(r.error().message());
  if (r->status != 200) return Error("bulk: HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300));
  return parse_bulk_response(r->body, items);
}

}  // namespace logpipe::indexer
