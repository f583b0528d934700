#include "query/run.h"

#include <simdjson.h>

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/time_util.h"
#include "query/aggregations.h"
#include "query/es_search.h"

namespace logpipe::query {
namespace {

void report_stats(const Command& c, const SearchStats& stats, std::ostream& err) {
  if (c.quiet) return;
  if (!stats.warning.empty()) err << "logpipe-query: " << stats.warning << "\n";
  if (stats.shards == 0) err << "logpipe-query: no index matches '" << c.index << "'\n";
  err << stats.events << " event(s)";
  // Cut by -n: say how to continue.
  if (c.search.limit > 0 && stats.events == c.search.limit && !stats.last_sort.empty()) {
    const std::string cursor = make_cursor(ascending(c.search), stats.last_sort);
    if (!cursor.empty()) err << "; continue with --cursor " << cursor;
  }
  err << "\n";
}

int64_t ingested_micros(const Hit& h) {
  bool found = false;
  const std::string v = field_value(h.source, "event.ingested", &found);
  if (!found) return -1;
  auto micros = parse_rfc3339_micros(v);
  return micros ? *micros : -1;
}

// The first two sort values (@timestamp, log.offset) of a hit: where its neighbours start.
std::string position_of(const Hit& h) {
  simdjson::dom::parser parser;
  simdjson::dom::array sort;
  if (parser.parse(h.sort).get(sort) != simdjson::SUCCESS || sort.size() < 2) return "";
  return "[" + simdjson::to_string(sort.at(0)) + "," + simdjson::to_string(sort.at(1)) + "]";
}

// Up to `n` neighbours of `hit` on one side, in time order.
Result<std::vector<Hit>> neighbours(Searcher& searcher, const Command& c, const Hit& hit, int64_t n, bool after) {
  std::vector<Hit> out;
  const std::string position = position_of(hit);
  if (n <= 0 || position.empty()) return out;
  SearchOptions o;
  if (c.context_same_host && !hit.host.empty()) o.hosts = {hit.host};
  if (c.context_same_service && !hit.service.empty()) o.services = {hit.service};
  o.from = "1970-01-01T00:00:00.000000Z";  // neighbours are not bound to the search window
  o.limit = n;
  o.oldest_first = after;
  auto body = build_search_body(o, Page{"", position, n});
  if (!body) return body.error();
  auto resp = searcher.post("_search", *body);
  if (!resp) return resp.error();
  return after ? parse_hits_in_order(*resp) : parse_hits(*resp);
}

int run_with_context(const Command& c, http::Client& client, std::ostream& out, std::ostream& err) {
  Searcher searcher(client, c.index);
  std::vector<Hit> hits;
  auto stats = searcher.search(c.search, [&](const Hit& h) { hits.push_back(h); });
  if (!stats) {
    err << "logpipe-query: " << stats.error().message() << " (" << c.url << ")\n";
    return 2;
  }
  Printer printer(c.render);
  const bool separators = c.render.format == Format::kPretty || c.render.format == Format::kRaw;
  std::unordered_set<std::string> printed;
  out << printer.begin();
  bool first_group = true;
  for (const auto& hit : hits) {
    auto before = neighbours(searcher, c, hit, c.context_before, false);
    auto after = before ? neighbours(searcher, c, hit, c.context_after, true) : before;
    if (!before || !after) {
      out << printer.end();
      out.flush();
      err << "logpipe-query: " << (before ? after : before).error().message() << " (" << c.url << ")\n";
      return 2;
    }
    // Overlapping with what is printed already (a neighbour of the previous hit): one group, no separator.
    const bool joined = printed.count(hit.id) != 0 ||
                        std::any_of(before->begin(), before->end(), [&](const Hit& h) { return printed.count(h.id) != 0; });
    if (separators && !first_group && !joined) out << "--\n";
    first_group = false;
    auto print = [&](const Hit& h) {
      if (printed.insert(h.id).second) out << printer.add(h);
    };
    for (const auto& h : *before) print(h);
    print(hit);
    for (const auto& h : *after) print(h);
  }
  out << printer.end();
  out.flush();
  report_stats(c, *stats, err);
  return stats->events > 0 ? 0 : 1;
}

}  // namespace

int run_aggregation(const Command& c, http::Client& client, std::ostream& out, std::ostream& err) {
  Searcher searcher(client, c.index);
  std::string interval = c.interval;
  if (c.kind == Kind::kHist && interval.empty()) {  // auto_date_histogram is a module not every cluster has
    auto span = searcher.post("_search", build_span_body(c.search).value());
    auto millis = span ? parse_span_millis(*span) : Result<int64_t>(span.error());
    if (!millis) {
      err << "logpipe-query: " << millis.error().message() << " (" << c.url << ")\n";
      return 2;
    }
    interval = choose_interval(*millis, c.buckets);
  }
  Result<std::string> body = c.kind == Kind::kHist  ? build_hist_body(c.search, interval)
                             : c.kind == Kind::kTop ? build_top_body(c.search, c.top_field, c.agg_size)
                                                    : build_errors_body(c.search, c.agg_size);
  if (!body) {
    err << "logpipe-query: " << body.error().message() << "\n";
    return 2;
  }
  auto resp = searcher.post("_search", *body);
  if (!resp) {
    err << "logpipe-query: " << resp.error().message() << " (" << c.url << ")\n";
    return 2;
  }
  auto result = c.kind == Kind::kHist ? parse_hist(*resp) : c.kind == Kind::kTop ? parse_top(*resp) : parse_errors(*resp);
  if (!result) {
    err << "logpipe-query: " << result.error().message() << "\n";
    return 2;
  }
  if (c.kind == Kind::kHist) out << render_hist(*result, c.render);
  if (c.kind == Kind::kTop) out << render_top(*result, c.top_field, c.render);
  if (c.kind == Kind::kErrors) out << render_errors(*result, c.render);
  out.flush();
  if (!c.quiet) {
    if (result->shards_matched_nothing) err << "logpipe-query: no index matches '" << c.index << "'\n";
    if (c.kind == Kind::kErrors && result->buckets.empty() && result->total > 0)
      err << "logpipe-query: none of the " << result->total << " matching event(s) has error.fingerprint\n";
    err << result->total << " event(s)";
    if (c.kind == Kind::kHist) err << ", interval " << interval;
    if (c.kind != Kind::kHist) err << ", " << result->buckets.size() << (c.kind == Kind::kTop ? " value(s)" : " group(s)");
    err << "\n";
  }
  const bool any = std::any_of(result->buckets.begin(), result->buckets.end(), [](const Bucket& b) { return b.count > 0; });
  return any ? 0 : 1;
}

int print_request(const Command& c, std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& why) {
    err << "logpipe-query: --print-request: " << why << "\n";
    return 2;
  };
  Result<std::string> body = Error("");
  if (c.kind == Kind::kSearch) {
    if (c.follow || c.context_before > 0 || c.context_after > 0) return fail("not with -f, -A, -B or -C (more than one request)");
    if (c.search.limit == 0 || c.search.limit > Searcher::kMaxWindow) return fail("only for -n 1..10000 (deeper searches page)");
    body = build_search_body(c.search);
  } else if (c.kind == Kind::kHist) {
    if (c.interval.empty()) return fail("hist needs --interval (the automatic one takes a first request)");
    body = build_hist_body(c.search, c.interval);
  } else if (c.kind == Kind::kTop) {
    body = build_top_body(c.search, c.top_field, c.agg_size);
  } else {
    body = build_errors_body(c.search, c.agg_size);
  }
  if (!body) return fail(body.error().message());
  out << "POST " << index_target(c.index, "_search") << "\n" << *body << "\n";
  return 0;
}

int run_search(const Command& c, http::Client& client, std::ostream& out, std::ostream& err) {
  if (c.kind != Kind::kSearch) return run_aggregation(c, client, out, err);
  if (c.context_before > 0 || c.context_after > 0) return run_with_context(c, client, out, err);
  Searcher searcher(client, c.index);
  Printer printer(c.render);
  out << printer.begin();
  auto stats = searcher.search(c.search, [&](const Hit& h) { out << printer.add(h); });
  out << printer.end();
  out.flush();
  if (!stats) {
    err << "logpipe-query: " << stats.error().message() << " (" << c.url << ")\n";
    return 2;
  }
  report_stats(c, *stats, err);
  return stats->events > 0 ? 0 : 1;
}

int run_follow(const Command& c, http::Client& client, const Clock& clock, const std::atomic<bool>& stop,
               std::ostream& out, std::ostream& err) {
  Searcher searcher(client, c.index);
  Printer printer(c.render);
  // id -> event.ingested (micros) of what was printed within the overlap window.
  std::unordered_map<std::string, int64_t> seen;
  // The newest event.ingested printed so far. It starts at the cluster's newest ingestion time rather than
  // this machine's clock, so a clock ahead of the indexer's cannot make new events look old.
  int64_t watermark = clock.wall_micros();
  {
    auto newest = searcher.post("_search", R"({"size":0,"aggs":{"newest":{"max":{"field":"event.ingested"}}}})");
    if (!newest) {
      err << "logpipe-query: " << newest.error().message() << " (" << c.url << ")\n";
      return 2;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    double millis = 0;
    if (parser.parse(*newest).get(doc) == simdjson::SUCCESS &&
        doc.at_pointer("/aggregations/newest/value").get(millis) == simdjson::SUCCESS)
      watermark = static_cast<int64_t>(millis) * 1000;
  }
  int64_t printed = 0;
  auto print = [&](const Hit& h) {
    const int64_t ingested = ingested_micros(h);
    if (!seen.emplace(h.id, ingested < 0 ? watermark : ingested).second) return;
    if (ingested > watermark) watermark = ingested;
    out << printer.add(h);
    ++printed;
  };
  out << printer.begin();
  auto backlog = searcher.search(c.search, print);
  out.flush();
  if (!backlog) {
    err << "logpipe-query: " << backlog.error().message() << " (" << c.url << ")\n";
    return 2;
  }
  if (!c.quiet) err << backlog->events << " event(s); following (Ctrl-C to stop)\n";
  const auto interval = std::chrono::milliseconds(static_cast<int64_t>(c.follow_interval_seconds * 1000));
  bool failing = false;
  while (!stop.load()) {
    for (auto waited = std::chrono::milliseconds(0); waited < interval && !stop.load(); waited += std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stop.load()) break;
    const int64_t from = watermark - kFollowOverlapMicros;
    auto resp = searcher.post("_search", build_follow_body(c.search, format_rfc3339_millis(from), Searcher::kMaxWindow));
    auto hits = resp ? parse_hits_in_order(*resp) : Result<std::vector<Hit>>(resp.error());
    if (!hits) {
      if (!failing && !c.quiet) err << "logpipe-query: follow: " << hits.error().message() << "; retrying\n";
      failing = true;
      continue;
    }
    if (failing && !c.quiet) err << "logpipe-query: follow: reconnected\n";
    failing = false;
    if (static_cast<int64_t>(hits->size()) == Searcher::kMaxWindow && !c.quiet)
      err << "logpipe-query: follow: more than " << Searcher::kMaxWindow << " events per poll; some may be missed\n";
    for (const auto& h : *hits) print(h);
    out.flush();
    // Forget ids that fell out of the overlap window: no poll can return them again.
    const int64_t horizon = watermark - kFollowOverlapMicros;
    for (auto it = seen.begin(); it != seen.end();) it = it->second < horizon ? seen.erase(it) : std::next(it);
  }
  out << printer.end();
  out.flush();
  return printed > 0 ? 0 : 1;
}

}  // namespace logpipe::query
