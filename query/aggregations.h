#pragma once
// The summary commands: `hist` (events over time), `top FIELD` (most frequent values) and `errors` (error
// groups by error.fingerprint). Each has a pure request builder (golden-tested), a response parser and a
// renderer; run.cc does the I/O. The filters are the same SearchOptions as a search.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "query/output.h"
#include "query/search_request.h"

namespace logpipe::query {

// hist: a fixed interval ("30s", "5m"). The automatic interval is chosen client-side from the span of the
// matching events (auto_date_histogram lives in a module the integ-test distribution lacks).
Result<std::string> build_hist_body(const SearchOptions& o, const std::string& interval);
Result<std::string> build_span_body(const SearchOptions& o);
// max - min @timestamp of the matching events in milliseconds (0 if none).
Result<int64_t> parse_span_millis(const std::string& body);
// The smallest round interval (1s, 5s, 10s, 30s, 1m, 5m, 10m, 30m, 1h, 3h, 6h, 12h, 1d, 7d) giving at most
// `buckets` buckets over `span_millis`.
std::string choose_interval(int64_t span_millis, int64_t buckets);
// top: the `size` most frequent values of `field` (a keyword field), with the total for percentages.
Result<std::string> build_top_body(const SearchOptions& o, const std::string& field, int64_t size);
// errors: the `size` largest groups by error.fingerprint, first/last seen and the newest example.
Result<std::string> build_errors_body(const SearchOptions& o, int64_t size);

struct Bucket {
  std::string key;          // time (RFC 3339, UTC) for hist, the value for top, the fingerprint for errors
  int64_t key_millis = 0;   // hist only
  int64_t count = 0;
  std::string first_seen, last_seen;  // errors only
  std::string example;                // errors only: the example event's _source as JSON
};

struct AggResult {
  int64_t total = 0;  // events matching the filters
  std::vector<Bucket> buckets;
  int64_t other = 0;  // top: events with a value not shown
  bool shards_matched_nothing = false;  // the index pattern matched no index
};

Result<AggResult> parse_hist(const std::string& body);
Result<AggResult> parse_top(const std::string& body);
Result<AggResult> parse_errors(const std::string& body);

// Pretty: a bar per bucket scaled to `width`; json/jsonl/csv/logfmt: one row per bucket.
std::string render_hist(const AggResult& r, const RenderOptions& o, int width = 50);
std::string render_top(const AggResult& r, const std::string& field, const RenderOptions& o);
std::string render_errors(const AggResult& r, const RenderOptions& o);

}  // namespace logpipe::query
