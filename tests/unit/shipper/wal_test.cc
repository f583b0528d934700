#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <vector>

#include "common/clock.h"
#include "shipper/wal/wal.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe::shipper;
using logpipe::ManualClock;
using logpipe::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Wal> must_open(const WalOptions& options, const logpipe::Clock& clock) {
  auto wal = Wal::open(options, clock);
  INFO((wal ? std::string() : wal.error().message()));
  REQUIRE(wal.ok());
  return std::move(wal).value();
}

std::map<uint64_t, std::string> replay_all(Wal& wal) {
  std::map<uint64_t, std::string> out;
  uint64_t previous = 0;
  REQUIRE(wal.replay([&](uint64_t seq, std::string_view event) {
                CHECK(seq > previous);  // sequence order
                previous = seq;
                out.emplace(seq, std::string(event));
              })
              .ok());
  return out;
}

// A ~300-byte JSON log event like the TCP input stores.
std::string json_event(int i) {
  return R"({"@timestamp":"2026-11-23T10:15:)" + std::to_string(10 + i % 50) +
         R"(.123Z","@version":"1","message":"order )" + std::to_string(i) +
         R"( accepted for customer 42 in region eu-west-1","logger_name":"com.example.orders.OrderService",)"
         R"("thread_name":"http-nio-8080-exec-)" + std::to_string(i % 16) +
         R"(","level":"INFO","level_value":20000,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","app":"orders"})";
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void flip_byte(const fs::path& file, int64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(offset);
  f.write(&c, 1);
}

WalOptions options_in(const TempDir& dir) {
  WalOptions o;
  o.dir = dir.file("wal");
  return o;
}

}  // namespace

TEST_CASE("wal: appended events replay in order with their payloads until acknowledged", "[wal]") {
  TempDir dir;
  ManualClock clock;
  auto wal = must_open(options_in(dir), clock);
  for (int i = 0; i < 5; ++i) {
    auto seq = wal->append(json_event(i));
    REQUIRE(seq.ok());
    CHECK(*seq == static_cast<uint64_t>(i + 1));
  }
  CHECK(wal->unacked_count() == 5);
  wal->ack(2);
  wal->ack(4);
  wal->ack(4);     // repeated: ignored
  wal->ack(999);   // unknown: ignored
  CHECK(wal->unacked_count() == 3);
  const auto replayed = replay_all(*wal);
  CHECK(replayed == std::map<uint64_t, std::string>{{1, json_event(0)}, {3, json_event(2)}, {5, json_event(4)}});
  CHECK(wal->id().size() == 32);
  CHECK(wal->close().ok());
}

TEST_CASE("wal: append_batch writes consecutive numbers at once, all or nothing", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.max_disk_bytes = 8 << 10;
  o.compression_level = 0;
  auto wal = must_open(o, clock);
  REQUIRE(wal->append("single").ok());
  const std::vector<std::string> events = {json_event(0), json_event(1), json_event(2)};
  const std::vector<std::string_view> views(events.begin(), events.end());
  auto first = wal->append_batch(views);
  REQUIRE(first.ok());
  CHECK(*first == 2);
  CHECK_FALSE(wal->append_batch({}).ok());

  // A batch that does not fit in the budget appends nothing.
  const std::vector<std::string> big(30, json_event(3));
  const std::vector<std::string_view> big_views(big.begin(), big.end());
  const int64_t before = wal->disk_bytes();
  CHECK_FALSE(wal->append_batch(big_views).ok());
  CHECK(wal->is_full());
  CHECK(wal->disk_bytes() == before);
  CHECK(wal->unacked_count() == 4);
  auto next = wal->append("after");
  REQUIRE(next.ok());
  CHECK(*next == 5);
  CHECK(replay_all(*wal) == std::map<uint64_t, std::string>{
                                {1, "single"}, {2, events[0]}, {3, events[1]}, {4, events[2]}, {5, "after"}});
}

TEST_CASE("wal: a second process cannot open the same directory", "[wal]") {
  TempDir dir;
  ManualClock clock;
  auto wal = must_open(options_in(dir), clock);
  // flock is per open file description: a second open() in this process conflicts like another process.
  auto second = Wal::open(options_in(dir), clock);
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.error().message(), Catch::Contains("in use"));
}

TEST_CASE("wal: id is stable and sequence numbers continue after close and after a crash", "[wal]") {
  TempDir dir;
  ManualClock clock;
  std::string id;
  {
    auto wal = must_open(options_in(dir), clock);
    id = wal->id();
    for (int i = 0; i < 3; ++i) REQUIRE(wal->append("e" + std::to_string(i)).ok());
    REQUIRE(wal->close().ok());
  }
  uint64_t after_crash = 0;
  {
    auto wal = must_open(options_in(dir), clock);
    CHECK(wal->id() == id);
    const auto replayed = replay_all(*wal);
    CHECK(replayed == std::map<uint64_t, std::string>{{1, "e0"}, {2, "e1"}, {3, "e2"}});
    auto seq = wal->append("e3");
    REQUIRE(seq.ok());
    CHECK(*seq == 4);  // a clean close leaves no gap
    after_crash = *seq;
    // destroyed without close(): a crash
  }
  auto wal = must_open(options_in(dir), clock);
  CHECK(wal->id() == id);
  auto seq = wal->append("e4");
  REQUIRE(seq.ok());
  CHECK(*seq > after_crash);  // never a number already handed out
  const auto replayed = replay_all(*wal);
  CHECK(replayed.size() == 5);
  CHECK(replayed.at(4) == "e3");
  CHECK(replayed.at(*seq) == "e4");
}

TEST_CASE("wal: sealed segments are compressed and deleted once every record is acknowledged, in any order",
          "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.segment_bytes = 16 << 10;
  auto wal = must_open(o, clock);
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 300; ++i) {
    auto seq = wal->append(json_event(i));
    REQUIRE(seq.ok());
    seqs.push_back(*seq);
  }
  const size_t sealed = files_with(o.dir, ".zst").size();
  CHECK(sealed >= 4);
  CHECK(files_with(o.dir, ".log").size() == 1);  // the active one
  CHECK(wal->segment_count() == sealed + 1);

  // Acknowledge everything but the first record, shuffled: only the first segment and the active remain.
  std::vector<uint64_t> shuffled(seqs.begin() + 1, seqs.end());
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  const int64_t before = wal->disk_bytes();
  for (uint64_t seq : shuffled) wal->ack(seq);
  CHECK(wal->segment_count() == 2);
  CHECK(files_with(o.dir, ".zst").size() == 1);
  CHECK(wal->disk_bytes() < before);
  CHECK(wal->unacked_count() == 1);
  CHECK(replay_all(*wal) == std::map<uint64_t, std::string>{{seqs[0], json_event(0)}});
  wal->ack(seqs[0]);
  CHECK(files_with(o.dir, ".zst").empty());
  CHECK(wal->segment_count() == 1);

  // Acks of the active segment are remembered: sealing a fully acknowledged segment deletes it.
  REQUIRE(wal->close().ok());
  CHECK(files_with(o.dir, ".log").empty());
  CHECK(files_with(o.dir, ".zst").empty());
}

TEST_CASE("wal: a restart does not replay what the persisted ack watermark covers", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  {
    auto wal = must_open(o, clock);
    for (int i = 1; i <= 10; ++i) REQUIRE(wal->append("e" + std::to_string(i)).ok());
    for (uint64_t seq : {3, 1, 2, 4, 7}) wal->ack(seq);  // contiguous up to 4; 7 is above a gap
    clock.advance(o.sync_interval);
    REQUIRE(wal->maybe_sync().ok());
  }  // crash
  auto wal = must_open(o, clock);
  const auto replayed = replay_all(*wal);
  CHECK(replayed.begin()->first == 5);  // at least once: 7 may come back, 1-4 must not
  CHECK(replayed.size() == 6);
  CHECK(replayed.at(10) == "e10");
}

TEST_CASE("wal: a torn tail is cut at the last whole record, at every byte of the last record", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.compression_level = 0;  // every reopen is a few fsyncs: keep them few
  std::map<uint64_t, std::string> expected;
  const std::string last = "last-one";  // short: one reopen per byte
  {
    auto wal = must_open(o, clock);
    for (int i = 0; i < 20; ++i) {
      auto seq = wal->append(json_event(i));
      REQUIRE(seq.ok());
      expected.emplace(*seq, json_event(i));
    }
    REQUIRE(wal->append(last).ok());
  }  // crash
  const auto logs = files_with(o.dir, ".log");
  REQUIRE(logs.size() == 1);
  const int64_t size = static_cast<int64_t>(fs::file_size(logs[0]));
  const int64_t last_record = size - (20 + static_cast<int64_t>(last.size()));
  const uint64_t last_seq = expected.rbegin()->first + 1;
  for (int64_t cut = last_record; cut < size; ++cut) {
    TempDir copy;
    WalOptions c = o;
    c.dir = copy.file("wal");
    fs::copy(o.dir, c.dir, fs::copy_options::recursive);
    fs::resize_file(fs::path(c.dir) / logs[0].filename(), static_cast<uintmax_t>(cut));
    auto wal = must_open(c, clock);
    INFO("cut at " << cut);
    CHECK(wal->corrupt_records() == 0);
    CHECK(replay_all(*wal) == expected);
    auto seq = wal->append("after");
    REQUIRE(seq.ok());
    CHECK(*seq > last_seq);
  }
}

TEST_CASE("wal: a corrupt record in a sealed raw segment is skipped and counted", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.compression_level = 0;
  {
    auto wal = must_open(o, clock);
    for (int i = 0; i < 10; ++i) REQUIRE(wal->append(json_event(i)).ok());
    REQUIRE(wal->close().ok());
  }
  const auto logs = files_with(o.dir, ".log");
  REQUIRE(logs.size() == 1);
  const int64_t record = 20 + static_cast<int64_t>(json_event(0).size());  // events 0-9 have equal sizes
  flip_byte(logs[0], 16 + 4 * record + 20 + 7);  // payload of the fifth record (seq 5)
  auto wal = must_open(o, clock);
  const auto replayed = replay_all(*wal);
  CHECK(wal->corrupt_records() == 1);
  CHECK(replayed.size() == 9);
  CHECK_FALSE(replayed.contains(5));
  CHECK(replayed.at(6) == json_event(5));
  CHECK(replayed.at(10) == json_event(9));
  // The lost record does not hold the segment back.
  for (const auto& [seq, event] : replayed) wal->ack(seq);
  CHECK(wal->segment_count() == 0);
}

TEST_CASE("wal: a corrupt block of a compressed segment loses that block only, counted", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  std::map<uint64_t, std::string> appended;
  std::mt19937 rng(11);
  {
    auto wal = must_open(o, clock);
    for (int i = 0; i < 2000; ++i) {
      std::string event = json_event(i);
      for (int k = 0; k < 40; ++k) event += static_cast<char>('a' + rng() % 26);  // not too compressible
      auto seq = wal->append(event);
      REQUIRE(seq.ok());
      appended.emplace(*seq, event);
    }
    REQUIRE(wal->close().ok());
  }
  const auto zst = files_with(o.dir, ".zst");
  REQUIRE(zst.size() == 1);
  const auto size = static_cast<int64_t>(fs::file_size(zst[0]));
  flip_byte(zst[0], size / 2);
  auto wal = must_open(o, clock);
  const auto replayed = replay_all(*wal);
  const uint64_t lost = appended.size() - replayed.size();
  CHECK(lost > 0);
  CHECK(lost < appended.size() / 2);  // one 128 KiB block of ~1 MiB
  CHECK(wal->corrupt_records() >= 1);
  for (const auto& [seq, event] : replayed) CHECK(appended.at(seq) == event);
}

TEST_CASE("wal: append fails when the disk budget is used up and works again when segments go", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.segment_bytes = 8 << 10;
  o.max_disk_bytes = 64 << 10;
  o.compression_level = 0;  // predictable sizes
  auto wal = must_open(o, clock);
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 1000; ++i) {
    auto seq = wal->append(json_event(i));
    if (!seq) {
      CHECK_THAT(seq.error().message(), Catch::Contains("full"));
      break;
    }
    seqs.push_back(*seq);
  }
  REQUIRE(wal->is_full());
  CHECK(seqs.size() > 100);
  CHECK(wal->disk_bytes() <= o.max_disk_bytes);
  CHECK_FALSE(wal->append(json_event(999)).ok());
  CHECK(wal->is_full());

  // Acknowledging the first 50 frees whole sealed segments.
  for (size_t i = 0; i < 50; ++i) wal->ack(seqs[i]);
  CHECK_FALSE(wal->is_full());
  auto seq = wal->append(json_event(999));
  REQUIRE(seq.ok());
  CHECK(*seq == seqs.back() + 1);
}

TEST_CASE("wal: a budget smaller than a segment cannot stay full once everything is acknowledged", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.max_disk_bytes = 64 << 10;  // segment_bytes stays at its 64 MiB default
  o.compression_level = 0;
  auto wal = must_open(o, clock);
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 1000; ++i) {
    auto seq = wal->append(json_event(i));
    if (!seq) break;
    seqs.push_back(*seq);
  }
  REQUIRE(wal->is_full());
  for (uint64_t seq : seqs) wal->ack(seq);
  CHECK_FALSE(wal->is_full());
  CHECK(wal->append(json_event(0)).ok());
}

TEST_CASE("wal: during an outage the budget holds compressed segments, more than its size in events",
          "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.max_disk_bytes = 256 << 10;
  auto wal = must_open(o, clock);
  int64_t appended = 0;
  std::map<uint64_t, std::string> events;
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string event = json_event(i);
    for (int k = 0; k < 40; ++k) event += static_cast<char>('a' + rng() % 26);  // ~2x, few segments to seal
    auto seq = wal->append(event);
    if (!seq) {
      // The refused append sealed the active segment; its compression runs a step per maybe_sync().
      for (int k = 0; k < 100 && wal->is_full(); ++k) REQUIRE(wal->maybe_sync().ok());
      seq = wal->append(event);
      if (!seq) break;
    }
    appended += static_cast<int64_t>(event.size());
    events.emplace(*seq, event);
  }
  REQUIRE(wal->is_full());
  CHECK(appended > o.max_disk_bytes * 3 / 2);
  CHECK(wal->disk_bytes() <= o.max_disk_bytes);
  CHECK(replay_all(*wal) == events);
}

TEST_CASE("wal: a sealed segment is compressed in steps, acks, deletion and a crash in between are safe",
          "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.segment_bytes = 1 << 20;  // 8 steps of 128 KiB
  auto fill_one_segment = [&](Wal& wal, std::map<uint64_t, std::string>& events) {
    while (files_with(o.dir, ".tmp").empty()) {  // the sealing append ran the first step
      const std::string e = json_event(static_cast<int>(events.size()));
      auto seq = wal.append(e);
      REQUIRE(seq.ok());
      events.emplace(*seq, e);
    }
  };

  SECTION("acks while it runs: only what is still unacknowledged is kept") {
    auto wal = must_open(o, clock);
    std::map<uint64_t, std::string> events;
    fill_one_segment(*wal, events);
    const uint64_t sealed_last = events.rbegin()->first;
    for (uint64_t seq = 1; seq <= sealed_last; seq += 2) {  // half, before and after the job's position
      wal->ack(seq);
      events.erase(seq);
    }
    for (int k = 0; k < 20 && !files_with(o.dir, ".tmp").empty(); ++k) REQUIRE(wal->maybe_sync().ok());
    CHECK(files_with(o.dir, ".tmp").empty());
    CHECK(files_with(o.dir, ".zst").size() == 1);
    CHECK(replay_all(*wal) == events);
  }
  SECTION("the segment is fully acknowledged while it runs: deleted, the partial file too") {
    auto wal = must_open(o, clock);
    std::map<uint64_t, std::string> events;
    fill_one_segment(*wal, events);
    for (const auto& [seq, e] : events) wal->ack(seq);
    CHECK(files_with(o.dir, ".tmp").empty());
    CHECK(files_with(o.dir, ".zst").empty());
    CHECK(wal->segment_count() == 0);
    CHECK(wal->disk_bytes() == 0);
  }
  SECTION("a crash while it runs: the partial file is dropped on open, nothing is lost") {
    std::map<uint64_t, std::string> events;
    {
      auto wal = must_open(o, clock);
      fill_one_segment(*wal, events);
    }  // crash
    auto wal = must_open(o, clock);
    CHECK(files_with(o.dir, ".tmp").empty());
    CHECK(replay_all(*wal) == events);
    CHECK(wal->corrupt_records() == 0);
  }
}

TEST_CASE("wal: compression shrinks repetitive JSON events", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  int64_t raw = 0;
  {
    auto wal = must_open(o, clock);
    for (int i = 0; i < 3000; ++i) {
      REQUIRE(wal->append(json_event(i)).ok());
      raw += static_cast<int64_t>(json_event(i).size());
    }
    REQUIRE(wal->close().ok());
    CHECK(wal->disk_bytes() * 4 < raw);
  }
  const auto zst = files_with(o.dir, ".zst");
  REQUIRE(zst.size() == 1);
  CHECK(static_cast<int64_t>(fs::file_size(zst[0])) * 4 < raw);
  auto wal = must_open(o, clock);
  const auto replayed = replay_all(*wal);
  REQUIRE(replayed.size() == 3000);
  CHECK(replayed.at(1) == json_event(0));
  CHECK(replayed.at(3000) == json_event(2999));
}

TEST_CASE("wal: replay may acknowledge and append, new appends are not replayed", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.segment_bytes = 4 << 10;
  {
    auto wal = must_open(o, clock);
    for (int i = 0; i < 100; ++i) REQUIRE(wal->append(json_event(i)).ok());
  }  // crash
  auto wal = must_open(o, clock);
  int calls = 0;
  REQUIRE(wal->replay([&](uint64_t seq, std::string_view) {
                ++calls;
                wal->ack(seq);
                REQUIRE(wal->append(json_event(1000 + calls)).ok());
              })
              .ok());
  CHECK(calls == 100);
  CHECK(wal->unacked_count() == 100);  // the new ones
  const auto replayed = replay_all(*wal);
  REQUIRE(replayed.size() == 100);
  CHECK(replayed.begin()->second == json_event(1001));
}

TEST_CASE("wal: replay_from pages through unacknowledged events from a number, stopping on request", "[wal]") {
  TempDir dir;
  ManualClock clock;
  WalOptions o = options_in(dir);
  o.segment_bytes = 4 << 10;  // several compressed segments
  {
    auto wal = must_open(o, clock);
    for (int i = 0; i < 100; ++i) REQUIRE(wal->append(json_event(i)).ok());
  }  // crash
  auto wal = must_open(o, clock);
  wal->ack(45);
  std::vector<uint64_t> page;
  REQUIRE(wal->replay_from(40, [&](uint64_t seq, std::string_view event) {
                CHECK(event == json_event(static_cast<int>(seq) - 1));
                if (page.size() == 10) return false;  // memory full: seq not taken
                page.push_back(seq);
                return true;
              })
              .ok());
  CHECK(page == std::vector<uint64_t>{40, 41, 42, 43, 44, 46, 47, 48, 49, 50});
  std::vector<uint64_t> rest;
  REQUIRE(wal->replay_from(51, [&](uint64_t seq, std::string_view) {
                rest.push_back(seq);
                return true;
              })
              .ok());
  REQUIRE(rest.size() == 50);
  CHECK(rest.front() == 51);
  CHECK(rest.back() == 100);
  CHECK(wal->corrupt_records() == 0);
}

TEST_CASE("wal: replay_from in a large active segment gives exactly the pending events from any number on",
          "[wal]") {
  // The active segment remembers where batches start (every few hundred KiB), and replay_from() starts
  // there rather than at the top of the segment: whatever the starting number (at a batch start, inside
  // a batch, on an acknowledged event, past the end), the result must equal a full replay filtered.
  TempDir dir;
  ManualClock clock;
  auto wal = must_open(options_in(dir), clock);
  constexpr int kEvents = 6000;  // ~2 MiB in one raw segment: several marks
  std::vector<std::string> batch_storage;
  for (int i = 0; i < kEvents;) {
    const int n = 1 + i % 37;
    batch_storage.clear();
    for (int j = 0; j < n && i + j < kEvents; ++j) batch_storage.push_back(json_event(i + j));
    std::vector<std::string_view> views(batch_storage.begin(), batch_storage.end());
    REQUIRE(wal->append_batch(views).ok());
    i += static_cast<int>(views.size());
  }
  for (uint64_t seq = 3; seq <= kEvents; seq += 7) wal->ack(seq);
  const auto all = replay_all(*wal);
  for (uint64_t from : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{700}, uint64_t{777}, uint64_t{1024},
                        uint64_t{2500}, uint64_t{4095}, uint64_t{5999}, uint64_t{6000}, uint64_t{6001}}) {
    std::vector<uint64_t> got;
    REQUIRE(wal->replay_from(from, [&](uint64_t seq, std::string_view event) {
                  CHECK(event == json_event(static_cast<int>(seq) - 1));
                  got.push_back(seq);
                  return true;
                })
                .ok());
    std::vector<uint64_t> want;
    for (auto it = all.lower_bound(from); it != all.end(); ++it) want.push_back(it->first);
    INFO("from " << from);
    CHECK(got == want);
  }
  CHECK(wal->corrupt_records() == 0);
}

TEST_CASE("wal: kill -9 at a random moment loses no reported append", "[wal]") {
  TempDir dir;
  WalOptions o = options_in(dir);
  o.segment_bytes = 256 << 10;  // seal and compress while appending
  std::mt19937 rng(std::random_device{}());
  std::map<uint64_t, std::string> reported;  // not acknowledged, reported by the child
  int next_event = 0;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto wal = Wal::open(o);
      if (!wal) ::_exit(2);
      for (int i = next_event;; ++i) {
        auto seq = (*wal)->append("event-" + std::to_string(i) + "-" + std::string(static_cast<size_t>(i % 200), 'x'));
        if (!seq) ::_exit(3);
        const uint64_t msg[2] = {*seq, static_cast<uint64_t>(i)};
        if (::write(fds[1], msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) ::_exit(4);
        if (i % 3 == 0) (*wal)->ack(*seq);  // some acknowledged (a crash may come first: then replayed)
        if (logpipe::Status s = (*wal)->maybe_sync(); !s) ::_exit(5);
      }
    }
    ::close(fds[1]);
    const size_t kill_after = std::uniform_int_distribution<size_t>(1, 10000)(rng);
    size_t received = 0;
    auto read_one = [&]() {
      uint64_t msg[2];
      size_t got = 0;
      while (got < sizeof msg) {
        const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(msg) + got, sizeof msg - got);
        if (n <= 0) return false;
        got += static_cast<size_t>(n);
      }
      const int i = static_cast<int>(msg[1]);
      if (i % 3 != 0) reported[msg[0]] = "event-" + std::to_string(i) + "-" + std::string(static_cast<size_t>(i % 200), 'x');
      next_event = std::max(next_event, i + 1);
      ++received;
      return true;
    };
    while (received < kill_after && read_one()) {
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    while (read_one()) {
    }
    ::close(fds[0]);
    INFO("round " << round << ", killed after " << received << " appends");

    ManualClock clock;
    auto wal = must_open(o, clock);
    const auto replayed = replay_all(*wal);
    for (const auto& [seq, event] : reported) {
      auto it = replayed.find(seq);
      REQUIRE(it != replayed.end());
      REQUIRE(it->second == event);
    }
    CHECK(wal->corrupt_records() == 0);
    // Not acknowledged: the next round's child replays nothing but keeps them; they must survive again.
  }
}
