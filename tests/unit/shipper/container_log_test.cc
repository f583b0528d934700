#include <catch2/catch.hpp>

#include "shipper/container/container_log.h"

using namespace logpipe::shipper;

namespace {

std::vector<TailedLine> unwrap(ContainerUnwrapper::Kind kind, const std::vector<std::string>& records) {
  ContainerUnwrapper u(kind);
  std::vector<TailedLine> out;
  int64_t offset = 0;
  for (const auto& r : records) {
    TailedLine l;
    l.offset = offset;
    l.end_offset = offset + static_cast<int64_t>(r.size()) + 1;
    offset = l.end_offset;
    l.text = r;
    u.push(std::move(l), out);
  }
  u.flush(out);
  return out;
}

}  // namespace

TEST_CASE("docker json-file: log text, stream and time, a 16 KiB split line is joined", "[shipper]") {
  const std::vector<std::string> records = {
      R"({"log":"hello world\n","stream":"stdout","time":"2024-05-14T09:15:02.123456789Z"})",
      R"({"log":"first part, ","stream":"stderr","time":"2024-05-14T09:15:03.000000001Z"})",
      R"({"log":"second part\n","stream":"stderr","time":"2024-05-14T09:15:03.000000002Z"})",
      R"({"log":"tab\tand \"quotes\" \u00e9\n","stream":"stdout","time":"2024-05-14T09:15:04Z"})",
  };
  auto out = unwrap(ContainerUnwrapper::Kind::kDocker, records);
  REQUIRE(out.size() == 3);
  CHECK(out[0].text == "hello world");
  CHECK(out[0].stream == "stdout");
  CHECK(out[0].runtime_time == "2024-05-14T09:15:02.123456789Z");
  CHECK(out[1].text == "first part, second part");
  CHECK(out[1].stream == "stderr");
  CHECK(out[1].offset == out[0].end_offset);
  CHECK(out[1].end_offset == out[2].offset);
  CHECK(out[2].text == "tab\tand \"quotes\" \xC3\xA9");
  CHECK_FALSE(out[0].unparsed);
}

TEST_CASE("cri: P records are joined until F, empty content is a line", "[shipper]") {
  const std::vector<std::string> records = {
      "2024-05-14T09:15:02.123456789Z stdout F started",
      "2024-05-14T09:15:03.000000001Z stderr P a very long li",
      "2024-05-14T09:15:03.000000002Z stderr P ne split by the ",
      "2024-05-14T09:15:03.000000003Z stderr F runtime",
      "2024-05-14T09:15:04Z stdout F",
  };
  auto out = unwrap(ContainerUnwrapper::Kind::kCri, records);
  REQUIRE(out.size() == 3);
  CHECK(out[0].text == "started");
  CHECK(out[1].text == "a very long line split by the runtime");
  CHECK(out[1].stream == "stderr");
  CHECK(out[1].runtime_time == "2024-05-14T09:15:03.000000001Z");
  CHECK(out[2].text.empty());
}

TEST_CASE("container formats: a record that does not parse is shipped as read and marked", "[shipper]") {
  auto docker = unwrap(ContainerUnwrapper::Kind::kDocker, {"not json at all", R"({"no_log_field":1})"});
  REQUIRE(docker.size() == 2);
  CHECK(docker[0].unparsed);
  CHECK(docker[0].text == "not json at all");
  auto cri = unwrap(ContainerUnwrapper::Kind::kCri, {"2024-05-14T09:15:03Z stdout P half", "garbage"});
  REQUIRE(cri.size() == 2);
  CHECK(cri[0].text == "half");  // the partial before the garbage is not lost
  CHECK(cri[1].unparsed);
}
