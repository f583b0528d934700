// Authorization header rendering, option validation, secret files, URL parsing and redaction: a secret
// never shows up in an error message.

#include <catch2/catch.hpp>

#include "common/http/beast_client.h"
#include "common/http/client_options.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe;
using namespace logpipe::testing;

TEST_CASE("base64 follows RFC 4648", "[common]") {
  CHECK(http::base64_encode("") == "");
  CHECK(http::base64_encode("f") == "Zg==");
  CHECK(http::base64_encode("fo") == "Zm8=");
  CHECK(http::base64_encode("foo") == "Zm9v");
  CHECK(http::base64_encode("foob") == "Zm9vYg==");
  CHECK(http::base64_encode("fooba") == "Zm9vYmE=");
  CHECK(http::base64_encode("foobar") == "Zm9vYmFy");
  CHECK(http::base64_encode(std::string("\xff\x00\x80", 3)) == "/wCA");
}

TEST_CASE("authorization header: basic, API key (encoded or id:key), none", "[common]") {
  http::Credentials none;
  CHECK(http::authorization_value(none).empty());
  http::Credentials basic{"elastic", http::Secret("pä:ss"), {}};
  CHECK(http::authorization_value(basic) == "Basic " + http::base64_encode("elastic:pä:ss"));
  http::Credentials encoded{"", {}, http::Secret("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==")};
  CHECK(http::authorization_value(encoded) == "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  http::Credentials id_and_key{"", {}, http::Secret("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw")};
  CHECK(http::authorization_value(id_and_key) == "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
}

TEST_CASE("client options: contradictions are errors that do not quote secrets", "[common]") {
  http::ClientOptions o;
  CHECK(http::validate(o).ok());
  o.credentials = {"elastic", http::Secret("hunter2"), {}};
  CHECK(http::validate(o).ok());
  o.credentials.api_key = http::Secret("k3y-s3cret");
  auto both = http::validate(o);
  REQUIRE_FALSE(both.ok());
  CHECK(both.message() == "give either a user name (basic authentication) or an API key, not both");
  o.credentials = {"elastic", {}, {}};
  CHECK(http::validate(o).message() == "user 'elastic' has no password");
  o.credentials = {"", http::Secret("hunter2"), {}};
  CHECK(http::validate(o).message() == "a password is set but no user name");
  o.credentials = {"a:b", http::Secret("hunter2"), {}};
  CHECK_FALSE(http::validate(o).ok());
  o.credentials = {};
  o.tls.client_key_file = "/k.pem";
  CHECK(http::validate(o).message() == "a client key file needs a client certificate file");
  o.tls = {"/ca.pem", true, "", ""};
  CHECK(http::validate(o).message() == "a CA file and insecure mode exclude each other");
}

TEST_CASE("secret files: one line, trailing newline dropped, content never in errors", "[common]") {
  TempDir dir;
  write_file(dir.file("lf"), "hunter2\n");
  write_file(dir.file("crlf"), "hunter2\r\n");
  write_file(dir.file("bare"), "hunter2");
  for (const char* name : {"lf", "crlf", "bare"}) {
    auto s = http::read_secret_file(dir.file(name));
    REQUIRE(s.ok());
    CHECK(s->reveal() == "hunter2");
  }
  write_file(dir.file("two"), "hunter2\nPASSWORD=hunter3\n");
  auto two = http::read_secret_file(dir.file("two"));
  REQUIRE_FALSE(two.ok());
  CHECK(two.error().message() == dir.file("two") + " has more than one line; it must hold the secret only");
  write_file(dir.file("empty"), "\n");
  CHECK(http::read_secret_file(dir.file("empty")).error().message() == dir.file("empty") + " is empty");
  CHECK(http::read_secret_file(dir.file("missing")).error().message() == "cannot read " + dir.file("missing") + ": No such file or directory");
  CHECK(http::read_secret_file(dir.path().string()).error().message() == "cannot read " + dir.path().string() + ": it is a directory");
}

TEST_CASE("URLs: http and https, default ports, credentials refused without echoing them", "[common]") {
  auto plain = http::parse_url("http://es:9200/prefix/");
  REQUIRE(plain.ok());
  CHECK(plain->host == "es");
  CHECK(plain->port == "9200");
  CHECK(plain->base_path == "/prefix");
  CHECK_FALSE(plain->tls);
  auto secure = http::parse_url("https://es.example");
  REQUIRE(secure.ok());
  CHECK(secure->tls);
  CHECK(secure->port == "443");
  auto v6 = http::parse_url("https://[::1]:9200");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(http::parse_url("http://es").value().port == "80");
  CHECK(http::parse_url("ftp://es").error().message() == "URL 'ftp://es': the scheme must be http:// or https://");

  auto with_password = http::parse_url("https://elastic:hunter2@es:9200");
  REQUIRE_FALSE(with_password.ok());
  CHECK(with_password.error().message().find("hunter2") == std::string::npos);
  CHECK_THAT(with_password.error().message(), Catch::StartsWith("URL 'https://***@es:9200': credentials in the URL are not accepted"));
  auto bad = http::parse_url("https://elastic:hunter2@es:port");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("hunter2") == std::string::npos);
}

TEST_CASE("redact_url hides user information only", "[common]") {
  CHECK(http::redact_url("https://u:p@h:9200/x?y=1") == "https://***@h:9200/x?y=1");
  CHECK(http::redact_url("https://u@h") == "https://***@h");
  CHECK(http::redact_url("http://h:9200/a@b") == "http://h:9200/a@b");  // '@' in the path is not user info
  CHECK(http::redact_url("http://h:9200") == "http://h:9200");
  CHECK(http::redact_url("u:p@h") == "***@h");
}

TEST_CASE("client errors never contain the password or API key", "[common]") {
  http::ClientOptions o;
  o.timeout = std::chrono::seconds(2);
  o.credentials = {"elastic", http::Secret("hunter2"), {}};
  // Nothing listens on port 1: the transport error names the endpoint, not the credentials.
  http::BeastClient client({"127.0.0.1", "1", "", false}, o);
  auto r = client.send({"GET", "/", "", ""});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("hunter2") == std::string::npos);
  CHECK(r.error().message().find(http::base64_encode("elastic:hunter2")) == std::string::npos);
}
