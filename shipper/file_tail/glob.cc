#include "shipper/file_tail/glob.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>

namespace logpipe::shipper {
namespace {

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t slash = s.find('/', start);
    const size_t end = slash == std::string_view::npos ? s.size() : slash;
    out.emplace_back(s.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool has_magic(std::string_view segment) { return segment.find_first_of("*?[") != std::string_view::npos; }

bool match_segments(const std::vector<std::string>& pat, size_t pi, const std::vector<std::string>& path, size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      // `**` swallows zero or more segments.
      for (size_t k = si; k <= path.size(); ++k)
        if (match_segments(pat, pi + 1, path, k)) return true;
      return false;
    }
    if (si >= path.size()) return false;
    if (::fnmatch(pat[pi].c_str(), path[si].c_str(), FNM_PERIOD) != 0) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_segments(split(pattern), 0, split(path), 0);
}

bool exclude_match(std::string_view pattern, std::string_view path) {
  if (pattern.find('/') != std::string_view::npos) return glob_match(pattern, path);
  const size_t slash = path.rfind('/');
  const std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  return ::fnmatch(std::string(pattern).c_str(), name.c_str(), 0) == 0;
}

std::vector<std::string> expand_glob(const std::string& pattern) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  const auto segments = split(pattern);
  // The literal prefix (segments before the first wildcard) is where the walk starts.
  size_t first_magic = 0;
  while (first_magic < segments.size() && !has_magic(segments[first_magic])) ++first_magic;
  std::error_code ec;
  if (first_magic == segments.size()) {
    if (fs::is_regular_file(pattern, ec)) out.push_back(pattern);
    return out;
  }
  std::string base;
  for (size_t i = 0; i < first_magic; ++i) {
    if (i > 0) base.push_back('/');
    base.append(segments[i]);
  }
  if (base.empty()) base.assign(1, pattern.starts_with('/') ? '/' : '.');  // not operator=(const char*): GCC 12 -Wrestrict false positive
  const bool recursive = std::find(segments.begin() + static_cast<std::ptrdiff_t>(first_magic), segments.end(), "**") != segments.end();
  const size_t depth_left = segments.size() - first_magic;
  auto consider = [&](const fs::directory_entry& e) {
    std::error_code fec;
    if (!e.is_regular_file(fec)) return;
    std::string p = e.path().string();
    if (base == "." && p.starts_with("./") && !pattern.starts_with("./")) p.erase(0, 2);
    if (glob_match(pattern, p)) out.push_back(std::move(p));
  };
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(base, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      consider(*it);
  } else {
    // Walk exactly as deep as the pattern is, no deeper.
    std::vector<std::pair<fs::path, size_t>> stack{{fs::path(base), 0}};
    while (!stack.empty()) {
      auto [dir, depth] = stack.back();
      stack.pop_back();
      for (auto it = fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::error_code dec;
        if (depth + 1 < depth_left) {
          if (it->is_directory(dec)) stack.emplace_back(it->path(), depth + 1);
        } else {
          consider(*it);
        }
      }
      ec.clear();
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> glob_directories(const std::string& pattern, size_t limit) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  const auto segments = split(pattern);
  if (segments.size() < 2 && !pattern.starts_with('/')) {
    out.emplace_back(".");
    return out;
  }
  size_t first_magic = 0;
  while (first_magic + 1 < segments.size() && !has_magic(segments[first_magic])) ++first_magic;
  // segments[0 .. first_magic) is the literal directory; the last segment is the file name.
  std::string base;
  for (size_t i = 0; i < first_magic; ++i) {
    if (i > 0) base.push_back('/');
    base.append(segments[i]);
  }
  if (base.empty()) base.assign(1, pattern.starts_with('/') ? '/' : '.');
  std::error_code ec;
  if (!fs::is_directory(base, ec)) return out;
  out.push_back(base);
  const size_t dir_segments = segments.size() - 1 - first_magic;  // wildcard-able directory segments
  if (dir_segments == 0) return out;
  const bool recursive = std::find(segments.begin() + static_cast<std::ptrdiff_t>(first_magic), segments.end(), "**") != segments.end();
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(base, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator() && out.size() < limit; it.increment(ec)) {
      std::error_code dec;
      if (it->is_directory(dec)) out.push_back(it->path().string());
    }
  } else {
    // Directories whose path matches the pattern's directory segments so far.
    std::vector<std::pair<fs::path, size_t>> stack{{fs::path(base), 0}};
    while (!stack.empty() && out.size() < limit) {
      auto [dir, depth] = stack.back();
      stack.pop_back();
      for (auto it = fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::directory_iterator() && out.size() < limit; it.increment(ec)) {
        std::error_code dec;
        if (!it->is_directory(dec)) continue;
        const std::string name = it->path().filename().string();
        if (::fnmatch(segments[first_magic + depth].c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
        out.push_back(it->path().string());
        if (depth + 1 < dir_segments) stack.emplace_back(it->path(), depth + 1);
      }
      ec.clear();
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace logpipe::shipper
