#pragma once
// The Kafka record format shared by the shipper (writer) and the indexer (reader).
// Specified in schemas/kafka-record.md; change both together and bump kRecordVersion.
//
//   key     = "<host>|<source id>"  (all records of one file share a key -> one partition -> ordered)
//   value   = the raw log line, bytes exactly as read (no trailing newline)
//   headers = lp.v, lp.host, lp.service, lp.source, lp.path, lp.file_id, lp.offset, lp.read_us,
//             lp.format, lp.label.<name>, and for container inputs lp.stream, lp.runtime_time; lp.tags;
//             for TCP inputs lp.peer.ip, lp.peer.port and (TLS with a client certificate) lp.tls.subject
//   packed (version 2, what the file pipeline writes; the TCP input writes the packed lp.v only): lp.v = "2\t<source>\t<format>\t<host>\t<service>\t
//             <file id>\t<path>" and lp.line = "<offset>\t<read_us>" stand for the seven and the two headers
//             they name; the rest as above. Two header allocations and ~80 bytes less per record in
//             librdkafka, whose one broker thread writes and compresses every record (bench/README.md).
//
// Metadata lives in headers so the value stays the untouched line: any Kafka tool can read it, and the
// indexer can parse it without first unwrapping an envelope.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace logpipe::kafka {

using Headers = std::vector<std::pair<std::string, std::string>>;

// 2: lp.v and lp.line may carry packed fields (HeaderLayout::kPacked). Readers decode 1 and 2.
inline constexpr int kRecordVersion = 2;
// Separates the fields of a packed lp.v and lp.line. Host and service must not contain it (the shipper's
// config refuses control characters there); the path is the last field and may.
inline constexpr char kFieldSeparator = '\t';

namespace header {
inline constexpr std::string_view kVersion = "lp.v";
inline constexpr std::string_view kHost = "lp.host";
inline constexpr std::string_view kService = "lp.service";
inline constexpr std::string_view kSource = "lp.source";
inline constexpr std::string_view kPath = "lp.path";
inline constexpr std::string_view kFileId = "lp.file_id";
inline constexpr std::string_view kOffset = "lp.offset";
inline constexpr std::string_view kReadMicros = "lp.read_us";
inline constexpr std::string_view kLine = "lp.line";  // packed lp.offset and lp.read_us (version 2)
inline constexpr std::string_view kFormat = "lp.format";
inline constexpr std::string_view kStream = "lp.stream";
inline constexpr std::string_view kRuntimeTime = "lp.runtime_time";
inline constexpr std::string_view kTags = "lp.tags";
inline constexpr std::string_view kLabelPrefix = "lp.label.";
inline constexpr std::string_view kPeerIp = "lp.peer.ip";
inline constexpr std::string_view kPeerPort = "lp.peer.port";
inline constexpr std::string_view kTlsSubject = "lp.tls.subject";
}  // namespace header

// Where a line came from and how to read it. `offset` < 0 means "no byte offset" (e.g. TCP input).
struct RecordMeta {
  int version = kRecordVersion;
  std::string host;
  std::string service;
  std::string source = "file";  // file | tcp
  std::string path;
  std::string file_id;  // "<dev>:<inode>:<fingerprint>" for files, "tcp:<WAL id>" for TCP inputs
  int64_t offset = -1;  // files: byte offset of the line; TCP: the event's WAL sequence number
  int64_t read_micros = 0;
  std::string format = "plain";  // plain | json | docker | cri
  std::map<std::string, std::string> labels;
  std::string stream;        // container inputs: stdout | stderr
  std::string runtime_time;  // container inputs: the runtime's timestamp (RFC 3339)
  std::vector<std::string> tags;  // problems the shipper met with this line
  std::string peer_ip;      // TCP inputs: the sender's address
  int64_t peer_port = -1;   // TCP inputs: the sender's port
  std::string tls_subject;  // TCP inputs over TLS: the client certificate's subject (RFC 2253), if any
};

// The same fields as views into a record's headers (valid as long as the headers are): what the indexer
// decodes per record, without allocating. `labels` are sorted by name with one entry per name (the last
// header wins), like RecordMeta::labels; `tags` keeps the lp.tags value as written (see for_each_tag).
struct RecordMetaView {
  int version = kRecordVersion;
  std::string_view host;
  std::string_view service;
  std::string_view source = "file";
  std::string_view path;
  std::string_view file_id;
  int64_t offset = -1;
  int64_t read_micros = 0;
  std::string_view format = "plain";
  std::vector<std::pair<std::string_view, std::string_view>> labels;
  std::string_view stream;
  std::string_view runtime_time;
  std::string_view tags;  // comma-separated
  std::string_view peer_ip;
  int64_t peer_port = -1;
  std::string_view tls_subject;
};

// kSeparate: one header per field (versions 1 and 2; the TCP input). kPacked: lp.v and lp.line carry the
// fields they stand for (version 2; the file pipeline writes this layout through FileRecordTemplate).
enum class HeaderLayout { kSeparate, kPacked };
Headers encode_headers(const RecordMeta& meta, HeaderLayout layout = HeaderLayout::kSeparate);
// The value of a packed lp.v header (version kRecordVersion) and of a packed lp.line header.
std::string packed_version_header(std::string_view source, std::string_view format, std::string_view host,
                                  std::string_view service, std::string_view file_id, std::string_view path);
std::string packed_line_header(int64_t offset, int64_t read_micros);
// lp.read_us of a record (from lp.read_us or a packed lp.line); 0 when absent or malformed.
int64_t read_micros_of(const Headers& headers);
// Records without lp.v (written by some other producer) decode with version 0 and empty fields;
// a record with an lp.v newer than this build understands is an error.
Result<RecordMeta> decode_headers(const Headers& headers);
// The same into `out` (its label vector's capacity is reused). On error `out` is left with the
// defaults of RecordMetaView{} and the Status says why, in the same words as decode_headers.
Status decode_headers(const Headers& headers, RecordMetaView& out);
// Calls f(tag) for each non-empty comma-separated tag in `tags`, in order.
template <typename F>
void for_each_tag(std::string_view tags, F&& f) {
  for (size_t start = 0; start <= tags.size();) {
    const size_t comma = std::min(tags.find(',', start), tags.size());
    if (comma > start) f(tags.substr(start, comma - start));
    start = comma + 1;
  }
}
// The partitioning key: one key per source so Kafka keeps each file's lines (each TCP connection's
// events) in order.
std::string record_key(const RecordMeta& meta);

}  // namespace logpipe::kafka
