#pragma once
// Durable per-file offsets. The offset stored for a file is its acknowledged watermark (see AckTracker), so
// after a crash the shipper resumes at or before the first line Kafka does not have: lines may be sent
// twice (they carry the same file identity and offset, so the indexer's deterministic _id absorbs them),
// never skipped.
//
// save() is atomic and durable: write a temp file, fsync it, rename over the old one, fsync the directory.
// A crash at any point leaves either the old or the new checkpoint, never a torn one.

#include <string>
#include <vector>

#include "common/result.h"
#include "shipper/file_tail/file_identity.h"

namespace logpipe::shipper {

struct CheckpointEntry {
  std::string path;
  FileIdentity id;
  int64_t offset = 0;
};

class CheckpointStore {
 public:
  explicit CheckpointStore(std::string file) : file_(std::move(file)) {}
  // A missing file is an empty checkpoint; a corrupt one is an error (the operator decides).
  Result<std::vector<CheckpointEntry>> load() const;
  Status save(const std::vector<CheckpointEntry>& entries) const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace logpipe::shipper
