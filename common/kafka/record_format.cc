#include "common/kafka/record_format.h"

#include <algorithm>
#include <charconv>

namespace logpipe::kafka {
namespace {

bool parse_int(std::string_view s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Headers encode_headers(const RecordMeta& m) {
  Headers h;
  h.reserve(9 + m.labels.size());
  h.emplace_back(header::kVersion, std::to_string(m.version));
  h.emplace_back(header::kHost, m.host);
  h.emplace_back(header::kService, m.service);
  h.emplace_back(header::kSource, m.source);
  if (!m.path.empty()) h.emplace_back(header::kPath, m.path);
  if (!m.file_id.empty()) h.emplace_back(header::kFileId, m.file_id);
  if (m.offset >= 0) h.emplace_back(header::kOffset, std::to_string(m.offset));
  h.emplace_back(header::kReadMicros, std::to_string(m.read_micros));
  h.emplace_back(header::kFormat, m.format);
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

Result<RecordMeta> decode_headers(const Headers& headers) {
  RecordMeta m;
  m.version = 0;
  m.source.clear();
  m.format = "plain";
  for (const auto& [k, v] : headers) {
    if (k == header::kVersion) {
      int64_t ver = 0;
      if (!parse_int(v, ver) || ver < 1) return Error("bad " + std::string(header::kVersion) + " header '" + v + "'");
      if (ver > kRecordVersion)
        return Error("record version " + v + " is newer than this build understands (" +
                     std::to_string(kRecordVersion) + ")");
      m.version = static_cast<int>(ver);
    } else if (k == header::kHost) {
      m.host = v;
    } else if (k == header::kService) {
      m.service = v;
    } else if (k == header::kSource) {
      m.source = v;
    } else if (k == header::kPath) {
      m.path = v;
    } else if (k == header::kFileId) {
      m.file_id = v;
    } else if (k == header::kOffset) {
      if (!parse_int(v, m.offset)) return Error("bad " + std::string(header::kOffset) + " header '" + v + "'");
    } else if (k == header::kReadMicros) {
      if (!parse_int(v, m.read_micros)) return Error("bad " + std::string(header::kReadMicros) + " header '" + v + "'");
    } else if (k == header::kFormat) {
      m.format = v;
    } else if (k == header::kStream) {
      m.stream = v;
    } else if (k == header::kRuntimeTime) {
      m.runtime_time = v;
    } else if (k == header::kTags) {
      for (size_t start = 0; start <= v.size();) {
        const size_t comma = std::min(v.find(',', start), v.size());
        if (comma > start) m.tags.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (k == header::kPeerIp) {
      m.peer_ip = v;
    } else if (k == header::kPeerPort) {
      if (!parse_int(v, m.peer_port)) return Error("bad " + std::string(header::kPeerPort) + " header '" + v + "'");
    } else if (k == header::kTlsSubject) {
      m.tls_subject = v;
    } else if (k.starts_with(header::kLabelPrefix)) {
      m.labels[k.substr(header::kLabelPrefix.size())] = v;
    }
    // Unknown headers are ignored: newer shippers may add optional metadata within one version.
  }
  return m;
}

std::string record_key(const RecordMeta& m) {
  if (m.source == "tcp") return m.host + "|" + m.file_id + "|" + m.peer_ip + ":" + std::to_string(m.peer_port);
  return m.host + "|" + (m.file_id.empty() ? m.path : m.file_id);
}

}  // namespace logpipe::kafka
