#pragma once
// The index template for the engine at hand. schemas/index-template.json maps the full-text fields
// (`message`, `error.message`, `error.stack_trace`) as `match_only_text`: indexed without frequencies,
// positions or norms, which makes every document cheaper to index and smaller; phrase queries still work
// (the engine checks positions on `_source`). Not every engine has that type: Elasticsearch has it from 7.14
// in its `mapper-extras` module, which the integ-test distribution (deploy/stack.sh) leaves out; OpenSearch
// from 2.12. An engine without it refuses the whole template, so the indexer then installs the fallback:
// the same template with each such field as `text` without norms (positions kept, so phrase queries keep
// working). Header-only, so the integration tests that create indices from the template use the same rule.

#include <string>
#include <string_view>

namespace logpipe::indexer {

// `template_json` with every `"match_only_text"` (a mapping's type value: the string occurs nowhere else in
// the template) replaced by `"text", "norms": false`, so `"type": "match_only_text"` becomes
// `"type": "text", "norms": false`, with or without whitespace around the colon.
inline std::string without_match_only_text(std::string template_json) {
  static constexpr std::string_view kFrom = R"("match_only_text")";
  static constexpr std::string_view kTo = R"("text", "norms": false)";
  for (size_t pos = template_json.find(kFrom); pos != std::string::npos; pos = template_json.find(kFrom, pos + kTo.size()))
    template_json.replace(pos, kFrom.size(), kTo);
  return template_json;
}

// Does an engine's answer to a template or index creation say it has no `match_only_text` type?
// Elasticsearch: 400 "The mapper type [match_only_text] declared on field [message] does not exist";
// OpenSearch before 2.12: 400 "No handler for type [match_only_text] declared on field [message]".
inline bool rejects_match_only_text(int http_status, std::string_view body) {
  return http_status == 400 && body.find("[match_only_text]") != std::string_view::npos;
}

}  // namespace logpipe::indexer
