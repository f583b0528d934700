#pragma once
// Renders hits for the terminal (pretty, optionally coloured by level), for scripts (json: one array,
// jsonl: one _source per line, logfmt, csv) or as raw messages. A Printer streams: begin(), then add() per
// hit in print order, then end(), so -n 0 over millions of events never holds them all.

#include <string>
#include <vector>

#include "query/search_request.h"
#include "query/time_expr.h"

namespace logpipe::query {

enum class Format { kPretty, kJsonl, kRaw, kJson, kLogfmt, kCsv };

// "pretty" -> kPretty, ...; false for an unknown name.
bool parse_format(const std::string& name, Format& out);

struct RenderOptions {
  Format format = Format::kPretty;
  bool color = false;               // ANSI colours (pretty only)
  Zone zone = Zone::kUtc;           // pretty timestamps: kUtc = as stored, kLocal = local wall clock
  std::vector<std::string> fields;  // dotted _source paths; empty = the format's default
};

class Printer {
 public:
  explicit Printer(RenderOptions options) : options_(std::move(options)) {}
  std::string begin() const;
  std::string add(const Hit& hit);
  std::string end() const;

 private:
  RenderOptions options_;
  bool first_ = true;
};

// A field of `source_json` by dotted path ("host.name": nested objects or a flat "host.name" key); strings
// as is, other values as JSON, missing = empty and found = false.
std::string field_value(const std::string& source_json, const std::string& path, bool* found = nullptr);

std::string render(const std::vector<Hit>& hits, const RenderOptions& options);
std::string render(const std::vector<Hit>& hits, Format format);

}  // namespace logpipe::query
