#include "query/output.h"

#include <simdjson.h>

#include <array>
#include <cctype>

#include "common/json/json_writer.h"
#include "common/time_util.h"

namespace logpipe::query {
namespace {

const std::vector<std::string> kDefaultFields = {"@timestamp", "host.name", "service.name", "log.level", "message"};

const std::vector<std::string>& fields_of(const RenderOptions& o) { return o.fields.empty() ? kDefaultFields : o.fields; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const char* level_color(const std::string& level) {
  const std::string l = lower(level);
  if (l == "fatal" || l == "critical") return "\x1b[1;31m";
  if (l == "error") return "\x1b[31m";
  if (l == "warn" || l == "warning") return "\x1b[33m";
  if (l == "info") return "\x1b[32m";
  return "\x1b[2m";  // debug, trace, anything else
}

std::string paint(bool on, const char* color, const std::string& text) {
  if (!on || text.empty()) return text;
  return std::string(color) + text + "\x1b[0m";
}

std::string display_time(const std::string& ts, Zone zone) {
  if (zone == Zone::kUtc) return ts;
  auto micros = parse_rfc3339_micros(ts);
  return micros ? format_local_millis(*micros) : ts;
}

std::string logfmt_value(const std::string& v) {
  const bool quote = v.empty() || v.find_first_of(" =\"\\\n\r\t") != std::string::npos;
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + "\"";
}

std::string csv_value(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool lookup(simdjson::dom::element src, const std::string& path, simdjson::dom::element& out) {
  simdjson::dom::object obj;
  if (src.get(obj) != simdjson::SUCCESS) return false;
  if (obj[path].get(out) == simdjson::SUCCESS) return true;  // flat key, also "@timestamp"
  const size_t dot = path.find('.');
  if (dot == std::string::npos) return false;
  // Nested: try every split, so both {"a":{"b.c":1}} and {"a":{"b":{"c":1}}} are found.
  for (size_t d = dot; d != std::string::npos; d = path.find('.', d + 1)) {
    simdjson::dom::element child;
    if (obj[path.substr(0, d)].get(child) == simdjson::SUCCESS && lookup(child, path.substr(d + 1), out)) return true;
  }
  return false;
}

// The projection of a source onto `fields` as a JSON object with the dotted names as keys.
std::string project(const std::string& source, const std::vector<std::string>& fields) {
  simdjson::dom::parser parser;
  simdjson::dom::element src;
  std::string out;
  json::Writer w(out);
  w.begin_object();
  if (parser.parse(source).get(src) == simdjson::SUCCESS) {
    for (const auto& f : fields) {
      simdjson::dom::element v;
      if (lookup(src, f, v)) w.key(f).raw(simdjson::to_string(v));
    }
  }
  w.end_object();
  return out;
}

}  // namespace

bool parse_format(const std::string& name, Format& out) {
  static const std::array<std::pair<const char*, Format>, 6> kNames = {{{"pretty", Format::kPretty},
                                                                         {"jsonl", Format::kJsonl},
                                                                         {"raw", Format::kRaw},
                                                                         {"json", Format::kJson},
                                                                         {"logfmt", Format::kLogfmt},
                                                                         {"csv", Format::kCsv}}};
  for (const auto& [n, f] : kNames)
    if (name == n) {
      out = f;
      return true;
    }
  return false;
}

std::string field_value(const std::string& source_json, const std::string& path, bool* found) {
  simdjson::dom::parser parser;
  simdjson::dom::element src, v;
  const bool ok = parser.parse(source_json).get(src) == simdjson::SUCCESS && lookup(src, path, v);
  if (found != nullptr) *found = ok;
  if (!ok) return "";
  std::string_view s;
  if (v.get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::to_string(v);
}

std::string Printer::begin() const {
  if (options_.format == Format::kJson) return "[";
  if (options_.format != Format::kCsv) return "";
  std::string out;
  const auto& fields = fields_of(options_);
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_value(fields[i]);
  return out + "\n";
}

std::string Printer::end() const {
  if (options_.format == Format::kJson) return first_ ? "]\n" : "\n]\n";
  return "";
}

std::string Printer::add(const Hit& h) {
  std::string out;
  const bool c = options_.color;
  switch (options_.format) {
    case Format::kJsonl:
      out = options_.fields.empty() ? h.source : project(h.source, options_.fields);
      break;
    case Format::kJson:
      out = (first_ ? "\n" : ",\n") + (options_.fields.empty() ? h.source : project(h.source, options_.fields));
      first_ = false;
      return out;
    case Format::kRaw:
      out = h.message;
      break;
    case Format::kPretty:
      out = paint(c, "\x1b[2m", display_time(h.timestamp, options_.zone));
      if (options_.fields.empty()) {
        out += " " + paint(c, "\x1b[36m", h.host) + " " + paint(c, "\x1b[35m", h.service) + " ";
        if (!h.level.empty()) out += paint(c, level_color(h.level), h.level) + " ";
        out += h.message;
      } else {
        for (const auto& f : options_.fields) {
          if (f == "@timestamp") continue;
          std::string v = field_value(h.source, f);
          out += " " + (f == "log.level" ? paint(c, level_color(v), v) : v);
        }
      }
      break;
    case Format::kLogfmt: {
      bool first = true;
      for (const auto& f : fields_of(options_)) {
        bool found = false;
        std::string v = field_value(h.source, f, &found);
        if (!found) continue;
        out += (first ? "" : " ") + f + "=" + logfmt_value(v);
        first = false;
      }
      break;
    }
    case Format::kCsv: {
      const auto& fields = fields_of(options_);
      for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_value(field_value(h.source, fields[i]));
      break;
    }
  }
  first_ = false;
  return out + '\n';
}

std::string render(const std::vector<Hit>& hits, const RenderOptions& options) {
  Printer p(options);
  std::string out = p.begin();
  for (const auto& h : hits) out += p.add(h);
  return out + p.end();
}

std::string render(const std::vector<Hit>& hits, Format format) {
  RenderOptions o;
  o.format = format;
  return render(hits, o);
}

}  // namespace logpipe::query
