// The indexer's elasticsearch.* TLS and credential options: resolved into http::ClientOptions at load
// time, secrets from files or named environment variables, errors with key paths and without secrets.

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "indexer/indexer_config.h"
#include "tests/fakes/temp_dir.h"

using logpipe::indexer::load_config;
using logpipe::testing::TempDir;
using logpipe::testing::write_file;

namespace {

struct Env {
  std::map<std::string, std::string> vars;
  std::function<const char*(const char*)> getenv() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

}  // namespace

TEST_CASE("indexer config: defaults mean plain HTTP without credentials", "[indexer][config]") {
  auto c = load_config("");
  REQUIRE(c);
  CHECK_FALSE(c->es_client.credentials.any());
  CHECK(c->es_client.tls.ca_file.empty());
  CHECK_FALSE(c->es_client.tls.insecure);
  CHECK(c->es_client.timeout == std::chrono::seconds(30));
}

TEST_CASE("indexer config: user with a password file, CA file, client certificate", "[indexer][config]") {
  TempDir dir;
  write_file(dir.file("pw"), "s3cret\n");
  write_file(dir.file("indexer.yaml"), "elasticsearch:\n"
                                       "  url: https://es:9200\n"
                                       "  timeout: 5s\n"
                                       "  username: logpipe_writer\n"
                                       "  password_file: " + dir.file("pw") + "\n"
                                       "  ca_file: /etc/logpipe/ca.pem\n"
                                       "  client_cert_file: /etc/logpipe/client.pem\n");
  auto c = load_config(dir.file("indexer.yaml"));
  INFO((c ? "" : c.error().message()));
  REQUIRE(c);
  const auto& o = c->es_client;
  CHECK(o.timeout == std::chrono::seconds(5));
  CHECK(o.credentials.username == "logpipe_writer");
  CHECK(o.credentials.password.reveal() == "s3cret");
  CHECK(o.tls.ca_file == "/etc/logpipe/ca.pem");
  CHECK(o.tls.client_cert_file == "/etc/logpipe/client.pem");
  CHECK(o.tls.client_key_file.empty());
}

TEST_CASE("indexer config: secrets from named environment variables", "[indexer][config]") {
  TempDir dir;
  Env env;
  env.vars["ES_KEY"] = "id:key";
  write_file(dir.file("a.yaml"), "elasticsearch: {api_key_env: ES_KEY, insecure: true}\n");
  auto c = load_config(dir.file("a.yaml"), env.getenv());
  REQUIRE(c);
  CHECK(c->es_client.credentials.api_key.reveal() == "id:key");
  CHECK(c->es_client.tls.insecure);

  write_file(dir.file("b.yaml"), "elasticsearch: {username: u, password_env: ES_PW}\n");
  auto unset = load_config(dir.file("b.yaml"), env.getenv());
  REQUIRE_FALSE(unset);
  CHECK(unset.error().message() == dir.file("b.yaml") + ": elasticsearch.password_env: environment variable ES_PW is not set or empty");
  env.vars["ES_PW"] = "pw-from-env";
  auto set = load_config(dir.file("b.yaml"), env.getenv());
  REQUIRE(set);
  CHECK(set->es_client.credentials.password.reveal() == "pw-from-env");
}

TEST_CASE("indexer config: contradictory or missing credentials are errors that name the keys, not the secrets", "[indexer][config]") {
  TempDir dir;
  Env env;
  env.vars["PW"] = "hunter2";
  write_file(dir.file("pw"), "hunter2\n");
  auto error_of = [&](const std::string& yaml) {
    write_file(dir.file("c.yaml"), yaml);
    auto c = load_config(dir.file("c.yaml"), env.getenv());
    REQUIRE_FALSE(c);
    CHECK(c.error().message().find("hunter2") == std::string::npos);
    return c.error().message().substr(dir.file("c.yaml").size() + 2);
  };
  CHECK(error_of("elasticsearch: {username: u}\n") == "elasticsearch: user 'u' has no password");
  CHECK(error_of("elasticsearch: {password_env: PW}\n") == "elasticsearch: a password is set but no user name");
  CHECK(error_of("elasticsearch: {username: u, password_env: PW, password_file: " + dir.file("pw") + "}\n") ==
        "elasticsearch.password_file and elasticsearch.password_env: set one of them");
  CHECK(error_of("elasticsearch: {username: u, password_env: PW, api_key_env: PW}\n") ==
        "elasticsearch: give either a user name (basic authentication) or an API key, not both");
  CHECK(error_of("elasticsearch: {api_key_file: " + dir.file("none") + "}\n") ==
        "elasticsearch.api_key_file: cannot read " + dir.file("none") + ": No such file or directory");
  CHECK(error_of("elasticsearch: {ca_file: /ca.pem, insecure: true}\n") == "elasticsearch: a CA file and insecure mode exclude each other");
}
