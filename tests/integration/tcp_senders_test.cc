// Real senders -> logpipe-shipper's TCP input -> Kafka -> logpipe-indexer -> Elasticsearch (issue 4):
// logback + logstash-logback-encoder's LogstashTcpSocketAppender, log4j2's SocketAppender with
// JsonTemplateLayout (EcsLayout with nullEventDelimiterEnabled, and JsonLayout), and python-logstash's
// TCPLogstashHandler with its v0 and v1 formatters, each fetched and built by tests/senders/build.sh.
// One shipper listens on one loopback address and port (port 0) per sender, each listener with its own
// service name, so every sender's events can be told apart in Elasticsearch.

#include <catch2/catch.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include "common/time_util.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"

using namespace logpipe::testing;
using namespace std::chrono_literals;

namespace {

struct Sender {
  std::string service;   // the shipper listener's service name for this sender
  std::string command;   // launcher under <senders>/bin, and its arguments after HOST:PORT
  std::string args;
  size_t events;         // how many events the program sends
  const char* logger;
};

const std::vector<Sender> kSenders = {
    {"logback", "logback-sender", "default", 9, "com.example.orders.OrderService"},
    {"log4j2-ecs-nul", "log4j2-sender", "EcsLayout.json nul", 8, "com.example.orders.OrderService"},
    {"log4j2-jsonlayout", "log4j2-sender", "JsonLayout.json", 8, "com.example.orders.OrderService"},
    {"python-v0", "python-logstash-sender", "0", 7, "orders.service"},
    {"python-v1", "python-logstash-sender", "1", 7, "orders.service"},
};

// All documents of one service, oldest first, as parsed JSON text.
std::vector<std::string> documents(const std::string& es, const std::string& index_prefix, const std::string& service) {
  const auto r = run_command("curl -sf '" + es + "/" + index_prefix +
                             "*/_search?size=100&sort=@timestamp:asc&q=service.name:" + service + "'");
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::array hits;
  if (r.exit_code != 0 || parser.parse(r.out).at_pointer("/hits/hits").get(hits) != simdjson::SUCCESS) return out;
  for (simdjson::dom::element h : hits) out.push_back(simdjson::to_string(h["_source"]));
  return out;
}

std::string iso(std::chrono::system_clock::time_point t) {
  return logpipe::format_rfc3339_micros(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

struct Source {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string json;
  explicit Source(std::string j) : json(std::move(j)) { REQUIRE(parser.parse(json).get(root) == simdjson::SUCCESS); }
  std::string str(const char* pointer) {
    std::string_view v;
    return root.at_pointer(pointer).get(v) == simdjson::SUCCESS ? std::string(v) : "<missing>";
  }
  int64_t num(const char* pointer) {
    int64_t v = 0;
    return root.at_pointer(pointer).get(v) == simdjson::SUCCESS ? v : INT64_MIN;
  }
};

}  // namespace

TEST_CASE("real logback, log4j2 and python-logstash senders -> TCP input -> Kafka -> indexer -> Elasticsearch",
          "[integration][tcp]") {
  // The senders (Maven Central, PyPI), built once into the build tree.
  const std::string senders_dir = LOGPIPE_SENDERS_DIR;
  const auto built = run_command("LOGPIPE_SENDERS_DIR='" + senders_dir + "' '" + LOGPIPE_SENDERS_BUILD_SH + "' 2>&1");
  INFO(built.out);
  REQUIRE(built.exit_code == 0);

  TempDir dir;
  const std::string kafka = "127.0.0.1:" + env_or("LOGPIPE_KAFKA_PORT", "9092");
  const std::string es = "http://127.0.0.1:" + env_or("LOGPIPE_ES_PORT", "9200");
  const std::string id = unique_name("ittcp");
  const std::string index_prefix = id + "-";
  std::string listeners;
  // One loopback address per listener (127.0.0.1, .2, ...), so the listener names in the shipper's log
  // ("tcp: listening", named by their listen address) tell which port belongs to which sender.
  auto address = [](size_t i) { return "127.0.0." + std::to_string(i + 1); };
  for (size_t i = 0; i < kSenders.size(); ++i)
    listeners += "  - listen: " + address(i) + ":0\n    service: " + kSenders[i].service + "\n";
  write_file(dir.file("shipper.yaml"),
             "host: it-host\n"
             "kafka:\n  brokers: " + kafka + "\n  topic: " + id + "\n"
             "tcp:\n" + listeners +
             "wal:\n  dir: " + dir.file("wal") + "\n"
             "state:\n  checkpoint_file: " + dir.file("checkpoint.json") + "\n"
             "status_listen: 127.0.0.1:0\n");
  write_file(dir.file("indexer.yaml"),
             "kafka:\n  brokers: " + kafka + "\n  topics: [" + id + "]\n  group_id: " + id + "\n"
             "elasticsearch:\n  url: " + es + "\n  index_prefix: " + index_prefix + "\n"
             "  deadletter_index: " + id + "-deadletter\n"
             "batch:\n  max_wait: 200ms\n"
             "status_listen: 127.0.0.1:0\n");
  ChildProcess shipper({LOGPIPE_SHIPPER_BIN, "-c", dir.file("shipper.yaml")}, dir.file("shipper.out"));
  ChildProcess indexer({LOGPIPE_INDEXER_BIN, "-c", dir.file("indexer.yaml")}, dir.file("indexer.out"));
  REQUIRE(shipper.started());
  REQUIRE(indexer.started());
  auto logs = [&] { return "--- shipper ---\n" + shipper.log() + "--- indexer ---\n" + indexer.log(); };

  // Each listener logs its port once it listens: {"message":"tcp: listening","listener":...,"port":N}.
  std::map<std::string, std::string> ports;  // listen address -> port
  const std::regex listening(R"re("message":"tcp: listening".*?"listener":"([^"]*)".*?"port":(\d+))re");
  const bool up = wait_until(
      [&] {
        const std::string log = shipper.log();
        for (auto it = std::sregex_iterator(log.begin(), log.end(), listening); it != std::sregex_iterator(); ++it)
          ports[(*it)[1].str()] = (*it)[2].str();
        return ports.size() == kSenders.size();
      },
      60s);
  INFO(logs());
  REQUIRE(up);

  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  const auto started = std::chrono::system_clock::now();
  for (size_t i = 0; i < kSenders.size(); ++i) {
    const auto& s = kSenders[i];
    const std::string port = ports[address(i) + ":0"];
    REQUIRE_FALSE(port.empty());
    const auto r = run_command(senders_dir + "/bin/" + s.command + " " + address(i) + ":" + port + " " + s.args + " 2>&1");
    INFO(s.service << ": " << r.out);
    REQUIRE(r.exit_code == 0);
  }
  const auto finished = std::chrono::system_clock::now();

  for (const auto& s : kSenders) {
    std::vector<std::string> docs;
    const bool arrived = wait_until(
        [&] {
          docs = documents(es, index_prefix, s.service);
          return docs.size() >= s.events;
        },
        120s);
    INFO(s.service << "\n" << logs());
    REQUIRE(arrived);
    CHECK(docs.size() == s.events);

    std::set<std::string> levels;
    bool saw_error = false, saw_custom = false, saw_unicode = false;
    for (const auto& json : docs) {
      Source d(json);
      INFO(s.service << ": " << json);
      CHECK(d.str("/service/name") == s.service);
      CHECK(d.str("/log/logger") == s.logger);
      const std::string message = d.str("/message");
      CHECK(message.front() != '{');  // parsed, not kept raw
      levels.insert(d.str("/log/level"));
      // The sender's own time (the sender ran between `started` and `finished`), to the millisecond.
      const std::string ts = d.str("/@timestamp");
      CHECK(ts >= iso(started - 2s));
      CHECK(ts <= iso(finished + 2s));
      for (const auto& t : {"_jsonparsefailure", "_timestampparsefailure", "_no_timestamp", "_invalid_utf8"}) {
        CHECK_THAT(json, !Catch::Contains(std::string("\"") + t + "\""));
      }
      // host.name: the host python-logstash names in the event; for the Java senders, which do not, the
      // shipper's host.
      CHECK(d.str("/host/name") == (s.command == "python-logstash-sender" ? std::string(hostname) : "it-host"));
      if (message == "payment failed") {
        saw_error = true;
        CHECK(d.str("/log/level") == "error");
        CHECK(d.str("/error/message") == "card declined");
        CHECK_THAT(d.str("/error/stack_trace"), Catch::Contains("charge"));
        CHECK(d.str("/error/fingerprint").size() == 16);
      }
      if (message.rfind("order paid", 0) == 0) {
        saw_custom = true;
        if (s.command == "python-logstash-sender") {
          CHECK(d.num("/fields/orderId") == 1234);
          CHECK(d.num("/fields/customer.id") == 7);
        } else if (s.command == "logback-sender") {
          CHECK(d.num("/fields/orderId") == 1234);
          CHECK(d.num("/fields/build.number") == 42);
        } else {
          CHECK(d.num("/fields/build.number") == 42);
          CHECK(d.str("/fields/env") == "test");
        }
      }
      if (message.rfind("unicode: ", 0) == 0) {
        saw_unicode = true;
        CHECK(message == "unicode: Grüße aus Köln, 東京, emoji \xF0\x9F\x8E\x89, quote \" backslash \\ tab\t end");
      }
    }
    CHECK(saw_error);
    CHECK(saw_custom);
    CHECK(saw_unicode);
    CHECK(levels.count("info") == 1);
    CHECK(levels.count("warn") == 1);
  }
  CHECK(shipper.stop() == 0);
  CHECK(indexer.stop() == 0);
}
