#include "query/search_request.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "common/json/json_writer.h"

namespace logpipe::query {
namespace {

// Any of `values` in `field`: one terms query for the exact values and a wildcard query per glob.
void any_of(json::Writer& w, const char* field, const std::vector<std::string>& values) {
  if (values.empty()) return;
  std::vector<std::string> exact, globs;
  for (const auto& v : values) (is_glob(v) ? globs : exact).push_back(v);
  auto terms = [&] {
    w.begin_object().key("terms").begin_object().key(field).begin_array();
    for (const auto& v : exact) w.string(v);
    w.end_array().end_object().end_object();
  };
  if (globs.empty()) {
    terms();
    return;
  }
  w.begin_object().key("bool").begin_object().key("should").begin_array();
  if (!exact.empty()) terms();
  for (const auto& g : globs)
    w.begin_object().key("wildcard").begin_object().key(field).begin_object().kv("value", g).end_object().end_object().end_object();
  w.end_array().kv("minimum_should_match", int64_t{1}).end_object().end_object();
}

void term(json::Writer& w, const std::string& field, const std::string& value) {
  w.begin_object().key("term").begin_object().key(field).begin_object().kv("value", value).end_object().end_object().end_object();
}

// The "query" member: the filters of `o` and a range on `range_field` [gte, lt).
void write_query(json::Writer& w, const SearchOptions& o, const char* range_field, const std::string& gte,
                 const std::string& lt) {
  w.key("query").begin_object().key("bool").begin_object();
  w.key("filter").begin_array();
  any_of(w, "host.name", o.hosts);
  any_of(w, "service.name", o.services);
  if (!o.levels.empty()) {
    w.begin_object().key("terms").begin_object().key("log.level").begin_array();
    for (const auto& l : o.levels) w.string(l);
    w.end_array().end_object().end_object();
  }
  if (!o.trace_id.empty()) term(w, "trace.id", o.trace_id);
  for (const auto& f : o.fields) {
    if (f.op == FieldFilter::Op::kEq) term(w, f.field, f.value);
    if (f.op == FieldFilter::Op::kRegex)
      w.begin_object().key("regexp").begin_object().key(f.field).begin_object().kv("value", f.value).end_object().end_object().end_object();
  }
  w.begin_object().key("range").begin_object().key(range_field).begin_object().kv("gte", gte);
  if (!lt.empty()) w.kv("lt", lt);
  w.end_object().end_object().end_object();
  w.end_array();
  if (!o.text.empty() || !o.query_string.empty()) {
    w.key("must").begin_array();
    if (!o.text.empty())
      w.begin_object().key("match").begin_object().key("message").begin_object().kv("query", o.text).kv("operator", "and").end_object().end_object().end_object();
    if (!o.query_string.empty())
      w.begin_object().key("query_string").begin_object().kv("query", o.query_string).kv("default_field", "message").end_object().end_object();
    w.end_array();
  }
  const bool any_not = std::any_of(o.fields.begin(), o.fields.end(), [](const FieldFilter& f) { return f.op == FieldFilter::Op::kNe; });
  if (any_not) {
    w.key("must_not").begin_array();
    for (const auto& f : o.fields)
      if (f.op == FieldFilter::Op::kNe) term(w, f.field, f.value);
    w.end_array();
  }
  w.end_object().end_object();
}

}  // namespace

bool ascending(const SearchOptions& o) { return o.oldest_first || !o.trace_id.empty() || o.limit == 0; }

Result<std::string> build_search_body(const SearchOptions& o, const Page& page) {
  std::string from = o.from;
  if (from.empty()) {
    auto since = since_to_date_math(o.since);
    if (!since) return Error(since.error().message());
    from = *since;
  }
  const char* order = ascending(o) ? "asc" : "desc";
  std::string body;
  json::Writer w(body);
  w.begin_object();
  w.kv("size", page.size >= 0 ? page.size : o.limit);
  w.key("sort").begin_array();
  w.begin_object().key("@timestamp").begin_object().kv("order", order).end_object().end_object();
  // Lines read in one batch share a read time; the file offset keeps them in file order.
  w.begin_object().key("log.offset").begin_object().kv("order", order).kv("unmapped_type", "long").end_object().end_object();
  // Under a point in time, a unique tiebreaker makes search_after exact (each event once).
  if (!page.pit_id.empty())
    w.begin_object().key(page.tiebreaker).begin_object().kv("order", order).end_object().end_object();
  w.end_array();
  if (!page.pit_id.empty()) w.key("pit").begin_object().kv("id", page.pit_id).kv("keep_alive", "2m").end_object();
  if (!page.search_after.empty()) {
    w.key("search_after").raw(page.search_after);
  } else if (!o.resume_after.empty()) {
    // Under a PIT the sort has the tiebreaker too: its extreme value skips every event tied with the cursor
    // (_shard_doc is a long; _id a string, and document ids are ASCII, below U+FFFF).
    const bool by_id = page.tiebreaker == "_id";
    const char* skip_ties = ascending(o) ? (by_id ? ",\"\\uffff\"" : ",9223372036854775807") : (by_id ? ",\"\"" : ",-1");
    w.key("search_after").raw("[" + o.resume_after + (page.pit_id.empty() ? "" : skip_ties) + "]");
  }
  write_query(w, o, "@timestamp", from, o.to);
  w.end_object();
  return body;
}

std::string build_follow_body(const SearchOptions& o, const std::string& ingested_from, int64_t size) {
  std::string body;
  json::Writer w(body);
  w.begin_object();
  w.kv("size", size);
  w.key("sort").begin_array();
  w.begin_object().key("event.ingested").begin_object().kv("order", "asc").kv("unmapped_type", "date").end_object().end_object();
  w.begin_object().key("@timestamp").begin_object().kv("order", "asc").end_object().end_object();
  w.begin_object().key("log.offset").begin_object().kv("order", "asc").kv("unmapped_type", "long").end_object().end_object();
  w.end_array();
  write_query(w, o, "event.ingested", ingested_from, "");
  w.end_object();
  return body;
}

std::string make_cursor(bool asc, const std::string& sort_json) {
  simdjson::dom::parser parser;
  simdjson::dom::array sort;
  int64_t ts = 0, offset = 0;
  if (parser.parse(sort_json).get(sort) != simdjson::SUCCESS || sort.size() < 2 || sort.at(0).get(ts) != simdjson::SUCCESS ||
      sort.at(1).get(offset) != simdjson::SUCCESS)
    return "";
  return std::string(asc ? "a" : "d") + std::to_string(ts) + "_" + std::to_string(offset);
}

Status apply_cursor(const std::string& cursor, SearchOptions& o) {
  const Error bad("bad --cursor '" + cursor + "': use the value printed after a search cut by -n");
  const size_t sep = cursor.find('_');
  if (cursor.size() < 4 || (cursor[0] != 'a' && cursor[0] != 'd') || sep == std::string::npos) return bad;
  int64_t ts = 0, offset = 0;
  const char* end = cursor.data() + cursor.size();
  auto r1 = std::from_chars(cursor.data() + 1, cursor.data() + sep, ts);
  auto r2 = std::from_chars(cursor.data() + sep + 1, end, offset);
  if (r1.ec != std::errc() || r1.ptr != cursor.data() + sep || r2.ec != std::errc() || r2.ptr != end) return bad;
  if (cursor[0] == 'a') o.oldest_first = true;
  if (cursor[0] == 'd' && ascending(o)) return Error("--cursor '" + cursor + "' continues a newest-first search: drop --oldest-first, --trace and -n 0");
  o.resume_after = std::to_string(ts) + "," + std::to_string(offset);
  return Status::Ok();
}

Result<std::vector<Hit>> parse_hits_in_order(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return Error("search response is not JSON");
  simdjson::dom::array hits;
  if (doc["hits"]["hits"].get(hits) != simdjson::SUCCESS) return Error("search response has no hits");
  std::vector<Hit> out;
  for (simdjson::dom::element h : hits) {
    simdjson::dom::element src;
    if (h["_source"].get(src) != simdjson::SUCCESS) continue;
    Hit hit;
    std::string_view s;
    if (src["@timestamp"].get(s) == simdjson::SUCCESS) hit.timestamp = s;
    if (src.at_pointer("/host/name").get(s) == simdjson::SUCCESS) hit.host = s;
    if (src.at_pointer("/service/name").get(s) == simdjson::SUCCESS) hit.service = s;
    if (src.at_pointer("/log/level").get(s) == simdjson::SUCCESS) hit.level = s;
    if (src["message"].get(s) == simdjson::SUCCESS) hit.message = s;
    if (h["_id"].get(s) == simdjson::SUCCESS) hit.id = s;
    simdjson::dom::array sort;
    if (h["sort"].get(sort) == simdjson::SUCCESS) hit.sort = simdjson::to_string(sort);
    hit.source = simdjson::to_string(src);
    out.push_back(std::move(hit));
  }
  return out;
}

Result<std::vector<Hit>> parse_hits(const std::string& body) {
  auto out = parse_hits_in_order(body);
  if (out) std::reverse(out->begin(), out->end());
  return out;
}

}  // namespace logpipe::query
