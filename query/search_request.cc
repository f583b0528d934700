#include "query/search_request.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "common/json/json_writer.h"

namespace logpipe::query {

Result<std::string> since_to_date_math(const std::string& since) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(since.data(), since.data() + since.size(), n);
  const std::string unit(p, since.data() + since.size());
  if (since.empty() || ec != std::errc() || n <= 0 || (unit != "s" && unit != "m" && unit != "h" && unit != "d"))
    return Error("bad --since '" + since + "': use a number with s, m, h or d (e.g. 15m)");
  return "now-" + std::to_string(n) + unit;
}

Result<std::string> build_search_body(const SearchOptions& o) {
  auto since = since_to_date_math(o.since);
  if (!since) return Error(since.error().message());
  std::string body;
  json::Writer w(body);
  w.begin_object();
  w.kv("size", o.limit);
  w.key("sort").begin_array();
  w.begin_object().key("@timestamp").begin_object().kv("order", "desc").end_object().end_object();
  // Lines read in one batch share a read time; the file offset keeps them in file order.
  w.begin_object().key("log.offset").begin_object().kv("order", "desc").kv("unmapped_type", "long").end_object().end_object();
  w.end_array();
  w.key("query").begin_object().key("bool").begin_object();
  w.key("filter").begin_array();
  auto terms = [&](const char* field, const std::vector<std::string>& values) {
    if (values.empty()) return;
    w.begin_object().key("terms").begin_object().key(field).begin_array();
    for (const auto& v : values) w.string(v);
    w.end_array().end_object().end_object();
  };
  terms("host.name", o.hosts);
  terms("service.name", o.services);
  w.begin_object().key("range").begin_object().key("@timestamp").begin_object().kv("gte", *since).end_object().end_object().end_object();
  w.end_array();
  if (!o.text.empty()) {
    w.key("must").begin_array();
    w.begin_object().key("match").begin_object().key("message").begin_object().kv("query", o.text).kv("operator", "and").end_object().end_object().end_object();
    w.end_array();
  }
  w.end_object().end_object();
  w.end_object();
  return body;
}

Result<std::vector<Hit>> parse_hits(const std::string& body) {
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
    hit.source = simdjson::to_string(src);
    out.push_back(std::move(hit));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace logpipe::query
