#pragma once
// Text rules: re2 patterns with named groups that turn a plain line into ECS fields. The rules are data
// (schemas/parsing-rules.yaml, compiled into the binary; `parsing.rules_file` overrides it) and are
// compiled once at start-up. Matching picks the first rule, in file order, whose pattern matches the
// whole first line of the record (one RE2::Set pass, then that rule's captures).
//
// Threading: a TextRules is immutable after load and shared by all builders; MatchScratch is per thread.

#include <re2/re2.h>
#include <re2/set.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "indexer/normalize/event.h"
#include "indexer/normalize/timestamp.h"
#include "indexer/parsing_rules.h"  // kParsingRulesYaml

namespace logpipe::indexer {

struct TextRule {
  std::string name;
  std::string example;  // documentation; unit tests check each rule matches its own example
  std::unique_ptr<RE2> regex;
  // For a pattern "A(?P<name>.*)": A alone, matched from the start of the line; the last group is then the
  // rest of the line. Same captures, but RE2's submatch engine runs over the prefix only (see text_rules.cc).
  // Null when the pattern has another shape.
  std::unique_ptr<RE2> prefix_regex;
  TimestampFormat timestamp_format = TimestampFormat::kIso8601;
  std::vector<std::optional<Field>> group_field;  // by capture group number; [0] unused
};

struct MatchScratch {
  std::vector<int> set_hits;
  std::vector<re2::StringPiece> groups;
};

class TextRules {
 public:
  // Parses and compiles rules; every problem is reported, prefixed with `origin` and the rule's name.
  static Result<std::shared_ptr<const TextRules>> parse(std::string_view yaml, std::string_view origin);
  static Result<std::shared_ptr<const TextRules>> load_file(const std::string& path);
  // The rules compiled into the binary (schemas/parsing-rules.yaml). Never null: if the embedded file
  // were broken (a unit test proves it is not) this is an empty rule set.
  static std::shared_ptr<const TextRules> builtin();

  // Fills `ev` from the first rule matching all of `line`; returns it, or nullptr.
  const TextRule* match(std::string_view line, Event& ev, MatchScratch& scratch) const;
  size_t size() const { return rules_.size(); }
  const std::vector<TextRule>& rules() const { return rules_; }

 private:
  TextRules();
  std::vector<TextRule> rules_;
  std::unique_ptr<RE2::Set> set_;  // null when the set failed to compile (then rules are tried in order)
};

}  // namespace logpipe::indexer
