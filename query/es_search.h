#pragma once
// Runs searches against Elasticsearch or OpenSearch through an http::Client: one request for up to 10,000
// events, else deep paging with search_after under a point in time (PIT) so each event comes back exactly
// once even while new events are indexed. The two engines open PITs differently (Elasticsearch 8:
// POST <index>/_pit; OpenSearch 2: POST <index>/_search/point_in_time); the Searcher tries the first and, if
// the cluster has no such endpoint, the second, and remembers which one worked (probing the capability,
// not the product name). If neither opens, it falls back to search_after without a PIT and says so on
// stderr: then events sharing the same @timestamp and log.offset across a page boundary could be skipped
// or repeated.
// Threading: not thread-safe (uses the client's single connection). Lifetime: borrows the client.

#include <functional>
#include <string>
#include <vector>

#include "common/http/http_client.h"
#include "common/result.h"
#include "query/search_request.h"

namespace logpipe::query {

// One line for an HTTP error answer: "HTTP 404: index_not_found_exception: no such index [x]";
// 401 = "authentication failed (HTTP 401): ...", 403 = "not authorized (HTTP 403): ...".
std::string describe_http_error(int status, const std::string& body);

// The path of a request on the index pattern, e.g. "/logs-*/_search?ignore_unavailable=true&...".
std::string index_target(const std::string& index, const std::string& endpoint);

// How this cluster opens and closes a point in time.
enum class PitApi { kUnknown, kElasticsearch, kOpenSearch, kNone };

struct SearchStats {
  int64_t events = 0;
  int64_t shards = -1;      // shards searched (0 = the index pattern matched nothing); -1 unknown
  bool used_pit = false;
  std::string last_sort;    // sort values of the last event read (in reading order), for the cursor
  std::string warning;      // something the user should know (e.g. PIT fallback)
};

class Searcher {
 public:
  Searcher(http::Client& client, std::string index) : client_(client), index_(std::move(index)) {}

  // Calls `emit` with hits in print order (oldest first), page by page.
  Result<SearchStats> search(const SearchOptions& options, const std::function<void(const Hit&)>& emit);

  // POST <index>/<endpoint> with a JSON body; non-200 answers are errors (described), the body otherwise.
  Result<std::string> post(const std::string& endpoint, const std::string& body);

  static constexpr int64_t kMaxWindow = 10000;  // index.max_result_window default
  int64_t page_size = 1000;
  PitApi pit_api() const { return pit_api_; }

 private:
  Result<std::string> send(const std::string& method, const std::string& target, const std::string& body);
  // Opens a PIT on the index pattern: its id, or an error saying why not.
  Result<std::string> open_pit();
  void close_pit(const std::string& id);

  http::Client& client_;
  std::string index_;
  PitApi pit_api_ = PitApi::kUnknown;
};

}  // namespace logpipe::query
