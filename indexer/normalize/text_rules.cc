#include "indexer/normalize/text_rules.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/log.h"
#include "indexer/parsing_rules.h"

namespace logpipe::indexer {
namespace {

constexpr std::array<std::string_view, kFieldCount> kEcsNames = {
    "@timestamp",        "message",          "log.level",          "log.logger",
    "process.thread.name", "process.pid",    "process.name",       "log.syslog.hostname",
    "log.syslog.appname", "log.syslog.procid", "log.syslog.msgid", "log.syslog.priority",
    "source.address",    "user.name",        "http.request.method", "url.original",
    "http.version",      "http.response.status_code", "http.response.body.bytes", "http.request.referrer",
    "user_agent.original", "trace.id",       "span.id",            "error.type",
    "error.message",     "error.stack_trace",
};

}  // namespace

std::string_view ecs_name(Field f) { return kEcsNames[static_cast<size_t>(f)]; }

std::optional<Field> field_from_ecs_name(std::string_view name) {
  for (size_t i = 0; i < kFieldCount; ++i)
    if (kEcsNames[i] == name) return static_cast<Field>(i);
  return std::nullopt;
}

TextRules::TextRules() = default;

Result<std::shared_ptr<const TextRules>> TextRules::parse(std::string_view yaml, std::string_view origin) {
  std::vector<std::string> errors;
  auto err = [&](const std::string& where, const std::string& what) {
    errors.push_back(std::string(origin) + ": " + where + ": " + what);
  };
  std::shared_ptr<TextRules> out(new TextRules());
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap() || !root["rules"] || !root["rules"].IsSequence())
      return Error(std::string(origin) + ": expected a map with a `rules` list");
    if (root["version"] && root["version"].as<int>() != 1) err("version", "only version 1 is known");
    for (const auto& top : root)
      if (const auto k = top.first.as<std::string>(); k != "version" && k != "rules") err(k, "unknown key");
    size_t index = 0;
    for (const YAML::Node& node : root["rules"]) {
      const std::string where = "rules[" + std::to_string(index++) + "]";
      if (!node.IsMap()) {
        err(where, "expected a map");
        continue;
      }
      TextRule rule;
      rule.name = node["name"] ? node["name"].as<std::string>() : "";
      rule.example = node["example"] ? node["example"].as<std::string>() : "";
      const std::string at = rule.name.empty() ? where : where + " (" + rule.name + ")";
      if (rule.name.empty()) err(at, "`name` is required");
      for (const auto& kv : node) {
        const auto k = kv.first.as<std::string>();
        if (k != "name" && k != "pattern" && k != "timestamp_format" && k != "fields" && k != "source" &&
            k != "example")
          err(at, "unknown key `" + k + "`");
      }
      if (!node["pattern"]) {
        err(at, "`pattern` is required");
        continue;
      }
      const std::string pattern = node["pattern"].as<std::string>();
      RE2::Options opts;
      opts.set_log_errors(false);
      opts.set_encoding(RE2::Options::EncodingLatin1);  // bytes: invalid UTF-8 must not prevent a match
      rule.regex = std::make_unique<RE2>(pattern, opts);
      if (!rule.regex->ok()) {
        err(at, "pattern: " + rule.regex->error());
        continue;
      }
      const std::string ts = node["timestamp_format"] ? node["timestamp_format"].as<std::string>() : "iso8601";
      if (auto f = timestamp_format_from_name(ts)) {
        rule.timestamp_format = *f;
      } else {
        err(at, "timestamp_format `" + ts + "`: expected iso8601, clf, syslog, time_of_day, epoch or auto");
      }
      rule.group_field.assign(static_cast<size_t>(rule.regex->NumberOfCapturingGroups()) + 1, std::nullopt);
      const YAML::Node fields = node["fields"];
      if (fields && !fields.IsMap()) err(at, "`fields` must map group names to ECS fields");
      const auto& named = rule.regex->NamedCapturingGroups();
      for (const auto& [group, number] : named) {
        const YAML::Node target = fields ? fields[group] : YAML::Node();
        if (!target) {
          err(at, "named group `" + group + "` is not mapped in `fields`");
          continue;
        }
        const auto name = target.as<std::string>();
        if (auto f = field_from_ecs_name(name)) {
          rule.group_field[static_cast<size_t>(number)] = *f;
        } else {
          err(at, "group `" + group + "`: `" + name + "` is not a field rules can set (schemas/event-schema.md)");
        }
      }
      if (fields && fields.IsMap())
        for (const auto& kv : fields)
          if (!named.count(kv.first.as<std::string>()))
            err(at, "fields: `" + kv.first.as<std::string>() + "` is not a named group of the pattern");
      out->rules_.push_back(std::move(rule));
    }
  } catch (const YAML::Exception& e) {
    err("yaml", e.what());
  }
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
    return Error(all);
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_encoding(RE2::Options::EncodingLatin1);
  auto set = std::make_unique<RE2::Set>(opts, RE2::ANCHOR_BOTH);
  bool set_ok = true;
  for (const auto& r : out->rules_) set_ok = set_ok && set->Add(r.regex->pattern(), nullptr) >= 0;
  if (set_ok && set->Compile()) out->set_ = std::move(set);
  return std::shared_ptr<const TextRules>(std::move(out));
}

Result<std::shared_ptr<const TextRules>> TextRules::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::shared_ptr<const TextRules> TextRules::builtin() {
  static const std::shared_ptr<const TextRules> rules = [] {
    auto r = parse(kParsingRulesYaml, "schemas/parsing-rules.yaml (built in)");
    if (r) return *r;
    log::error("built-in parsing rules do not load; plain lines stay unparsed", {{"error", std::string_view(r.error().message())}});
    return std::shared_ptr<const TextRules>(new TextRules());
  }();
  return rules;
}

const TextRule* TextRules::match(std::string_view line, Event& ev, MatchScratch& scratch) const {
  if (rules_.empty()) return nullptr;
  const re2::StringPiece text(line.data(), line.size());
  auto try_rule = [&](const TextRule& rule) -> bool {
    const size_t n = rule.group_field.size();
    if (scratch.groups.size() < n) scratch.groups.resize(n);
    if (!rule.regex->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, scratch.groups.data(), static_cast<int>(n)))
      return false;
    for (size_t g = 1; g < n; ++g) {
      const auto& sp = scratch.groups[g];
      // "-" is how access logs and syslog write "no value".
      if (rule.group_field[g] && sp.data() != nullptr && !sp.empty() && sp != "-")
        ev[*rule.group_field[g]] = std::string_view(sp.data(), sp.size());
    }
    ev.timestamp_format = rule.timestamp_format;
    return true;
  };
  if (set_) {
    scratch.set_hits.clear();
    RE2::Set::ErrorInfo info{};
    const bool any = set_->Match(text, &scratch.set_hits, &info);
    if (any) {
      int first = static_cast<int>(rules_.size());
      for (int i : scratch.set_hits) first = std::min(first, i);
      if (first < static_cast<int>(rules_.size()) && try_rule(rules_[static_cast<size_t>(first)]))
        return &rules_[static_cast<size_t>(first)];
      // The set and the rule disagree only if the rule needs more than the set's DFA gave: fall through.
    } else if (info.kind == RE2::Set::kNoError) {
      return nullptr;
    }
    // Out of DFA memory (a huge line): try the rules one by one.
  }
  for (const auto& rule : rules_)
    if (try_rule(rule)) return &rule;
  return nullptr;
}

}  // namespace logpipe::indexer
