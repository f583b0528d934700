#pragma once
// gzip (RFC 1952) for request bodies sent with `Content-Encoding: gzip`. zlib from Debian.

#include <string>
#include <string_view>

#include "common/result.h"

namespace logpipe::indexer {

// `level`: 1 (fastest) .. 9 (smallest).
Result<std::string> gzip_compress(std::string_view data, int level);
// For tests and diagnostics: the inverse.
Result<std::string> gzip_decompress(std::string_view data);

}  // namespace logpipe::indexer
