#include "query/es_search.h"

#include <simdjson.h>

#include <algorithm>

#include "common/json/json_writer.h"

namespace logpipe::query {
namespace {

constexpr const char* kIndexOptions = "ignore_unavailable=true&allow_no_indices=true";

// Reads _shards: how many were searched, and a warning when some failed (a 200 with partial results).
void read_shards(const std::string& body, SearchStats& stats) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t total = -1, failed = 0;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return;
  if (stats.shards < 0 && doc.at_pointer("/_shards/total").get(total) == simdjson::SUCCESS) stats.shards = total;
  if (doc.at_pointer("/_shards/failed").get(failed) == simdjson::SUCCESS && failed > 0 && stats.warning.empty()) {
    std::string_view reason;
    if (doc.at_pointer("/_shards/failures/0/reason/reason").get(reason) != simdjson::SUCCESS) reason = "unknown reason";
    stats.warning = std::to_string(failed) + " shard(s) failed, results are partial: " + std::string(reason);
  }
}

}  // namespace

std::string describe_http_error(int status, const std::string& body) {
  std::string what = "HTTP " + std::to_string(status);
  if (status == 401) what = "authentication failed (" + what + ")";
  if (status == 403) what = "not authorized (" + what + ")";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view type, reason;
  if (parser.parse(body).get(doc) == simdjson::SUCCESS) {
    if (doc.at_pointer("/error/type").get(type) == simdjson::SUCCESS) {
      what += ": " + std::string(type);
      // The root cause usually says more than the wrapper ("search_phase_execution_exception").
      if (doc.at_pointer("/error/root_cause/0/reason").get(reason) == simdjson::SUCCESS ||
          doc.at_pointer("/error/reason").get(reason) == simdjson::SUCCESS)
        what += ": " + std::string(reason);
      return what;
    }
  }
  std::string snippet = body.substr(0, 200);
  std::replace(snippet.begin(), snippet.end(), '\n', ' ');
  return snippet.empty() ? what : what + ": " + snippet;
}

std::string index_target(const std::string& index, const std::string& endpoint) {
  // Index names cannot contain characters that need escaping in a path, except the commas and '*' we allow.
  return "/" + index + "/" + endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") + kIndexOptions;
}

Result<std::string> Searcher::send(const std::string& method, const std::string& target, const std::string& body) {
  auto resp = client_.send({method, target, body, "application/json"});
  if (!resp) {
    std::string why = resp.error().message();
    if (why.find("certificate verify failed") != std::string::npos) why += " (trust its CA with --ca-cert FILE)";
    return Error("cannot reach Elasticsearch: " + why);
  }
  if (resp->status != 200) return Error(describe_http_error(resp->status, resp->body));
  return std::move(resp->body);
}

Result<std::string> Searcher::post(const std::string& endpoint, const std::string& body) {
  return send("POST", index_target(index_, endpoint), body);
}

Result<std::string> Searcher::open_pit() {
  auto id_in = [](const std::string& body, const char* field) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view id;
    if (parser.parse(body).get(doc) == simdjson::SUCCESS && doc[field].get(id) == simdjson::SUCCESS) return std::string(id);
    return std::string();
  };
  // An engine without the endpoint answers 400, 404 or 405; anything else (401, 5xx, unreachable) is a
  // real failure that the other form would hit too.
  auto missing_endpoint = [](const http::Response& r) { return r.status == 400 || r.status == 404 || r.status == 405; };
  std::string why;
  if (pit_api_ == PitApi::kUnknown || pit_api_ == PitApi::kElasticsearch) {
    auto r = client_.send({"POST", "/" + index_ + "/_pit?keep_alive=2m&" + kIndexOptions, "", "application/json"});
    if (!r) return Error(r.error().message());
    if (r->status == 200) {
      pit_api_ = PitApi::kElasticsearch;
      if (auto id = id_in(r->body, "id"); !id.empty()) return id;
      return Error("no id in the answer");
    }
    why = describe_http_error(r->status, r->body);
    if (!missing_endpoint(*r)) return Error(why);
  }
  if (pit_api_ == PitApi::kUnknown || pit_api_ == PitApi::kOpenSearch) {
    // OpenSearch 2 does not take ignore_unavailable/allow_no_indices here.
    auto r = client_.send({"POST", "/" + index_ + "/_search/point_in_time?keep_alive=2m", "", "application/json"});
    if (!r) return Error(r.error().message());
    if (r->status == 200) {
      pit_api_ = PitApi::kOpenSearch;
      if (auto id = id_in(r->body, "pit_id"); !id.empty()) return id;
      return Error("no pit_id in the answer");
    }
    why = describe_http_error(r->status, r->body);
    if (!missing_endpoint(*r)) return Error(why);
  }
  pit_api_ = PitApi::kNone;
  return Error(why.empty() ? "not supported by this cluster" : why);
}

void Searcher::close_pit(const std::string& id) {
  // Best effort: an unclosed PIT expires after its keep_alive anyway.
  std::string body;
  json::Writer w(body);
  if (pit_api_ == PitApi::kOpenSearch) {
    w.begin_object().key("pit_id").begin_array().string(id).end_array().end_object();
    (void)client_.send({"DELETE", "/_search/point_in_time", body, "application/json"});
  } else {
    w.begin_object().kv("id", id).end_object();
    (void)client_.send({"DELETE", "/_pit", body, "application/json"});
  }
}

Result<SearchStats> Searcher::search(const SearchOptions& o, const std::function<void(const Hit&)>& emit) {
  SearchStats stats;
  const bool asc = ascending(o);
  if (o.limit > 0 && o.limit <= kMaxWindow) {  // one request
    auto body = build_search_body(o);
    if (!body) return body.error();
    auto resp = post("_search", *body);
    if (!resp) return resp.error();
    auto hits = asc ? parse_hits_in_order(*resp) : parse_hits(*resp);
    if (!hits) return hits.error();
    read_shards(*resp, stats);
    for (const auto& h : *hits) emit(h);
    stats.events = static_cast<int64_t>(hits->size());
    if (!hits->empty()) stats.last_sort = asc ? hits->back().sort : hits->front().sort;
    return stats;
  }

  // Deep paging. The PIT pins the view, so events indexed meanwhile neither shift pages nor repeat.
  Page page;
  auto pit = open_pit();
  if (pit) {
    page.pit_id = *pit;
  } else {
    stats.warning = "point in time not available (" + pit.error().message() +
                    "): paging with search_after only; events tied on @timestamp and log.offset at a page boundary may repeat or be missed";
  }
  if (pit_api_ == PitApi::kOpenSearch) page.tiebreaker = "_id";
  stats.used_pit = !page.pit_id.empty();
  std::vector<Hit> held;  // newest-N beyond one window: collected, then printed oldest first
  Status failure;
  while (o.limit == 0 || stats.events + static_cast<int64_t>(held.size()) < o.limit) {
    const int64_t taken = stats.events + static_cast<int64_t>(held.size());
    page.size = o.limit == 0 ? page_size : std::min(page_size, o.limit - taken);
    auto body = build_search_body(o, page);
    if (!body) {
      failure = body.error();
      break;
    }
    // With a PIT the index comes from the PIT and must not be in the path.
    auto resp = page.pit_id.empty() ? post("_search", *body) : send("POST", "/_search", *body);
    if (!resp) {
      failure = resp.error();
      break;
    }
    read_shards(*resp, stats);
    auto hits = parse_hits_in_order(*resp);
    if (!hits) {
      failure = hits.error();
      break;
    }
    if (hits->empty()) break;
    for (auto& h : *hits) {
      if (asc) {
        emit(h);
        ++stats.events;
      } else {
        held.push_back(std::move(h));
      }
    }
    page.search_after = asc ? hits->back().sort : held.back().sort;
    // A PIT may come back with a new id; the newest one must be used.
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view id;
    if (!page.pit_id.empty() && parser.parse(*resp).get(doc) == simdjson::SUCCESS && doc["pit_id"].get(id) == simdjson::SUCCESS)
      page.pit_id = id;
    if (static_cast<int64_t>(hits->size()) < page.size) break;
  }
  if (!page.pit_id.empty()) close_pit(page.pit_id);
  if (!failure.ok()) return Error(failure.message());
  stats.last_sort = page.search_after;
  if (!asc) {
    std::reverse(held.begin(), held.end());
    for (const auto& h : held) emit(h);
    stats.events = static_cast<int64_t>(held.size());
  }
  return stats;
}

}  // namespace logpipe::query
