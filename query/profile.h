#pragma once
// The query CLI's config file: named profiles of cluster settings, so `--profile prod` replaces typing the
// URL and index pattern. Read at startup only, with the declarative config reader (unknown keys are errors,
// each reported with its key path).
//
//   default_profile: prod          # used when no --profile / LOGPIPE_PROFILE is given (optional)
//   profiles:
//     prod:    {url: "http://es-prod:9200", index: "logs-*"}
//     staging: {url: "http://es-staging:9200"}
//
// Precedence for each setting: flag > environment variable > profile > built-in default.

#include <string>

#include "common/result.h"

namespace logpipe::query {

struct Profile {
  std::string name;   // empty: no profile in effect
  std::string url;    // empty: not set by the profile
  std::string index;
};

// The default location: $XDG_CONFIG_HOME/logpipe/query.yaml, else $HOME/.config/logpipe/query.yaml.
std::string default_config_path(const std::string& xdg_config_home, const std::string& home);

// Loads `name` (or the file's default_profile when empty) from `file`. A missing file is an error only when
// `required` (given with --config) or when a profile was asked for by name.
Result<Profile> load_profile(const std::string& file, bool required, const std::string& name);

}  // namespace logpipe::query
