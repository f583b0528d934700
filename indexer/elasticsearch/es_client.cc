#include "indexer/elasticsearch/es_client.h"

#include "indexer/elasticsearch/gzip.h"

namespace logpipe::indexer {

Result<http::Response> ElasticsearchClient::put_index_template(const std::string& name, const std::string& body) {
  return http_.send({"PUT", "/_index_template/" + name, body, "application/json"});
}

BulkOutcome ElasticsearchClient::bulk(std::string& body, size_t items) {
  BulkOutcome out;
  // filter_path (a common parameter of Elasticsearch and OpenSearch since before 7 / 1.0): per item only
  // what the retry and dead-letter decisions read, the status and the error's type and reason. A
  // created item is `{"create":{"status":201}}`; a 409 of a replay drops its index, uuid and shard.
  http::Request req{"POST", "/_bulk?filter_path=items.*.status,items.*.error.type,items.*.error.reason", {}, "application/x-ndjson"};
  if (options_.gzip) {
    if (auto z = gzip_compress(body, options_.gzip_level)) {  // failing, it is sent plain: an optimization
      req.body = std::move(*z);
      req.headers.emplace_back("Content-Encoding", "gzip");
    }
  }
  const bool plain = req.headers.empty();  // no Content-Encoding: the caller's body goes as it is
  if (plain) req.body = std::move(body);
  auto r = http_.send(req);
  if (plain) body = std::move(req.body);  // back to the caller, with its capacity
  if (!r) {
    out.failure = BulkFailure::kUnavailable;
    out.error = r.error().message();
    return out;
  }
  out.http_status = r->status;
  if (r->status != 200) {
    out.failure = r->status == 413 ? BulkFailure::kTooLarge : BulkFailure::kUnavailable;
    out.error = "bulk: HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
    return out;
  }
  auto parsed = parse_bulk_response(r->body, items);
  if (!parsed) {
    out.failure = BulkFailure::kUnavailable;  // resend all of it: `create` with fixed ids makes that safe
    out.error = parsed.error().message();
    return out;
  }
  out.items = std::move(*parsed);
  return out;
}

}  // namespace logpipe::indexer
