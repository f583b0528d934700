#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "common/clock.h"
#include "common/kafka/rdkafka_producer.h"
#include "common/metrics.h"
#include "shipper/pipeline.h"
#include "tests/fakes/fake_producer.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe;
using namespace std::chrono_literals;
using logpipe::testing::append_file;
using logpipe::testing::FakeProducer;
using logpipe::testing::TempDir;

namespace {

shipper::ShipperConfig config_for(const TempDir& dir) {
  shipper::ShipperConfig c;
  c.host = "host-a";
  c.kafka_topic = "logs";
  shipper::InputConfig in;
  in.paths = {dir.file("app.log")};
  in.service = "checkout";
  in.format = "plain";
  in.labels = {{"env", "test"}};
  c.inputs.push_back(in);
  c.checkpoint_file = dir.file("cp.json");
  c.checkpoint_interval = 1000ms;
  c.poll_interval = 0ms;
  c.scan_interval = 0ms;  // discover files every round; the discovery tests set their own
  c.shutdown_timeout = 0ms;  // the fake never acknowledges on its own and the clock does not move
  return c;
}

int64_t checkpointed_offset(const TempDir& dir) {
  auto entries = shipper::CheckpointStore(dir.file("cp.json")).load();
  REQUIRE(entries.ok());
  if (entries->empty()) return -1;
  return entries->at(0).offset;
}

// The header as the record carries it.
std::string raw_header(const kafka::OutRecord& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<missing>";
}

// A field by its header name in the one-header-per-field layout (lp.path, lp.offset, ...), whatever layout
// the record uses: what a reader decodes from it.
std::string header(const kafka::OutRecord& r, std::string_view name) {
  auto meta = kafka::decode_headers(r.headers);
  if (!meta) return "<undecodable: " + meta.error().message() + ">";
  for (const auto& [k, v] : kafka::encode_headers(*meta))
    if (k == name) return v;
  return "<missing>";
}

struct Harness {
  TempDir dir;
  ManualClock clock;
  metrics::Registry registry;
  std::unique_ptr<shipper::Pipeline> pipeline;
  std::unique_ptr<FakeProducer> producer;

  explicit Harness(std::function<void(shipper::ShipperConfig&)> tweak = nullptr) { start(tweak); }
  void start(std::function<void(shipper::ShipperConfig&)> tweak = nullptr) {
    auto c = config_for(dir);
    if (tweak) tweak(c);
    pipeline = std::make_unique<shipper::Pipeline>(c, clock, registry);
    producer = std::make_unique<FakeProducer>(*pipeline);
    REQUIRE(pipeline->start().ok());
    pipeline->set_producer(producer.get());
  }
};

}  // namespace

TEST_CASE("each line becomes one record with the documented headers and key", "[shipper]") {
  Harness h;
  append_file(h.dir.file("app.log"), "hello\nworld\n");
  CHECK(h.pipeline->run_once() == 2);
  const auto& produced = h.producer->produced();
  REQUIRE(produced.size() == 2);
  const auto& r = produced[0].second;
  CHECK(r.topic == "logs");
  CHECK(r.value == "hello");
  // Record format version 2, packed layout: lp.v = version, source, format, host, service, file id, path;
  // lp.line = offset, read time (schemas/kafka-record.md).
  const auto id = raw_header(r, "lp.v").substr(std::string("2\tfile\tplain\thost-a\tcheckout\t").size());
  CHECK(raw_header(r, "lp.v") == "2\tfile\tplain\thost-a\tcheckout\t" + id.substr(0, id.find('\t')) + "\t" + h.dir.file("app.log"));
  CHECK(shipper::FileIdentity::parse(id.substr(0, id.find('\t'))).has_value());
  const std::string read_us = std::to_string(h.clock.wall_micros());
  CHECK(raw_header(r, "lp.line") == "0\t" + read_us);
  CHECK(raw_header(r, "lp.label.env") == "test");
  CHECK(raw_header(produced[1].second, "lp.line") == "6\t" + read_us);
  CHECK(r.headers.size() == 3);  // lp.v, lp.line, one label
  CHECK(r.key == produced[1].second.key);  // one file, one key, one partition
}

TEST_CASE("the checkpoint never passes a line Kafka has not acknowledged", "[shipper]") {
  Harness h;
  append_file(h.dir.file("app.log"), "a\nbb\nccc\n");  // ends at 2, 5, 9
  h.pipeline->run_once();
  const auto tokens = h.producer->produced();
  REQUIRE(tokens.size() == 3);

  h.producer->ack(tokens[1].first);  // out of order: the second line first
  h.producer->ack(tokens[2].first);
  h.clock.advance(2s);
  h.pipeline->run_once();
  CHECK(checkpointed_offset(h.dir) <= 0);

  h.producer->ack(tokens[0].first);
  h.clock.advance(2s);
  h.pipeline->run_once();
  h.clock.advance(2s);
  h.pipeline->run_once();
  CHECK(checkpointed_offset(h.dir) == 9);
}

TEST_CASE("a failed delivery is produced again, never dropped", "[shipper]") {
  Harness h;
  append_file(h.dir.file("app.log"), "x\ny\n");
  h.pipeline->run_once();
  auto first = h.producer->produced();
  h.producer->fail(first[0].first);
  h.producer->ack(first[1].first);
  h.pipeline->run_once();  // delivers the reports
  h.pipeline->run_once();  // not yet: a failed round waits 100 ms (common/kafka/retry_backoff.h)
  CHECK(h.producer->produced().size() == 2);
  h.clock.advance(100ms);
  h.pipeline->run_once();  // re-produces the failed one
  const auto& produced = h.producer->produced();
  REQUIRE(produced.size() == 3);
  CHECK(produced[2].second.value == "x");
  CHECK(h.registry.counter("logpipe_shipper_kafka_delivery_failures_total", "").value() == 1);
  REQUIRE(h.pipeline->shutdown().ok());    // gives up waiting for "x" at once...
  CHECK(checkpointed_offset(h.dir) == 0);  // ...and checkpoints only the acknowledged prefix
}

namespace {
// Rounds of "the broker answers everything in flight by size, the pipeline serves the reports and
// produces again", until its checkpoint covers `end` (or 20 rounds).
void settle_by_size(Harness& h, int64_t end) {
  for (int i = 0; i < 20 && checkpointed_offset(h.dir) < end; ++i) {
    h.producer->settle_all_by_size();
    h.pipeline->run_once();  // delivers the reports
    h.pipeline->run_once();  // produces again what failed
    h.clock.advance(2s);     // checkpoint due
    h.pipeline->run_once();
  }
}
}  // namespace

TEST_CASE("a line the broker refuses as too large is shipped cut in half and tagged until it fits, and its file moves on",
          "[shipper]") {
  Harness h;
  const std::string big(4000, 'z');
  append_file(h.dir.file("app.log"), "before\n" + big + "\nafter\n");  // ends at 7, 4008, 4014
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 3);
  // A broker whose limit admits ~1000 bytes of value on these records, not 2000.
  const int64_t fixed = FakeProducer::record_bytes(h.producer->produced()[0].second) - 6;
  h.producer->set_max_record_bytes(fixed + 1100);
  settle_by_size(h, 4014);

  CHECK(checkpointed_offset(h.dir) == 4014);
  const auto& produced = h.producer->produced();
  REQUIRE(produced.size() == 5);  // before, big, after, big cut to 2000, big cut to 1000
  CHECK(produced[3].second.value == big.substr(0, 2000));
  CHECK(produced[4].second.value == big.substr(0, 1000));
  CHECK(raw_header(produced[4].second, "lp.tags") == "_truncated");
  CHECK(raw_header(produced[4].second, "lp.line") == raw_header(produced[1].second, "lp.line"));  // same identity
  CHECK(produced[4].second.key == produced[1].second.key);
  CHECK(h.registry.counter("logpipe_shipper_records_cut_total", "").value() == 2);
  CHECK(h.registry.counter("logpipe_shipper_lines_acked_total", "").value() == 3);
  CHECK(h.registry.counter("logpipe_shipper_lines_dropped_total", "", {{"reason", "too_large_for_broker"}}).value() == 0);
}

TEST_CASE("a line whose record is too large for the broker even when empty is dropped and counted, not retried forever",
          "[shipper]") {
  Harness h;
  append_file(h.dir.file("app.log"), "before\n" + std::string(300, 'z') + "\nafter\n");  // ends at 7, 308, 314
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 3);
  // "before" and "after" pass; the cut record carries lp.tags=_truncated (17 bytes more): never passes.
  const int64_t fixed = FakeProducer::record_bytes(h.producer->produced()[0].second) - 6;
  h.producer->set_max_record_bytes(fixed + 12);
  settle_by_size(h, 314);

  CHECK(checkpointed_offset(h.dir) == 314);
  CHECK(h.registry.counter("logpipe_shipper_lines_dropped_total", "", {{"reason", "too_large_for_broker"}}).value() == 1);
  CHECK(h.registry.counter("logpipe_shipper_lines_acked_total", "").value() == 2);
  CHECK(h.producer->produced().back().second.value.empty());  // cut down to nothing before giving up
}

TEST_CASE("a line above the producer's own message.max.bytes is cut until librdkafka takes it, and does not hold back "
          "the lines after it",
          "[shipper]") {
  Harness h;
  // The real client (no broker needed: produce() only queues), with a limit a user could set in
  // kafka.properties: 2000 bytes for value, key and headers together.
  auto real = kafka::RdKafkaProducer::create({{"bootstrap.servers", "127.0.0.1:1"}, {"message.max.bytes", "2000"}},
                                             *h.pipeline);
  REQUIRE(real.ok());
  h.pipeline->set_producer(real->get());
  append_file(h.dir.file("app.log"), "before\n" + std::string(8000, 'z') + "\nafter\n");
  for (int i = 0; i < 10; ++i) h.pipeline->run_once();
  // 8000 -> 4000 -> 2000 (still above with its key and headers) -> 1000: three cuts, then queued.
  CHECK(h.registry.counter("logpipe_shipper_records_cut_total", "").value() == 3);
  CHECK((*real)->in_flight() == 3);  // before, the cut line, after: nothing waits behind the big one
  h.pipeline->set_producer(h.producer.get());
}

TEST_CASE("reading stops at the in-flight budget and resumes when acknowledged", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) { c.memory_budget = 10; });
  std::string data;
  for (int i = 0; i < 2000; ++i) data += "line-" + std::to_string(1000 + i) + "\n";  // 10 bytes each
  append_file(h.dir.file("app.log"), data);
  for (int i = 0; i < 5; ++i) h.pipeline->run_once();
  const size_t at_budget = h.producer->produced().size();
  CHECK(at_budget > 0);
  CHECK(at_budget <= 410);  // one read step (4 KiB at least) at most, then the budget is full
  CHECK(h.pipeline->in_flight_bytes() >= 10);
  h.pipeline->run_once();
  CHECK(h.producer->produced().size() == at_budget);  // budget full: nothing more is read
  for (int round = 0; round < 50 && h.producer->produced().size() < 2000; ++round) {
    h.producer->ack_all();
    h.pipeline->run_once();
  }
  CHECK(h.producer->produced().size() == 2000);
}

TEST_CASE("at the budget, reading resumes only once an eighth of it is free, not at the first acknowledgement", "[shipper]") {
  constexpr int64_t kBudget = 64 << 10;
  Harness h([](shipper::ShipperConfig& c) { c.memory_budget = kBudget; });
  std::string data;
  for (int i = 0; i < 3000; ++i) data += "line-" + std::to_string(100000 + i) + " with some words after the number\n";
  append_file(h.dir.file("app.log"), data);
  for (int i = 0; i < 5; ++i) h.pipeline->run_once();
  const auto& produced = h.producer->produced();
  const size_t at_budget = produced.size();
  REQUIRE(at_budget > 0);
  REQUIRE(at_budget < 3000);
  CHECK(h.pipeline->memory_in_use() > kBudget - kBudget / 8);
  // Acknowledge one record at a time. A report is served at the end of run_once(), so the next
  // run_once() is the first to read with that memory free.
  size_t acked = 0;
  int64_t free_at_resume = -1, most_free_without_reading = -1;
  while (acked < at_budget && free_at_resume < 0) {
    h.producer->ack(produced[acked++].first);
    h.pipeline->run_once();
    const int64_t free_now = kBudget - h.pipeline->memory_in_use();
    const size_t before = produced.size();
    h.pipeline->run_once();
    if (produced.size() > before) free_at_resume = free_now;
    else most_free_without_reading = std::max(most_free_without_reading, free_now);
  }
  CHECK(acked > 1);                                    // the first acknowledgement did not resume reading
  CHECK(most_free_without_reading > 0);                // memory was free, but less than an eighth
  CHECK(most_free_without_reading < kBudget / 8);
  CHECK(free_at_resume >= kBudget / 8);                // and it resumed as soon as an eighth was
  for (int round = 0; round < 200 && produced.size() < 3000; ++round) {
    h.producer->ack_all();
    h.pipeline->run_once();
  }
  CHECK(produced.size() == 3000);
}

TEST_CASE("lines and bytes are counted when read, when handed to Kafka and when acknowledged", "[shipper]") {
  Harness h;
  const auto value = [&](const char* name) { return h.registry.counter(name, "").value(); };
  h.producer->cork(true);  // the client's queue is full: read, not sent
  append_file(h.dir.file("app.log"), "hello\nworld!\n");
  h.pipeline->run_once();
  CHECK(value("logpipe_shipper_lines_read_total") == 2);
  CHECK(value("logpipe_shipper_bytes_read_total") == 11);
  CHECK(value("logpipe_shipper_lines_sent_total") == 0);
  h.producer->cork(false);
  h.pipeline->run_once();
  CHECK(value("logpipe_shipper_lines_sent_total") == 2);
  CHECK(value("logpipe_shipper_bytes_sent_total") == 11);
  CHECK(value("logpipe_shipper_lines_acked_total") == 0);
  h.producer->ack(h.producer->produced()[1].first);
  h.pipeline->run_once();
  CHECK(value("logpipe_shipper_lines_acked_total") == 1);
  CHECK(value("logpipe_shipper_bytes_acked_total") == 6);  // "world!"
  h.producer->fail(h.producer->produced()[0].first);  // produced again: sent counts each attempt
  h.pipeline->run_once();
  h.clock.advance(100ms);  // the retry backoff
  h.pipeline->run_once();
  CHECK(value("logpipe_shipper_lines_sent_total") == 3);
  CHECK(value("logpipe_shipper_bytes_sent_total") == 16);
}

TEST_CASE("a full producer queue holds records back without losing them", "[shipper]") {
  Harness h;
  h.producer->cork(true);
  append_file(h.dir.file("app.log"), "p\nq\n");
  h.pipeline->run_once();
  CHECK(h.producer->produced().empty());
  CHECK(h.pipeline->pending_records() == 2);
  h.producer->cork(false);
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 2);
  CHECK(h.producer->produced()[0].second.value == "p");
  CHECK(h.producer->produced()[1].second.value == "q");
}

TEST_CASE("after a restart, unacknowledged lines are sent again with the same identity and offset", "[shipper]") {
  Harness h;
  append_file(h.dir.file("app.log"), "one\ntwo\nthree\n");
  h.pipeline->run_once();
  const auto before = h.producer->produced();
  h.producer->ack(before[0].first);
  h.pipeline->run_once();
  REQUIRE(h.pipeline->write_checkpoint().ok());  // what a crash after the periodic checkpoint leaves

  h.start();  // a new process
  h.pipeline->run_once();
  const auto& after = h.producer->produced();
  REQUIRE(after.size() == 2);
  CHECK(after[0].second.value == "two");
  CHECK(header(after[0].second, "lp.offset") == header(before[1].second, "lp.offset"));
  CHECK(header(after[0].second, "lp.offset") == "4");
  CHECK(header(after[0].second, "lp.file_id") == header(before[1].second, "lp.file_id"));
}

TEST_CASE("files matching a glob are discovered at the next scan, excluded ones never", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) {
    c.inputs[0].paths = {c.inputs[0].paths[0].substr(0, c.inputs[0].paths[0].rfind('/')) + "/*.log"};
    c.inputs[0].exclude = {"skip-*.log"};  // no slash: matched against the file name
    c.scan_interval = 1000ms;
    c.inotify = false;  // the periodic rescan alone (the inotify test is below)
  });
  append_file(h.dir.file("a.log"), "from a\n");
  append_file(h.dir.file("skip-me.log"), "excluded\n");
  h.pipeline->run_once();
  CHECK(h.producer->produced().empty());  // created after start: not scanned yet
  h.clock.advance(1s);
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 1);
  CHECK(h.producer->produced()[0].second.value == "from a");
  CHECK(header(h.producer->produced()[0].second, "lp.path") == h.dir.file("a.log"));
  CHECK(h.pipeline->tailed_paths() == std::vector<std::string>{h.dir.file("a.log")});
}

TEST_CASE("rotation by rename with a glob that matches the rotated name: nothing read twice or skipped", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) { c.inputs[0].paths = {c.inputs[0].paths[0] + "*"}; });  // app.log*
  const auto path = h.dir.file("app.log");
  append_file(path, "one\ntwo\n");
  h.pipeline->run_once();
  append_file(path, "three\n");
  std::filesystem::rename(path, h.dir.file("app.log.1"));
  append_file(path, "four\n");
  for (int i = 0; i < 5; ++i) h.pipeline->run_once();
  append_file(h.dir.file("app.log.1"), "late write to the rotated file\n");
  for (int i = 0; i < 5; ++i) h.pipeline->run_once();
  std::vector<std::string> values;
  for (const auto& [token, rec] : h.producer->produced()) values.push_back(rec.value);
  std::sort(values.begin(), values.end());
  CHECK(values == std::vector<std::string>{"four", "late write to the rotated file", "one", "three", "two"});
}

TEST_CASE("a file rotated while the shipper was stopped is found and finished", "[shipper]") {
  Harness h;
  const auto path = h.dir.file("app.log");
  append_file(path, "before-1\nbefore-2\n");
  h.pipeline->run_once();
  h.producer->ack_all();
  h.pipeline->run_once();
  REQUIRE(h.pipeline->write_checkpoint().ok());
  h.pipeline.reset();  // the shipper stops...
  append_file(path, "written while stopped\n");
  std::filesystem::rename(path, h.dir.file("app.log.1"));  // ...the file is rotated...
  append_file(path, "new file\n");

  h.start();  // ...and it starts again, tailing only app.log
  for (int i = 0; i < 3; ++i) h.pipeline->run_once();
  std::vector<std::string> values;
  for (const auto& [token, rec] : h.producer->produced()) values.push_back(rec.value);
  std::sort(values.begin(), values.end());
  CHECK(values == std::vector<std::string>{"new file", "written while stopped"});
}

TEST_CASE("a deleted file that cannot be finished is released after the grace period, bytes counted", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) { c.memory_budget = 8; c.deleted_file_grace = 10000ms; });
  const auto path = h.dir.file("app.log");
  append_file(path, std::string(3000, 'a') + "\n" + std::string(3000, 'b') + "\n" + std::string(3000, 'c') + "\n");
  h.pipeline->run_once();  // one 4 KiB read: the first line and 1095 bytes of the second; then the budget is full
  REQUIRE(h.producer->produced().size() == 1);
  std::filesystem::remove(path);
  h.pipeline->run_once();
  CHECK(h.pipeline->tailed_paths().size() == 1);
  h.clock.advance(11s);
  h.pipeline->run_once();
  CHECK(h.pipeline->tailed_paths().empty());
  // Unread: 9003 - 4096 bytes in the file, plus the 1095 bytes of the started second line.
  CHECK(h.registry.counter("logpipe_shipper_bytes_dropped_total", "", {{"reason", "deleted_file_timeout"}}).value() == 6002);
}

TEST_CASE("an unterminated last line is shipped after idle_flush, and what follows is a new line", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) { c.idle_flush = 5000ms; });
  const auto path = h.dir.file("app.log");
  append_file(path, "complete\nprompt> ");
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 1);
  h.clock.advance(4s);
  h.pipeline->run_once();
  CHECK(h.producer->produced().size() == 1);  // not idle long enough
  h.clock.advance(2s);
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 2);
  CHECK(h.producer->produced()[1].second.value == "prompt> ");
  CHECK(header(h.producer->produced()[1].second, "lp.offset") == "9");
  append_file(path, "answer\n");
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 3);
  CHECK(h.producer->produced()[2].second.value == "answer");
  CHECK(header(h.producer->produced()[2].second, "lp.offset") == "17");
}

TEST_CASE("cri input with java multiline: unwrapped, joined, content format and stream in headers", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) {
    c.inputs[0].format = "cri";
    c.inputs[0].content_format = "plain";
    c.inputs[0].multiline.mode = "java";
  });
  append_file(h.dir.file("app.log"),
              "2024-05-14T09:15:03.1Z stderr F ERROR boom\n"
              "2024-05-14T09:15:03.2Z stderr F java.lang.IllegalStateException: bad\n"
              "2024-05-14T09:15:03.3Z stderr P \tat com.example.A.b(A.ja\n"
              "2024-05-14T09:15:03.4Z stderr F va:1)\n"
              "2024-05-14T09:15:04.0Z stdout F INFO next\n");
  h.pipeline->run_once();
  h.clock.advance(2s);  // the multiline timeout ships the last event
  h.pipeline->run_once();
  const auto& p = h.producer->produced();
  REQUIRE(p.size() == 2);
  CHECK(p[0].second.value == "ERROR boom\njava.lang.IllegalStateException: bad\n\tat com.example.A.b(A.java:1)");
  CHECK(header(p[0].second, "lp.stream") == "stderr");
  CHECK(header(p[0].second, "lp.runtime_time") == "2024-05-14T09:15:03.1Z");
  CHECK(header(p[0].second, "lp.format") == "plain");
  CHECK(header(p[0].second, "lp.offset") == "0");
  CHECK(p[1].second.value == "INFO next");
  CHECK(header(p[1].second, "lp.stream") == "stdout");
}

TEST_CASE("each input's lines go to the topic its template names", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) { c.kafka_topic = "logs-{service}"; });
  append_file(h.dir.file("app.log"), "x\n");
  h.pipeline->run_once();
  REQUIRE(h.producer->produced().size() == 1);
  CHECK(h.producer->produced()[0].second.topic == "logs-checkout");
}

TEST_CASE("records built from the per-file template read back as encode_headers would have written them", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) {
    c.inputs[0].format = "cri";
    c.inputs[0].content_format = "json";
    c.inputs[0].labels = {{"env", "test"}, {"team", "payments"}};
    c.max_line_bytes = 1024;
  });
  append_file(h.dir.file("app.log"), "2024-05-14T09:15:03.1Z stdout F {\"a\":1}\nnot a cri record " + std::string(2000, 'z') + "\n");
  h.pipeline->run_once();
  const auto& p = h.producer->produced();
  REQUIRE(p.size() == 2);
  for (const auto& [token, r] : p) {
    auto meta = kafka::decode_headers(r.headers);
    REQUIRE(meta.ok());
    kafka::RecordMeta expected;
    expected.host = "host-a";
    expected.service = "checkout";
    expected.path = h.dir.file("app.log");
    expected.file_id = meta->file_id;  // checked below
    expected.offset = meta->offset;
    expected.read_micros = meta->read_micros;
    expected.format = "json";
    expected.labels = {{"env", "test"}, {"team", "payments"}};
    if (r.value == "{\"a\":1}") {
      expected.stream = "stdout";
      expected.runtime_time = "2024-05-14T09:15:03.1Z";
      CHECK(meta->offset == 0);
    } else {
      expected.tags = {"_truncated", "_container_unparsed"};
      CHECK(meta->offset == 40);
      CHECK(r.value.size() == 1024);
    }
    CHECK(kafka::encode_headers(*meta) == kafka::encode_headers(expected));
    CHECK(meta->version == kafka::kRecordVersion);
    CHECK(meta->source == "file");
    CHECK(meta->read_micros == h.clock.wall_micros());
    CHECK(r.key == kafka::record_key(*meta));
    CHECK(shipper::FileIdentity::parse(meta->file_id).has_value());
  }
}

TEST_CASE("unfinished lines count against the memory budget and cannot stall reading", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) { c.memory_budget = 20 << 10; });
  const std::string long_line(50000, 'x');
  append_file(h.dir.file("app.log"), long_line + "\nnext\n");
  int64_t peak = 0;
  for (int i = 0; i < 40 && h.producer->produced().size() < 2; ++i) {
    h.pipeline->run_once();
    peak = std::max(peak, h.pipeline->memory_in_use());
    h.producer->ack_all();  // acknowledged at once: only the unfinished line holds memory between rounds
  }
  REQUIRE(h.producer->produced().size() == 2);
  CHECK(h.producer->produced()[0].second.value == long_line);
  CHECK(peak > (40 << 10));  // the 50 kB line was held (and counted) while it was being read
  h.pipeline->run_once();  // the acknowledgements
  h.pipeline->run_once();  // the next read lets go of the long line's buffer
  CHECK(h.pipeline->in_flight_bytes() == 0);
  CHECK(h.pipeline->memory_in_use() < (20 << 10));  // read buffer only
}

TEST_CASE("librdkafka's queue limits come from the memory budget unless configured", "[shipper]") {
  shipper::ShipperConfig c;
  c.memory_budget = 10 << 20;
  auto p = shipper::Pipeline::producer_properties(c, {{"queue.buffering.max.messages", "500"}});
  CHECK(p.at("queue.buffering.max.kbytes") == "10240");
  CHECK(p.at("queue.buffering.max.messages") == "500");
  p = shipper::Pipeline::producer_properties(c, {});
  CHECK(std::stol(p.at("queue.buffering.max.messages")) >= 10000);
  // Batches a fraction of what the budget holds, so a full one leaves at once (not after linger.ms).
  CHECK(p.at("batch.num.messages") == "2048");
  CHECK(shipper::Pipeline::producer_properties(c, {{"batch.num.messages", "7"}}).at("batch.num.messages") == "7");
  // A record of the longest line (or multiline event) plus its headers must not be refused as too large.
  c.max_line_bytes = 2 << 20;
  CHECK(std::stol(shipper::Pipeline::producer_properties(c, {}).at("message.max.bytes")) > (2 << 20));
  shipper::InputConfig in;
  in.multiline.mode = "java";
  in.multiline.max_bytes = 4 << 20;
  c.inputs.push_back(in);
  CHECK(std::stol(shipper::Pipeline::producer_properties(c, {}).at("message.max.bytes")) > (4 << 20));
}

TEST_CASE("with inotify a new file is found and read at once, excluded ones still never", "[shipper]") {
  Harness h([](shipper::ShipperConfig& c) {
    c.inputs[0].paths = {c.inputs[0].paths[0].substr(0, c.inputs[0].paths[0].rfind('/')) + "/*.log"};
    c.inputs[0].exclude = {"skip-*.log"};
    c.scan_interval = 3600000ms;  // the periodic rescan never comes in this test
  });
  h.pipeline->run_once();
  append_file(h.dir.file("a.log"), "from a\n");
  append_file(h.dir.file("skip-me.log"), "excluded\n");
  h.clock.advance(100ms);  // requested rescans are at most every 100 ms
  h.pipeline->run_once();  // inotify reported the creation: this round rescans and reads
  REQUIRE(h.producer->produced().size() == 1);
  CHECK(h.producer->produced()[0].second.value == "from a");
}
