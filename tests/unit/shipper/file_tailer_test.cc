#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "shipper/file_tail/file_tailer.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe::shipper;
using logpipe::testing::append_file;
using logpipe::testing::TempDir;
using logpipe::testing::write_file;

namespace {

std::vector<TailedLine> poll(FileTailer& t) {
  std::vector<TailedLine> out;
  REQUIRE(t.poll(out, 1 << 20).ok());
  return out;
}

std::vector<std::string> texts(const std::vector<TailedLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

}  // namespace

TEST_CASE("only complete lines are returned, with their byte offsets", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  write_file(path, "one\ntwo\r\nthr");
  FileTailer t(path, 1 << 20, nullptr);
  auto lines = poll(t);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "one");
  CHECK(lines[0].offset == 0);
  CHECK(lines[0].end_offset == 4);
  CHECK(lines[1].text == "two");  // CRLF: the '\r' is dropped
  CHECK(lines[1].offset == 4);
  CHECK(lines[1].end_offset == 9);
  CHECK(poll(t).empty());  // "thr" waits for its newline
  append_file(path, "ee\n");
  lines = poll(t);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "three");
  CHECK(lines[0].offset == 9);
  CHECK(lines[0].end_offset == 15);
}

TEST_CASE("a file that cannot be opened finishes the tailer at once", "[shipper]") {
  TempDir dir;
  FileTailer t(dir.file("never.log"), 1 << 20, nullptr);
  CHECK(poll(t).empty());
  CHECK_FALSE(t.is_open());
  CHECK(t.finished());
}

TEST_CASE("rename for rotation: the file is read to its end, then the tailer finishes", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  write_file(path, "a1\na2\n");
  FileTailer t(path, 1 << 20, nullptr);
  CHECK(texts(poll(t)) == std::vector<std::string>{"a1", "a2"});
  const auto old_id = t.identity();
  append_file(path, "a3\na4-unterminated");
  std::filesystem::rename(path, dir.file("app.log.1"));
  write_file(path, "b1\n");
  // The old file is drained, including its unterminated last line (it can never be completed).
  auto lines = poll(t);
  CHECK(texts(lines) == std::vector<std::string>{"a3", "a4-unterminated"});
  CHECK(lines[1].end_offset == 24);
  CHECK(t.identity() == old_id);
  CHECK(t.finished());
  CHECK(poll(t).empty());
  // A new tailer on the path gets the new file, from 0.
  FileTailer next(path, 1 << 20, nullptr);
  lines = poll(next);
  CHECK(texts(lines) == std::vector<std::string>{"b1"});
  CHECK(lines[0].offset == 0);
  CHECK_FALSE(next.identity().same_inode(old_id));
}

TEST_CASE("deleted while open: read to the end, then finished", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  write_file(path, "x1\n");
  FileTailer t(path, 1 << 20, nullptr);
  CHECK(texts(poll(t)) == std::vector<std::string>{"x1"});
  append_file(path, "x2\n");
  std::filesystem::remove(path);
  CHECK(t.unlinked());
  CHECK(texts(poll(t)) == std::vector<std::string>{"x2"});
  CHECK(t.finished());
}

TEST_CASE("copytruncate: a shrunk file is read again from 0 and the event is counted", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  write_file(path, "first line of the old content\nsecond\n");
  FileTailer t(path, 1 << 20, nullptr);
  CHECK(poll(t).size() == 2);
  const auto old_id = t.identity();
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  append_file(path, "new\n");
  auto lines = poll(t);
  CHECK(texts(lines) == std::vector<std::string>{"new"});
  CHECK(lines[0].offset == 0);
  CHECK(t.stats().truncations_detected == 1);
  // Same inode, new content: a different identity, so offsets of the old content are never reused.
  CHECK(t.identity().same_inode(old_id));
  CHECK(t.identity().fingerprint != old_id.fingerprint);
}

TEST_CASE("over-long lines are truncated and the file keeps being tailed", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  const std::string big(5000, 'x');
  write_file(path, "short\n" + big + "\nafter\n");
  FileTailer t(path, 1024, nullptr);
  std::vector<TailedLine> out;
  // Small reads so the long line spans several of them.
  for (int i = 0; i < 20; ++i) REQUIRE(t.poll(out, 700).ok());
  REQUIRE(out.size() == 3);
  CHECK(out[0].text == "short");
  CHECK(out[1].text == std::string(1024, 'x'));
  CHECK(out[1].truncated);
  CHECK(out[2].text == "after");
  CHECK(out[2].offset == 6 + 5001);
  CHECK(t.stats().lines_truncated == 1);
}

TEST_CASE("resume uses the checkpoint only for the same identity", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  write_file(path, "l1\nl2\nl3\n");
  FileIdentity seen;
  {
    FileTailer t(path, 1 << 20, nullptr);
    poll(t);
    seen = t.identity();
  }
  SECTION("same file resumes at the stored offset") {
    FileTailer t(path, 1 << 20, [&](const FileIdentity& id) -> std::optional<int64_t> {
      return id == seen ? std::optional<int64_t>(3) : std::nullopt;
    });
    CHECK(texts(poll(t)) == std::vector<std::string>{"l2", "l3"});
  }
  SECTION("different first line on the same inode (inode reuse, copytruncate) starts at 0") {
    write_file(path, "other1\nother2\n");  // same inode, new content
    FileTailer t(path, 1 << 20, [&](const FileIdentity& id) -> std::optional<int64_t> {
      return id == seen ? std::optional<int64_t>(3) : std::nullopt;
    });
    CHECK(texts(poll(t)) == std::vector<std::string>{"other1", "other2"});
  }
}

TEST_CASE("files shorter than the fingerprint window still get an identity and are shipped", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("tiny.log");
  write_file(path, "x\n");
  FileTailer t(path, 1 << 20, nullptr);
  CHECK(texts(poll(t)) == std::vector<std::string>{"x"});
  CHECK(t.identity().fingerprint != 0);
}

TEST_CASE("views: a shared buffer, lines split across reads, CRLF and over-long lines", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  // Reads of 7 bytes: "alpha\r\nbr" | "avo\ncharl" | ... : lines start in one read and end in a later one.
  write_file(path, "alpha\r\nbravo\ncharlie-is-long\ndelta\n");
  FileTailer t(path, 10, nullptr);
  std::vector<char> buffer(7);
  std::vector<LineView> views;
  std::vector<TailedLine> kept;  // views die at the next poll: copy what each poll returned
  for (int i = 0; i < 20 && !t.finished(); ++i) {
    views.clear();
    REQUIRE(t.poll_views(views, 1 << 20, buffer).ok());  // the buffer's size caps the read
    for (const auto& v : views) kept.push_back(to_tailed_line(v));
  }
  REQUIRE(kept.size() == 4);
  CHECK(kept[0].text == "alpha");
  CHECK(kept[0].end_offset == 7);
  CHECK(kept[1].text == "bravo");
  CHECK(kept[1].offset == 7);
  CHECK(kept[2].text == "charlie-is");  // truncated to 10 bytes
  CHECK(kept[2].truncated);
  CHECK(kept[3].text == "delta");
  CHECK(kept[3].offset == 29);
  CHECK(kept[3].end_offset == 35);
}

TEST_CASE("views: a tailer keeps only the unfinished line, not the read buffer", "[shipper]") {
  TempDir dir;
  const auto path = dir.file("app.log");
  write_file(path, std::string(100000, 'a') + "\n" + std::string(300, 'b'));
  FileTailer t(path, 1 << 20, nullptr);
  std::vector<char> buffer(256 << 10);
  std::vector<LineView> views;
  REQUIRE(t.poll_views(views, buffer.size(), buffer).ok());
  REQUIRE(views.size() == 1);
  CHECK(views[0].text.size() == 100000);
  CHECK(t.has_partial());
  CHECK(t.held_bytes() < 4096);  // the 300 bytes of "b..." waiting for their newline
}
