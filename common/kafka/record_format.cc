#include "common/kafka/record_format.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace logpipe::kafka {
namespace {

// The value of the 8 ASCII digits at p, or false if one of them is not a digit (little-endian SWAR).
inline bool eight_digits(const char* p, uint64_t& out) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  const uint64_t d = w - 0x3030303030303030ULL;  // each byte's digit, if it was one
  // A byte below '0' borrows and its d is >= 0xC0; a byte above '9' has d >= 0x10 or d + 6 >= 0x10. The lowest
  // bad byte is always flagged (a borrow only disturbs the bytes above it), and any flag rejects the eight.
  if (((d | (d + 0x0606060606060606ULL)) & 0xF0F0F0F0F0F0F0F0ULL) != 0) return false;
  // Pairs, then quads, then the eight (the first digit is the lowest byte).
  const uint64_t pairs = (d * 10 + (d >> 8)) & 0x00FF00FF00FF00FFULL;
  const uint64_t quads = (pairs * 100 + (pairs >> 16)) & 0x0000FFFF0000FFFFULL;
  out = (quads & 0xFFFFFFFF) * 10000 + (quads >> 32);
  return true;
}

// A whole decimal int64 ("-" allowed, nothing else): what std::from_chars accepts when it must consume all of s.
// Every record has two of these (offset, read time: 16 digits), so the first 18 digits, which cannot
// overflow, skip the overflow check.
bool parse_int(std::string_view s, int64_t& out) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  const bool negative = i == 1;
  if (i == s.size()) return false;
  uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    // The first 16 digits eight at a time (an offset, microseconds since the epoch).
    for (uint64_t eight = 0; s.size() - i >= 8 && i < 16; i += 8) {
      if (!eight_digits(s.data() + i, eight)) return false;
      v = v * 100'000'000 + eight;
    }
  }
  for (const size_t unchecked = std::min(s.size(), size_t{18} + (negative ? 1 : 0)); i < unchecked; ++i) {
    const unsigned digit = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (digit > 9) return false;
    v = v * 10 + digit;
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (; i < s.size(); ++i) {
    const unsigned digit = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (digit > 9 || v > (limit - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

// Back to the values of RecordMetaView{}, keeping the label vector's capacity.
void reset(RecordMetaView& m) {
  const RecordMetaView defaults;
  m.version = defaults.version;
  m.host = m.service = m.path = m.file_id = m.stream = m.runtime_time = m.tags = m.peer_ip = m.tls_subject = {};
  m.peer_port = defaults.peer_port;
  m.source = defaults.source;
  m.offset = defaults.offset;
  m.read_micros = defaults.read_micros;
  m.format = defaults.format;
  m.labels.clear();
}

// The fields after the version of a packed lp.v: source, format, host, service, file id, path (the rest,
// which may contain the separator). Only version 2 and later pack.
bool unpack_version_header(std::string_view rest, int64_t version, RecordMetaView& m) {
  if (version < 2) return false;
  std::string_view* fields[] = {&m.source, &m.format, &m.host, &m.service, &m.file_id};
  for (std::string_view* f : fields) {
    const size_t tab = rest.find(kFieldSeparator);
    if (tab == std::string_view::npos) return false;
    *f = rest.substr(0, tab);
    rest.remove_prefix(tab + 1);
  }
  m.path = rest;
  return true;
}

bool unpack_line_header(std::string_view v, int64_t& offset, int64_t& read_micros) {
  const size_t tab = v.find(kFieldSeparator);
  return tab != std::string_view::npos && parse_int(v.substr(0, tab), offset) && parse_int(v.substr(tab + 1), read_micros);
}

}  // namespace

int64_t read_micros_of(const Headers& headers) {
  for (const auto& [k, v] : headers) {
    int64_t offset = 0, out = 0;
    if (k == header::kReadMicros) return parse_int(v, out) ? out : 0;
    if (k == header::kLine) return unpack_line_header(v, offset, out) ? out : 0;
  }
  return 0;
}

std::string packed_version_header(std::string_view source, std::string_view format, std::string_view host,
                                  std::string_view service, std::string_view file_id, std::string_view path) {
  std::string v = std::to_string(kRecordVersion);
  v.reserve(v.size() + 6 + source.size() + format.size() + host.size() + service.size() + file_id.size() + path.size());
  for (const std::string_view field : {source, format, host, service, file_id, path}) {
    v += kFieldSeparator;
    v += field;
  }
  return v;
}

std::string packed_line_header(int64_t offset, int64_t read_micros) {
  return std::to_string(offset) + kFieldSeparator + std::to_string(read_micros);
}

Headers encode_headers(const RecordMeta& m, HeaderLayout layout) {
  Headers h;
  h.reserve(9 + m.labels.size());
  if (layout == HeaderLayout::kPacked) {
    h.emplace_back(header::kVersion, packed_version_header(m.source, m.format, m.host, m.service, m.file_id, m.path));
    h.emplace_back(header::kLine, packed_line_header(m.offset, m.read_micros));
  } else {
    h.emplace_back(header::kVersion, std::to_string(m.version));
    h.emplace_back(header::kHost, m.host);
    h.emplace_back(header::kService, m.service);
    h.emplace_back(header::kSource, m.source);
    if (!m.path.empty()) h.emplace_back(header::kPath, m.path);
    if (!m.file_id.empty()) h.emplace_back(header::kFileId, m.file_id);
    if (m.offset >= 0) h.emplace_back(header::kOffset, std::to_string(m.offset));
    h.emplace_back(header::kReadMicros, std::to_string(m.read_micros));
    h.emplace_back(header::kFormat, m.format);
  }
  for (const auto& [k, v] : m.labels) h.emplace_back(std::string(header::kLabelPrefix) + k, v);
  if (!m.stream.empty()) h.emplace_back(header::kStream, m.stream);
  if (!m.runtime_time.empty()) h.emplace_back(header::kRuntimeTime, m.runtime_time);
  if (!m.tags.empty()) {
    std::string joined;
    for (const auto& t : m.tags) joined += (joined.empty() ? "" : ",") + t;
    h.emplace_back(header::kTags, joined);
  }
  if (!m.peer_ip.empty()) h.emplace_back(header::kPeerIp, m.peer_ip);
  if (m.peer_port >= 0) h.emplace_back(header::kPeerPort, std::to_string(m.peer_port));
  if (!m.tls_subject.empty()) h.emplace_back(header::kTlsSubject, m.tls_subject);
  return h;
}

Status decode_headers(const Headers& headers, RecordMetaView& m) {
  auto fail = [&m](std::string message) -> Status {
    reset(m);
    return Error(std::move(message));
  };
  reset(m);
  m.version = 0;
  m.source = {};
  for (const auto& [k, v] : headers) {
    const std::string_view key(k);
    // Every name starts with "lp." and its fourth char tells the candidates apart: one compare per header.
    if (key.size() < 4 || !key.starts_with("lp.")) continue;
    switch (key[3]) {
      case 'v':
        if (key == header::kVersion) {
          const std::string_view value(v);
          const size_t tab = value.find(kFieldSeparator);
          int64_t ver = 0;
          if (!parse_int(value.substr(0, tab), ver) || ver < 1)
            return fail("bad " + std::string(header::kVersion) + " header '" + v + "'");
          if (ver > kRecordVersion)
            return fail("record version " + std::string(value.substr(0, tab)) + " is newer than this build understands (" +
                        std::to_string(kRecordVersion) + ")");
          m.version = static_cast<int>(ver);
          if (tab != std::string_view::npos && !unpack_version_header(value.substr(tab + 1), ver, m))
            return fail("bad packed " + std::string(header::kVersion) + " header '" + v + "'");
        }
        break;
      case 'h':
        if (key == header::kHost) m.host = v;
        break;
      case 's':
        if (key == header::kService) {
          m.service = v;
        } else if (key == header::kSource) {
          m.source = v;
        } else if (key == header::kStream) {
          m.stream = v;
        }
        break;
      case 'p':
        if (key == header::kPath) {
          m.path = v;
        } else if (key == header::kPeerIp) {
          m.peer_ip = v;
        } else if (key == header::kPeerPort && !parse_int(v, m.peer_port)) {
          return fail("bad " + std::string(header::kPeerPort) + " header '" + v + "'");
        }
        break;
      case 'f':
        if (key == header::kFileId) {
          m.file_id = v;
        } else if (key == header::kFormat) {
          m.format = v;
        }
        break;
      case 'o':
        if (key == header::kOffset && !parse_int(v, m.offset))
          return fail("bad " + std::string(header::kOffset) + " header '" + v + "'");
        break;
      case 'r':
        if (key == header::kReadMicros) {
          if (!parse_int(v, m.read_micros))
            return fail("bad " + std::string(header::kReadMicros) + " header '" + v + "'");
        } else if (key == header::kRuntimeTime) {
          m.runtime_time = v;
        }
        break;
      case 't':
        if (key == header::kTags) {
          m.tags = v;
        } else if (key == header::kTlsSubject) {
          m.tls_subject = v;
        }
        break;
      case 'l':
        if (key == header::kLine) {
          if (!unpack_line_header(v, m.offset, m.read_micros))
            return fail("bad " + std::string(header::kLine) + " header '" + v + "'");
        } else if (key.starts_with(header::kLabelPrefix)) {
          m.labels.emplace_back(key.substr(header::kLabelPrefix.size()), v);
        }
        break;
      default:
        break;
    }
    // Unknown headers are ignored: newer shippers may add optional metadata within one version.
  }
  if (m.labels.size() > 1) {
    // As a map would hold them: sorted by name, the last header of a name wins.
    std::stable_sort(m.labels.begin(), m.labels.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    auto out = m.labels.begin();
    for (auto it = m.labels.begin(); it != m.labels.end(); ++it) {
      if (std::next(it) != m.labels.end() && std::next(it)->first == it->first) continue;
      *out++ = *it;
    }
    m.labels.erase(out, m.labels.end());
  }
  return Status{};
}

Result<RecordMeta> decode_headers(const Headers& headers) {
  RecordMetaView v;
  if (auto s = decode_headers(headers, v); !s) return Error(s.message());
  RecordMeta m;
  m.version = v.version;
  m.host = v.host;
  m.service = v.service;
  m.source = v.source;
  m.path = v.path;
  m.file_id = v.file_id;
  m.offset = v.offset;
  m.read_micros = v.read_micros;
  m.format = v.format;
  for (const auto& [k, val] : v.labels) m.labels.emplace(k, val);
  m.stream = v.stream;
  m.runtime_time = v.runtime_time;
  for_each_tag(v.tags, [&m](std::string_view t) { m.tags.emplace_back(t); });
  m.peer_ip = v.peer_ip;
  m.peer_port = v.peer_port;
  m.tls_subject = v.tls_subject;
  return m;
}

std::string record_key(const RecordMeta& m) {
  if (m.source == "tcp") return m.host + "|" + m.file_id + "|" + m.peer_ip + ":" + std::to_string(m.peer_port);
  return m.host + "|" + (m.file_id.empty() ? m.path : m.file_id);
}

}  // namespace logpipe::kafka
