// The normalizer on real lines from real programs (tests/data/logs/README.md says where each came from).

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "parsed_doc.h"

using logpipe::test::build_source;
using logpipe::test::Doc;
using logpipe::test::sample_lines;
using logpipe::test::sample_text;

TEST_CASE("samples: Kafka server.log lines", "[indexer][samples]") {
  const auto lines = sample_lines("kafka-server.log");
  REQUIRE(lines.size() == 5);
  for (const auto& line : lines) {
    Doc d(build_source(line, "plain"));
    INFO(line);
    CHECK(d.tags().empty());
    CHECK(d.str("/log/logger") != "<missing>");
  }
  Doc first(build_source(lines[0], "plain"));
  CHECK(first.str("/@timestamp").substr(0, 10) == "2026-11-23");
  Doc warn(build_source(lines[2], "plain"));
  CHECK(warn.str("/@timestamp") == "2026-11-23T16:42:02.374000Z");
  CHECK(warn.str("/log/level") == "warn");
  CHECK(warn.str("/log/logger") == "org.apache.kafka.controller.QuorumController");
  CHECK_THAT(warn.str("/message"), Catch::StartsWith("[QuorumController id=1] Performing controller activation."));
  CHECK_THAT(warn.str("/message"), Catch::EndsWith("since this is a de-novo KRaft cluster."));
  Doc inner(build_source(lines[4], "plain"));  // parentheses inside the message
  CHECK(inner.str("/log/logger") == "org.apache.kafka.controller.QuorumController");
  CHECK_THAT(inner.str("/message"), Catch::Contains("(treated as TimeoutException)"));
}

TEST_CASE("samples: Elasticsearch plain server log, with a multi-line Java stack trace", "[indexer][samples]") {
  const std::string text = sample_text("es-server.log");
  const size_t second = text.find("\n[2026-11-23T16:43:11,120]");
  const size_t third = text.find("\n[2026-11-23T16:43:11,303]");
  REQUIRE(third != std::string::npos);
  Doc first(build_source(text.substr(0, second), "plain"));
  CHECK(first.str("/@timestamp") == "2026-11-23T16:42:09.116000Z");
  CHECK(first.str("/log/level") == "info");
  CHECK(first.str("/log/logger") == "o.e.b.Elasticsearch");
  CHECK_THAT(first.str("/message"), Catch::StartsWith("version[8.19.21], pid[21093]"));
  CHECK_FALSE(first.has("/error"));
  CHECK(first.tags().empty());

  // The shipper's multiline joining will hand over the whole event as one record.
  const std::string record = text.substr(third + 1);
  Doc err(build_source(record, "plain"));
  CHECK(err.str("/log/level") == "warn");
  CHECK(err.str("/log/logger") == "r.suppressed");
  CHECK(err.str("/message") ==
        "path: /it21449x308967530-*/_search, params: {ignore_unavailable=true, allow_no_indices=true, "
        "index=it21449x308967530-*}, status: 503");
  CHECK_THAT(err.str("/error/stack_trace"), Catch::StartsWith("Failed to execute phase [query]"));
  CHECK_THAT(err.str("/error/stack_trace"), Catch::EndsWith("Caused by: org.elasticsearch.action.NoShardAvailableActionException"));
  CHECK(err.str("/error/fingerprint").size() == 16);
  CHECK_FALSE(err.has("/error/type"));  // its exception line is not in `Type: message` form
  CHECK(err.tags().empty());
}

TEST_CASE("samples: Elasticsearch JSON server log (ECS layout)", "[indexer][samples]") {
  const auto lines = sample_lines("es-server.json");
  REQUIRE(lines.size() == 2);
  Doc info(build_source(lines[0], "json"));
  CHECK(info.str("/@timestamp") == "2026-11-23T16:42:09.116000Z");
  CHECK(info.str("/log/level") == "info");
  CHECK(info.str("/log/logger") == "org.elasticsearch.bootstrap.Elasticsearch");
  CHECK(info.str("/process/thread/name") == "main");
  CHECK(info.str("/service/name") == "svc");  // the shipper's service wins; the line's is kept in fields
  CHECK(info.str("/fields/service.name") == "ES_ECS");
  CHECK(info.str("/fields/elasticsearch.node.name") == "logpipe-es");
  CHECK_FALSE(info.has("/fields/ecs.version"));
  CHECK(info.tags().empty());

  Doc err(build_source(lines[1], "json"));
  CHECK(err.str("/log/level") == "warn");
  CHECK(err.str("/error/type") == "org.elasticsearch.action.search.SearchPhaseExecutionException");
  CHECK(err.str("/error/message") == "all shards failed");
  CHECK_THAT(err.str("/error/stack_trace"), Catch::Contains("\n\tat org.elasticsearch.server@8.19.21/"));
  CHECK(err.str("/error/fingerprint").size() == 16);
  CHECK(err.tags().empty());
}

TEST_CASE("samples: Python logging, default and cookbook formats, with a traceback", "[indexer][samples]") {
  const std::string text = sample_text("python.log");
  const size_t nl = text.find('\n');
  Doc plain(build_source(text.substr(0, nl), "plain"));
  CHECK(plain.str("/log/level") == "warn");
  CHECK(plain.str("/log/logger") == "payments.gateway");
  CHECK(plain.str("/message") == "retrying charge ch_3Nk after timeout");
  CHECK(plain.str("/@timestamp") == "2026-11-23T17:00:00.000000Z");  // read time
  CHECK(plain.tags() == std::vector<std::string>{"_no_timestamp"});

  Doc exc(build_source(text.substr(nl + 1), "plain"));
  CHECK(exc.str("/@timestamp") == "2026-11-23T16:55:37.480000Z");
  CHECK(exc.str("/log/level") == "error");
  CHECK(exc.str("/log/logger") == "worker");
  CHECK(exc.str("/message") == "could not parse quantity");
  CHECK(exc.str("/error/type") == "ValueError");
  CHECK(exc.str("/error/message") == "invalid literal for int() with base 10: 'abc'");
  CHECK_THAT(exc.str("/error/stack_trace"), Catch::StartsWith("Traceback (most recent call last):\n  File"));
  CHECK(exc.str("/error/fingerprint").size() == 16);
  CHECK(exc.tags().empty());
}

TEST_CASE("samples: syslog RFC 5424 and RFC 3164 from util-linux logger", "[indexer][samples]") {
  const auto lines = sample_lines("syslog.log");
  REQUIRE(lines.size() == 4);
  Doc a(build_source(lines[0], "plain"));
  CHECK(a.str("/@timestamp") == "2026-11-23T16:55:37.595824Z");
  CHECK(a.num("/log/syslog/priority") == 12);
  CHECK(a.str("/log/level") == "warn");  // severity 12 % 8 = 4
  CHECK(a.str("/log/syslog/hostname") == "vm");
  CHECK(a.str("/log/syslog/appname") == "myapp");
  CHECK_FALSE(a.has("/log/syslog/procid"));  // "-"
  CHECK(a.str("/message") == "disk almost full");
  CHECK(a.tags().empty());

  Doc b(build_source(lines[1], "plain"));
  CHECK(b.str("/log/syslog/procid") == "28108");
  CHECK(b.str("/log/syslog/msgid") == "JOB");
  CHECK(b.str("/log/level") == "info");

  Doc c(build_source(lines[2], "plain"));
  CHECK(c.str("/@timestamp") == "2026-11-23T16:55:37.000000Z");  // year from the read time
  CHECK(c.num("/log/syslog/priority") == 35);
  CHECK(c.str("/log/level") == "error");
  CHECK(c.str("/log/syslog/appname") == "sshd");
  CHECK(c.str("/log/syslog/procid") == "28109");
  CHECK_THAT(c.str("/message"), Catch::StartsWith("error: maximum authentication attempts exceeded"));

  // The same line as rsyslog writes it to /var/log/auth.log: no <PRI>.
  Doc file(build_source(lines[2].substr(lines[2].find('>') + 1), "plain"));
  CHECK(file.str("/log/syslog/appname") == "sshd");
  CHECK_FALSE(file.has("/log/syslog/priority"));
  CHECK_FALSE(file.has("/log/level"));
}

TEST_CASE("samples: nginx access and error logs", "[indexer][samples]") {
  const auto lines = sample_lines("nginx-access.log");
  REQUIRE(lines.size() == 4);
  Doc a(build_source(lines[0], "plain"));
  CHECK(a.str("/@timestamp") == "2026-11-23T16:58:02.000000Z");
  CHECK(a.str("/source/address") == "203.0.113.7");
  CHECK_FALSE(a.has("/user"));
  CHECK(a.str("/http/request/method") == "GET");
  CHECK(a.str("/url/original") == "/api/v1/cart?id=42");
  CHECK(a.str("/http/version") == "1.1");
  CHECK(a.num("/http/response/status_code") == 200);
  CHECK(a.num("/http/response/body/bytes") == 612);
  CHECK(a.str("/http/request/referrer") == "https://shop.example.com/checkout");
  CHECK_THAT(a.str("/user_agent/original"), Catch::StartsWith("Mozilla/5.0"));
  CHECK(a.str("/message") == lines[0]);  // no message group: the whole line
  CHECK(a.tags().empty());

  Doc b(build_source(lines[1], "plain"));
  CHECK(b.str("/source/address") == "2001:db8::1");
  CHECK(b.str("/user/name") == "alice");
  CHECK(b.str("/@timestamp") == "2026-11-23T16:58:03.000000Z");
  CHECK_FALSE(b.has("/http/request/referrer"));

  Doc tls(build_source(lines[2], "plain"));  // a TLS handshake sent to the plain-HTTP port
  CHECK(tls.num("/http/response/status_code") == 400);
  CHECK_FALSE(tls.has("/http/request/method"));
  CHECK(tls.tags().empty());

  Doc probe(build_source(lines[3], "plain"));
  CHECK_FALSE(probe.has("/http/response/body"));  // "-"
  CHECK(probe.num("/http/response/status_code") == 304);

  Doc e(build_source(sample_lines("nginx-error.log")[0], "plain"));
  CHECK(e.str("/@timestamp") == "2026-11-23T16:58:06.000000Z");
  CHECK(e.str("/log/level") == "error");
  CHECK(e.num("/process/pid") == 2178);
  CHECK_THAT(e.str("/message"), Catch::StartsWith("*5 open() \"/usr/share/nginx/html/favicon.ico\" failed"));
}

TEST_CASE("samples: invalid UTF-8 inside a message does not stop the rule from matching", "[indexer][samples]") {
  Doc d(build_source("[2026-11-23 16:52:13,272] INFO bad \xFF\xFE bytes (kafka.network.SocketServer)", "plain"));
  CHECK(d.str("/log/logger") == "kafka.network.SocketServer");
  CHECK(d.str("/message") == "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  CHECK(d.tags() == std::vector<std::string>{"_invalid_utf8"});
}

TEST_CASE("samples: an RFC 5424 message with a UTF-8 BOM", "[indexer][samples]") {
  Doc d(build_source("<12>1 2026-11-23T16:55:37.595824+00:00 vm myapp - - - \xEF\xBB\xBF" "d\xC3\xA9j\xC3\xA0 vu", "plain"));
  CHECK(d.str("/message") == "d\xC3\xA9j\xC3\xA0 vu");
  CHECK(d.tags().empty());
}

TEST_CASE("samples: RFC 5424 structured data becomes log.syslog.structured_data", "[indexer][samples]") {
  const auto lines = sample_lines("syslog-sd.log");
  REQUIRE(lines.size() == 2);
  Doc a(build_source(lines[0], "plain"));
  CHECK(a.str("/log/syslog/structured_data/timeQuality/tzKnown") == "1");
  CHECK(a.str("/log/syslog/structured_data/timeQuality/isSynced") == "0");
  CHECK(a.str("/log/syslog/structured_data/exampleSDID@32473/iut") == "3");
  CHECK(a.str("/log/syslog/structured_data/exampleSDID@32473/eventSource") == "Application");
  CHECK(a.str("/log/syslog/structured_data/exampleSDID@32473/eventID") == "1011");
  CHECK(a.str("/log/syslog/structured_data/examplePriority@32473/class") == "high");
  CHECK(a.str("/message") == "application event");
  CHECK(a.tags().empty());

  Doc b(build_source(lines[1], "plain"));
  CHECK(b.str("/log/syslog/msgid") == "ID47");
  // A repeated parameter keeps every value, in order.
  CHECK(b.str("/log/syslog/structured_data/origin/ip/0") == "192.0.2.1");
  CHECK(b.str("/log/syslog/structured_data/origin/ip/1") == "192.0.2.129");
  // Escaped '\\', '"' and ']' are unescaped.
  CHECK(b.str("/log/syslog/structured_data/esc@32473/path") == "C:\\temp\\x");
  CHECK(b.str("/log/syslog/structured_data/esc@32473/q") == "say \"hi\" [ok]");
  CHECK(b.str("/message") == "'su root' failed for lonvick on /dev/pts/8");
  CHECK(b.tags().empty());

  // The older samples: "[timeQuality ...]" now parsed too; "-" gives no object.
  Doc c(build_source(sample_lines("syslog.log")[1], "plain"));
  CHECK(c.str("/log/syslog/structured_data/timeQuality/tzKnown") == "1");
  Doc none(build_source("<13>1 2026-11-23T16:55:37.595824+00:00 vm myapp - - - no structured data", "plain"));
  CHECK_FALSE(none.has("/log/syslog/structured_data"));
  CHECK(none.str("/message") == "no structured data");
}

TEST_CASE("samples: structured data that does not follow RFC 5424 is kept whole and tagged", "[indexer][samples]") {
  // A parameter without a quoted value: the rule matches (brackets are balanced), the grammar does not.
  Doc d(build_source("<13>1 2026-11-23T16:55:37.595824+00:00 vm myapp - - [meta a=1 b] text", "plain"));
  CHECK(d.str("/log/syslog/structured_data/_unparsed") == "[meta a=1 b]");
  CHECK(d.str("/message") == "text");
  CHECK(d.tags() == std::vector<std::string>{"_syslog_sd_parsefailure"});
}
