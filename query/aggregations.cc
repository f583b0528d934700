#include "query/aggregations.h"

#include <optional>

#include <simdjson.h>

#include <algorithm>
#include <cstdio>

#include "common/json/json_writer.h"
#include "common/time_util.h"

namespace logpipe::query {
namespace {

// A body with size 0, the filters of `o` and `aggs` (already serialized JSON).
Result<std::string> agg_body(const SearchOptions& o, const std::string& aggs) {
  SearchOptions unsorted = o;
  auto search = build_search_body(unsorted, Page{"", "", 0});
  if (!search) return search;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(*search).get(doc) != simdjson::SUCCESS) return Error("internal: bad search body");
  std::string body;
  json::Writer w(body);
  w.begin_object().kv("size", int64_t{0}).key("track_total_hits").boolean(true);
  w.key("query").raw(simdjson::to_string(doc["query"]));
  w.key("aggs").raw(aggs);
  w.end_object();
  return body;
}

// One row of a table output: (column, value, value is a number).
struct Cell {
  std::string column, value;
  bool number = false;
};
using Row = std::vector<Cell>;

std::string csv_cell(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string logfmt_cell(const std::string& v) {
  if (!v.empty() && v.find_first_of(" =\"\\\n\r\t") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

// json (one array), jsonl, csv or logfmt rendering of rows; empty string for pretty/raw.
std::string render_rows(const std::vector<Row>& rows, const std::vector<std::string>& columns, Format f) {
  std::string out;
  auto object = [](const Row& row) {
    std::string o;
    json::Writer w(o);
    w.begin_object();
    for (const auto& c : row) {
      w.key(c.column);
      if (c.number) w.raw(c.value);
      else if (c.column == "example" && !c.value.empty()) w.raw(c.value);
      else w.string(c.value);
    }
    w.end_object();
    return o;
  };
  switch (f) {
    case Format::kJson:
      out = "[";
      for (size_t i = 0; i < rows.size(); ++i) out += (i ? ",\n" : "\n") + object(rows[i]);
      return out + (rows.empty() ? "]\n" : "\n]\n");
    case Format::kJsonl:
      for (const auto& r : rows) out += object(r) + "\n";
      return out;
    case Format::kCsv:
      for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_cell(columns[i]);
      out += "\n";
      for (const auto& r : rows) {
        for (size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + csv_cell(r[i].value);
        out += "\n";
      }
      return out;
    case Format::kLogfmt:
      for (const auto& r : rows) {
        for (size_t i = 0; i < r.size(); ++i) out += (i ? " " : "") + r[i].column + "=" + logfmt_cell(r[i].value);
        out += "\n";
      }
      return out;
    case Format::kPretty:
    case Format::kRaw:
      break;
  }
  return out;
}

std::string display_time(const std::string& rfc3339, const RenderOptions& o) {
  if (o.zone == Zone::kUtc) return rfc3339;
  auto micros = parse_rfc3339_micros(rfc3339);
  return micros ? format_local_millis(*micros) : rfc3339;
}

Result<simdjson::dom::element> parse_doc(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return Error("search response is not JSON");
  return doc;
}

int64_t total_of(simdjson::dom::element doc) {
  int64_t total = 0;
  if (doc.at_pointer("/hits/total/value").get(total) != simdjson::SUCCESS) total = 0;
  return total;
}

bool no_shards(simdjson::dom::element doc) {
  int64_t shards = -1;
  return doc.at_pointer("/_shards/total").get(shards) == simdjson::SUCCESS && shards == 0;
}

}  // namespace

Result<std::string> build_hist_body(const SearchOptions& o, const std::string& interval) {
  std::string aggs;
  json::Writer w(aggs);
  w.begin_object().key("hist").begin_object();
  w.key("date_histogram").begin_object().kv("field", "@timestamp").kv("fixed_interval", interval).kv("min_doc_count", int64_t{0}).end_object();
  w.end_object().end_object();
  return agg_body(o, aggs);
}

Result<std::string> build_span_body(const SearchOptions& o) {
  return agg_body(o, R"({"first":{"min":{"field":"@timestamp"}},"last":{"max":{"field":"@timestamp"}}})");
}

Result<int64_t> parse_span_millis(const std::string& body) {
  simdjson::dom::parser parser;
  auto doc = parse_doc(parser, body);
  if (!doc) return doc.error();
  double first = 0, last = 0;
  if (doc->at_pointer("/aggregations/first/value").get(first) != simdjson::SUCCESS ||
      doc->at_pointer("/aggregations/last/value").get(last) != simdjson::SUCCESS)
    return int64_t{0};  // null: no events
  return static_cast<int64_t>(last - first);
}

std::string choose_interval(int64_t span_millis, int64_t buckets) {
  static const std::vector<std::pair<int64_t, const char*>> kSteps = {
      {1'000, "1s"},       {5'000, "5s"},       {10'000, "10s"},      {30'000, "30s"},     {60'000, "1m"},
      {300'000, "5m"},     {600'000, "10m"},    {1'800'000, "30m"},   {3'600'000, "1h"},   {10'800'000, "3h"},
      {21'600'000, "6h"},  {43'200'000, "12h"}, {86'400'000, "1d"},   {604'800'000, "7d"}};
  if (buckets < 1) buckets = 1;
  for (const auto& [millis, name] : kSteps)
    if (span_millis / millis < buckets) return name;
  return kSteps.back().second;
}

Result<std::string> build_top_body(const SearchOptions& o, const std::string& field, int64_t size) {
  std::string aggs;
  json::Writer w(aggs);
  w.begin_object().key("top").begin_object().key("terms").begin_object().kv("field", field).kv("size", size).end_object().end_object().end_object();
  return agg_body(o, aggs);
}

Result<std::string> build_errors_body(const SearchOptions& o, int64_t size) {
  std::string aggs;
  json::Writer w(aggs);
  w.begin_object().key("errors").begin_object();
  w.key("terms").begin_object().kv("field", "error.fingerprint").kv("size", size).end_object();
  w.key("aggs").begin_object();
  w.key("first_seen").begin_object().key("min").begin_object().kv("field", "@timestamp").end_object().end_object();
  w.key("last_seen").begin_object().key("max").begin_object().kv("field", "@timestamp").end_object().end_object();
  w.key("example").begin_object().key("top_hits").begin_object().kv("size", int64_t{1});
  w.key("sort").begin_array().begin_object().key("@timestamp").begin_object().kv("order", "desc").end_object().end_object().end_array();
  w.end_object().end_object();
  w.end_object();
  w.end_object().end_object();
  return agg_body(o, aggs);
}

// The start every aggregation response shares: the hit total and the buckets at `pointer`. No buckets and
// no shards means the index pattern matched nothing: a result with shards_matched_nothing, not an error.
struct BucketsOf {
  AggResult result;
  simdjson::dom::element doc;
  std::optional<simdjson::dom::array> buckets;
};

Result<BucketsOf> read_buckets(simdjson::dom::parser& parser, const std::string& body, const char* pointer,
                               const char* missing) {
  auto doc = parse_doc(parser, body);
  if (!doc) return doc.error();
  BucketsOf b;
  b.doc = *doc;
  b.result.total = total_of(*doc);
  simdjson::dom::array buckets;
  if (doc->at_pointer(pointer).get(buckets) == simdjson::SUCCESS) {
    b.buckets = buckets;
  } else {
    b.result.shards_matched_nothing = no_shards(*doc);
    if (!b.result.shards_matched_nothing) return Error(std::string("search response has no ") + missing);
  }
  return b;
}

Result<AggResult> parse_hist(const std::string& body) {
  simdjson::dom::parser parser;
  auto read = read_buckets(parser, body, "/aggregations/hist/buckets", "histogram");
  if (!read) return read.error();
  AggResult& r = read->result;
  if (!read->buckets) return r;
  const simdjson::dom::array buckets = *read->buckets;
  for (simdjson::dom::element b : buckets) {
    Bucket out;
    int64_t key = 0;
    if (b["key"].get(key) != simdjson::SUCCESS || b["doc_count"].get(out.count) != simdjson::SUCCESS) continue;
    out.key_millis = key;
    out.key = format_rfc3339_millis(key * 1000);
    r.buckets.push_back(std::move(out));
  }
  return r;
}

Result<AggResult> parse_top(const std::string& body) {
  simdjson::dom::parser parser;
  auto read = read_buckets(parser, body, "/aggregations/top/buckets", "terms");
  if (!read) return read.error();
  AggResult& r = read->result;
  if (!read->buckets) return r;
  const simdjson::dom::array buckets = *read->buckets;
  if (read->doc.at_pointer("/aggregations/top/sum_other_doc_count").get(r.other) != simdjson::SUCCESS) r.other = 0;
  for (simdjson::dom::element b : buckets) {
    Bucket out;
    std::string_view s;
    if (b["key_as_string"].get(s) == simdjson::SUCCESS || b["key"].get(s) == simdjson::SUCCESS) out.key = s;
    else out.key = simdjson::to_string(b["key"]);
    if (b["doc_count"].get(out.count) != simdjson::SUCCESS) continue;
    r.buckets.push_back(std::move(out));
  }
  return r;
}

Result<AggResult> parse_errors(const std::string& body) {
  simdjson::dom::parser parser;
  auto read = read_buckets(parser, body, "/aggregations/errors/buckets", "error groups");
  if (!read) return read.error();
  AggResult& r = read->result;
  if (!read->buckets) return r;
  const simdjson::dom::array buckets = *read->buckets;
  for (simdjson::dom::element b : buckets) {
    Bucket out;
    std::string_view s;
    if (b["key"].get(s) != simdjson::SUCCESS || b["doc_count"].get(out.count) != simdjson::SUCCESS) continue;
    out.key = s;
    if (b.at_pointer("/first_seen/value_as_string").get(s) == simdjson::SUCCESS) out.first_seen = s;
    if (b.at_pointer("/last_seen/value_as_string").get(s) == simdjson::SUCCESS) out.last_seen = s;
    simdjson::dom::element src;
    if (b.at_pointer("/example/hits/hits/0/_source").get(src) == simdjson::SUCCESS) out.example = simdjson::to_string(src);
    r.buckets.push_back(std::move(out));
  }
  return r;
}

std::string render_hist(const AggResult& r, const RenderOptions& o, int width) {
  std::vector<Row> rows;
  for (const auto& b : r.buckets) rows.push_back({{"time", display_time(b.key, o), false}, {"count", std::to_string(b.count), true}});
  if (o.format != Format::kPretty && o.format != Format::kRaw) return render_rows(rows, {"time", "count"}, o.format);
  int64_t max = 1;
  for (const auto& b : r.buckets) max = std::max(max, b.count);
  std::string out;
  for (const auto& b : r.buckets) {
    const int64_t len = b.count == 0 ? 0 : std::max<int64_t>(1, b.count * width / max);
    std::string bar;
    for (int64_t i = 0; i < len; ++i) bar += "\u2588";
    if (o.color && !bar.empty()) bar = "\x1b[36m" + bar + "\x1b[0m";
    char count[32];
    std::snprintf(count, sizeof count, "%8lld ", static_cast<long long>(b.count));
    out += display_time(b.key, o) + " " + count + bar + "\n";
  }
  return out;
}

std::string render_top(const AggResult& r, const std::string& field, const RenderOptions& o) {
  std::vector<Row> rows;
  for (const auto& b : r.buckets) rows.push_back({{field, b.key, false}, {"count", std::to_string(b.count), true}});
  if (o.format != Format::kPretty && o.format != Format::kRaw) return render_rows(rows, {field, "count"}, o.format);
  std::string out;
  for (const auto& b : r.buckets) {
    char line[64];
    const double pct = r.total > 0 ? 100.0 * static_cast<double>(b.count) / static_cast<double>(r.total) : 0.0;
    std::snprintf(line, sizeof line, "%8lld %5.1f%%  ", static_cast<long long>(b.count), pct);
    out += line + b.key + "\n";
  }
  if (r.other > 0) {
    char line[64];
    std::snprintf(line, sizeof line, "%8lld         (other values)\n", static_cast<long long>(r.other));
    out += line;
  }
  return out;
}

std::string render_errors(const AggResult& r, const RenderOptions& o) {
  std::vector<Row> rows;
  for (const auto& b : r.buckets)
    rows.push_back({{"fingerprint", b.key, false}, {"count", std::to_string(b.count), true}, {"first_seen", b.first_seen, false},
                    {"last_seen", b.last_seen, false}, {"example", b.example, false}});
  if (o.format != Format::kPretty && o.format != Format::kRaw)
    return render_rows(rows, {"fingerprint", "count", "first_seen", "last_seen", "example"}, o.format);
  std::string out;
  for (const auto& b : r.buckets) {
    const std::string type = field_value(b.example, "error.type");
    std::string message = field_value(b.example, "error.message");
    if (message.empty()) message = field_value(b.example, "message");
    const std::string head = std::to_string(b.count) + " x " + b.key;
    out += (o.color ? "\x1b[1;31m" + head + "\x1b[0m" : head) + "  " + (type.empty() ? "" : type + ": ") + message + "\n";
    out += "  first " + display_time(b.first_seen, o) + "  last " + display_time(b.last_seen, o) + "  " +
           field_value(b.example, "service.name") + " on " + field_value(b.example, "host.name") + "\n";
    const std::string stack = field_value(b.example, "error.stack_trace");
    size_t start = 0;
    while (start < stack.size()) {
      size_t nl = stack.find('\n', start);
      if (nl == std::string::npos) nl = stack.size();
      out += "    " + stack.substr(start, nl - start) + "\n";
      start = nl + 1;
    }
  }
  return out;
}

}  // namespace logpipe::query
