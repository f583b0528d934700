// The normalizer on what real TCP senders wrote: tests/data/tcp/ holds the recorded wire bytes of
// logback + logstash-logback-encoder, log4j2 JsonTemplateLayout (EcsLayout, JsonLayout, GelfLayout,
// LogstashJsonEventLayoutV1) and python-logstash v0/v1 (tests/senders/, tests/data/tcp/README.md).
// Each file is split as the TCP input frames it (`\n` and `\0` separate, one trailing `\r` dropped, blank
// lines skipped) and every event goes through the EventBuilder as a record of the TCP input. Issue 4,
// points 5, 8, 9, 10, 11 and 13.

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "parsed_doc.h"

using logpipe::test::Doc;

namespace {

constexpr int64_t kReceivedMicros = 1795500000000000;  // 2026-11-24T06:00:00Z, the "receive time"
constexpr const char* kReceivedIso = "2026-11-24T06:00:00.000000Z";

std::string wire(const std::string& name) {
  std::ifstream in(std::string(LOGPIPE_TEST_DATA_DIR) + "/tcp/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> frames(const std::string& bytes) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= bytes.size(); ++i) {
    if (i < bytes.size() && bytes[i] != '\n' && bytes[i] != '\0') continue;
    std::string line = bytes.substr(start, i - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) out.push_back(line);
    start = i + 1;
  }
  return out;
}

logpipe::kafka::InRecord tcp_record(const std::string& value) {
  logpipe::kafka::RecordMeta m;
  m.host = "shipper-1";
  m.service = "orders";
  m.source = "tcp";
  m.read_micros = kReceivedMicros;
  m.format = "json";
  logpipe::kafka::InRecord r;
  r.topic = "logs";
  r.partition = 0;
  r.offset = 7;
  r.timestamp_ms = kReceivedMicros / 1000;
  r.value = value;
  r.headers = logpipe::kafka::encode_headers(m);
  return r;
}

std::string build_tcp(const std::string& line) {
  logpipe::indexer::EventBuilder b(logpipe::indexer::BuildOptions{});
  return b.build(tcp_record(line), kReceivedMicros + 1'000'000).source;
}

// All events of a recorded file, built.
std::vector<std::string> built(const std::string& name) {
  std::vector<std::string> out;
  for (const auto& f : frames(wire(name))) out.push_back(build_tcp(f));
  return out;
}

// The built event whose message starts with `prefix`.
std::string event(const std::string& name, const std::string& prefix) {
  for (const auto& d : built(name)) {
    Doc doc(d);
    if (doc.str("/message").rfind(prefix, 0) == 0) return d;
  }
  FAIL("no event starting with '" << prefix << "' in " << name);
  return {};
}

double dbl(Doc& d, const char* pointer) {
  double v = 0;
  if (d.root.at_pointer(pointer).get(v) != simdjson::SUCCESS) return -1;
  return v;
}
bool boolean(Doc& d, const char* pointer, bool& out) {
  return d.root.at_pointer(pointer).get(out) == simdjson::SUCCESS;
}

const std::vector<std::string> kFiles = {
    "logback-default.jsonl",     "logback-offset-micros.jsonl", "logback-epoch-number.jsonl",
    "logback-epoch-string.jsonl", "logback-nested-ecs.jsonl",   "log4j2-ecs.jsonl",
    "log4j2-ecs-nul.bin",        "log4j2-jsonlayout.jsonl",     "log4j2-gelf.jsonl",
    "log4j2-logstash-v1.jsonl",  "python-logstash-v0.jsonl",    "python-logstash-v1.jsonl"};

}  // namespace

TEST_CASE("tcp senders: every recorded event maps to message, level, logger and its own time, untagged",
          "[indexer][tcp_senders]") {
  const std::string file = GENERATE(from_range(kFiles));
  INFO(file);
  const auto docs = built(file);
  const size_t expected = file.rfind("logback", 0) == 0 ? 9 : file.rfind("log4j2", 0) == 0 ? 8 : 7;
  REQUIRE(docs.size() == expected);
  const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error", "fatal"};
  std::set<std::string> seen_levels;
  std::string previous;
  for (const auto& json : docs) {
    Doc d(json);
    INFO(json);
    CHECK_FALSE(d.str("/message").empty());
    CHECK(d.str("/message").front() != '{');  // the message, not the raw line
    CHECK(levels.count(d.str("/log/level")) == 1);
    seen_levels.insert(d.str("/log/level"));
    CHECK((d.str("/log/logger") == "com.example.orders.OrderService" || d.str("/log/logger") == "orders.service"));
    CHECK(d.str("/service/name") == "orders");
    for (const auto& t : d.tags()) CHECK(t.front() != '_');  // no problem tag (the sender's own tags are fine)
    // The sender's time (recorded on 2026-11-23), never the receive time; events in order.
    const std::string ts = d.str("/@timestamp");
    CHECK(ts.rfind("2026-11-23T", 0) == 0);
    CHECK(ts >= previous);
    previous = ts;
    CHECK_FALSE(d.has("/fields/@version"));  // point 9: format metadata, whatever its type
    CHECK_FALSE(d.has("/fields/@timestamp"));
  }
  CHECK(seen_levels.count("error") == 1);
  CHECK(seen_levels.size() >= 3);
}

TEST_CASE("tcp senders: timestamps as each sender writes them (point 8)", "[indexer][tcp_senders]") {
  auto first = [](const std::string& file) {
    Doc d(built(file).front());
    return d.str("/@timestamp");
  };
  // ISO-8601, nanoseconds, Z (LogstashEncoder default): truncated to microseconds.
  CHECK(first("logback-default.jsonl") == "2026-11-23T19:06:29.082961Z");
  // Microseconds with an offset (+01:00).
  CHECK(first("logback-offset-micros.jsonl") == "2026-11-23T19:06:30.702623Z");
  // Epoch milliseconds as a JSON number and as a string.
  CHECK(first("logback-epoch-number.jsonl") == "2026-11-23T19:06:33.220000Z");
  CHECK(first("logback-epoch-string.jsonl") == "2026-11-23T19:06:35.391000Z");
  // Milliseconds with Z (EcsLayout), and with +0000 (LogstashJsonEventLayoutV1).
  CHECK(first("log4j2-ecs.jsonl") == "2026-11-23T19:06:38.847000Z");
  CHECK(first("log4j2-logstash-v1.jsonl") == "2026-11-23T19:06:45.154000Z");
  // instant{epochSecond: 1795460802, nanoOfSecond: 257176896}.
  CHECK(first("log4j2-jsonlayout.jsonl") == "2026-11-23T19:06:42.257176Z");
  // GELF epoch seconds 1795460803.715848874: a double holds it to ~0.25 us, so the last digit may round.
  CHECK_THAT(first("log4j2-gelf.jsonl"), Catch::StartsWith("2026-11-23T19:06:43.71584"));
  // python-logstash: milliseconds with Z.
  CHECK(first("python-logstash-v0.jsonl") == "2026-11-23T19:06:45.847000Z");
  CHECK(first("python-logstash-v1.jsonl") == "2026-11-23T19:06:46.533000Z");
}

TEST_CASE("tcp senders: an unparseable timestamp is kept under fields and tagged, the receive time is used",
          "[indexer][tcp_senders]") {
  const std::string line = frames(wire("logback-default.jsonl")).at(2);
  const size_t at = line.find("\"2026-11-23T");
  REQUIRE(at != std::string::npos);
  SECTION("a string that is no time") {
    std::string bad = line;
    bad.replace(at, line.find('"', at + 1) - at + 1, "\"yesterday at noon\"");
    Doc d(build_tcp(bad));
    CHECK(d.str("/@timestamp") == kReceivedIso);
    CHECK(d.str("/fields/@timestamp") == "yesterday at noon");
    CHECK(d.tags() == std::vector<std::string>{"_timestampparsefailure"});
    CHECK(d.str("/message") == "order placed");
  }
  SECTION("a type no sender uses") {
    std::string bad = line;
    bad.replace(at, line.find('"', at + 1) - at + 1, "true");
    Doc d(build_tcp(bad));
    CHECK(d.str("/@timestamp") == kReceivedIso);
    bool b = false;
    CHECK(boolean(d, "/fields/@timestamp", b));
    CHECK(d.tags() == std::vector<std::string>{"_timestampparsefailure"});
  }
  SECTION("a log4j2 instant without its nanoseconds") {
    std::string jl = frames(wire("log4j2-jsonlayout.jsonl")).at(2);
    const size_t n = jl.find(",\"nanoOfSecond\"");
    REQUIRE(n != std::string::npos);
    jl.erase(n, jl.find('}', n) - n);
    Doc d(build_tcp(jl));
    CHECK(d.str("/@timestamp") == kReceivedIso);
    CHECK(d.num("/fields/instant.epochSecond") == 1795460802);
    CHECK(d.tags() == std::vector<std::string>{"_timestampparsefailure"});
  }
  SECTION("no timestamp at all") {
    Doc d(build_tcp(R"({"message":"m","level":"INFO"})"));
    CHECK(d.str("/@timestamp") == kReceivedIso);
    CHECK(d.tags() == std::vector<std::string>{"_no_timestamp"});
  }
}

TEST_CASE("tcp senders: @version \"1\", 1 or missing are all accepted and dropped (point 9)", "[indexer][tcp_senders]") {
  // logback writes "1", LogstashJsonEventLayoutV1 1, EcsLayout and python-logstash v0 nothing.
  REQUIRE(frames(wire("logback-default.jsonl")).at(0).find("\"@version\":\"1\"") != std::string::npos);
  REQUIRE(frames(wire("log4j2-logstash-v1.jsonl")).at(0).find("\"@version\":1,") != std::string::npos);
  REQUIRE(frames(wire("log4j2-ecs.jsonl")).at(0).find("@version") == std::string::npos);
  for (const char* file : {"logback-default.jsonl", "log4j2-logstash-v1.jsonl", "log4j2-ecs.jsonl",
                           "python-logstash-v0.jsonl", "python-logstash-v1.jsonl"}) {
    for (const auto& json : built(file)) {
      Doc d(json);
      INFO(file << ": " << d.json);
      CHECK_FALSE(d.has("/fields/@version"));
      CHECK(d.str("/@timestamp").rfind("2026-11-23T", 0) == 0);
      for (const auto& t : d.tags()) CHECK(t.front() != '_');
    }
  }
  // A @version no sender writes ("2", an object) is format metadata too: dropped, not an error.
  Doc odd(build_tcp(R"({"@timestamp":"2026-11-23T19:06:29Z","@version":{"x":2},"message":"m"})"));
  CHECK_FALSE(odd.has("/fields/@version"));
  CHECK(odd.tags().empty());
}

TEST_CASE("tcp senders: unknown members pass through under fields with their JSON types (point 10)",
          "[indexer][tcp_senders]") {
  SECTION("logback: markers, kv arguments, key/values, MDC and custom fields") {
    Doc d(event("logback-default.jsonl", "order paid"));
    CHECK(d.num("/fields/orderId") == 1234);
    CHECK(dbl(d, "/fields/amount") == Approx(19.99));
    bool paid = false;
    CHECK((boolean(d, "/fields/paid", paid) && paid));
    simdjson::dom::array items;
    REQUIRE(d.root.at_pointer("/fields/items").get(items) == simdjson::SUCCESS);
    CHECK(items.size() == 2);
    CHECK(d.num("/fields/customer.id") == 7);  // objects are flattened to dotted leaves
    CHECK(d.str("/fields/customer.tier") == "gold");
    CHECK_FALSE(d.has("/fields/coupon"));  // null: dropped (documented)
    CHECK(d.str("/fields/method") == "card");
    CHECK(d.str("/fields/env") == "test");
    CHECK(d.num("/fields/build.number") == 42);
    bool canary = true;
    CHECK((boolean(d, "/fields/canary", canary) && !canary));
    CHECK_FALSE(d.has("/fields/level_value"));

    Doc mdc(event("logback-default.jsonl", "order placed"));
    CHECK(mdc.str("/fields/requestId") == "r-42");
    CHECK(mdc.str("/fields/userId") == "u-7");
    Doc kv(event("logback-default.jsonl", "retrying"));
    CHECK(kv.num("/fields/attempt") == 3);
    CHECK(kv.num("/fields/backoffMs") == 250);
    Doc marker(event("logback-default.jsonl", "audit"));
    CHECK(marker.tags() == std::vector<std::string>{"AUDIT"});
  }
  SECTION("log4j2: ThreadContext (flattened, contextMap, mdc, GELF _) and additional fields") {
    for (const char* file : {"log4j2-ecs.jsonl", "log4j2-jsonlayout.jsonl", "log4j2-logstash-v1.jsonl"}) {
      Doc d(event(file, "order placed"));
      INFO(file << ": " << d.json);
      CHECK(d.str("/fields/requestId") == "r-42");
      CHECK(d.num("/fields/build.number") == 42);
      bool canary = true;
      CHECK((boolean(d, "/fields/canary", canary) && !canary));
    }
    Doc gelf(event("log4j2-gelf.jsonl", "order placed"));
    CHECK(gelf.str("/fields/_requestId") == "r-42");
    CHECK_FALSE(gelf.has("/fields/version"));
    Doc ndc(event("log4j2-ecs.jsonl", "order placed"));
    CHECK(ndc.tags() == std::vector<std::string>{"checkout"});
  }
  SECTION("python-logstash: extra={...}, in @fields (v0) or at the top (v1)") {
    for (const char* file : {"python-logstash-v0.jsonl", "python-logstash-v1.jsonl"}) {
      Doc d(event(file, "order paid"));
      INFO(file << ": " << d.json);
      CHECK(d.str("/fields/requestId") == "r-42");
      CHECK(d.num("/fields/orderId") == 1234);
      CHECK(dbl(d, "/fields/amount") == Approx(19.99));
      CHECK(d.num("/fields/customer.id") == 7);
      bool vip = false;
      CHECK((boolean(d, "/fields/customer.vip", vip) && vip));
      CHECK_FALSE(d.has("/fields/coupon"));
    }
  }
}

TEST_CASE("tcp senders: dotted keys and nested objects are the same field (point 11)", "[indexer][tcp_senders]") {
  SECTION("ECS names: log4j2 EcsLayout (dotted) and a logback composite encoder (nested)") {
    Doc dotted(event("log4j2-ecs.jsonl", "payment failed"));
    Doc nested(event("logback-nested-ecs.jsonl", "payment failed"));
    for (Doc* d : {&dotted, &nested}) {
      INFO(d->json);
      CHECK(d->str("/log/level") == "error");
      CHECK(d->str("/log/logger") == "com.example.orders.OrderService");
      CHECK(d->str("/process/thread/name") == "sender-main");
      CHECK(d->str("/error/message") == "card declined");
      CHECK_THAT(d->str("/error/stack_trace"), Catch::StartsWith("java.lang.IllegalStateException: card declined\n\tat "));
      CHECK(d->str("/error/fingerprint").size() == 16);
      CHECK_FALSE(d->has("/fields/log.level"));
      CHECK_FALSE(d->has("/fields/log"));
      CHECK_FALSE(d->has("/fields/error"));  // logback's empty error{} of events without exception is dropped
    }
    CHECK(nested.str("/fields/service.environment") == "test");
    Doc plain(event("logback-nested-ecs.jsonl", "order placed"));
    CHECK_FALSE(plain.has("/error"));
    CHECK_FALSE(plain.has("/fields/error"));
  }
  SECTION("unknown members: one path, whichever way it was written") {
    const std::string a = build_tcp(
        R"({"@timestamp":"2026-11-23T19:06:29Z","message":"m","build":{"number":42,"git":{"sha":"abc"}},"labels":{"tenant":"acme"}})");
    const std::string b = build_tcp(
        R"({"@timestamp":"2026-11-23T19:06:29Z","message":"m","build.number":42,"build.git.sha":"abc","labels.tenant":"acme"})");
    const std::string c = build_tcp(
        R"({"@timestamp":"2026-11-23T19:06:29Z","message":"m","build":{"number":42,"git.sha":"abc"},"labels.tenant":"acme"})");
    Doc da(a), db(b), dc(c);
    CHECK(simdjson::to_string(da.root["fields"]) == simdjson::to_string(db.root["fields"]));
    CHECK(simdjson::to_string(da.root["fields"]) == simdjson::to_string(dc.root["fields"]));
    CHECK(da.str("/fields/build.git.sha") == "abc");
    CHECK(da.str("/fields/labels.tenant") == "acme");
  }
  SECTION("the first of two spellings of one path wins, as for a repeated key") {
    Doc d(build_tcp(R"({"message":"m","a.b":1,"a":{"b":2}})"));
    CHECK(d.num("/fields/a.b") == 1);
  }
}

TEST_CASE("tcp senders: python-logstash v0 and v1 map to the same event (point 13)", "[indexer][tcp_senders]") {
  const auto v0 = built("python-logstash-v0.jsonl");
  const auto v1 = built("python-logstash-v1.jsonl");
  REQUIRE(v0.size() == v1.size());
  for (size_t i = 0; i < v0.size(); ++i) {
    Doc a(v0[i]), b(v1[i]);
    INFO(a.json << "\n" << b.json);
    CHECK(a.str("/message") == b.str("/message"));
    CHECK(a.str("/log/level") == b.str("/log/level"));
    CHECK(a.str("/log/logger") == "orders.service");
    CHECK(b.str("/log/logger") == "orders.service");
    CHECK(a.str("/host/name") == "vm");  // @source_host (v0) / host (v1): the sender's own host
    CHECK(b.str("/host/name") == "vm");
    CHECK(a.tags() == std::vector<std::string>{"python", "orders"});
    CHECK(b.tags() == std::vector<std::string>{"python", "orders"});
    CHECK_FALSE(a.has("/fields/@source_host"));
    CHECK_FALSE(a.has("/fields/levelname"));
    CHECK_FALSE(a.has("/fields/@fields"));
    CHECK(a.str("/error/type") == b.str("/error/type"));
    CHECK(a.str("/error/stack_trace") == b.str("/error/stack_trace"));
  }
  Doc err(event("python-logstash-v0.jsonl", "payment failed"));
  CHECK(err.str("/log/level") == "error");
  CHECK(err.str("/error/type") == "RuntimeError");
  CHECK(err.str("/error/message") == "card declined");
  CHECK(err.str("/process/thread/name") == "MainThread");
  CHECK(err.str("/error/fingerprint").size() == 16);
  CHECK(err.num("/fields/lineno") > 0);
  Doc warn(event("python-logstash-v1.jsonl", "audit"));
  CHECK(warn.str("/log/level") == "warn");
  Doc crit(event("python-logstash-v0.jsonl", "disk almost full"));
  CHECK(crit.str("/log/level") == "fatal");
  Doc uni(event("python-logstash-v1.jsonl", "unicode"));
  CHECK(uni.str("/message") == "unicode: Grüße aus Köln, 東京, emoji \xF0\x9F\x8E\x89, quote \" backslash \\ tab\t end");
}

TEST_CASE("tcp senders: unicode and line breaks survive from every sender", "[indexer][tcp_senders]") {
  const std::string file = GENERATE(from_range(kFiles));
  INFO(file);
  Doc uni(event(file, "unicode"));
  // logback escapes the emoji as a surrogate pair, log4j2 writes it raw, Python escapes everything.
  CHECK(uni.str("/message") == "unicode: Grüße aus Köln, 東京, emoji \xF0\x9F\x8E\x89, quote \" backslash \\ tab\t end");
  for (const auto& t : uni.tags()) CHECK(t.front() != '_');  // no _invalid_utf8
  Doc two(event(file, "two lines"));
  CHECK(two.str("/message") == "two lines:\nsecond line");
}

TEST_CASE("tcp senders: exceptions give error.type, error.message and the stack trace", "[indexer][tcp_senders]") {
  const std::string file = GENERATE(from_range(kFiles));
  INFO(file);
  Doc d(event(file, "payment failed"));
  INFO(d.json);
  CHECK(d.str("/log/level") == "error");
  CHECK(d.str("/error/message") == "card declined");
  if (file.rfind("python", 0) == 0) {
    CHECK(d.str("/error/type") == "RuntimeError");
    CHECK_THAT(d.str("/error/stack_trace"), Catch::Contains("OSError: gateway timeout"));
  } else {
    CHECK_THAT(d.str("/error/type"), Catch::EndsWith("IllegalStateException"));
    CHECK_THAT(d.str("/error/stack_trace"),
               Catch::Contains("\tat ") && Catch::Contains("Sender.charge(") && Catch::Contains("Sender.java:"));
  }
  CHECK(d.str("/error/fingerprint").size() == 16);
}

TEST_CASE("tcp senders: log4j2 JsonLayout's frame array becomes a Java stack trace", "[indexer][tcp_senders]") {
  Doc d(event("log4j2-jsonlayout.jsonl", "payment failed"));
  CHECK(d.str("/error/type") == "java.lang.IllegalStateException");
  CHECK(d.str("/error/stack_trace") ==
        "java.lang.IllegalStateException: card declined\n"
        "\tat Log4j2Sender.charge(Log4j2Sender.java:51)\n"
        "\tat Log4j2Sender.main(Log4j2Sender.java:36)\n");
  CHECK_FALSE(d.has("/fields/thrown.extendedStackTrace"));
  CHECK_FALSE(d.has("/fields/thrown.name"));
  // The same frames written as text give the same fingerprint.
  Doc text(build_tcp(
      R"({"message":"m","stack_trace":"java.lang.IllegalStateException: other\n\tat Log4j2Sender.charge(Log4j2Sender.java:60)\n\tat Log4j2Sender.main(Log4j2Sender.java:30)\n"})"));
  CHECK(text.str("/error/fingerprint") == d.str("/error/fingerprint"));
}

TEST_CASE("tcp senders: the nul-delimited log4j2 stream gives the same events as the newline one",
          "[indexer][tcp_senders]") {
  const std::string bytes = wire("log4j2-ecs-nul.bin");
  REQUIRE(bytes.find("}\n\0", 0, 3) != std::string::npos);
  const auto nul = built("log4j2-ecs-nul.bin");
  const auto nl = built("log4j2-ecs.jsonl");
  REQUIRE(nul.size() == nl.size());
  for (size_t i = 0; i < nul.size(); ++i) {
    Doc a(nul[i]), b(nl[i]);
    CHECK(a.str("/message") == b.str("/message"));
    CHECK(a.str("/log/level") == b.str("/log/level"));
    CHECK(a.tags() == b.tags());
  }
}

TEST_CASE("tcp senders: invalid JSON is kept whole as the message, tagged _jsonparsefailure (point 5)",
          "[indexer][tcp_senders]") {
  const std::string file = GENERATE(from_range(kFiles));
  const std::string line = frames(wire(file)).at(1);
  SECTION("cut in the middle") {
    const std::string cut = line.substr(0, line.size() / 2);
    Doc d(build_tcp(cut));
    CHECK(d.str("/message") == cut);
    CHECK(d.str("/@timestamp") == kReceivedIso);
    CHECK(d.tags() == std::vector<std::string>{"_jsonparsefailure"});
    CHECK_FALSE(d.has("/log/level"));
    CHECK(d.str("/service/name") == "orders");
  }
  SECTION("followed by garbage") {
    const std::string junk = line + " trailing";
    Doc d(build_tcp(junk));
    CHECK(d.str("/message") == junk);
    CHECK(d.tags() == std::vector<std::string>{"_jsonparsefailure"});
  }
  SECTION("with invalid UTF-8 inside a string") {
    std::string bad = line;
    bad.insert(2, "\xFF\xFE");  // inside the first key
    Doc d(build_tcp(bad));  // simdjson rejects it: the raw line is kept, its bytes replaced by U+FFFD
    CHECK(d.tags() == std::vector<std::string>{"_jsonparsefailure", "_invalid_utf8"});
    CHECK_THAT(d.str("/message"), Catch::Contains("\xEF\xBF\xBD"));
  }
}

TEST_CASE("tcp senders: the host and service a TCP sender names are the event's, file lines keep them in fields",
          "[indexer][tcp_senders]") {
  const std::string line =
      R"({"@timestamp":"2026-11-23T19:06:29Z","message":"m","host":{"name":"app-7"},"service.name":"billing"})";
  Doc tcp(build_tcp(line));
  CHECK(tcp.str("/host/name") == "app-7");
  CHECK(tcp.str("/service/name") == "billing");
  CHECK_FALSE(tcp.has("/fields/host.name"));
  CHECK_FALSE(tcp.has("/fields/service.name"));
  // Nothing named: the shipper's host and the listener's service.
  Doc bare(build_tcp(R"({"@timestamp":"2026-11-23T19:06:29Z","message":"m"})"));
  CHECK(bare.str("/host/name") == "shipper-1");
  CHECK(bare.str("/service/name") == "orders");
  // A file line: the shipper runs on the line's host and the input names the service.
  Doc file(logpipe::test::build_source(line, "json"));
  CHECK(file.str("/host/name") == "web-1");
  CHECK(file.str("/service/name") == "svc");
  CHECK(file.str("/fields/host.name") == "app-7");
  CHECK(file.str("/fields/service.name") == "billing");
}
