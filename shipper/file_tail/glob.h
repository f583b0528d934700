#pragma once
// Path globs for inputs: `*`, `?` and `[...]` within one path segment (fnmatch rules), and `**` for zero
// or more whole segments, as in Filebeat and Vector (`/var/log/**/*.log`).

#include <string>
#include <string_view>
#include <vector>

namespace logpipe::shipper {

// True if `path` matches an exclude pattern: patterns with a '/' match the whole path, others the file name.
bool exclude_match(std::string_view pattern, std::string_view path);

// True if `path` matches `pattern`. Both are absolute or both relative; no normalization is done.
bool glob_match(std::string_view pattern, std::string_view path);

// The regular files (symlinks followed) that match `pattern`, sorted. Directories that cannot be read
// are skipped: a glob never fails, it finds what it can.
std::vector<std::string> expand_glob(const std::string& pattern);

// The existing directories in which a file matching `pattern` could appear or be renamed to (for inotify
// watches): the literal prefix directory, and below it every directory the pattern's wildcard segments
// (or `**`) can walk through, at most `limit` in all. Sorted.
std::vector<std::string> glob_directories(const std::string& pattern, size_t limit = 4096);

}  // namespace logpipe::shipper
