// The query CLI's TLS and credential settings: flags, environment variables and profile keys, their
// precedence, secret files, one-line errors that never quote a secret, and --print-request.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "query/cli.h"
#include "query/run.h"
#include "tests/fakes/temp_dir.h"

using logpipe::http::Secret;
using logpipe::query::Environment;
using logpipe::query::parse_command_line;
using logpipe::query::ParseOutcome;
using logpipe::testing::TempDir;
using logpipe::testing::write_file;

namespace {

ParseOutcome parse(std::vector<std::string> args, const Environment& env = {}) { return parse_command_line(args, env); }

struct Files {
  TempDir dir;
  std::string password = dir.file("password"), key = dir.file("key"), config = dir.file("query.yaml");
  Files() {
    write_file(password, "s3cret-pw\n");
    write_file(key, "id1:k3y\n");
  }
  Environment env() const {
    Environment e;
    e.default_config_file = config;
    e.home = dir.path().string();
    return e;
  }
};

}  // namespace

TEST_CASE("cli auth: no flags means no credentials and default TLS", "[query]") {
  auto r = parse({});
  REQUIRE(r.command);
  CHECK_FALSE(r.command->client.credentials.any());
  CHECK(r.command->client.tls.ca_file.empty());
  CHECK_FALSE(r.command->client.tls.insecure);
}

TEST_CASE("cli auth: --user with --password-file or LOGPIPE_ES_PASSWORD", "[query]") {
  Files f;
  auto r = parse({"-u", "alice", "--password-file", f.password}, f.env());
  REQUIRE(r.command);
  CHECK(r.command->client.credentials.username == "alice");
  CHECK(r.command->client.credentials.password.reveal() == "s3cret-pw");

  Environment env = f.env();
  env.password = Secret("from-env");
  auto from_env = parse({"--user", "alice"}, env);
  REQUIRE(from_env.command);
  CHECK(from_env.command->client.credentials.password.reveal() == "from-env");
  // The file flag beats the environment.
  auto both = parse({"--user", "alice", "--password-file", f.password}, env);
  CHECK(both.command->client.credentials.password.reveal() == "s3cret-pw");

  auto none = parse({"--user", "alice"}, f.env());
  CHECK(none.exit_code == 2);
  CHECK(none.err == "logpipe-query: user 'alice' needs a password: --password-file FILE or LOGPIPE_ES_PASSWORD\n");
  auto orphan = parse({"--password-file", f.password}, f.env());
  CHECK(orphan.err == "logpipe-query: --password-file needs --user\n");
  auto missing = parse({"--user", "alice", "--password-file", f.dir.file("nope")}, f.env());
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "logpipe-query: --password-file: cannot read " + f.dir.file("nope") + ": No such file or directory\n");
}

TEST_CASE("cli auth: API key from the flag, a file or LOGPIPE_ES_API_KEY, not with --user", "[query]") {
  Files f;
  auto flag = parse({"--api-key", "ZW5jb2RlZA=="}, f.env());
  REQUIRE(flag.command);
  CHECK(flag.command->client.credentials.api_key.reveal() == "ZW5jb2RlZA==");
  auto file = parse({"--api-key-file", f.key}, f.env());
  REQUIRE(file.command);
  CHECK(file.command->client.credentials.api_key.reveal() == "id1:k3y");
  Environment env = f.env();
  env.api_key = Secret("ZnJvbS1lbnY=");
  auto from_env = parse({}, env);
  REQUIRE(from_env.command);
  CHECK(from_env.command->client.credentials.api_key.reveal() == "ZnJvbS1lbnY=");
  // A user given as a flag overrides an API key from the environment (the higher level wins).
  Environment with_password = env;
  with_password.password = Secret("pw");
  auto user_wins = parse({"-u", "bob"}, with_password);
  REQUIRE(user_wins.command);
  CHECK(user_wins.command->client.credentials.username == "bob");
  CHECK(user_wins.command->client.credentials.api_key.empty());

  CHECK(parse({"-u", "bob", "--api-key", "k"}, f.env()).exit_code == 2);
  CHECK(parse({"--api-key", "k", "--api-key-file", f.key}, f.env()).exit_code == 2);
  Environment both = f.env();
  both.username = "bob";
  both.api_key = Secret("k");
  both.password = Secret("pw");
  CHECK(parse({}, both).err == "logpipe-query: LOGPIPE_ES_USERNAME and LOGPIPE_ES_API_KEY exclude each other\n");
}

TEST_CASE("cli auth: profile keys, with ~/ paths, flags and environment override them", "[query]") {
  Files f;
  std::ofstream(f.config) << "default_profile: prod\n"
                             "profiles:\n"
                             "  prod:\n"
                             "    url: https://prod:9200\n"
                             "    user: alice\n"
                             "    password_file: ~/password\n"
                             "    ca_cert: ~/ca.pem\n"
                             "  keyed: {url: \"https://k:9200\", api_key_file: ~/key, insecure: true}\n"
                             "  both: {user: a, api_key_file: ~/key}\n";
  auto prod = parse({}, f.env());
  REQUIRE(prod.command);
  const auto& c = prod.command->client;
  CHECK(c.credentials.username == "alice");
  CHECK(c.credentials.password.reveal() == "s3cret-pw");
  CHECK(c.tls.ca_file == f.dir.file("ca.pem"));
  CHECK_FALSE(c.tls.insecure);

  auto keyed = parse({"--profile", "keyed"}, f.env());
  REQUIRE(keyed.command);
  CHECK(keyed.command->client.credentials.api_key.reveal() == "id1:k3y");
  CHECK(keyed.command->client.tls.insecure);
  // A CA named by a flag or the environment replaces the profile's insecure.
  Environment with_ca = f.env();
  with_ca.ca_cert = "/etc/ca.pem";
  auto ca_wins = parse({"--profile", "keyed"}, with_ca);
  REQUIRE(ca_wins.command);
  CHECK_FALSE(ca_wins.command->client.tls.insecure);
  CHECK(ca_wins.command->client.tls.ca_file == "/etc/ca.pem");
  // --insecure overrides a profile's CA file.
  auto insecure = parse({"--insecure"}, f.env());
  REQUIRE(insecure.command);
  CHECK(insecure.command->client.tls.insecure);
  CHECK(insecure.command->client.tls.ca_file.empty());
  CHECK(parse({"--insecure", "--ca-cert", "x.pem"}, f.env()).exit_code == 2);
  // An API key flag overrides the profile's user.
  auto key_wins = parse({"--api-key", "abc"}, f.env());
  REQUIRE(key_wins.command);
  CHECK(key_wins.command->client.credentials.username.empty());
  CHECK(key_wins.command->client.credentials.api_key.reveal() == "abc");

  auto both = parse({"--profile", "both"}, f.env());
  CHECK(both.err == "logpipe-query: profile 'both' has both user and api_key_file\n");
}

TEST_CASE("cli auth: errors never contain a secret", "[query]") {
  Files f;
  write_file(f.dir.file("two-lines"), "s3cret-pw\nmore\n");
  auto r = parse({"-u", "alice", "--password-file", f.dir.file("two-lines")}, f.env());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("s3cret-pw") == std::string::npos);
  CHECK(r.err == "logpipe-query: --password-file: " + f.dir.file("two-lines") + " has more than one line; it must hold the secret only\n");
  auto clash = parse({"-u", "a", "--api-key", "s3cret-key"}, f.env());
  CHECK(clash.err.find("s3cret-key") == std::string::npos);
}

TEST_CASE("cli: --print-request shows the one request a command sends and sends nothing", "[query]") {
  auto run = [](std::vector<std::string> args) {
    auto parsed = parse(args);
    REQUIRE(parsed.command);
    std::ostringstream out, err;
    const int code = logpipe::query::print_request(*parsed.command, out, err);
    return std::make_tuple(code, out.str(), err.str());
  };
  auto [code, out, err] = run({"-H", "web-1", "-n", "5", "--print-request", "--index", "app-*"});
  CHECK(code == 0);
  CHECK(out == "POST /app-*/_search?ignore_unavailable=true&allow_no_indices=true\n"
               R"({"size":5,"sort":[{"@timestamp":{"order":"desc"}},{"log.offset":{"order":"desc","unmapped_type":"long"}}],)"
               R"("query":{"bool":{"filter":[{"terms":{"host.name":["web-1"]}},{"range":{"@timestamp":{"gte":"now-1h"}}}]}}})"
               "\n");
  CHECK(err.empty());
  auto [top_code, top_out, top_err] = run({"top", "service.name", "--print-request"});
  CHECK(top_code == 0);
  CHECK_THAT(top_out, Catch::StartsWith("POST /logs-*/_search?ignore_unavailable=true&allow_no_indices=true\n{"));
  auto [deep_code, deep_out, deep_err] = run({"-n", "0", "--print-request"});
  CHECK(deep_code == 2);
  CHECK(deep_err == "logpipe-query: --print-request: only for -n 1..10000 (deeper searches page)\n");
  auto [hist_code, hist_out, hist_err] = run({"hist", "--print-request"});
  CHECK(hist_code == 2);
}
