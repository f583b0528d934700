#include "query/filters.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace logpipe::query {
namespace {

constexpr std::array<std::string_view, 6> kLevels = {"trace", "debug", "info", "warn", "error", "fatal"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

void add_spellings(std::vector<std::string>& out, std::string_view level) {
  auto add = [&](const std::string& lower_name) {
    std::string upper = lower_name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string title = lower_name;
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    for (const auto& s : {lower_name, upper, title})
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  add(std::string(level));
  if (level == "warn") add("warning");
}

}  // namespace

Result<std::vector<std::string>> parse_levels(const std::string& spec) {
  std::vector<size_t> chosen;
  size_t start = 0;
  while (true) {
    const size_t comma = spec.find(',', start);
    std::string name = lower(trim(spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (name == "warning") name = "warn";
    const auto it = std::find(kLevels.begin(), kLevels.end(), name);
    if (it == kLevels.end())
      return Error("bad --level '" + spec + "': use trace, debug, info, warn, error or fatal (one = that and above, a list = exactly those)");
    chosen.push_back(static_cast<size_t>(it - kLevels.begin()));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::vector<std::string> out;
  if (chosen.size() == 1) {
    for (size_t i = chosen[0]; i < kLevels.size(); ++i) add_spellings(out, kLevels[i]);
  } else {
    for (size_t i : chosen) add_spellings(out, kLevels[i]);
  }
  return out;
}

Result<FieldFilter> parse_field_filter(const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    return Error("bad --field '" + spec + "': use name=value, name!=value or name~=regex");
  FieldFilter f;
  size_t name_end = eq;
  if (spec[eq - 1] == '!') {
    f.op = FieldFilter::Op::kNe;
    name_end = eq - 1;
  } else if (spec[eq - 1] == '~') {
    f.op = FieldFilter::Op::kRegex;
    name_end = eq - 1;
  }
  f.field = spec.substr(0, name_end);
  f.value = spec.substr(eq + 1);
  const bool name_ok = !f.field.empty() && std::all_of(f.field.begin(), f.field.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' || c == '@';
  });
  if (!name_ok) return Error("bad --field '" + spec + "': the field name may hold letters, digits, '_', '-', '.', '@'");
  return f;
}

bool is_glob(const std::string& value) { return value.find_first_of("*?") != std::string::npos; }

}  // namespace logpipe::query
