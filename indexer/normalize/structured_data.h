#pragma once
// RFC 5424 STRUCTURED-DATA (section 6.3): `[exampleSDID@32473 iut="3" eventSource="App"][origin ip="192.0.2.1"]`
// -> the elements and their parameters, rendered as `log.syslog.structured_data` (schemas/event-schema.md).
//
// Values are views into the line, except values holding escapes (`\"`, `\\`, `\]`), which are unescaped
// into `StructuredData::arena`; parse() reserves the arena first so those views stay valid until the next
// parse(). Per-event object of one EventBuilder (not shared between threads).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace logpipe::indexer {

// Entries (an element's opening plus each of its parameters) kept per event; more is `_syslog_sd_truncated`.
inline constexpr size_t kMaxStructuredDataEntries = 64;

struct StructuredDataEntry {
  std::string_view id;     // SD-ID, e.g. "exampleSDID@32473"
  std::string_view name;   // PARAM-NAME; empty for the entry that opens an element (an element may have no params)
  std::string_view value;  // PARAM-VALUE, unescaped
};

struct StructuredData {
  std::vector<StructuredDataEntry> entries;
  std::string arena;
  bool truncated = false;

  // Parses `sd` (the text between the MSGID and the message; "-" means none). False when it does not follow
  // the grammar; then `entries` holds what was read before the error.
  bool parse(std::string_view sd);
  void clear() {
    entries.clear();
    arena.clear();
    truncated = false;
  }
};

}  // namespace logpipe::indexer
