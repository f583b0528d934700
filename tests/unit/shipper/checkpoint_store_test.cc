#include <catch2/catch.hpp>

#include <filesystem>

#include "shipper/file_tail/checkpoint_store.h"
#include "tests/fakes/temp_dir.h"

using namespace logpipe::shipper;
using logpipe::testing::TempDir;

TEST_CASE("checkpoint round-trips every entry", "[shipper]") {
  TempDir dir;
  CheckpointStore store(dir.file("cp.json"));
  std::vector<CheckpointEntry> in = {{"/var/log/a.log", {1, 2, 0xabcdef}, 42},
                                     {"/var/log/\"odd\" name.log", {3, 4, 5}, 0}};
  REQUIRE(store.save(in).ok());
  auto out = store.load();
  REQUIRE(out.ok());
  REQUIRE(out->size() == 2);
  CHECK((*out)[0].path == "/var/log/a.log");
  CHECK((*out)[0].id == FileIdentity{1, 2, 0xabcdef});
  CHECK((*out)[0].offset == 42);
  CHECK((*out)[1].path == "/var/log/\"odd\" name.log");
  CHECK_FALSE(std::filesystem::exists(dir.file("cp.json.tmp")));
}

TEST_CASE("a missing checkpoint is empty, a corrupt one is an error", "[shipper]") {
  TempDir dir;
  CheckpointStore store(dir.file("cp.json"));
  auto empty = store.load();
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  logpipe::testing::write_file(dir.file("cp.json"), "{\"version\":1,\"files\":[{\"path\":");
  CHECK_FALSE(store.load().ok());
}

TEST_CASE("a torn temp file from a crash does not affect the checkpoint", "[shipper]") {
  TempDir dir;
  CheckpointStore store(dir.file("cp.json"));
  REQUIRE(store.save({{"/a", {1, 1, 1}, 7}}).ok());
  logpipe::testing::write_file(dir.file("cp.json.tmp"), "{\"version\":1,\"fi");  // crash mid-write
  auto out = store.load();
  REQUIRE(out.ok());
  CHECK(out->at(0).offset == 7);
}
