#include "query/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <sstream>

#include "query/profile.h"

namespace logpipe::query {

Environment Environment::from_process() {
  Environment e;
  auto get = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  e.es_url = get("LOGPIPE_ES_URL");
  e.index = get("LOGPIPE_INDEX");
  e.profile = get("LOGPIPE_PROFILE");
  e.username = get("LOGPIPE_ES_USERNAME");
  e.password = http::Secret(get("LOGPIPE_ES_PASSWORD"));
  e.api_key = http::Secret(get("LOGPIPE_ES_API_KEY"));
  e.ca_cert = get("LOGPIPE_ES_CA_CERT");
  e.home = get("HOME");
  e.config_file = get("LOGPIPE_QUERY_CONFIG");
  e.default_config_file = default_config_path(get("XDG_CONFIG_HOME"), get("HOME"));
  e.no_color = !get("NO_COLOR").empty();
  e.stdout_tty = ::isatty(STDOUT_FILENO) == 1;
  e.dumb_term = get("TERM") == "dumb";
  return e;
}

namespace {

struct AuthFlags {
  std::string user, password_file, api_key, api_key_file, ca_cert, client_cert, client_key;
  bool insecure = false;
};

// Where a setting came from; a lower value wins.
enum Level { kFlag, kEnv, kProfile, kNone };

Result<http::Secret> secret_from_file(const std::string& what, const std::string& path) {
  auto s = http::read_secret_file(path);
  if (!s) return Error(what + ": " + s.error().message());
  return s;
}

// TLS and credentials: each setting from the first of flag, environment variable, profile. A user and an
// API key from different levels: the higher level wins (an --api-key flag overrides a profile's user);
// from the same level they are an error. Secret files are read here, so a bad one is a startup error.
Result<http::ClientOptions> resolve_client(const AuthFlags& f, const Environment& env, const Profile& p) {
  http::ClientOptions o;
  const Level user_level = !f.user.empty() ? kFlag : !env.username.empty() ? kEnv : !p.user.empty() ? kProfile : kNone;
  const Level key_level = !f.api_key.empty() || !f.api_key_file.empty() ? kFlag
                          : !env.api_key.empty()                         ? kEnv
                          : !p.api_key_file.empty()                      ? kProfile
                                                                         : kNone;
  const std::string in_profile = "profile '" + p.name + "' ";
  if (user_level != kNone && user_level == key_level) {
    if (user_level == kFlag) return Error("--user and --api-key/--api-key-file exclude each other");
    if (user_level == kEnv) return Error("LOGPIPE_ES_USERNAME and LOGPIPE_ES_API_KEY exclude each other");
    return Error(in_profile + "has both user and api_key_file");
  }
  if (key_level < user_level) {
    if (!f.api_key.empty()) {
      o.credentials.api_key = http::Secret(f.api_key);
    } else if (!f.api_key_file.empty()) {
      auto s = secret_from_file("--api-key-file", f.api_key_file);
      if (!s) return s.error();
      o.credentials.api_key = std::move(*s);
    } else if (key_level == kEnv) {
      o.credentials.api_key = env.api_key;
    } else {
      auto s = secret_from_file(in_profile + "api_key_file", p.api_key_file);
      if (!s) return s.error();
      o.credentials.api_key = std::move(*s);
    }
  } else if (user_level < key_level) {
    o.credentials.username = user_level == kFlag ? f.user : user_level == kEnv ? env.username : p.user;
    if (!f.password_file.empty()) {
      auto s = secret_from_file("--password-file", f.password_file);
      if (!s) return s.error();
      o.credentials.password = std::move(*s);
    } else if (!env.password.empty()) {
      o.credentials.password = env.password;
    } else if (!p.password_file.empty()) {
      auto s = secret_from_file(in_profile + "password_file", p.password_file);
      if (!s) return s.error();
      o.credentials.password = std::move(*s);
    } else {
      return Error("user '" + o.credentials.username + "' needs a password: --password-file FILE or LOGPIPE_ES_PASSWORD");
    }
  }
  if (user_level == kNone && !f.password_file.empty()) return Error("--password-file needs --user");

  const Level ca_level = !f.ca_cert.empty() ? kFlag : !env.ca_cert.empty() ? kEnv : !p.ca_cert.empty() ? kProfile : kNone;
  o.tls.ca_file = ca_level == kFlag ? f.ca_cert : ca_level == kEnv ? env.ca_cert : p.ca_cert;
  // A profile's insecure gives way to a CA named by a flag or the environment; --insecure overrides any CA.
  o.tls.insecure = f.insecure || (p.insecure && ca_level >= kProfile);
  if (o.tls.insecure) o.tls.ca_file.clear();
  o.tls.client_cert_file = !f.client_cert.empty() ? f.client_cert : p.client_cert;
  o.tls.client_key_file = !f.client_cert.empty() || !f.client_key.empty() ? f.client_key : p.client_key;
  if (auto s = http::validate(o); !s) return Error(s.message());
  return o;
}

}  // namespace

bool use_color(ColorMode mode, const Environment& env) {
  if (mode == ColorMode::kAlways) return true;
  if (mode == ColorMode::kNever) return false;
  return env.stdout_tty && !env.no_color && !env.dumb_term;
}

ParseOutcome parse_command_line(const std::vector<std::string>& all_args, const Environment& env) {
  ParseOutcome outcome;
  Command cmd;
  std::vector<std::string> args = all_args;
  std::string name = "logpipe-query";
  if (!args.empty() && (args[0] == "hist" || args[0] == "top" || args[0] == "errors")) {
    cmd.kind = args[0] == "hist" ? Kind::kHist : args[0] == "top" ? Kind::kTop : Kind::kErrors;
    name += " " + args[0];
    args.erase(args.begin());
  }
  const bool search = cmd.kind == Kind::kSearch;
  std::string config_file = env.config_file, profile_name = env.profile;
  SearchOptions& s = cmd.search;
  std::string output = "pretty", color = "auto", level, from, to, around, window = "5m";
  std::vector<std::string> fields, field_list;
  bool utc = false;

  std::string context_by = "host,service";
  std::string cursor;
  AuthFlags auth;
  int64_t context = -1;
  CLI::App app{"logpipe-query: search logs by host, service, level, trace, fields, time and text", name};
  if (cmd.kind == Kind::kHist) {
    app.description("logpipe-query hist: a histogram of matching events over time, drawn in the terminal");
    app.footer(
        "Examples:\n"
        "  logpipe-query hist --since 6h -s checkout --level error\n"
        "  logpipe-query hist --from '2h ago' --interval 5m -o csv\n"
        "Exit codes: 0 = some events, 1 = none, 2 = error.");
    app.add_option("--interval", cmd.interval, "fixed bucket width: 30s, 5m, 1h (default: automatic)");
    app.add_option("--buckets", cmd.buckets, "about how many buckets with the automatic interval")->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  } else if (cmd.kind == Kind::kTop) {
    app.description("logpipe-query top FIELD: the most frequent values of a keyword field among matching events");
    app.footer(
        "Examples:\n"
        "  logpipe-query top service.name --level error --since 15m\n"
        "  logpipe-query top host.name -s checkout -k 5\n"
        "  logpipe-query top log.level -o json\n"
        "Exit codes: 0 = some values, 1 = none, 2 = error.");
    app.add_option("field", cmd.top_field, "keyword field, e.g. service.name, host.name, log.level")->required();
    app.add_option("-k,--top", cmd.agg_size, "how many values")->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{10000}));
  } else if (cmd.kind == Kind::kErrors) {
    app.description("logpipe-query errors: the largest error groups (error.fingerprint) with count, first and last seen, one example");
    app.footer(
        "Examples:\n"
        "  logpipe-query errors --since 24h\n"
        "  logpipe-query errors -s checkout -k 3 -o jsonl\n"
        "Exit codes: 0 = some groups, 1 = none (or no event has error.fingerprint), 2 = error.");
    app.add_option("-k,--top", cmd.agg_size, "how many groups")->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{10000}));
  }
  if (search) app.footer(
      "Examples:\n"
      "  logpipe-query -H web-1 -s checkout --since 15m\n"
      "  logpipe-query -s 'checkout*' --level warn 'payment declined'\n"
      "  logpipe-query --trace 4bf92f3577b34da6a3ce929d0e0e4736 --since 1d\n"
      "  logpipe-query --field labels.team=core --field 'log.logger!=audit' --field 'error.type~=.*Timeout.*'\n"
      "  logpipe-query --from '2h ago' --to now-1h -o logfmt --fields @timestamp,host.name,message\n"
      "  logpipe-query --around 2024-03-05T10:11:12Z --window 2m -H web-1\n"
      "  logpipe-query -s api -o jsonl -n 0 | jq .message\n"
      "  logpipe-query -f -s checkout --level error\n"
      "  logpipe-query --url https://es:9200 --ca-cert ca.pem -u alice --password-file ~/.es-password -s api\n"
      "  LOGPIPE_ES_API_KEY=$(cat ~/.es-key) logpipe-query --url https://es:9200 --level error\n"
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
  if (search) {
    app.add_option("-n,--limit", s.limit, "newest N events, printed oldest first; 0 = all")->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--oldest-first", s.oldest_first, "take the oldest N events of the window instead of the newest");
    app.add_option("--cursor", cursor, "continue a search cut by -n: the cursor it printed on stderr");
    app.add_option("-A,--after-context", cmd.context_after, "also print N events after each hit (same host and service)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("-B,--before-context", cmd.context_before, "also print N events before each hit")->check(CLI::NonNegativeNumber);
    app.add_option("-C,--context", context, "-A N and -B N")->check(CLI::NonNegativeNumber);
    app.add_option("--context-by", context_by, "neighbours share: host,service (default) | host | service | none")
        ->check(CLI::IsMember({"host,service", "service,host", "host", "service", "none"}))->capture_default_str();
    app.add_option("--fields", field_list, "comma-separated fields to print, e.g. @timestamp,host.name,message")->delimiter(',');
    app.add_flag("-f,--follow", cmd.follow, "print the backlog, then new events as they arrive (Ctrl-C to stop)");
  }
  app.add_option("-o,--output", output, "pretty | raw | json | jsonl | logfmt | csv")
      ->check(CLI::IsMember({"pretty", "raw", "json", "jsonl", "logfmt", "csv"}))->capture_default_str();
  app.add_option("--color", color, "auto | always | never (auto: on a terminal, unless NO_COLOR is set)")
      ->check(CLI::IsMember({"auto", "always", "never"}))->capture_default_str();
  const std::string cluster = "Cluster, TLS and authentication (flag > environment > profile)";
  app.add_option("--url", cmd.url, "Elasticsearch or OpenSearch URL, http:// or https:// (env LOGPIPE_ES_URL)")
      ->capture_default_str()->group(cluster);
  app.add_option("--index", cmd.index, "index pattern (env LOGPIPE_INDEX)")->capture_default_str()->group(cluster);
  app.add_option("--profile", profile_name, "profile from the config file (env LOGPIPE_PROFILE)")->group(cluster);
  auto* config_opt = app.add_option("--config", config_file,
                                    "config file with profiles (env LOGPIPE_QUERY_CONFIG, default ~/.config/logpipe/query.yaml)")
                         ->group(cluster);
  auto* user_opt = app.add_option("-u,--user", auth.user, "user for basic authentication (env LOGPIPE_ES_USERNAME)")->group(cluster);
  app.add_option("--password-file", auth.password_file, "file holding the user's password (or env LOGPIPE_ES_PASSWORD)")->group(cluster);
  auto* key_opt = app.add_option("--api-key", auth.api_key,
                                 "API key, encoded or id:key (env LOGPIPE_ES_API_KEY; a flag shows in ps: prefer the file or env)")
                      ->group(cluster);
  auto* key_file_opt = app.add_option("--api-key-file", auth.api_key_file, "file holding an API key")->group(cluster);
  auto* ca_opt = app.add_option("--ca-cert", auth.ca_cert, "PEM file of CA certificates to trust (env LOGPIPE_ES_CA_CERT; default: the system's)")
                     ->group(cluster);
  app.add_option("--client-cert", auth.client_cert, "PEM client certificate, when the cluster asks for one")->group(cluster);
  app.add_option("--client-key", auth.client_key, "PEM key of --client-cert (default: in the same file)")->group(cluster);
  auto* insecure_opt = app.add_flag("--insecure", auth.insecure, "do not verify the server's certificate and name (testing only)")->group(cluster);
  app.add_flag("--print-request", cmd.print_request, "print the HTTP request (method, path, JSON body) instead of sending it");
  key_opt->excludes(key_file_opt);
  user_opt->excludes(key_opt)->excludes(key_file_opt);
  insecure_opt->excludes(ca_opt);
  app.add_flag("-q,--quiet", cmd.quiet, "no metadata (counts, notices) on stderr");
  from_opt->excludes(since_opt);
  around_opt->excludes(since_opt)->excludes(from_opt)->excludes(to_opt);
  // Like most CLIs, a repeated single-valued flag means its last value (handy with shell aliases).
  for (const char* flag : {"--since", "--output", "--url", "--index", "--profile", "--config", "--level", "--trace", "--from", "--to", "--around",
                           "--window", "--color", "--query-string", "--user", "--password-file", "--api-key", "--api-key-file",
                           "--ca-cert", "--client-cert", "--client-key"})
    app.get_option(flag)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  if (search)
    for (const char* flag : {"--limit", "-A", "-B", "-C", "--context-by"})
      app.get_option(flag)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

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

  // Cluster settings: flag > environment > profile > default.
  const bool config_required = config_opt->count() > 0 || !env.config_file.empty();
  auto profile = load_profile(config_required ? config_file : env.default_config_file, config_required, profile_name, env.home);
  if (!profile) return fail(profile.error().message());
  cmd.profile = profile->name;
  if (app.count("--url") == 0) {
    if (!env.es_url.empty()) cmd.url = env.es_url;
    else if (!profile->url.empty()) cmd.url = profile->url;
  }
  if (app.count("--index") == 0) {
    if (!env.index.empty()) cmd.index = env.index;
    else if (!profile->index.empty()) cmd.index = profile->index;
  }
  auto client = resolve_client(auth, env, *profile);
  if (!client) return fail(client.error().message());
  cmd.client = std::move(*client);

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
    // --to without --from or --since: everything before it, not only the last hour (date_nanos starts at
    // the epoch). With --since, the window is the last <since> as usual, cut at --to.
    if (s.from.empty() && since_opt->count() == 0) s.from = "1970-01-01T00:00:00.000000Z";
  }
  if (!around.empty()) {
    auto p = parse_time_point(around, "--around", zone);
    if (!p) return fail(p.error().message());
    if (!since_to_date_math(window)) return fail("bad --window '" + window + "': use a number with s, m, h or d (e.g. 5m)");
    s.from = shift_time_point(*p, '-', window);
    s.to = shift_time_point(*p, '+', window);
  }
  if (cmd.follow && (!to.empty() || !around.empty())) return fail("-f/--follow cannot end: drop --to and --around");
  if (!cursor.empty()) {
    if (auto applied = apply_cursor(cursor, s); !applied) return fail(applied.message());
    if (cmd.follow) return fail("-f/--follow cannot be combined with --cursor");
  }
  if (context >= 0) cmd.context_before = cmd.context_after = context;
  if (cmd.follow && (cmd.context_before > 0 || cmd.context_after > 0)) return fail("-f/--follow cannot be combined with -A/-B/-C");
  cmd.context_same_host = context_by.find("host") != std::string::npos;
  cmd.context_same_service = context_by.find("service") != std::string::npos;
  if (cmd.kind == Kind::kTop) {
    if (!parse_field_filter(cmd.top_field + "=x")) return fail("bad field '" + cmd.top_field + "' for top");
  }
  if (!cmd.interval.empty() && !since_to_date_math(cmd.interval))
    return fail("bad --interval '" + cmd.interval + "': use a number with s, m, h or d (e.g. 5m)");
  parse_format(output, cmd.render.format);
  cmd.render.fields = field_list;
  cmd.render.zone = zone;
  const ColorMode mode = color == "always" ? ColorMode::kAlways : color == "never" ? ColorMode::kNever : ColorMode::kAuto;
  cmd.render.color = cmd.render.format == Format::kPretty && use_color(mode, env);
  outcome.command = std::move(cmd);
  return outcome;
}

}  // namespace logpipe::query
