// logpipe-query: search the logs in Elasticsearch from a shell. Wiring only: parse the command line,
// build the real HTTP client and clock, run. Exit codes: 0 = results printed, 1 = no results, 2 = error.

#include <csignal>
#include <iostream>

#include "common/clock.h"
#include "common/http/beast_client.h"
#include "query/cli.h"
#include "query/run.h"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  using namespace logpipe;
  auto parsed = query::parse_command_line(std::vector<std::string>(argv + 1, argv + argc), query::Environment::from_process());
  std::cout << parsed.out;
  std::cerr << parsed.err;
  if (!parsed.command) return parsed.exit_code;
  const query::Command& cmd = *parsed.command;
  if (cmd.print_request) return query::print_request(cmd, std::cout, std::cerr);
  auto endpoint = http::parse_url(cmd.url);
  if (!endpoint) {
    std::cerr << "logpipe-query: bad --url: " << endpoint.error().message() << "\n";
    return 2;
  }
  auto client = http::BeastClient::create(*endpoint, cmd.client);
  if (!client) {
    std::cerr << "logpipe-query: " << client.error().message() << "\n";
    return 2;
  }
  if (!cmd.follow) return query::run_search(cmd, **client, std::cout, std::cerr);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  SystemClock clock;
  return query::run_follow(cmd, **client, clock, g_stop, std::cout, std::cerr);
}
