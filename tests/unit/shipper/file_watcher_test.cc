#include <catch2/catch.hpp>

#include <filesystem>

#include "shipper/file_tail/file_watcher.h"
#include "tests/fakes/temp_dir.h"

using logpipe::shipper::FileWatcher;
using logpipe::testing::append_file;
using logpipe::testing::TempDir;

TEST_CASE("inotify: names and data changes in a watched directory are reported", "[shipper]") {
  TempDir dir;
  FileWatcher w(FileWatcher::Options{});
  REQUIRE(w.available());
  w.watch({dir.path().string()});
  CHECK(w.watch_count() == 1);
  auto a = w.drain();
  CHECK_FALSE(a.names_changed);
  CHECK_FALSE(a.data_changed);

  append_file(dir.file("new.log"), "x\n");  // created, then written
  a = w.drain();
  CHECK(a.names_changed);
  CHECK(a.data_changed);

  append_file(dir.file("new.log"), "y\n");  // an append only
  a = w.drain();
  CHECK_FALSE(a.names_changed);
  CHECK(a.data_changed);

  std::filesystem::rename(dir.file("new.log"), dir.file("new.log.1"));  // rotation
  a = w.drain();
  CHECK(a.names_changed);
  CHECK_FALSE(a.data_changed);

  std::filesystem::remove(dir.file("new.log.1"));
  CHECK(w.drain().names_changed);
}

TEST_CASE("inotify: a watched directory that goes away is forgotten and reported", "[shipper]") {
  TempDir dir;
  const auto sub = dir.file("sub");
  std::filesystem::create_directory(sub);
  FileWatcher w(FileWatcher::Options{});
  REQUIRE(w.available());
  w.watch({dir.path().string(), sub});
  CHECK(w.watch_count() == 2);
  std::filesystem::remove(sub);
  CHECK(w.drain().names_changed);
  CHECK(w.watch_count() == 1);
  // Watching a set without it drops nothing else; watching a missing directory is not a failure.
  w.watch({dir.path().string(), sub});
  CHECK(w.watch_count() == 1);
  CHECK(w.stats().watch_failures == 0);
}

TEST_CASE("inotify: out of watches is counted and the rest still works", "[shipper]") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("a"));
  std::filesystem::create_directory(dir.file("b"));
  FileWatcher w(FileWatcher::Options{true, 1});
  REQUIRE(w.available());
  w.watch({dir.file("a"), dir.file("b")});
  CHECK(w.watch_count() == 1);
  CHECK(w.stats().watch_failures == 1);
  append_file(dir.file("a/x.log"), "x\n");
  CHECK(w.drain().names_changed);
  w.watch({dir.file("b")});  // a released: b fits now
  CHECK(w.watch_count() == 1);
  append_file(dir.file("b/y.log"), "y\n");
  CHECK(w.drain().names_changed);
}

TEST_CASE("inotify turned off: nothing is watched, nothing reported", "[shipper]") {
  TempDir dir;
  FileWatcher w(FileWatcher::Options{false, 10});
  CHECK_FALSE(w.available());
  CHECK(w.fd() < 0);
  w.watch({dir.path().string()});
  append_file(dir.file("x.log"), "x\n");
  const auto a = w.drain();
  CHECK_FALSE(a.names_changed);
  CHECK(w.stats().init_failures == 0);  // off by choice is not a failure
}
