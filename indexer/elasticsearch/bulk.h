#pragma once
// The Elasticsearch/OpenSearch bulk API: request rendering and per-item response classification.
// Retrying is a typed decision per item (STYLE.md 6): created / duplicate / retry / reject.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "indexer/normalize/event_builder.h"

namespace logpipe::indexer {

enum class ItemOutcome {
  kCreated,    // 200/201: stored
  kDuplicate,  // 409 on create: the same _id is already stored (a replay); counts as delivered
  kRetry,      // 429, 5xx: try this item again later
  kReject,     // other 4xx (mapping conflict, parse error, closed index): will never succeed -> dead letter
};

struct ItemResult {
  ItemOutcome outcome = ItemOutcome::kRetry;
  int status = 0;
  std::string error_type;
  std::string error_reason;
};

ItemOutcome classify_item_status(int status);

// Appends `{"create":{"_index":..,"_id":..}}\n<source>\n`.
void append_create(std::string& body, const Document& doc);
// What append_create() appends for `doc`, at most (exactly, unless index or id need escaping): to reserve a
// whole body before appending its items.
inline size_t create_item_size(const Document& doc) { return doc.index.size() + doc.id.size() + doc.source.size() + 40; }

// Parses a 200 bulk response. Items come back in request order; a response with a different number of
// items than sent is an error (then the caller retries the whole request, which `create` makes safe).
Result<std::vector<ItemResult>> parse_bulk_response(std::string_view body, size_t expected_items);

}  // namespace logpipe::indexer
