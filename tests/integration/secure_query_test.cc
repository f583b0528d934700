// The query CLI and the indexer against a real Elasticsearch with security on: TLS on HTTP with a
// certificate made by deploy/stack.sh (openssl) and a file-realm user (elasticsearch-users), started by the
// ctest fixture `secure_es` (tests/integration/private_engine.sh). Good credentials read, bad ones fail
// with one line and exit 2, and no output ever contains the password.
//
// Not covered here: API keys. Creating one needs the .security index, whose mapping uses the
// analysis-common module that the integ-test distribution lacks (HTTP 400 "Unknown filter type
// [pattern_capture]"); the ApiKey header itself is covered by the unit tests.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/http/beast_client.h"
#include "common/time_util.h"
#include "tests/fakes/temp_dir.h"
#include "tests/fakes/test_certificates.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe;
using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Where the fixture's engine is and how to log in.
struct SecureEs {
  std::string dir = trimmed(run_command(std::string(LOGPIPE_PRIVATE_ENGINE_SCRIPT) + " dir secure-es").out);
  std::string url = trimmed(run_command(std::string(LOGPIPE_PRIVATE_ENGINE_SCRIPT) + " url secure-es").out);
  std::string ca = dir + "/security/ca.pem";
  std::string password_file = dir + "/security/password";
  std::string password = trimmed(read_all(password_file));
  std::string user = env_or("LOGPIPE_ES_SECURITY_USER", "logpipe");

  http::ClientOptions options() const {
    http::ClientOptions o;
    o.tls.ca_file = ca;
    o.credentials.username = user;
    o.credentials.password = http::Secret(password);
    return o;
  }
};

struct Run {
  int exit_code = -1;
  std::string out, err;
};

Run query(const std::string& args, const std::string& env = "") {
  TempDir dir;
  auto r = run_command(env + " " + std::string(LOGPIPE_QUERY_BIN) + " " + args + " 2>" + dir.file("err"));
  return {r.exit_code, r.out, read_all(dir.file("err"))};
}

}  // namespace

TEST_CASE("secure: the query CLI reads over TLS with basic auth, bad or missing credentials fail with one line and exit 2", "[integration][secure]") {
  SecureEs es;
  REQUIRE_FALSE(es.password.empty());
  const std::string index = unique_name("secq");
  auto endpoint = http::parse_url(es.url);
  REQUIRE(endpoint.ok());
  auto client = http::BeastClient::create(*endpoint, es.options());
  INFO((client.ok() ? "" : client.error().message()));
  REQUIRE(client.ok());
  const auto at = std::chrono::system_clock::now() - 5min;
  const std::string ts = format_rfc3339_millis(std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count());
  auto bulk = (*client)->send({"POST", "/_bulk?refresh=true",
                               R"({"create":{"_index":")" + index + R"("}})" "\n" R"({"@timestamp":")" + ts +
                                   R"(","message":"over tls","host":{"name":"h1"}})" "\n",
                               "application/x-ndjson"});
  REQUIRE(bulk.ok());
  INFO(bulk->body);
  REQUIRE(bulk->status == 200);

  const std::string base = "--url " + es.url + " --index " + index + " -o raw";
  auto good = query(base + " --ca-cert " + es.ca + " -u " + es.user + " --password-file " + es.password_file);
  INFO(good.err);
  CHECK(good.exit_code == 0);
  CHECK(good.out == "over tls\n");

  // The same through the environment.
  auto from_env = query(base, "LOGPIPE_ES_CA_CERT=" + es.ca + " LOGPIPE_ES_USERNAME=" + es.user + " LOGPIPE_ES_PASSWORD=" + es.password);
  CHECK(from_env.exit_code == 0);
  CHECK(from_env.out == "over tls\n");

  TempDir dir;
  write_file(dir.file("wrong"), "not-the-password\n");
  auto wrong = query(base + " --ca-cert " + es.ca + " -u " + es.user + " --password-file " + dir.file("wrong"));
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.out.empty());
  CHECK_THAT(wrong.err, Catch::StartsWith("logpipe-query: authentication failed (HTTP 401): security_exception: unable to authenticate user [" +
                                          es.user + "]"));
  CHECK(std::count(wrong.err.begin(), wrong.err.end(), '\n') == 1);
  CHECK(wrong.err.find("not-the-password") == std::string::npos);

  auto anonymous = query(base + " --ca-cert " + es.ca);
  CHECK(anonymous.exit_code == 2);
  CHECK_THAT(anonymous.err, Catch::StartsWith("logpipe-query: authentication failed (HTTP 401): security_exception: missing authentication credentials"));

  auto bad_key = query(base + " --ca-cert " + es.ca, "LOGPIPE_ES_API_KEY=bm90OmFrZXk=");
  CHECK(bad_key.exit_code == 2);
  CHECK_THAT(bad_key.err, Catch::StartsWith("logpipe-query: authentication failed (HTTP 401)"));
  CHECK(bad_key.err.find("bm90OmFrZXk=") == std::string::npos);

  // TLS: a CA that did not sign the certificate is refused; --insecure reads anyway; plain HTTP is named.
  write_file(dir.file("other-ca.pem"), make_ca("not the stack's CA").cert);
  auto wrong_ca = query(base + " --ca-cert " + dir.file("other-ca.pem") + " -u " + es.user + " --password-file " + es.password_file);
  CHECK(wrong_ca.exit_code == 2);
  CHECK_THAT(wrong_ca.err, Catch::Contains("certificate verify failed"));
  CHECK(std::count(wrong_ca.err.begin(), wrong_ca.err.end(), '\n') == 1);
  auto insecure = query(base + " --insecure -u " + es.user + " --password-file " + es.password_file);
  CHECK(insecure.exit_code == 0);
  CHECK(insecure.out == "over tls\n");
  std::string plain_url = es.url;
  plain_url.replace(0, 5, "http");
  auto plain = query("--url " + plain_url + " --index " + index + " -u " + es.user + " --password-file " + es.password_file);
  CHECK(plain.exit_code == 2);
  CHECK_THAT(plain.err, Catch::Contains("(is the server https://?)"));

  for (const auto* r : {&good, &from_env, &wrong, &anonymous, &wrong_ca, &insecure, &plain}) {
    CHECK(r->err.find(es.password) == std::string::npos);
    CHECK(r->out.find(es.password) == std::string::npos);
  }
  (void)(*client)->send({"DELETE", "/" + index, "", "application/json"});
}

TEST_CASE("secure: the indexer installs its template over TLS with basic auth, and logs no secret when refused", "[integration][secure]") {
  SecureEs es;
  const std::string prefix = unique_name("secidx") + "-";
  auto client = http::BeastClient::create(http::parse_url(es.url).value(), es.options());
  INFO((client.ok() ? "" : client.error().message()));
  REQUIRE(client.ok());
  TempDir dir;
  write_file(dir.file("wrong"), "not-the-password\n");
  auto config = [&](const std::string& password_file) {
    return "status_listen: \"\"\n"
           // No Kafka needed: the template is installed before the first poll.
           "kafka: {brokers: \"127.0.0.1:" + env_or("LOGPIPE_KAFKA_PORT", "9092") + "\", topics: [" + prefix + "t], group_id: " + prefix + "g}\n"
           "elasticsearch:\n"
           "  url: " + es.url + "\n"
           "  index_prefix: " + prefix + "\n"
           "  ca_file: " + es.ca + "\n"
           "  username: " + es.user + "\n"
           "  password_file: " + password_file + "\n";
  };
  write_file(dir.file("good.yaml"), config(es.password_file));
  write_file(dir.file("bad.yaml"), config(dir.file("wrong")));
  const std::string template_path = "/_index_template/logpipe-" + prefix;
  {
    ChildProcess indexer({LOGPIPE_INDEXER_BIN, "-c", dir.file("good.yaml")}, dir.file("good.log"));
    REQUIRE(indexer.started());
    const bool installed = wait_until(
        [&] {
          auto r = (*client)->send({"GET", template_path, "", "application/json"});
          return r.ok() && r->status == 200;
        },
        60s);
    INFO(indexer.log());
    CHECK(installed);
    CHECK(indexer.stop() == 0);
  }
  {
    ChildProcess indexer({LOGPIPE_INDEXER_BIN, "-c", dir.file("bad.yaml")}, dir.file("bad.log"));
    REQUIRE(indexer.started());
    const bool refused = wait_until([&] { return indexer.log().find("HTTP 401") != std::string::npos; }, 60s);
    indexer.stop();
    INFO(indexer.log());
    CHECK(refused);
    CHECK(indexer.log().find("not-the-password") == std::string::npos);
    CHECK(indexer.log().find(es.password) == std::string::npos);
  }
  (void)(*client)->send({"DELETE", template_path, "", "application/json"});
}
