#include "shipper/file_tail/file_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace logpipe::shipper {
namespace {
constexpr uint32_t kMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY | IN_DELETE_SELF |
                           IN_MOVE_SELF | IN_ONLYDIR;
}  // namespace

FileWatcher::FileWatcher(Options options) : options_(options) {
  if (!options_.enabled) {
    log::info("inotify off (tail.inotify: false): new files and appends are found by the periodic rescan and poll");
    return;
  }
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    ++stats_.init_failures;
    log::warn("inotify unavailable: new files and appends are found by the periodic rescan and poll only",
              {{"error", std::string_view(std::strerror(errno))}});
  }
}

FileWatcher::~FileWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

void FileWatcher::watch(const std::set<std::string>& dirs) {
  if (fd_ < 0) return;
  for (auto it = by_dir_.begin(); it != by_dir_.end();) {
    if (dirs.contains(it->first)) {
      ++it;
      continue;
    }
    ::inotify_rm_watch(fd_, it->second);
    by_wd_.erase(it->second);
    it = by_dir_.erase(it);
  }
  for (const auto& dir : dirs) {
    if (by_dir_.contains(dir)) continue;
    int wd = -1;
    int err = ENOSPC;
    if (by_dir_.size() < options_.max_watches) {
      wd = ::inotify_add_watch(fd_, dir.c_str(), kMask);
      err = errno;
    }
    if (wd < 0) {
      if (err == ENOENT || err == ENOTDIR) continue;  // gone since the glob saw it: the next rescan tells
      ++stats_.watch_failures;
      if (failed_.insert(dir).second)
        log::warn("cannot watch a directory with inotify; its files are found by the periodic rescan",
                  {{"dir", std::string_view(dir)},
                   {"error", std::string_view(err == ENOSPC ? "out of inotify watches (fs.inotify.max_user_watches or "
                                                              "the shipper's limit)"
                                                            : std::strerror(err))}});
      continue;
    }
    failed_.erase(dir);
    if (auto old = by_wd_.find(wd); old != by_wd_.end()) by_dir_.erase(old->second);  // same inode, other name
    by_dir_[dir] = wd;
    by_wd_[wd] = dir;
  }
}

FileWatcher::Activity FileWatcher::drain() {
  Activity a;
  if (fd_ < 0) return a;
  alignas(struct inotify_event) char buf[16 << 10];
  while (true) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: nothing more
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        ++stats_.overflows;
        a.names_changed = true;
        a.data_changed = true;
        continue;
      }
      if (ev->mask & IN_MODIFY) a.data_changed = true;
      if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) a.names_changed = true;
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
        // The directory itself went away (or was renamed): forget the watch; the rescan decides anew.
        a.names_changed = true;
        if (auto it = by_wd_.find(ev->wd); it != by_wd_.end()) {
          if (!(ev->mask & IN_IGNORED)) ::inotify_rm_watch(fd_, ev->wd);
          by_dir_.erase(it->second);
          by_wd_.erase(it);
        }
      }
    }
  }
  return a;
}

}  // namespace logpipe::shipper
