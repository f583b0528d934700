#pragma once
// Notices file activity at once with inotify, so the pipeline neither waits for its periodic rescan to
// find a new file nor for its idle poll to see an append. Watches are on directories (the directories a
// glob can match in: glob_directories()), which report creations, renames, deletions and writes of the
// files in them; there is no watch per file.
//
// Degrades, never fails: if inotify cannot be initialised (kernel without it, out of instances) or is
// turned off, available() is false; if a directory cannot be watched (out of watches: ENOSPC, or the
// `max_watches` limit), it is counted and logged once per directory. Either way the pipeline's periodic
// rescan and idle poll still find everything, only later (they are the safety net).
//
// Threading: single-threaded (the pipeline thread). Owns its inotify descriptor.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace logpipe::shipper {

class FileWatcher {
 public:
  struct Options {
    bool enabled = true;
    size_t max_watches = 8192;  // at most this many directories; the rest rely on the rescan
  };
  struct Stats {
    uint64_t init_failures = 0;    // inotify could not be initialised (or is disabled: 0 then)
    uint64_t watch_failures = 0;   // directories that could not be watched
    uint64_t overflows = 0;        // the kernel's event queue overflowed (a rescan follows)
  };
  // What happened since the last drain().
  struct Activity {
    bool names_changed = false;  // created, renamed, deleted, a directory gone, or overflow: rescan
    bool data_changed = false;   // a file in a watched directory was written to
  };

  explicit FileWatcher(Options options);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  bool available() const { return fd_ >= 0; }
  // Readable when events are pending (to wait on with poll(2)); -1 when unavailable.
  int fd() const { return fd_; }
  // Watches exactly `dirs` from now on: adds missing watches, removes the others.
  void watch(const std::set<std::string>& dirs);
  size_t watch_count() const { return by_dir_.size(); }
  // Reads every pending event without blocking.
  Activity drain();
  const Stats& stats() const { return stats_; }

 private:
  Options options_;
  int fd_ = -1;
  std::map<std::string, int> by_dir_;  // directory -> watch descriptor
  std::map<int, std::string> by_wd_;
  std::set<std::string> failed_;       // logged already
  Stats stats_;
};

}  // namespace logpipe::shipper
