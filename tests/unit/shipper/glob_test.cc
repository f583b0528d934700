#include <catch2/catch.hpp>

#include <filesystem>

#include "shipper/file_tail/glob.h"
#include "tests/fakes/temp_dir.h"

using logpipe::shipper::expand_glob;
using logpipe::shipper::glob_match;
using logpipe::testing::TempDir;
using logpipe::testing::write_file;

TEST_CASE("glob: wildcards stay within one path segment", "[shipper]") {
  CHECK(glob_match("/var/log/*.log", "/var/log/app.log"));
  CHECK_FALSE(glob_match("/var/log/*.log", "/var/log/sub/app.log"));
  CHECK(glob_match("/var/log/app-?.log", "/var/log/app-1.log"));
  CHECK(glob_match("/var/log/app.log.[0-9]", "/var/log/app.log.3"));
  CHECK_FALSE(glob_match("/var/log/app.log.[0-9]", "/var/log/app.log.gz"));
  CHECK_FALSE(glob_match("/var/log/*.log", "/var/log/.hidden.log"));
}

TEST_CASE("glob: ** matches zero or more directories", "[shipper]") {
  CHECK(glob_match("/var/log/**/*.log", "/var/log/app.log"));
  CHECK(glob_match("/var/log/**/*.log", "/var/log/a/b/c/app.log"));
  CHECK_FALSE(glob_match("/var/log/**/*.log", "/var/lib/app.log"));
  CHECK(glob_match("/srv/**/logs/*.log", "/srv/x/y/logs/a.log"));
}

TEST_CASE("glob: expansion finds regular files only, sorted, at the right depth", "[shipper]") {
  TempDir dir;
  const auto root = dir.path().string();
  std::filesystem::create_directories(dir.path() / "a" / "b");
  write_file(root + "/one.log", "");
  write_file(root + "/two.log", "");
  write_file(root + "/skip.txt", "");
  write_file(root + "/a/three.log", "");
  write_file(root + "/a/b/four.log", "");
  std::filesystem::create_directory(dir.path() / "dir.log");
  CHECK(expand_glob(root + "/*.log") == std::vector<std::string>{root + "/one.log", root + "/two.log"});
  CHECK(expand_glob(root + "/*/*.log") == std::vector<std::string>{root + "/a/three.log"});
  CHECK(expand_glob(root + "/**/*.log") ==
        std::vector<std::string>{root + "/a/b/four.log", root + "/a/three.log", root + "/one.log", root + "/two.log"});
  CHECK(expand_glob(root + "/one.log") == std::vector<std::string>{root + "/one.log"});
  CHECK(expand_glob(root + "/missing/*.log").empty());
}

TEST_CASE("glob: exclude patterns without a slash match the file name", "[shipper]") {
  CHECK(logpipe::shipper::exclude_match("*.gz", "/var/log/app.log.1.gz"));
  CHECK_FALSE(logpipe::shipper::exclude_match("*.gz", "/var/log/app.log"));
  CHECK(logpipe::shipper::exclude_match("/var/log/old/*", "/var/log/old/a.log"));
  CHECK_FALSE(logpipe::shipper::exclude_match("/var/log/old/*", "/var/log/a.log"));
}

TEST_CASE("glob directories: where a matching file can appear (for inotify watches)", "[shipper]") {
  using logpipe::shipper::glob_directories;
  TempDir dir;
  const std::string root = dir.path().string();
  std::filesystem::create_directories(dir.file("svc-a/x"));
  std::filesystem::create_directories(dir.file("svc-b"));
  std::filesystem::create_directories(dir.file("other"));
  CHECK(glob_directories(root + "/app.log") == std::vector<std::string>{root});
  CHECK(glob_directories(root + "/*.log") == std::vector<std::string>{root});
  // A wildcard directory segment: the root (a new svc-* directory appears there) and each match.
  CHECK(glob_directories(root + "/svc-*/*.log") ==
        std::vector<std::string>{root, root + "/svc-a", root + "/svc-b"});
  // `**`: every directory below the literal prefix.
  CHECK(glob_directories(root + "/**/*.log") ==
        std::vector<std::string>{root, root + "/other", root + "/svc-a", root + "/svc-a/x", root + "/svc-b"});
  CHECK(glob_directories(root + "/**/*.log", 2).size() == 2);  // bounded
  CHECK(glob_directories(root + "/missing/*.log").empty());    // nothing to watch yet: the rescan covers it
}
