#include "query/profile.h"

#include <filesystem>

#include "common/config/config_reader.h"

namespace logpipe::query {

std::string default_config_path(const std::string& xdg_config_home, const std::string& home) {
  if (!xdg_config_home.empty()) return xdg_config_home + "/logpipe/query.yaml";
  if (!home.empty()) return home + "/.config/logpipe/query.yaml";
  return "";
}

namespace {

// "~/x" -> "$HOME/x": paths in a config file are written like that, and no shell expands them.
std::string expand_home(const std::string& path, const std::string& home) {
  if (path.size() >= 2 && path[0] == '~' && path[1] == '/' && !home.empty()) return home + path.substr(1);
  return path;
}

}  // namespace

Result<Profile> load_profile(const std::string& file, bool required, const std::string& name, const std::string& home) {
  std::error_code ec;
  if (file.empty() || !std::filesystem::exists(file, ec)) {
    if (required || !name.empty())
      return Error(file.empty() ? "no config file for --profile '" + name + "' (set --config or HOME)"
                                : "config file " + file + " does not exist");
    return Profile{};
  }
  auto doc = config::load_file(file);
  if (!doc) return doc.error();
  config::Context ctx;
  config::Reader top(*doc, "", ctx);
  const std::string default_profile = top.string("default_profile", "", "profile used without --profile");
  config::Reader profiles = top.section("profiles", "named cluster settings");
  Profile chosen;
  const std::string wanted = name.empty() ? default_profile : name;
  bool found = false;
  const YAML::Node node = (*doc)["profiles"];
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string profile_name = kv.first.Scalar();
      config::Reader p = profiles.section(profile_name, "a profile");
      Profile read;
      read.name = profile_name;
      read.url = p.string("url", "", "Elasticsearch URL");
      read.index = p.string("index", "", "index pattern");
      read.user = p.string("user", "", "user name for basic authentication");
      read.password_file = expand_home(p.string("password_file", "", "file holding the user's password"), home);
      read.api_key_file = expand_home(p.string("api_key_file", "", "file holding an API key"), home);
      read.ca_cert = expand_home(p.string("ca_cert", "", "PEM file of CA certificates for https://"), home);
      read.client_cert = expand_home(p.string("client_cert", "", "PEM client certificate"), home);
      read.client_key = expand_home(p.string("client_key", "", "PEM key of the client certificate"), home);
      read.insecure = p.boolean("insecure", false, "do not verify the server certificate");
      p.finish();
      if (profile_name == wanted) {
        chosen = read;
        found = true;
      }
    }
  }
  profiles.finish();
  top.finish();
  if (!ctx.errors.empty()) {
    std::string all;
    for (const auto& e : ctx.errors) all += (all.empty() ? "" : "; ") + e;
    return Error(file + ": " + all);
  }
  if (!wanted.empty() && !found) return Error(file + ": no profile '" + wanted + "'");
  return chosen;
}

}  // namespace logpipe::query
