// logpipe-query against the real Elasticsearch of deploy/stack.sh (and, registered a second time by ctest
// with LOGPIPE_QUERY_TEST_URL, against a private OpenSearch 2), with known data: each test creates its
// own index (unique prefix, the logpipe event mapping from schemas/index-template.json), bulk-loads events
// with known fields and timestamps, refreshes, runs the real binary and checks the exact events it prints.

#include <catch2/catch.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/http/beast_client.h"
#include "common/json/json_writer.h"
#include "common/time_util.h"
#include "indexer/elasticsearch/index_template.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string ts(int64_t micros) { return logpipe::format_rfc3339_micros(micros); }

struct Event {
  int64_t at = 0;  // @timestamp, epoch micros
  std::string host, service, level, trace, team, message;
  int64_t offset = -1;
  int64_t ingested = 0;  // event.ingested (0: now)
};

// One index with the logpipe mapping, removed at the end.
class TestIndex {
 public:
  TestIndex() : client_(logpipe::http::parse_url(url).value(), std::chrono::seconds(30)) {
    prefix = "itq" + std::to_string(::getpid()) + "x" + std::to_string(now_micros() % 1000000000) + "-";
    name = prefix + "a";
    simdjson::dom::parser parser;
    simdjson::dom::element tmpl;
    const auto path = std::filesystem::path(LOGPIPE_SOURCE_DIR) / "schemas/index-template.json";
    REQUIRE(parser.load(path.string()).get(tmpl) == simdjson::SUCCESS);
    std::string mapping = simdjson::to_string(tmpl["template"]);
    auto r = client_.send({"PUT", "/" + name, mapping, "application/json"});
    REQUIRE(r.ok());
    // As the indexer does on an engine without match_only_text (elasticsearch/index_template.h).
    if (logpipe::indexer::rejects_match_only_text(r->status, r->body)) {
      mapping = logpipe::indexer::without_match_only_text(mapping);
      r = client_.send({"PUT", "/" + name, mapping, "application/json"});
      REQUIRE(r.ok());
    }
    INFO(r->body);
    REQUIRE(r->status == 200);
  }
  ~TestIndex() { (void)client_.send({"DELETE", "/" + name, "", "application/json"}); }

  void add(const std::vector<Event>& events, bool refresh = true) {
    for (size_t start = 0; start < events.size(); start += 2000) {
      std::string body;
      for (size_t i = start; i < std::min(events.size(), start + 2000); ++i) {
        const Event& e = events[i];
        logpipe::json::Writer w(body);
        w.begin_object().key("create").begin_object().kv("_index", name).end_object().end_object();
        body += '\n';
        logpipe::json::Writer d(body);
        d.begin_object().kv("@timestamp", ts(e.at)).kv("message", e.message);
        d.key("event").begin_object().kv("ingested", logpipe::format_rfc3339_millis(e.ingested ? e.ingested : now_micros())).end_object();
        if (!e.host.empty()) d.key("host").begin_object().kv("name", e.host).end_object();
        if (!e.service.empty()) d.key("service").begin_object().kv("name", e.service).end_object();
        if (!e.level.empty() || e.offset >= 0) {
          d.key("log").begin_object();
          if (!e.level.empty()) d.kv("level", e.level);
          if (e.offset >= 0) d.kv("offset", e.offset);
          d.end_object();
        }
        if (!e.trace.empty()) d.key("trace").begin_object().kv("id", e.trace).end_object();
        if (!e.team.empty()) d.key("labels").begin_object().kv("team", e.team).end_object();
        d.end_object();
        body += '\n';
      }
      auto r = client_.send({"POST", "/_bulk", body, "application/x-ndjson"});
      REQUIRE(r.ok());
      REQUIRE(r->status == 200);
      REQUIRE(r->body.find("\"errors\":false") != std::string::npos);
    }
    if (refresh) {
      auto r = client_.send({"POST", "/" + name + "/_refresh", "", "application/json"});
      REQUIRE(r.ok());
      REQUIRE(r->status == 200);
    }
  }

  // LOGPIPE_QUERY_TEST_URL: the same tests against another engine (ctest runs them on OpenSearch too).
  std::string url = env_or("LOGPIPE_QUERY_TEST_URL", ("http://127.0.0.1:" + env_or("LOGPIPE_ES_PORT", "9200")).c_str());
  std::string prefix, name;

 private:
  logpipe::http::BeastClient client_;
};

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::vector<std::string> messages;  // from jsonl output
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs logpipe-query on the test index; `args` are passed one by one (quoted). Default output jsonl.
Run query(const TestIndex& idx, const std::vector<std::string>& args, const std::string& index_pattern = "") {
  TempDir dir;
  std::string cmd = LOGPIPE_QUERY_BIN;
  bool has_output = false;
  for (const auto& a : args) {  // first, so that a command (hist, top, errors) comes first
    cmd += " " + shell_quote(a);
    if (a == "-o") has_output = true;
  }
  cmd += " --url " + idx.url + " --index " + shell_quote(index_pattern.empty() ? idx.prefix + "*" : index_pattern);
  if (!has_output) cmd += " -o jsonl";
  cmd += " 2>" + dir.file("err");
  Run r;
  auto res = run_command(cmd);
  r.exit_code = res.exit_code;
  r.out = res.out;
  std::ifstream ef(dir.file("err"));
  std::stringstream ss;
  ss << ef.rdbuf();
  r.err = ss.str();
  simdjson::dom::parser parser;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    simdjson::dom::element doc;
    std::string_view m;
    if (parser.parse(line).get(doc) == simdjson::SUCCESS && doc["message"].get(m) == simdjson::SUCCESS) r.messages.emplace_back(m);
  }
  return r;
}

std::multiset<std::string> set_of(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// The known data set: ten events one second apart, 30 minutes ago (inside the default --since 1h).
struct Known {
  TestIndex idx;
  int64_t t0 = (now_micros() / 1'000'000 - 1800) * 1'000'000;
  std::vector<Event> events;
  Known() {
    auto ev = [&](int i, std::string host, std::string service, std::string level, std::string trace, std::string team, std::string msg) {
      events.push_back({t0 + i * 1'000'000, std::move(host), std::move(service), std::move(level), std::move(trace), std::move(team),
                        std::move(msg), i, 0});
    };
    ev(1, "web-1", "checkout", "info", "t-A", "core", "e1 order accepted");
    ev(2, "web-1", "checkout", "WARN", "t-A", "core", "e2 payment slow");
    ev(3, "web-2", "checkout", "ERROR", "t-A", "core", "e3 payment declined");
    ev(4, "web-2", "cart", "debug", "", "ops", "e4 cart loaded");
    ev(5, "db-1", "postgres", "Warning", "", "ops", "e5 checkpoint slow");
    ev(6, "db-1", "postgres", "fatal", "", "ops", "e6 disk full");
    ev(7, "web-3", "cart", "info", "t-B", "ops", "e7 order accepted again");
    ev(8, "web-1", "checkout", "TRACE", "", "core", "e8 trace detail");
    ev(9, "api-1", "gateway", "error", "t-A", "", "e9 upstream timeout");
    ev(10, "web-1", "checkout", "info", "", "core", "e10 \"quoted\" x\"}}]:* AND text");
    idx.add(events);
  }
  std::multiset<std::string> msgs(std::initializer_list<int> ids) const {
    std::multiset<std::string> out;
    for (int i : ids) out.insert(events[static_cast<size_t>(i - 1)].message);
    return out;
  }
  std::string at(int seconds) const { return ts(t0 + seconds * 1'000'000); }
};

}  // namespace

TEST_CASE("query: each filter returns exactly the expected events", "[integration]") {
  Known k;
  auto got = [&](std::vector<std::string> args) {
    auto r = query(k.idx, args);
    INFO(r.err);
    CHECK(r.exit_code == (r.messages.empty() ? 1 : 0));
    return set_of(r.messages);
  };
  CHECK(got({}) == k.msgs({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  CHECK(got({"-H", "web-1"}) == k.msgs({1, 2, 8, 10}));
  CHECK(got({"-H", "web-*"}) == k.msgs({1, 2, 3, 4, 7, 8, 10}));
  CHECK(got({"-H", "db-?", "-H", "api-1"}) == k.msgs({5, 6, 9}));
  CHECK(got({"-s", "c*", "-H", "web-2"}) == k.msgs({3, 4}));
  CHECK(got({"--level", "warn"}) == k.msgs({2, 3, 5, 6, 9}));
  CHECK(got({"--level", "ERROR,info"}) == k.msgs({1, 3, 7, 9, 10}));
  CHECK(got({"-l", "debug"}) == k.msgs({1, 2, 3, 4, 5, 6, 7, 9, 10}));
  CHECK(got({"--level", "fatal"}) == k.msgs({6}));
  CHECK(got({"--field", "labels.team=core"}) == k.msgs({1, 2, 3, 8, 10}));
  CHECK(got({"--field", "labels.team!=core"}) == k.msgs({4, 5, 6, 7, 9}));
  CHECK(got({"--field", "host.name~=web-[12]", "--field", "service.name!=cart"}) == k.msgs({1, 2, 3, 8, 10}));
  CHECK(got({"--query-string", "log.level:fatal OR host.name:api-1"}) == k.msgs({6, 9}));
  CHECK(got({"payment"}) == k.msgs({2, 3}));
  CHECK(got({"order", "-s", "cart"}) == k.msgs({7}));
  // User text is data, not query syntax.
  CHECK(got({"\"quoted\" x\"}}]:* AND"}) == k.msgs({10}));
  CHECK(got({"-H", "no-such-host"}).empty());

  // --trace: all events of the trace across services, oldest first.
  auto trace = query(k.idx, {"--trace", "t-A"});
  CHECK(trace.exit_code == 0);
  CHECK(trace.messages == std::vector<std::string>{"e1 order accepted", "e2 payment slow", "e3 payment declined", "e9 upstream timeout"});
}

TEST_CASE("query: time ranges, --to exclusive, --around, bad expressions", "[integration]") {
  Known k;
  auto got = [&](std::vector<std::string> args) {
    auto r = query(k.idx, args);
    INFO(r.err);
    return r.messages;
  };
  CHECK(got({"--from", k.at(3), "--to", k.at(6)}) ==
        std::vector<std::string>{"e3 payment declined", "e4 cart loaded", "e5 checkpoint slow"});
  CHECK(got({"--around", k.at(5), "--window", "1s"}) == std::vector<std::string>{"e4 cart loaded", "e5 checkpoint slow"});
  CHECK(got({"--from", "2h ago"}).size() == 10);
  CHECK(got({"--from", "now-2h", "--to", "now-31m"}).empty());  // all are at now-30m and a few seconds
  CHECK(got({"--since", "10m"}).empty());
  CHECK(got({"--since", "31m"}).size() == 10);
  // Zone-less input with --utc is UTC: strip the 'Z'.
  std::string naive = k.at(9);
  naive.pop_back();
  CHECK(got({"--from", naive, "--utc"}) == std::vector<std::string>{"e9 upstream timeout", "e10 \"quoted\" x\"}}]:* AND text"});

  auto bad = query(k.idx, {"--from", "yesterday"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err == "logpipe-query: bad --from 'yesterday': use RFC 3339 (2024-03-05T10:00:00Z), now, now-2h, now+5m or '2h ago' (units s, m, h, d)\n");
}

TEST_CASE("query: output formats and limits", "[integration]") {
  Known k;
  auto csv = query(k.idx, {"--trace", "t-A", "-o", "csv", "--fields", "host.name,service.name,log.level,message"});
  CHECK(csv.exit_code == 0);
  CHECK(csv.out ==
        "host.name,service.name,log.level,message\n"
        "web-1,checkout,info,e1 order accepted\n"
        "web-1,checkout,WARN,e2 payment slow\n"
        "web-2,checkout,ERROR,e3 payment declined\n"
        "api-1,gateway,error,e9 upstream timeout\n");
  auto logfmt = query(k.idx, {"-H", "db-1", "-o", "logfmt", "--fields", "host.name,log.level,message,log.offset"});
  CHECK(logfmt.out == "host.name=db-1 log.level=Warning message=\"e5 checkpoint slow\" log.offset=5\n"
                      "host.name=db-1 log.level=fatal message=\"e6 disk full\" log.offset=6\n");
  auto raw = query(k.idx, {"-n", "3", "-o", "raw"});  // the newest three, oldest first
  CHECK(raw.out == "e8 trace detail\ne9 upstream timeout\ne10 \"quoted\" x\"}}]:* AND text\n");
  auto oldest = query(k.idx, {"-n", "2", "--oldest-first", "-o", "raw", "-q"});
  CHECK(oldest.out == "e1 order accepted\ne2 payment slow\n");
  CHECK(oldest.err.empty());
  auto pretty = query(k.idx, {"-H", "db-1", "-o", "pretty", "--utc", "--color", "always", "--level", "fatal"});
  CHECK(pretty.out == "\x1b[2m" + k.at(6) + "\x1b[0m \x1b[36mdb-1\x1b[0m \x1b[35mpostgres\x1b[0m \x1b[1;31mfatal\x1b[0m e6 disk full\n");
  auto plain = query(k.idx, {"-H", "db-1", "-o", "pretty", "--utc", "--level", "fatal"});  // not a terminal: no colour
  CHECK(plain.out == k.at(6) + " db-1 postgres fatal e6 disk full\n");
  CHECK(plain.err == "1 event(s)\n");
  auto json = query(k.idx, {"-s", "gateway", "-o", "json", "--fields", "message"});
  CHECK(json.out == "[\n{\"message\":\"e9 upstream timeout\"}\n]\n");
}

TEST_CASE("query: exit codes and one-line errors for unreachable cluster, missing index, bad flags", "[integration]") {
  TestIndex idx;
  auto unreachable = run_command(std::string(LOGPIPE_QUERY_BIN) + " --url http://127.0.0.1:1 2>&1 >/dev/null");
  CHECK(unreachable.exit_code == 2);
  CHECK_THAT(unreachable.out, Catch::StartsWith("logpipe-query: cannot reach Elasticsearch: "));
  CHECK(std::count(unreachable.out.begin(), unreachable.out.end(), '\n') == 1);

  auto missing = query(idx, {}, idx.prefix + "nothing-here");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "logpipe-query: no index matches '" + idx.prefix + "nothing-here'\n0 event(s)\n");

  auto empty = query(idx, {});
  CHECK(empty.exit_code == 1);
  CHECK(empty.err == "0 event(s)\n");

  auto bad_flag = query(idx, {"--no-such-flag"});
  CHECK(bad_flag.exit_code == 2);
  CHECK(std::count(bad_flag.err.begin(), bad_flag.err.end(), '\n') == 1);

  // A query Elasticsearch rejects (shards with no matching data may skip it, so add one event).
  idx.add({{now_micros() - 1'000'000, "web-1", "api", "info", "", "", "one", 1, 0}});
  auto bad_regex = query(idx, {"--field", "host.name~=web-["});
  CHECK(bad_regex.exit_code == 2);
  CHECK_THAT(bad_regex.err, Catch::StartsWith("logpipe-query: HTTP 400: "));

  auto help = run_command(std::string(LOGPIPE_QUERY_BIN) + " --help");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("Examples:"));
}

TEST_CASE("query: paging across 10,500 events returns each exactly once", "[integration]") {
  TestIndex idx;
  const int64_t t0 = (now_micros() / 1'000'000 - 600) * 1'000'000;
  std::vector<Event> events;
  constexpr int kEvents = 10500;
  for (int i = 0; i < kEvents; ++i) {
    // Many share a timestamp and have no offset, so only the PIT's tiebreaker keeps pages apart.
    Event e;
    e.at = t0 + (i / 100) * 1'000'000;
    e.host = "h" + std::to_string(i % 3);
    e.message = "p" + std::to_string(i);
    events.push_back(std::move(e));
  }
  idx.add(events);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"-n", "0"}, std::vector<std::string>{"-n", "0", "--oldest-first"},
                                               std::vector<std::string>{"-n", "10500"}, std::vector<std::string>{"-n", "20000"}}) {
    auto r = query(idx, args);
    INFO(args[1] << " " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.messages.size() == static_cast<size_t>(kEvents));
    CHECK(std::set<std::string>(r.messages.begin(), r.messages.end()).size() == static_cast<size_t>(kEvents));
    CHECK_THAT(r.err, Catch::StartsWith("10500 event(s)"));  // -n 10500 also prints a cursor
  }
  // The newest 10,200 (more than one result window): exactly the last ones, oldest first.
  auto newest = query(idx, {"-n", "10200", "-H", "h0"});
  CHECK(newest.messages.size() == 3500);
  auto some = query(idx, {"-n", "10200"});
  REQUIRE(some.messages.size() == 10200);
  std::set<std::string> expected;
  for (int i = 300; i < kEvents; ++i) expected.insert("p" + std::to_string(i));
  CHECK(std::set<std::string>(some.messages.begin(), some.messages.end()) == expected);
  // Timestamps never go backwards in the output.
  auto csv = query(idx, {"-n", "0", "-o", "csv", "--fields", "@timestamp"});
  std::istringstream lines(csv.out);
  std::string line, prev;
  bool ordered = true;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    if (line < prev) ordered = false;
    prev = line;
  }
  CHECK(ordered);
}

TEST_CASE("query: the cursor printed after a search cut by -n continues it, each event once", "[integration]") {
  Known k;
  auto cursor_of = [](const std::string& err) {
    const auto at = err.find("--cursor ");
    return at == std::string::npos ? std::string() : err.substr(at + 9, err.find('\n', at) - at - 9);
  };
  // Oldest first, 4 at a time: e1-e4, e5-e8, e9-e10.
  std::vector<std::string> seen;
  std::vector<std::string> args = {"-n", "4", "--oldest-first", "-o", "raw"};
  for (int page = 0; page < 3; ++page) {
    auto r = query(k.idx, args);
    INFO(r.err);
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) seen.push_back(line);
    const std::string cursor = cursor_of(r.err);
    if (page < 2) REQUIRE_FALSE(cursor.empty());
    else CHECK(cursor.empty());  // fewer than -n: nothing more
    args = {"-n", "4", "-o", "raw", "--cursor", cursor};
  }
  std::vector<std::string> expected;
  for (const auto& e : k.events) expected.push_back(e.message);
  CHECK(seen == expected);
  // Newest first: the next page is older.
  auto newest = query(k.idx, {"-n", "3", "-o", "raw"});
  auto older = query(k.idx, {"-n", "3", "-o", "raw", "--cursor", cursor_of(newest.err)});
  CHECK(older.out == "e5 checkpoint slow\ne6 disk full\ne7 order accepted again\n");
  // -n 0 with an oldest-first cursor pages the rest under a point in time.
  auto rest = query(k.idx, {"-n", "0", "-o", "raw", "--cursor", cursor_of(query(k.idx, {"-n", "8", "--oldest-first"}).err)});
  CHECK(rest.out == "e9 upstream timeout\ne10 \"quoted\" x\"}}]:* AND text\n");
}

TEST_CASE("query: follow prints new and late events within 3 s, none twice", "[integration]") {
  TestIndex idx;
  const int64_t t0 = now_micros() - 60'000'000;
  idx.add({{t0, "web-1", "api", "info", "", "", "backlog 1", 1, 0}, {t0 + 1000, "web-1", "api", "info", "", "", "backlog 2", 2, 0},
           {t0 + 2000, "web-9", "other", "info", "", "", "other service", 3, 0}});
  TempDir dir;
  ChildProcess follower({LOGPIPE_QUERY_BIN, "--url", idx.url, "--index", idx.prefix + "*", "-f", "-s", "api", "-o", "jsonl", "-q"},
                        dir.file("follow.out"));
  REQUIRE(follower.started());
  auto lines = [&] {
    std::vector<std::string> out;
    simdjson::dom::parser parser;
    std::istringstream in(follower.log());
    std::string line;
    while (std::getline(in, line)) {
      simdjson::dom::element doc;
      std::string_view m;
      if (parser.parse(line).get(doc) == simdjson::SUCCESS && doc["message"].get(m) == simdjson::SUCCESS) out.emplace_back(m);
      else out.push_back("<not json> " + line);
    }
    return out;
  };
  REQUIRE(wait_until([&] { return lines().size() >= 2; }, 20s));
  CHECK(lines() == std::vector<std::string>{"backlog 1", "backlog 2"});

  for (int round = 0; round < 3; ++round) {
    const std::string tag = "new " + std::to_string(round);
    const auto sent = std::chrono::steady_clock::now();
    // Not refreshed by the test: the index's own 1 s refresh interval applies, as in production.
    idx.add({{now_micros(), "web-1", "api", "info", "", "", tag + " a", 10 + round, 0},
             {now_micros() - 3'600'000'000LL, "web-1", "api", "info", "", "", tag + " late", 20 + round, 0},  // an hour old, arriving now
             {now_micros(), "web-9", "other", "info", "", "", tag + " other", 30 + round, 0}},
            false);
    const bool seen = wait_until(
        [&] {
          const auto l = lines();
          return std::count(l.begin(), l.end(), tag + " a") == 1 && std::count(l.begin(), l.end(), tag + " late") == 1;
        },
        10s);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
    INFO(follower.log());
    REQUIRE(seen);
    CHECK(took.count() <= 3000);
  }
  // A few more polls re-read the overlap window: still nothing twice, nothing from the other service.
  std::this_thread::sleep_for(3s);
  const auto final_lines = lines();
  INFO(follower.log());
  CHECK(final_lines.size() == 2 + 3 * 2);
  CHECK(std::set<std::string>(final_lines.begin(), final_lines.end()).size() == final_lines.size());
  CHECK(follower.stop() == 0);
}

TEST_CASE("query: context -A/-B/-C returns the right neighbours", "[integration]") {
  Known k;
  auto raw = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"-o", "raw", "-q"});
    auto r = query(k.idx, args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    return r.out;
  };
  // e8 is on web-1/checkout, whose events are e1, e2, e8, e10.
  CHECK(raw({"trace detail", "-B", "1", "-A", "1"}) == "e2 payment slow\ne8 trace detail\ne10 \"quoted\" x\"}}]:* AND text\n");
  CHECK(raw({"trace detail", "-C", "2"}) == "e1 order accepted\ne2 payment slow\ne8 trace detail\ne10 \"quoted\" x\"}}]:* AND text\n");
  CHECK(raw({"trace detail", "-C", "1", "--context-by", "none"}) == "e7 order accepted again\ne8 trace detail\ne9 upstream timeout\n");
  // e3 on web-2: by host its neighbour is e4 (cart); by host and service it has none.
  CHECK(raw({"declined", "-C", "1", "--context-by", "host"}) == "e3 payment declined\ne4 cart loaded\n");
  CHECK(raw({"declined", "-C", "3"}) == "e3 payment declined\n");
  // Two hits: separate groups are separated by "--", overlapping ones merge and nothing prints twice.
  CHECK(raw({"--level", "fatal,trace", "-B", "1", "--context-by", "none"}) == "e5 checkpoint slow\ne6 disk full\n--\ne7 order accepted again\ne8 trace detail\n");
  CHECK(raw({"--level", "fatal,trace", "-C", "1", "--context-by", "none"}) ==
        "e5 checkpoint slow\ne6 disk full\ne7 order accepted again\ne8 trace detail\ne9 upstream timeout\n");
  // jsonl: the same events, no separators.
  auto jsonl = query(k.idx, {"--level", "fatal,trace", "-B", "1", "--context-by", "none"});
  CHECK(jsonl.messages == std::vector<std::string>{"e5 checkpoint slow", "e6 disk full", "e7 order accepted again", "e8 trace detail"});
}

TEST_CASE("query: hist, top and errors on known data", "[integration]") {
  Known k;
  // hist with a fixed interval: every 5 s bucket between the first and the last event, zeros included.
  std::map<int64_t, int64_t> expected;
  for (const auto& e : k.events) ++expected[(e.at / 1000) / 5000 * 5000];
  std::string csv = "time,count\n";
  for (int64_t b = expected.begin()->first; b <= expected.rbegin()->first; b += 5000)
    csv += logpipe::format_rfc3339_millis(b * 1000) + "," + std::to_string(expected.count(b) ? expected[b] : 0) + "\n";
  auto hist = query(k.idx, {"hist", "--interval", "5s", "--utc", "-o", "csv"});
  CHECK(hist.exit_code == 0);
  CHECK(hist.out == csv);
  auto auto_hist = query(k.idx, {"hist", "-o", "pretty", "-s", "checkout"});
  CHECK(auto_hist.exit_code == 0);
  CHECK_THAT(auto_hist.err, Catch::StartsWith("5 event(s), interval 1s"));
  CHECK(std::count(auto_hist.out.begin(), auto_hist.out.end(), '\n') == 10);  // e1 .. e10 one second apart

  auto top = query(k.idx, {"top", "service.name", "-o", "csv"});
  CHECK(top.exit_code == 0);
  CHECK(top.out == "service.name,count\ncheckout,5\ncart,2\npostgres,2\ngateway,1\n");
  auto top_hosts = query(k.idx, {"top", "host.name", "-k", "2", "-o", "pretty"});
  CHECK(top_hosts.out == "       4  40.0%  web-1\n       2  20.0%  db-1\n       4         (other values)\n");
  auto top_levels = query(k.idx, {"top", "log.level", "--level", "warn", "-o", "logfmt"});
  CHECK(top_levels.out == "log.level=ERROR count=1\nlog.level=WARN count=1\nlog.level=Warning count=1\nlog.level=error count=1\nlog.level=fatal count=1\n");
  auto top_none = query(k.idx, {"top", "host.name", "-H", "nowhere"});
  CHECK(top_none.exit_code == 1);

  auto no_errors = query(k.idx, {"errors"});
  CHECK(no_errors.exit_code == 1);
  CHECK(no_errors.err == "logpipe-query: none of the 10 matching event(s) has error.fingerprint\n10 event(s), 0 group(s)\n");
}

TEST_CASE("query: errors groups by fingerprint with count, first and last seen, newest example", "[integration]") {
  TestIndex idx;
  const int64_t t0 = (now_micros() / 1'000'000 - 900) * 1'000'000;
  std::string bulk;
  auto add = [&](int64_t at, const std::string& fp, const std::string& type, const std::string& msg, const std::string& stack) {
    std::string doc;
    logpipe::json::Writer d(doc);
    d.begin_object().kv("@timestamp", ts(at)).kv("message", msg);
    d.key("host").begin_object().kv("name", "web-1").end_object();
    d.key("service").begin_object().kv("name", "api").end_object();
    d.key("log").begin_object().kv("level", "ERROR").end_object();
    d.key("error").begin_object().kv("fingerprint", fp).kv("type", type).kv("message", msg).kv("stack_trace", stack).end_object();
    d.end_object();
    return doc;
  };
  std::vector<std::string> docs = {add(t0 + 1'000'000, "fpA", "IOException", "disk full 1", "IOException: disk full 1\n\tat A.a(A.java:1)"),
                                   add(t0 + 2'000'000, "fpB", "Timeout", "upstream slow", "Timeout: upstream slow\n\tat B.b(B.java:2)"),
                                   add(t0 + 3'000'000, "fpA", "IOException", "disk full 3", "IOException: disk full 3\n\tat A.a(A.java:1)"),
                                   add(t0 + 4'000'000, "fpA", "IOException", "disk full 4", "IOException: disk full 4\n\tat A.a(A.java:1)")};
  logpipe::http::BeastClient client(logpipe::http::parse_url(idx.url).value(), std::chrono::seconds(30));
  for (const auto& d : docs) bulk += R"({"create":{"_index":")" + idx.name + "\"}}\n" + d + "\n";
  auto r = client.send({"POST", "/_bulk?refresh=true", bulk, "application/x-ndjson"});
  REQUIRE(r.ok());
  REQUIRE(r->body.find("\"errors\":false") != std::string::npos);

  auto pretty = query(idx, {"errors", "--utc", "-o", "pretty"});
  CHECK(pretty.exit_code == 0);
  INFO(pretty.out);
  const std::string first_a = logpipe::format_rfc3339_millis(t0 + 1'000'000), last_a = logpipe::format_rfc3339_millis(t0 + 4'000'000);
  const std::string at_b = logpipe::format_rfc3339_millis(t0 + 2'000'000);
  CHECK(pretty.out == "3 x fpA  IOException: disk full 4\n"
                      "  first " + first_a + "  last " + last_a + "  api on web-1\n"
                      "    IOException: disk full 4\n"
                      "    \tat A.a(A.java:1)\n"
                      "1 x fpB  Timeout: upstream slow\n"
                      "  first " + at_b + "  last " + at_b + "  api on web-1\n"
                      "    Timeout: upstream slow\n"
                      "    \tat B.b(B.java:2)\n");
  CHECK(pretty.err == "4 event(s), 2 group(s)\n");
  auto one = query(idx, {"errors", "-k", "1", "-o", "csv"});
  CHECK(one.out.rfind("fingerprint,count,first_seen,last_seen,example\nfpA,3,", 0) == 0);
}
