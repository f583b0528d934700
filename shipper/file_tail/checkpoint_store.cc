#include "shipper/file_tail/checkpoint_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <simdjson.h>

#include "common/json/json_writer.h"

namespace logpipe::shipper {
namespace {

Status write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<CheckpointEntry>> CheckpointStore::load() const {
  std::vector<CheckpointEntry> out;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return out;
  simdjson::padded_string text;
  if (simdjson::padded_string::load(file_).get(text) != simdjson::SUCCESS)
    return Error("checkpoint " + file_ + ": cannot be read");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS) return Error("checkpoint " + file_ + ": not valid JSON");
  int64_t version = 0;
  if (doc["version"].get(version) != simdjson::SUCCESS || version != 1)
    return Error("checkpoint " + file_ + ": unknown version");
  simdjson::dom::array files;
  if (doc["files"].get(files) != simdjson::SUCCESS) return Error("checkpoint " + file_ + ": no files array");
  for (auto f : files) {
    std::string_view path, id;
    int64_t offset = 0;
    if (f["path"].get(path) != simdjson::SUCCESS || f["id"].get(id) != simdjson::SUCCESS ||
        f["offset"].get(offset) != simdjson::SUCCESS)
      return Error("checkpoint " + file_ + ": malformed entry");
    auto parsed = FileIdentity::parse(std::string(id));
    if (!parsed) return Error("checkpoint " + file_ + ": malformed id '" + std::string(id) + "'");
    out.push_back({std::string(path), *parsed, offset});
  }
  return out;
}

Status CheckpointStore::save(const std::vector<CheckpointEntry>& entries) const {
  std::string body;
  json::Writer w(body);
  w.begin_object().kv("version", int64_t{1}).key("files").begin_array();
  for (const auto& e : entries) w.begin_object().kv("path", e.path).kv("id", e.id.str()).kv("offset", e.offset).end_object();
  w.end_array().end_object();
  body.push_back('\n');

  const std::string tmp = file_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error("checkpoint " + tmp + ": " + std::strerror(errno));
  Status s = write_all(fd, body);
  if (s && ::fsync(fd) != 0) s = Error(std::string("fsync: ") + std::strerror(errno));
  ::close(fd);
  if (!s) return Error("checkpoint " + tmp + ": " + s.message());
  if (::rename(tmp.c_str(), file_.c_str()) != 0) return Error("checkpoint rename: " + std::string(std::strerror(errno)));
  // The rename is durable only once the directory entry is.
  const std::string dir = std::filesystem::path(file_).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace logpipe::shipper
