#pragma once
// Builds the Elasticsearch query DSL from the CLI's filters and parses search responses. Always structural
// JSON: user text goes into JSON strings through the escaping writer, never into a query string, so there is
// no injection. (The one exception is --query-string, the documented escape hatch: its text is handed to
// Elasticsearch's query_string parser on purpose, still as a JSON string.)

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "query/filters.h"
#include "query/time_expr.h"

namespace logpipe::query {

struct SearchOptions {
  std::vector<std::string> hosts;     // host.name, any of; globs ('*', '?') become wildcard queries
  std::vector<std::string> services;  // service.name, any of; globs as for hosts
  std::string text;                   // full-text match on message (all words)
  std::string since = "1h";           // relative window: s/m/h/d (ignored when `from` is set)
  std::string from;                   // parsed time point (see time_expr.h), inclusive; empty = now-<since>
  std::string to;                     // parsed time point, exclusive; empty = no upper bound
  std::vector<std::string> levels;    // log.level spellings to match (parse_levels); empty = any
  std::string trace_id;               // trace.id
  std::vector<FieldFilter> fields;    // --field
  std::string query_string;           // raw Lucene query_string (escape hatch)
  int64_t limit = 100;                // 0 = all (paged)
  bool oldest_first = false;          // take the oldest `limit` events of the window instead of the newest
  std::string resume_after;           // from --cursor: "<@timestamp sort value>,<log.offset sort value>";
                                      // continue strictly after that position in the reading direction
};

// The cursor printed after a search cut by -n: 'a' (oldest first) or 'd' (newest first), then the
// @timestamp and log.offset sort values of the last event read, e.g. "a1709633472000000000_300".
std::string make_cursor(bool ascending, const std::string& sort_json);
// Applies a cursor to `o`: sets resume_after and the reading direction. Errors name the bad cursor.
Status apply_cursor(const std::string& cursor, SearchOptions& o);

// True when the search walks the window from its start (ascending): --oldest-first, --trace, or -n 0.
bool ascending(const SearchOptions& o);

// Paging state added to a request: a point in time and where the previous page ended.
struct Page {
  std::string pit_id;        // empty: search the index directly
  std::string search_after;  // the previous page's last "sort" array as JSON; empty: first page
  int64_t size = -1;         // page size; -1: the limit
  // The unique last sort key under a PIT: Elasticsearch's "_shard_doc" (shard and Lucene doc id), or "_id"
  // on OpenSearch 2, which has no _shard_doc and adds no implicit tiebreaker.
  std::string tiebreaker = "_shard_doc";
};

Result<std::string> build_search_body(const SearchOptions& options, const Page& page = {});

// A follow-mode poll: the same filters, but by ingestion time (event.ingested >= ingested_from), oldest
// ingested first, so late events (an old @timestamp, indexed now) are seen too.
std::string build_follow_body(const SearchOptions& options, const std::string& ingested_from, int64_t size);

struct Hit {
  std::string timestamp;
  std::string host;
  std::string service;
  std::string level;
  std::string message;
  std::string source;  // the whole _source as JSON
  std::string id{};    // _id
  std::string sort{};  // the hit's "sort" values as JSON (for search_after)
};

// Parses a search response's hits in response order.
Result<std::vector<Hit>> parse_hits_in_order(const std::string& body);
// Parses a search response; hits come back newest first and are returned newest LAST (like tail).
Result<std::vector<Hit>> parse_hits(const std::string& body);

}  // namespace logpipe::query
