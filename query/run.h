#pragma once
// Runs a parsed Command against a cluster: search (with paging) and follow mode. Output goes to `out`,
// metadata (counts, notices) and the one error line to `err`. Returns the exit code: 0 = events printed,
// 1 = none, 2 = error.

#include <atomic>
#include <ostream>

#include "common/clock.h"
#include "common/http/http_client.h"
#include "query/cli.h"

namespace logpipe::query {

// The default command; with -A/-B/-C also the neighbours of each hit (same host and service unless
// --context-by says otherwise), each event once, groups separated by "--" in pretty and raw output.
int run_search(const Command& command, http::Client& client, std::ostream& out, std::ostream& err);

// hist, top and errors (command.kind).
int run_aggregation(const Command& command, http::Client& client, std::ostream& out, std::ostream& err);

// --print-request: writes the request the command would send first ("POST <path>", then the JSON body on
// one line) to `out` and sends nothing. Only for commands that are one request (a search of at most 10,000
// events without context or follow; top; errors; hist with --interval). Returns 0, or 2 with one line.
int print_request(const Command& command, std::ostream& out, std::ostream& err);

// Follow mode: the cluster's newest event.ingested, the backlog as run_search prints it, then polls every `follow_interval_seconds` for events
// ingested since (by event.ingested), re-reading a trailing overlap window so events that became
// searchable late (refresh interval, slow bulk) are still seen, and skipping ids already printed. The
// memory of printed ids covers only the overlap window, so it stays bounded. Transport and HTTP errors are
// reported once on `err` and retried every interval (the client reconnects). Returns when `stop` is set.
int run_follow(const Command& command, http::Client& client, const Clock& clock, const std::atomic<bool>& stop,
               std::ostream& out, std::ostream& err);

// How far back each follow poll re-reads: the longest expected gap between event.ingested and the event
// becoming searchable (indexer bulk latency + refresh interval of 1 s).
inline constexpr int64_t kFollowOverlapMicros = 10'000'000;

}  // namespace logpipe::query
