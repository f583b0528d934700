#include "query/profile.h"

#include <filesystem>

#include "common/config/config_reader.h"

namespace logpipe::query {

std::string default_config_path(const std::string& xdg_config_home, const std::string& home) {
  if (!xdg_config_home.empty()) return xdg_config_home + "/logpipe/query.yaml";
  if (!home.empty()) return home + "/.config/logpipe/query.yaml";
  return "";
}

Result<Profile> load_profile(const std::string& file, bool required, const std::string& name) {
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
      Profile read{profile_name, p.string("url", "", "Elasticsearch URL"), p.string("index", "", "index pattern")};
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
