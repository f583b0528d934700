#pragma once
// The command line: flags declared once with CLI11 (help text, defaults, environment variables), then
// validated into a Command without any I/O. Parse errors are startup errors: one line, exit code 2.

#include <optional>
#include <string>
#include <vector>

#include "common/http/client_options.h"
#include "query/output.h"
#include "query/search_request.h"

namespace logpipe::query {

enum class ColorMode { kAuto, kAlways, kNever };

enum class Kind { kSearch, kHist, kTop, kErrors };

struct Command {
  Kind kind = Kind::kSearch;
  SearchOptions search;
  RenderOptions render;
  std::string url = "http://127.0.0.1:9200";
  std::string index = "logs-*";
  std::string profile;  // the profile in effect, if any
  http::ClientOptions client;  // TLS and credentials (secrets already read from their files)
  bool print_request = false;  // print the request instead of sending it (--print-request)
  bool quiet = false;
  bool follow = false;
  double follow_interval_seconds = 1.0;
  int64_t context_before = 0;  // -B / -C: events before each hit
  int64_t context_after = 0;   // -A / -C: events after each hit
  bool context_same_host = true;
  bool context_same_service = true;
  std::string top_field;        // top FIELD
  int64_t agg_size = 10;        // top / errors: how many values or groups
  std::string interval;         // hist: fixed interval ("" = automatic)
  int64_t buckets = 30;         // hist: bucket target for the automatic interval
};

// What the environment says, passed in so tests control it.
struct Environment {
  std::string es_url;    // LOGPIPE_ES_URL
  std::string index;     // LOGPIPE_INDEX
  std::string profile;   // LOGPIPE_PROFILE
  std::string username;  // LOGPIPE_ES_USERNAME
  http::Secret password; // LOGPIPE_ES_PASSWORD
  http::Secret api_key;  // LOGPIPE_ES_API_KEY
  std::string ca_cert;   // LOGPIPE_ES_CA_CERT
  std::string home;      // HOME, for "~/" in the config file
  std::string config_file;          // LOGPIPE_QUERY_CONFIG (must exist when set)
  std::string default_config_file;  // used when neither --config nor LOGPIPE_QUERY_CONFIG (may be absent)
  bool no_color = false; // NO_COLOR set and not empty
  bool stdout_tty = false;
  bool dumb_term = false;  // TERM=dumb
  static Environment from_process();
};

// Colour on: always; never; auto = a terminal, NO_COLOR unset and TERM not dumb.
bool use_color(ColorMode mode, const Environment& env);

struct ParseOutcome {
  std::optional<Command> command;  // set: run it
  int exit_code = 0;               // otherwise: exit with this (0 after --help)
  std::string out;                 // what to print on stdout (help) ...
  std::string err;                 // ... and on stderr (one error line)
};

// args without the program name. A first argument "hist", "top" or "errors" selects that command (to
// search for one of those words, put "--" first).
ParseOutcome parse_command_line(const std::vector<std::string>& args, const Environment& env);

}  // namespace logpipe::query
