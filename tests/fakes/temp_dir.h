#pragma once
// A fresh directory under /tmp, removed with everything in it when the object goes.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace logpipe::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "logpipe-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void append_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << data;
}

inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::trunc | std::ios::binary);
  f << data;
}

}  // namespace logpipe::testing
