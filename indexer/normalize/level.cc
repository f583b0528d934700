#include "indexer/normalize/level.h"

#include <array>
#include <utility>

namespace logpipe::indexer {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// The names are distinct, so the order only decides how soon a name is found: the common ones first.
constexpr std::array<std::pair<std::string_view, std::string_view>, 27> kLevels{{
    {"info", "info"},     {"debug", "debug"},   {"warn", "warn"},       {"error", "error"},
    {"trace", "trace"},   {"finest", "trace"},  {"finer", "trace"},     {"verbose", "trace"},
    {"dbg", "debug"},     {"fine", "debug"},    {"config", "debug"},
    {"information", "info"}, {"notice", "info"},  {"log", "info"},
    {"warning", "warn"},  {"err", "error"},
    {"severe", "error"},  {"fatal", "fatal"},   {"critical", "fatal"},  {"crit", "fatal"},
    {"alert", "fatal"},   {"emerg", "fatal"},   {"emergency", "fatal"}, {"panic", "fatal"},
    {"debug1", "debug"},  {"debug2", "debug"},  {"debug3", "debug"},
}};

}  // namespace

std::optional<std::string_view> canonical_level(std::string_view written) {
  // Trim the padding of %-5level ("INFO ").
  while (!written.empty() && written.back() == ' ') written.remove_suffix(1);
  while (!written.empty() && written.front() == ' ') written.remove_prefix(1);
  for (const auto& [name, canonical] : kLevels)
    if (iequals(written, name)) return canonical;
  if (iequals(written, "debug4") || iequals(written, "debug5")) return std::string_view("debug");
  // A number written as a string ("level":"3" in some GELF senders).
  if (!written.empty() && written.size() <= 6) {
    int64_t v = 0;
    for (char c : written) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return canonical_level(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> canonical_level(int64_t n) {
  static constexpr std::string_view kSyslog[] = {"fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug"};
  if (n >= 0 && n <= 7) return kSyslog[n];
  switch (n) {
    case 5000: return "trace";
    case 10: case 10000: return "debug";
    case 20: case 20000: return "info";
    case 30: case 30000: return "warn";
    case 40: case 40000: return "error";
    case 50: case 50000: return "fatal";
    default: return std::nullopt;
  }
}

}  // namespace logpipe::indexer
