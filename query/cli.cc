#include "query/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <sstream>

namespace logpipe::query {

Environment Environment::from_process() {
  Environment e;
  auto get = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  e.es_url = get("LOGPIPE_ES_URL");
  e.index = get("LOGPIPE_INDEX");
  e.no_color = !get("NO_COLOR").empty();
  e.stdout_tty = ::isatty(STDOUT_FILENO) == 1;
  e.dumb_term = get("TERM") == "dumb";
  return e;
}

bool use_color(ColorMode mode, const Environment& env) {
  if (mode == ColorMode::kAlways) return true;
  if (mode == ColorMode::kNever) return false;
  return env.stdout_tty && !env.no_color && !env.dumb_term;
}

ParseOutcome parse_command_line(const std::vector<std::string>& args, const Environment& env) {
  ParseOutcome outcome;
  Command cmd;
  if (!env.es_url.empty()) cmd.url = env.es_url;
  if (!env.index.empty()) cmd.index = env.index;
  SearchOptions& s = cmd.search;
  std::string output = "pretty", color = "auto", level, from, to, around, window = "5m";
  std::vector<std::string> fields, field_list;
  bool utc = false;

  CLI::App app{"logpipe-query: search logs by host, service, level, trace, fields, time and text", "logpipe-query"};
  app.footer(
      "Examples:\n"
      "  logpipe-query -H web-1 -s checkout --since 15m\n"
      "  logpipe-query -s 'checkout*' --level warn 'payment declined'\n"
      "  logpipe-query --trace 4bf92f3577b34da6a3ce929d0e0e4736 --since 1d\n"
      "  logpipe-query --field labels.team=core --field 'log.logger!=audit' --field 'error.type~=.*Timeout.*'\n"
      "  logpipe-query --from '2h ago' --to now-1h -o logfmt --fields @timestamp,host.name,message\n"
      "  logpipe-query --around 2024-03-05T10:11:12Z --window 2m -H web-1\n"
      "  logpipe-query -s api -o jsonl -n 0 | jq .message\n"
      "  logpipe-query -f -s checkout --level error\n"
      "Exit codes: 0 = events printed, 1 = no event matched, 2 = error (bad flag or time, cluster unreachable, HTTP error).");
  app.add_option("text", s.text, "full-text match on the message (all words must match)");
  app.add_option("-H,--host", s.hosts, "host.name, repeatable (any of); globs like 'web-*' allowed")->allow_extra_args(false);
  app.add_option("-s,--service", s.services, "service.name, repeatable (any of); globs allowed")->allow_extra_args(false);
  app.add_option("-l,--level", level, "'warn' = warn and above (trace<debug<info<warn<error<fatal); 'error,info' = exactly those");
  app.add_option("--trace", s.trace_id, "all events of one trace.id, across services, oldest first");
  app.add_option("--field", fields, "k=v, k!=v or k~=regex on a keyword field, repeatable (all must hold)")->allow_extra_args(false);
  app.add_option("--query-string", s.query_string, "raw Lucene query_string (escape hatch, e.g. 'log.logger:db*')");
  auto* since_opt = app.add_option("--since", s.since, "how far back: 30s, 15m, 1h, 7d")->capture_default_str();
  auto* from_opt = app.add_option("--from", from, "start (inclusive): RFC 3339, now-2h or '2h ago'");
  auto* to_opt = app.add_option("--to", to, "end (exclusive): RFC 3339, now-1h or '1h ago'");
  auto* around_opt = app.add_option("--around", around, "a time point: show --window either side of it");
  app.add_option("--window", window, "half-width for --around: 30s, 5m, 1h")->capture_default_str();
  app.add_flag("--utc", utc, "show and read zone-less times in UTC (default: local time)");
  app.add_option("-n,--limit", s.limit, "newest N events, printed oldest first; 0 = all")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--oldest-first", s.oldest_first, "take the oldest N events of the window instead of the newest");
  app.add_option("-o,--output", output, "pretty | raw | json | jsonl | logfmt | csv")
      ->check(CLI::IsMember({"pretty", "raw", "json", "jsonl", "logfmt", "csv"}))->capture_default_str();
  app.add_option("--fields", field_list, "comma-separated fields to print, e.g. @timestamp,host.name,message")->delimiter(',');
  app.add_option("--color", color, "auto | always | never (auto: on a terminal, unless NO_COLOR is set)")
      ->check(CLI::IsMember({"auto", "always", "never"}))->capture_default_str();
  app.add_flag("-f,--follow", cmd.follow, "print the backlog, then new events as they arrive (Ctrl-C to stop)");
  app.add_option("--url", cmd.url, "Elasticsearch URL (env LOGPIPE_ES_URL)")->capture_default_str();
  app.add_option("--index", cmd.index, "index pattern (env LOGPIPE_INDEX)")->capture_default_str();
  app.add_flag("-q,--quiet", cmd.quiet, "no metadata (counts, notices) on stderr");
  from_opt->excludes(since_opt);
  around_opt->excludes(since_opt)->excludes(from_opt)->excludes(to_opt);
  // Like most CLIs, a repeated single-valued flag means its last value (handy with shell aliases).
  for (const char* name : {"--since", "--limit", "--output", "--url", "--index", "--level", "--trace", "--from", "--to",
                           "--around", "--window", "--color", "--query-string"})
    app.get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last-first
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    outcome.out = app.help();
    return outcome;
  } catch (const CLI::ParseError& e) {
    outcome.exit_code = 2;
    outcome.err = std::string("logpipe-query: ") + e.what() + " (see --help)\n";
    return outcome;
  }
  auto fail = [&](const std::string& message) {
    outcome.exit_code = 2;
    outcome.err = "logpipe-query: " + message + "\n";
    return outcome;
  };

  const Zone zone = utc ? Zone::kUtc : Zone::kLocal;
  if (!level.empty()) {
    auto levels = parse_levels(level);
    if (!levels) return fail(levels.error().message());
    s.levels = std::move(*levels);
  }
  for (const auto& f : fields) {
    auto parsed = parse_field_filter(f);
    if (!parsed) return fail(parsed.error().message());
    s.fields.push_back(std::move(*parsed));
  }
  if (auto since = since_to_date_math(s.since); !since) return fail(since.error().message());
  if (!from.empty()) {
    auto p = parse_time_point(from, "--from", zone);
    if (!p) return fail(p.error().message());
    s.from = *p;
  }
  if (!to.empty()) {
    auto p = parse_time_point(to, "--to", zone);
    if (!p) return fail(p.error().message());
    s.to = *p;
    // --to alone: everything before it, not only the last hour (date_nanos starts at the epoch).
    if (s.from.empty()) s.from = "1970-01-01T00:00:00.000000Z";
  }
  if (!around.empty()) {
    auto p = parse_time_point(around, "--around", zone);
    if (!p) return fail(p.error().message());
    if (!since_to_date_math(window)) return fail("bad --window '" + window + "': use a number with s, m, h or d (e.g. 5m)");
    s.from = shift_time_point(*p, '-', window);
    s.to = shift_time_point(*p, '+', window);
  }
  if (cmd.follow && (!to.empty() || !around.empty())) return fail("-f/--follow cannot end: drop --to and --around");
  parse_format(output, cmd.render.format);
  cmd.render.fields = field_list;
  cmd.render.zone = zone;
  const ColorMode mode = color == "always" ? ColorMode::kAlways : color == "never" ? ColorMode::kNever : ColorMode::kAuto;
  cmd.render.color = cmd.render.format == Format::kPretty && use_color(mode, env);
  outcome.command = std::move(cmd);
  return outcome;
}

}  // namespace logpipe::query
