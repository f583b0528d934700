#pragma once
// A line whose top-level JSON value is an array gives one event per element (Logstash's json_lines
// codec does the same), so a sender that batches events as `[{...},{...}]` is indexed event by event.
// Only a line that simdjson fully validates as an array is split; each element is passed on as its raw
// JSON text, bytes as received (no re-serialization). Anything else -- objects, invalid JSON, bare
// scalars -- is not this code's business: it is forwarded as is and the indexer parses it (an invalid line
// or a bare scalar becomes `message` tagged `_jsonparsefailure`).
// Threading: one splitter per thread (it owns a simdjson parser).

#include <simdjson.h>

#include <string_view>
#include <vector>

namespace logpipe::shipper::tcp {

class JsonArraySplitter {
 public:
  // True if `line` is a valid JSON array; `elements` then holds views into `line`, one per element
  // (empty for `[]`). False (elements untouched) for anything else.
  bool split(std::string_view line, std::vector<std::string_view>& elements);

 private:
  simdjson::dom::parser parser_;
};

// Cheap pre-check: the first non-whitespace byte is '['.
bool looks_like_array(std::string_view line);

}  // namespace logpipe::shipper::tcp
