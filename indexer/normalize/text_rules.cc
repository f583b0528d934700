#include "indexer/normalize/text_rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/log.h"
#include "indexer/parsing_rules.h"

namespace logpipe::indexer {
namespace {

constexpr std::array<std::string_view, kFieldCount> kEcsNames = {
    "@timestamp",        "message",          "log.level",          "log.logger",
    "process.thread.name", "process.pid",    "process.name",       "log.syslog.hostname",
    "log.syslog.appname", "log.syslog.procid", "log.syslog.msgid", "log.syslog.priority",
    "log.syslog.structured_data",
    "source.address",    "user.name",        "http.request.method", "url.original",
    "http.version",      "http.response.status_code", "http.response.body.bytes", "http.request.referrer",
    "user_agent.original", "trace.id",       "span.id",            "error.type",
    "error.message",     "error.stack_trace",
};

// True if `a` has a `|` outside any group, or a construct this scanner does not follow (\Q..\E quoting,
// POSIX classes [:alpha:]): then the caller does not split the pattern.
bool top_level_alternation_or_unsure(std::string_view a) {
  int depth = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = a[i];
    if (c == '\\') {
      if (i + 1 < a.size() && a[i + 1] == 'Q') return true;
      ++i;
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < a.size() && a[j] == '^') ++j;
      if (j < a.size() && a[j] == ']') ++j;  // a leading ']' is a literal
      for (; j < a.size() && a[j] != ']'; ++j) {
        if (a[j] == '\\') {
          ++j;
        } else if (a[j] == '[' && j + 1 < a.size() && a[j + 1] == ':') {
          return true;
        }
      }
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

// A pattern "A(?P<name>.*)" (the named group last, holding just ".*"), with no `|` at the top level of A,
// gives the same captures as A matched from the start of the line with an open end, plus the rest of the line
// as the last group: with leftmost-first semantics the first way A matches, in priority order, is also the
// first way the whole pattern matches, because ".*" then takes the rest of a first line (which has no '\n').
// Returns A, or nothing.
std::optional<std::string> prefix_before_trailing_rest(const std::string& pattern) {
  static constexpr std::string_view kEnd = ">.*)";
  if (pattern.size() < kEnd.size() || pattern.compare(pattern.size() - kEnd.size(), kEnd.size(), kEnd) != 0)
    return std::nullopt;
  const size_t open = pattern.rfind("(?P<");
  if (open == std::string::npos) return std::nullopt;
  const std::string_view name(pattern.data() + open + 4, pattern.size() - kEnd.size() - open - 4);
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      }))
    return std::nullopt;
  const std::string a = pattern.substr(0, open);
  if (a.empty() || top_level_alternation_or_unsure(a)) return std::nullopt;
  return a;
}

// The rule's groups for a line the rule matches whole (`prefix` true: through prefix_regex), or false.
bool match_groups(const TextRule& rule, bool prefix, const re2::StringPiece& text, std::vector<re2::StringPiece>& groups) {
  const size_t n = rule.group_field.size();
  if (groups.size() < n) groups.resize(n);
  if (!prefix) return rule.regex->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups.data(), static_cast<int>(n));
  if (!rule.prefix_regex->Match(text, 0, text.size(), RE2::ANCHOR_START, groups.data(), static_cast<int>(n - 1)))
    return false;
  const size_t end = static_cast<size_t>(groups[0].data() + groups[0].size() - text.data());
  groups[n - 1] = re2::StringPiece(text.data() + end, text.size() - end);
  groups[0] = text;
  return true;
}

// Splits the rule's pattern as prefix_before_trailing_rest says, and keeps the split only if it compiles to
// the expected groups and gives the same captures as the whole pattern on the rule's example.
void add_prefix_regex(TextRule& rule, const RE2::Options& opts) {
  const auto a = prefix_before_trailing_rest(rule.regex->pattern());
  if (!a) return;
  auto prefix = std::make_unique<RE2>("(?:" + *a + ")", opts);
  if (!prefix->ok() || prefix->NumberOfCapturingGroups() != rule.regex->NumberOfCapturingGroups() - 1) return;
  rule.prefix_regex = std::move(prefix);
  if (rule.example.empty()) return;
  std::vector<re2::StringPiece> whole, split;
  const re2::StringPiece example(rule.example);
  const bool w = match_groups(rule, false, example, whole);
  const bool s = match_groups(rule, true, example, split);
  bool same = w == s;
  for (size_t g = 1; same && w && g < rule.group_field.size(); ++g)
    same = whole[g].data() == split[g].data() && whole[g].size() == split[g].size();
  if (!same) rule.prefix_regex.reset();
}

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
      add_prefix_regex(rule, opts);
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
    if (!match_groups(rule, rule.prefix_regex != nullptr, text, scratch.groups)) return false;
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
