#pragma once
// Parsing of the filter flags (--level, --field) into plain values the DSL builder turns into JSON.
// Validation happens here, before any I/O, so a typo is one clear error line and exit code 2.

#include <string>
#include <vector>

#include "common/result.h"

namespace logpipe::query {

// --level: "warn" = warn and above (trace < debug < info < warn < error < fatal); "error,info" = exactly
// those. Input is case-insensitive; "warning" means warn. The result is every spelling to match in
// log.level, which holds the level as the sender wrote it: lower case, UPPER case and Capitalized, plus
// "warning" for warn.
Result<std::vector<std::string>> parse_levels(const std::string& spec);

struct FieldFilter {
  enum class Op { kEq, kNe, kRegex };
  std::string field;
  Op op = Op::kEq;
  std::string value;
};

// --field: "k=v" (term), "k!=v" (not that term), "k~=regex" (Lucene regexp on a keyword field).
// The field name is letters, digits, '_', '-', '.', '@'; the value is anything (it stays a JSON string).
Result<FieldFilter> parse_field_filter(const std::string& spec);

// True if a -H/-s value is a glob ('*' or '?'), matched with a wildcard query instead of a term.
bool is_glob(const std::string& value);

}  // namespace logpipe::query
