#pragma once
// Declarative config reading. Each option is declared exactly once, at the place that reads it, with its
// type, default, bounds and description; the same calls, run in "describe" mode over an empty document,
// produce the config reference (`--print-config-reference`), so docs cannot drift from code.
//
// Errors are collected, never thrown: every problem is reported with its key path (e.g.
// `inputs[1].service: required`), unknown keys are errors, and the program exits non-zero after
// printing all of them. This is start-up code only; it is not on the per-event path.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace logpipe::config {

struct OptionDoc {
  std::string path;
  std::string type;
  std::string default_value;  // empty = required or no default
  std::string description;
};

struct Context {
  std::vector<std::string> errors;
  std::vector<OptionDoc>* docs = nullptr;  // non-null: describe mode
};

class Reader {
 public:
  Reader(YAML::Node node, std::string path, Context& ctx);

  std::string string(std::string_view key, std::string def, std::string_view description);
  std::string required_string(std::string_view key, std::string_view description);
  // One of `choices`; the first is the default.
  std::string choice(std::string_view key, const std::vector<std::string>& choices, std::string_view description);
  int64_t integer(std::string_view key, int64_t def, int64_t min, int64_t max, std::string_view description);
  // Sizes: a plain number of bytes or a number with KiB/MiB/GiB (also KB/MB/GB as powers of 1000).
  int64_t bytes(std::string_view key, std::string_view def, int64_t min, int64_t max, std::string_view description);
  bool boolean(std::string_view key, bool def, std::string_view description);
  // Durations: "250ms", "5s", "2m", "1h".
  std::chrono::milliseconds duration(std::string_view key, std::string_view def, std::string_view description);
  std::vector<std::string> string_list(std::string_view key, std::string_view description);
  // A string (taken as a one-element list) or a non-empty list of strings.
  std::vector<std::string> required_string_list(std::string_view key, std::string_view description);
  std::map<std::string, std::string> string_map(std::string_view key, std::string_view description);
  // A nested mapping; call finish() on the returned reader when done with it.
  Reader section(std::string_view key, std::string_view description);
  // A list of mappings; `each` is called per element (once with an empty element in describe mode).
  void list(std::string_view key, std::string_view description, bool required,
            const std::function<void(Reader&)>& each);

  // A problem found by validating several values together, reported under this section's path.
  void add_error(std::string_view message);

  // Reports keys of this mapping that no call above asked for.
  void finish();

  const std::string& path() const { return path_; }

 private:
  std::optional<YAML::Node> lookup(std::string_view key, std::string_view type, std::string_view def,
                    std::string_view description);
  std::string key_path(std::string_view key) const;
  std::vector<std::string> to_string_list(std::string_view key, const YAML::Node& v);
  void error(std::string_view key, std::string_view message);

  YAML::Node node_;
  std::string path_;
  Context& ctx_;
  std::set<std::string, std::less<>> seen_;
};

Result<YAML::Node> load_file(const std::string& file);
Result<int64_t> parse_bytes(std::string_view s);
Result<std::chrono::milliseconds> parse_duration(std::string_view s);
// Markdown table of the options, for the generated config reference.
std::string render_reference(const std::vector<OptionDoc>& docs);

}  // namespace logpipe::config
