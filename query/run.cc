#include "query/run.h"

#include <simdjson.h>

#include <thread>
#include <unordered_map>

#include "common/time_util.h"
#include "query/es_search.h"

namespace logpipe::query {
namespace {

void report_stats(const Command& c, const SearchStats& stats, std::ostream& err) {
  if (c.quiet) return;
  if (!stats.warning.empty()) err << "logpipe-query: " << stats.warning << "\n";
  if (stats.shards == 0) err << "logpipe-query: no index matches '" << c.index << "'\n";
  err << stats.events << " event(s)\n";
}

int64_t ingested_micros(const Hit& h) {
  bool found = false;
  const std::string v = field_value(h.source, "event.ingested", &found);
  if (!found) return -1;
  auto micros = parse_rfc3339_micros(v);
  return micros ? *micros : -1;
}

}  // namespace

int run_search(const Command& c, http::Client& client, std::ostream& out, std::ostream& err) {
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
  int64_t watermark = clock.wall_micros();  // newest event.ingested printed (or the start)
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
