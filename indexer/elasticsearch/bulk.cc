#include "indexer/elasticsearch/bulk.h"

#include <simdjson.h>

#include "common/json/json_writer.h"

namespace logpipe::indexer {

ItemOutcome classify_item_status(int status) {
  if (status == 200 || status == 201) return ItemOutcome::kCreated;
  if (status == 409) return ItemOutcome::kDuplicate;
  if (status == 429 || status >= 500) return ItemOutcome::kRetry;
  return ItemOutcome::kReject;
}

void append_create(std::string& body, const Document& doc) {
  // One room check for the whole item (index and id need no escaping in practice; if they do, the writer
  // makes more room).
  auto w = json::Writer::deferred(body, create_item_size(doc));
  w.fragment_string("{\"create\":{\"_index\":\"", doc.index).fragment_string(",\"_id\":\"", doc.id);
  w.fragment("}}\n").fragment_bytes(doc.source).fragment("\n");
}

Result<std::vector<ItemResult>> parse_bulk_response(std::string_view body, size_t expected_items) {
  // One parser per thread, kept: a fresh one allocated (and touched) its buffers for every response.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS)
    return Error("bulk response is not JSON");
  simdjson::dom::array items;
  if (doc["items"].get(items) != simdjson::SUCCESS) return Error("bulk response has no items");
  std::vector<ItemResult> out;
  out.reserve(expected_items);
  for (simdjson::dom::element item : items) {
    simdjson::dom::object obj;
    if (item.get(obj) != simdjson::SUCCESS || obj.size() != 1) return Error("bulk response item is malformed");
    simdjson::dom::element inner = obj.begin().value();
    ItemResult r;
    int64_t status = 0;
    if (inner["status"].get(status) != simdjson::SUCCESS) return Error("bulk response item has no status");
    r.status = static_cast<int>(status);
    r.outcome = classify_item_status(r.status);
    simdjson::dom::element err;
    if (inner["error"].get(err) == simdjson::SUCCESS) {
      std::string_view type, reason;
      if (err["type"].get(type) == simdjson::SUCCESS) r.error_type = type;
      if (err["reason"].get(reason) == simdjson::SUCCESS) r.error_reason = reason;
    }
    out.push_back(std::move(r));
  }
  if (out.size() != expected_items)
    return Error("bulk response has " + std::to_string(out.size()) + " items, expected " + std::to_string(expected_items));
  return out;
}

}  // namespace logpipe::indexer
