// Records of the shipper's TCP input (lp.source=tcp): peer metadata (issue 4, point 12), parse failures
// (points 5 and 6) and replay-stable ids.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "common/kafka/consumer.h"
#include "common/kafka/record_format.h"
#include "indexer/normalize/event_builder.h"
#include "tests/unit/indexer/parsed_doc.h"

using logpipe::indexer::BuildOptions;
using logpipe::indexer::document_id;
using logpipe::indexer::EventBuilder;
using logpipe::kafka::InRecord;
using logpipe::kafka::RecordMeta;
using Parsed = logpipe::test::Doc;

namespace {

RecordMeta tcp_meta(std::string subject = "") {
  RecordMeta m;
  m.host = "shipper-1";
  m.service = "orders";
  m.source = "tcp";
  m.format = "json";
  m.file_id = "tcp:0123456789abcdef0123456789abcdef";
  m.offset = 42;
  m.read_micros = logpipe::test::kSampleReadMicros;
  m.peer_ip = "10.0.0.7";
  m.peer_port = 51234;
  m.tls_subject = std::move(subject);
  return m;
}

InRecord tcp_record(const std::string& value, const RecordMeta& m, int64_t kafka_offset = 5) {
  InRecord r;
  r.topic = "logs";
  r.partition = 1;
  r.offset = kafka_offset;
  r.timestamp_ms = m.read_micros / 1000;
  r.value = value;
  r.headers = logpipe::kafka::encode_headers(m);
  return r;
}

Parsed build(const InRecord& r) {
  EventBuilder b(BuildOptions{});
  return Parsed(b.build(r, logpipe::test::kSampleIngestedMicros).source);
}

}  // namespace

TEST_CASE("tcp 12: peer address, port and TLS subject become client.* and tls.client.subject", "[indexer][tcp]") {
  auto d = build(tcp_record("{\"message\":\"hi\",\"level\":\"INFO\"}", tcp_meta("CN=app-1,O=shop")));
  CHECK(d.str("/client/ip") == "10.0.0.7");
  CHECK(d.num("/client/port") == 51234);
  CHECK(d.str("/tls/client/subject") == "CN=app-1,O=shop");
  CHECK(d.str("/message") == "hi");
  // Without TLS there is no tls object; file records have no client object.
  auto plain = build(tcp_record("{\"message\":\"hi\"}", tcp_meta()));
  CHECK_FALSE(plain.has("/tls"));
  auto file = logpipe::test::build_source("{\"message\":\"hi\"}", "json");
  CHECK_FALSE(Parsed(file).has("/client"));
}

TEST_CASE("tcp 12: what the sender set itself wins, dotted or nested, field by field", "[indexer][tcp]") {
  SECTION("dotted") {
    auto d = build(tcp_record("{\"message\":\"m\",\"client.ip\":\"192.0.2.1\",\"tls.client.subject\":\"CN=own\"}",
                              tcp_meta("CN=peer")));
    CHECK_FALSE(d.has("/client/ip"));
    CHECK(d.num("/client/port") == 51234);  // the line did not set the port: the peer's
    CHECK_FALSE(d.has("/tls"));
  }
  SECTION("nested") {
    auto d = build(tcp_record(
        "{\"message\":\"m\",\"client\":{\"ip\":\"192.0.2.1\",\"port\":1},\"tls\":{\"client\":{\"subject\":\"CN=own\"}}}",
        tcp_meta("CN=peer")));
    CHECK_FALSE(d.has("/client/ip"));
    CHECK_FALSE(d.has("/client/port"));
    CHECK_FALSE(d.has("/tls/client/subject"));
    CHECK(d.json.find("192.0.2.1") != std::string::npos);  // kept where the layout puts unknown members
    CHECK(d.json.find("CN=own") != std::string::npos);
    CHECK(d.json.find("10.0.0.7") == std::string::npos);
  }
  SECTION("a null or an unrelated client member does not count as set") {
    auto d = build(tcp_record("{\"message\":\"m\",\"client\":{\"ip\":null,\"name\":\"x\"}}", tcp_meta()));
    CHECK(d.str("/client/ip") == "10.0.0.7");
  }
}

TEST_CASE("tcp 5/6: invalid JSON and bare scalars become message + _jsonparsefailure", "[indexer][tcp]") {
  for (const std::string value : {"not json", "{\"unterminated\":", "42", "\"a string\"", "[1,2]", "{\"m\":\"\xff\"}x"}) {
    auto d = build(tcp_record(value, tcp_meta()));
    INFO(value);
    const auto tags = d.tags();
    CHECK(std::find(tags.begin(), tags.end(), "_jsonparsefailure") != tags.end());
    CHECK(d.has("/message"));
    CHECK(d.str("/client/ip") == "10.0.0.7");
  }
}

TEST_CASE("tcp: the _id comes from the WAL id and sequence number, so a replay is the same document", "[indexer][tcp]") {
  const RecordMeta m = tcp_meta();
  const auto first = tcp_record("{\"message\":\"m\"}", m, 5);
  const auto replayed = tcp_record("{\"message\":\"m\"}", m, 9000);  // produced again after a shipper crash
  CHECK(document_id(m, first) == document_id(m, replayed));
  RecordMeta next = m;
  next.offset = 43;
  CHECK(document_id(next, tcp_record("{\"message\":\"m\"}", next)) != document_id(m, first));
}

TEST_CASE("tcp: the event's own service name wins over the listener's, file records keep lp.service",
          "[indexer][tcp]") {
  CHECK(build(tcp_record("{\"message\":\"m\",\"service.name\":\"billing\"}", tcp_meta())).str("/service/name") == "billing");
  CHECK(build(tcp_record("{\"message\":\"m\",\"service\":{\"name\":\"billing\"}}", tcp_meta())).str("/service/name") ==
        "billing");
  CHECK(build(tcp_record("{\"message\":\"m\",\"service\":\"billing\"}", tcp_meta())).str("/service/name") == "billing");
  CHECK(build(tcp_record("{\"message\":\"m\"}", tcp_meta())).str("/service/name") == "orders");
  CHECK(build(tcp_record("{\"message\":\"m\",\"service\":{\"name\":\"\"}}", tcp_meta())).str("/service/name") == "orders");
  CHECK(build(tcp_record("{\"message\":\"m\",\"service\":42}", tcp_meta())).str("/service/name") == "orders");
  Parsed file(logpipe::test::build_source("{\"message\":\"m\",\"service.name\":\"billing\"}", "json"));
  CHECK(file.str("/service/name") == "svc");
}
