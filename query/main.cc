// logpipe-query: search the logs in Elasticsearch from a shell.
// Exit codes: 0 = results printed, 1 = no results, 2 = error (bad flags, unreachable cluster, ...).

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/http/beast_client.h"
#include "query/output.h"
#include "query/search_request.h"

int main(int argc, char** argv) {
  using namespace logpipe;
  CLI::App app{"logpipe-query: search logs by host, service, time and text"};
  app.footer(
      "Examples:\n"
      "  logpipe-query -H web-1 -s checkout --since 15m\n"
      "  logpipe-query -s checkout 'payment declined'\n"
      "  logpipe-query -s api -o jsonl -n 0 | jq .message");
  query::SearchOptions opts;
  const char* env_url = std::getenv("LOGPIPE_ES_URL");
  const char* env_index = std::getenv("LOGPIPE_INDEX");
  std::string url = env_url ? env_url : "http://127.0.0.1:9200";
  std::string index = env_index ? env_index : "logs-*";
  std::string output = "pretty";
  bool quiet = false;
  app.add_option("text", opts.text, "full-text match on the message (all words must match)");
  app.add_option("-H,--host", opts.hosts, "host.name (repeatable: any of)")->allow_extra_args(false);
  app.add_option("-s,--service", opts.services, "service.name (repeatable: any of)")->allow_extra_args(false);
  app.add_option("--since", opts.since, "how far back: 30s, 15m, 1h, 7d")->capture_default_str();
  app.add_option("-n,--limit", opts.limit, "newest N events, printed oldest first")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{10000}));
  app.add_option("-o,--output", output, "pretty | jsonl | raw")->check(CLI::IsMember({"pretty", "jsonl", "raw"}))
      ->capture_default_str();
  app.add_option("--url", url, "Elasticsearch/OpenSearch URL (env LOGPIPE_ES_URL)")->capture_default_str();
  app.add_option("--index", index, "index pattern (env LOGPIPE_INDEX)")->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "no summary line on stderr");
  // Like most CLIs, a repeated single-valued flag means its last value (handy with shell aliases).
  for (const char* name : {"--since", "--limit", "--output", "--url", "--index"})
    app.get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  CLI11_PARSE(app, argc, argv);

  auto body = query::build_search_body(opts);
  if (!body) {
    std::cerr << "logpipe-query: " << body.error().message() << "\n";
    return 2;
  }
  auto endpoint = http::parse_url(url);
  if (!endpoint) {
    std::cerr << "logpipe-query: " << endpoint.error().message() << "\n";
    return 2;
  }
  http::BeastClient client(*endpoint, std::chrono::seconds(30));
  // Index names cannot contain characters that need escaping in a path, except the commas and '*' we allow.
  auto resp = client.send({"POST", "/" + index + "/_search?ignore_unavailable=true&allow_no_indices=true", *body,
                           "application/json"});
  if (!resp) {
    std::cerr << "logpipe-query: cannot reach " << url << ": " << resp.error().message() << "\n";
    return 2;
  }
  if (resp->status != 200) {
    std::cerr << "logpipe-query: search failed: HTTP " << resp->status << ": " << resp->body.substr(0, 300) << "\n";
    return 2;
  }
  auto hits = query::parse_hits(resp->body);
  if (!hits) {
    std::cerr << "logpipe-query: " << hits.error().message() << "\n";
    return 2;
  }
  const auto format = output == "jsonl" ? query::Format::kJsonl : output == "raw" ? query::Format::kRaw : query::Format::kPretty;
  std::cout << query::render(*hits, format);
  if (!quiet) std::cerr << hits->size() << " event(s)\n";
  return hits->empty() ? 1 : 0;
}
