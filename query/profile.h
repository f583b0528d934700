#pragma once
// The query CLI's config file: named profiles of cluster settings, so `--profile prod` replaces typing the
// URL and index pattern. Read at startup only, with the declarative config reader (unknown keys are errors,
// each reported with its key path).
//
//   default_profile: prod          # used when no --profile / LOGPIPE_PROFILE is given (optional)
//   profiles:
//     prod:    {url: "https://es-prod:9200", index: "logs-*", ca_cert: /etc/logpipe/ca.pem,
//               user: alice, password_file: ~/.config/logpipe/prod.password}
//     staging: {url: "http://es-staging:9200", api_key_file: ~/.config/logpipe/staging.key}
//
// Secrets are never in this file itself, only the names of files that hold them.
// Precedence for each setting: flag > environment variable > profile > built-in default.

#include <string>

#include "common/result.h"

namespace logpipe::query {

struct Profile {
  std::string name;   // empty: no profile in effect
  std::string url;    // empty: not set by the profile (same for the others)
  std::string index;
  std::string user;           // basic authentication
  std::string password_file;  // the user's password, one line
  std::string api_key_file;   // an Elasticsearch API key, one line
  std::string ca_cert;        // PEM CA file for https://
  std::string client_cert;    // PEM client certificate
  std::string client_key;     // its key
  bool insecure = false;      // skip certificate verification
};

// The default location: $XDG_CONFIG_HOME/logpipe/query.yaml, else $HOME/.config/logpipe/query.yaml.
std::string default_config_path(const std::string& xdg_config_home, const std::string& home);

// Loads `name` (or the file's default_profile when empty) from `file`. A missing file is an error only when
// `required` (given with --config) or when a profile was asked for by name. File paths starting with "~/"
// are taken relative to `home`.
Result<Profile> load_profile(const std::string& file, bool required, const std::string& name, const std::string& home = "");

}  // namespace logpipe::query
