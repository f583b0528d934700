#pragma once
// Optional retention: deletes the daily indices `<prefix>YYYY.MM.DD` that fell out of the last `days` days
// (UTC, today included: with 7 days on the 14th, the 7th and older go). Only names that are exactly the
// prefix followed by a valid day are touched, each deleted by its full name (no wildcard DELETE, which
// clusters with action.destructive_requires_name refuse); the dead-letter index never matches.
// APIs: GET _cat/indices (both Elasticsearch and OpenSearch), DELETE /<index>.
// Threading: as the http::Client it is given (one thread).

#include <cstdint>
#include <string>
#include <vector>

#include "common/http/http_client.h"
#include "common/result.h"

namespace logpipe::indexer {

// The names among `names` that expire at `now_micros`, in the order given.
std::vector<std::string> expired_indices(const std::vector<std::string>& names, const std::string& prefix, int days,
                                         int64_t now_micros);

class Retention {
 public:
  Retention(http::Client& http, std::string index_prefix, int days)
      : http_(http), prefix_(std::move(index_prefix)), days_(days) {}
  // Lists the prefix's indices and deletes the expired ones; returns their names. An index already gone
  // (404) counts as deleted.
  Result<std::vector<std::string>> run_once(int64_t now_micros);

 private:
  http::Client& http_;
  std::string prefix_;
  int days_;
};

}  // namespace logpipe::indexer
