#include "common/config/config_reader.h"

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

namespace logpipe::config {
namespace {

bool describing(const Context& ctx) { return ctx.docs != nullptr; }

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

Reader::Reader(YAML::Node node, std::string path, Context& ctx)
    : node_(std::move(node)), path_(std::move(path)), ctx_(ctx) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    ctx_.errors.push_back((path_.empty() ? std::string("<top>") : path_) + ": expected a mapping");
    node_ = YAML::Node();
  }
}

std::string Reader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void Reader::error(std::string_view key, std::string_view message) {
  ctx_.errors.push_back(key_path(key) + ": " + std::string(message));
}

std::optional<YAML::Node> Reader::lookup(std::string_view key, std::string_view type, std::string_view def,
                                         std::string_view description) {
  seen_.emplace(key);
  if (describing(ctx_)) {
    ctx_.docs->push_back({key_path(key), std::string(type), std::string(def), std::string(description)});
    return std::nullopt;
  }
  if (!node_.IsDefined() || !node_.IsMap()) return std::nullopt;
  YAML::Node v = node_[std::string(key)];
  // An absent key and an empty value (`key:`) both mean "use the default".
  if (!v.IsDefined() || v.IsNull()) return std::nullopt;
  return v;
}

std::string Reader::string(std::string_view key, std::string def, std::string_view description) {
  auto v = lookup(key, "string", def.empty() ? "\"\"" : def, description);
  if (!v) return def;
  if (!v->IsScalar()) {
    error(key, "expected a string");
    return def;
  }
  return v->Scalar();
}

std::string Reader::required_string(std::string_view key, std::string_view description) {
  auto v = lookup(key, "string", "(required)", description);
  if (describing(ctx_)) return {};
  if (!v || !v->IsScalar() || v->Scalar().empty()) {
    error(key, "required (a non-empty string)");
    return {};
  }
  return v->Scalar();
}

std::string Reader::choice(std::string_view key, const std::vector<std::string>& choices,
                           std::string_view description) {
  std::string all;
  for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
  auto v = lookup(key, "enum: " + all, choices.front(), description);
  if (!v) return choices.front();
  if (v->IsScalar()) {
    for (const auto& c : choices)
      if (c == v->Scalar()) return c;
  }
  error(key, "must be one of " + all);
  return choices.front();
}

int64_t Reader::integer(std::string_view key, int64_t def, int64_t min, int64_t max, std::string_view description) {
  auto v = lookup(key, "integer [" + std::to_string(min) + ".." + std::to_string(max) + "]",
                        std::to_string(def), description);
  if (!v) return def;
  int64_t out = 0;
  const std::string s = v->IsScalar() ? v->Scalar() : std::string();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    error(key, "expected an integer");
    return def;
  }
  if (out < min || out > max) {
    error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return def;
  }
  return out;
}

int64_t Reader::bytes(std::string_view key, std::string_view def, int64_t min, int64_t max,
                      std::string_view description) {
  auto v = lookup(key, "size", def, description);
  const int64_t fallback = parse_bytes(def).ok() ? parse_bytes(def).value() : 0;
  if (!v) return fallback;
  auto parsed = v->IsScalar() ? parse_bytes(v->Scalar()) : Result<int64_t>(Error("expected a size"));
  if (!parsed) {
    error(key, parsed.error().message());
    return fallback;
  }
  if (*parsed < min || *parsed > max) {
    error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
    return fallback;
  }
  return *parsed;
}

bool Reader::boolean(std::string_view key, bool def, std::string_view description) {
  auto v = lookup(key, "bool", def ? "true" : "false", description);
  if (!v) return def;
  if (v->IsScalar()) {
    const std::string& s = v->Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  error(key, "expected true or false");
  return def;
}

std::chrono::milliseconds Reader::duration(std::string_view key, std::string_view def,
                                           std::string_view description) {
  auto v = lookup(key, "duration", def, description);
  const auto fallback = parse_duration(def).ok() ? parse_duration(def).value() : std::chrono::milliseconds(0);
  if (!v) return fallback;
  auto parsed = v->IsScalar() ? parse_duration(v->Scalar())
                             : Result<std::chrono::milliseconds>(Error("expected a duration"));
  if (!parsed) {
    error(key, parsed.error().message());
    return fallback;
  }
  return *parsed;
}

std::vector<std::string> Reader::string_list(std::string_view key, std::string_view description) {
  auto v = lookup(key, "list of strings", "[]", description);
  return v ? to_string_list(key, *v) : std::vector<std::string>{};
}

std::vector<std::string> Reader::required_string_list(std::string_view key, std::string_view description) {
  auto v = lookup(key, "list of strings", "(required)", description);
  if (describing(ctx_)) return {};
  auto out = v ? to_string_list(key, *v) : std::vector<std::string>{};
  if (out.empty()) error(key, "required (a string or a non-empty list of strings)");
  return out;
}

std::vector<std::string> Reader::to_string_list(std::string_view key, const YAML::Node& v) {
  std::vector<std::string> out;
  if (v.IsScalar()) return {v.Scalar()};
  if (!v.IsSequence()) {
    error(key, "expected a list of strings");
    return out;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar()) {
      error(std::string(key) + "[" + std::to_string(i) + "]", "expected a string");
      continue;
    }
    out.push_back(v[i].Scalar());
  }
  return out;
}

std::map<std::string, std::string> Reader::string_map(std::string_view key, std::string_view description) {
  auto v = lookup(key, "map of strings", "{}", description);
  std::map<std::string, std::string> out;
  if (!v) return out;
  if (!v->IsMap()) {
    error(key, "expected a mapping of strings");
    return out;
  }
  for (const auto& kv : *v) {
    const std::string k = kv.first.Scalar();
    if (!kv.second.IsScalar()) {
      error(std::string(key) + "." + k, "expected a string");
      continue;
    }
    out[k] = kv.second.Scalar();
  }
  return out;
}

Reader Reader::section(std::string_view key, std::string_view description) {
  auto v = lookup(key, "section", "", description);
  return Reader(v ? *v : YAML::Node(), key_path(key), ctx_);
}

void Reader::list(std::string_view key, std::string_view description, bool required,
                  const std::function<void(Reader&)>& each) {
  auto v = lookup(key, "list", required ? "(required)" : "[]", description);
  if (describing(ctx_)) {
    Reader item(YAML::Node(), key_path(key) + "[]", ctx_);
    each(item);
    return;
  }
  if (!v) {
    if (required) error(key, "required (a non-empty list)");
    return;
  }
  if (!v->IsSequence()) {
    error(key, "expected a list");
    return;
  }
  if (required && v->size() == 0) error(key, "required (a non-empty list)");
  for (size_t i = 0; i < v->size(); ++i) {
    Reader item((*v)[i], key_path(key) + "[" + std::to_string(i) + "]", ctx_);
    each(item);
    item.finish();
  }
}

void Reader::add_error(std::string_view message) {
  if (describing(ctx_)) return;
  ctx_.errors.push_back((path_.empty() ? std::string("<top>") : path_) + ": " + std::string(message));
}

void Reader::finish() {
  if (describing(ctx_) || !node_.IsDefined() || !node_.IsMap()) return;
  for (const auto& kv : node_) {
    const std::string k = kv.first.Scalar();
    if (!seen_.contains(k)) error(k, "unknown key");
  }
}

Result<YAML::Node> load_file(const std::string& file) {
  try {
    return YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return Error(file + ": cannot be read");
  } catch (const YAML::Exception& e) {
    return Error(file + ": " + e.what());
  }
}

Result<int64_t> parse_bytes(std::string_view s) {
  const std::string t = trim(s);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (t.empty() || ec != std::errc() || n < 0) return Error("expected a size such as 1048576 or 1MiB");
  const std::string unit = trim(std::string_view(p, t.data() + t.size() - p));
  static const std::map<std::string, int64_t> kUnits = {
      {"", 1},          {"B", 1},        {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30},
      {"KB", 1000},     {"MB", 1000000}, {"GB", 1000000000}, {"k", 1LL << 10},   {"m", 1LL << 20}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return Error("unknown size unit '" + unit + "' (use B, KiB, MiB, GiB)");
  if (n > std::numeric_limits<int64_t>::max() / it->second) return Error("size '" + t + "' is too large");
  return n * it->second;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view s) {
  const std::string t = trim(s);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (t.empty() || ec != std::errc() || n < 0) return Error("expected a duration such as 250ms, 5s, 2m");
  const std::string unit(p, t.data() + t.size() - p);
  static const std::map<std::string, int64_t> kUnits = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return Error("unknown duration unit '" + unit + "' (use ms, s, m, h)");
  if (n > std::numeric_limits<int64_t>::max() / it->second) return Error("duration '" + t + "' is too large");
  return std::chrono::milliseconds(n * it->second);
}

Status collected_errors(const Context& ctx, const std::string& file) {
  if (ctx.errors.empty()) return Status::Ok();
  std::string all;
  for (const auto& e : ctx.errors) {
    if (!all.empty()) all += '\n';
    all += file + ": " + e;
  }
  return Error(all);
}

std::string render_reference(const std::vector<OptionDoc>& docs) {
  std::ostringstream out;
  out << "| key | type | default | description |\n|---|---|---|---|\n";
  for (const auto& d : docs) {
    out << "| `" << d.path << "` | " << d.type << " | " << (d.default_value.empty() ? "" : "`" + d.default_value + "`")
        << " | " << d.description << " |\n";
  }
  return out.str();
}

}  // namespace logpipe::config
