#pragma once
// Renders hits for the terminal (pretty), for scripts (jsonl: one _source per line) or as raw messages.

#include <string>
#include <vector>

#include "query/search_request.h"

namespace logpipe::query {

enum class Format { kPretty, kJsonl, kRaw };

std::string render(const std::vector<Hit>& hits, Format format);

}  // namespace logpipe::query
