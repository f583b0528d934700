#include "indexer/normalize/event_builder.h"

#include <xxhash.h>

#include <array>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

#include "common/json/json_writer.h"
#include "common/time_util.h"
#include "indexer/normalize/json_layouts.h"
#include "indexer/normalize/level.h"
#include "indexer/normalize/stack_trace.h"

namespace logpipe::indexer {
namespace {

// RFC 4648 section 5 (base64url), unpadded. Elasticsearch (and OpenSearch) store an _id that is valid
// unpadded base64url as the bytes it decodes to (Uid.encodeId), so Lucene's terms dictionary holds exactly the
// 18 bytes built below, compared bytewise. An order-preserving alphabet would be scrambled by that decoding;
// the standard one is not.
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// _id = base64url(source prefix (10 bytes) ++ offset (8 bytes, big-endian two's complement)): 24 characters.
// The prefix is the first 10 bytes of XXH3-128 (high half first) of "f<US>host<US>file id" or
// "k<US>topic<US>partition" (US = 0x1f): one value per file (or partition), so that source's ids share their
// first 80 bits and then grow with the offset, the Lucene-friendly shape (few terms-index prefixes, each new
// id next to the previous one). The offset is encoded without loss, so two events of one source never share
// an id; two sources collide only if their 80-bit prefixes do (schemas/event-schema.md, "_id").
struct SourcePrefix {
  std::array<uint8_t, 10> bytes{};
};

// The first 10 bytes of XXH3-128 (high half first) of "tag<US>a<US>b": the source part of the _id.
SourcePrefix source_prefix(std::string_view tag, std::string_view a, std::string_view b) {
  char small[256];
  std::string big;
  char* p = small;
  const size_t need = tag.size() + a.size() + b.size() + 2;
  if (need > sizeof small) {
    big.resize(need);
    p = big.data();
  }
  size_t len = 0;
  auto put = [&](std::string_view s) {
    s.copy(p + len, s.size());
    len += s.size();
  };
  put(tag);
  p[len++] = '\x1f';
  put(a);
  p[len++] = '\x1f';
  put(b);
  const XXH128_hash_t h = XXH3_128bits(p, len);
  SourcePrefix out;
  for (int i = 0; i < 8; ++i) out.bytes[i] = static_cast<uint8_t>(h.high64 >> (56 - 8 * i));
  out.bytes[8] = static_cast<uint8_t>(h.low64 >> 56);
  out.bytes[9] = static_cast<uint8_t>(h.low64 >> 48);
  return out;
}

void put_base64_group(char* o, uint8_t b0, uint8_t b1, uint8_t b2) {
  const uint32_t g = (uint32_t{b0} << 16) | (uint32_t{b1} << 8) | b2;
  o[0] = kBase64Url[g >> 18];
  o[1] = kBase64Url[(g >> 12) & 0x3F];
  o[2] = kBase64Url[(g >> 6) & 0x3F];
  o[3] = kBase64Url[g & 0x3F];
}

// base64url(prefix ++ offset (8 bytes, big-endian)): 18 bytes, six whole groups, no padding. The first
// three groups (12 chars) are the prefix's bytes 0-8 only.
void encode_prefix(const SourcePrefix& prefix, std::array<char, 12>& out) {
  const auto& b = prefix.bytes;
  for (size_t i = 0, o = 0; i < 9; i += 3, o += 4) put_base64_group(out.data() + o, b[i], b[i + 1], b[i + 2]);
}
void encode_id(const std::array<char, 12>& head, uint8_t prefix_last, int64_t offset, std::string& out) {
  const auto u = static_cast<uint64_t>(offset);
  const auto byte = [u](int i) { return static_cast<uint8_t>(u >> (56 - 8 * i)); };  // big-endian byte i
  if (out.size() != 24) out.resize(24);
  char* o = out.data();
  std::memcpy(o, head.data(), head.size());
  put_base64_group(o + 12, prefix_last, byte(0), byte(1));
  put_base64_group(o + 16, byte(2), byte(3), byte(4));
  put_base64_group(o + 20, byte(5), byte(6), byte(7));
}
void source_id(std::string_view tag, std::string_view a, std::string_view b, int64_t offset, std::string& out) {
  const SourcePrefix prefix = source_prefix(tag, a, b);
  std::array<char, 12> head;
  encode_prefix(prefix, head);
  encode_id(head, prefix.bytes[9], offset, out);
}

std::optional<int64_t> to_int(std::string_view s) {
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

void write_element(json::Writer& w, simdjson::dom::element e) {
  std::string_view str;
  int64_t i64;
  uint64_t u64;
  double dbl;
  bool b;
  simdjson::dom::array arr;
  simdjson::dom::object obj;
  if (e.get(str) == simdjson::SUCCESS) {
    w.string(str);
  } else if (e.get(i64) == simdjson::SUCCESS) {
    w.number(i64);
  } else if (e.get(u64) == simdjson::SUCCESS) {
    w.number(u64);
  } else if (e.get(dbl) == simdjson::SUCCESS) {
    w.number(dbl);
  } else if (e.get(b) == simdjson::SUCCESS) {
    w.boolean(b);
  } else if (e.get(arr) == simdjson::SUCCESS) {
    w.begin_array();
    for (simdjson::dom::element x : arr) write_element(w, x);
    w.end_array();
  } else if (e.get(obj) == simdjson::SUCCESS) {
    w.begin_object();
    for (const auto field : obj) {
      w.key(field.key);
      write_element(w, field.value);
    }
    w.end_object();
  } else {
    w.null();
  }
}

// Writes the member (`prefix`: its comma, key, colon and, for a string, the opening quote) when set.
template <size_t N>
[[gnu::always_inline]] inline void opt(json::Writer& w, const char (&prefix)[N], std::string_view v) {
  if (!v.empty()) w.fragment_string(prefix, v);
}
template <size_t N>
void opt_long(json::Writer& w, const char (&prefix)[N], std::string_view v) {
  if (auto n = to_int(v)) w.fragment_number(prefix, *n);
}

bool any(const Event& ev, std::initializer_list<Field> fields) {
  for (Field f : fields)
    if (!ev[f].empty()) return true;
  return false;
}

// The line's own member at dotted `path` among the members no layout mapped (`fields`), written dotted
// ("client.ip"), nested ({"client":{"ip":..}}) or half and half; nullopt when absent or null.
std::optional<simdjson::dom::element> line_value(const Event& ev, std::string_view path) {
  for (const auto& [key, value] : ev.extras) {
    if (key != path && (path.size() <= key.size() || !path.starts_with(key) || path[key.size()] != '.')) continue;
    simdjson::dom::element e = value;
    std::string_view rest = key == path ? std::string_view() : path.substr(key.size() + 1);
    bool found = true;
    while (found && !rest.empty()) {
      simdjson::dom::object o;
      found = false;
      if (e.get(o) != simdjson::SUCCESS) break;
      // The member whose name is a dotted prefix of what is left ("client.ip" or "client").
      for (const auto member : o) {
        const std::string_view k = member.key;
        if (rest == k || (rest.starts_with(k) && rest.size() > k.size() && rest[k.size()] == '.')) {
          e = member.value;
          rest = rest == k ? std::string_view() : rest.substr(k.size() + 1);
          found = true;
          break;
        }
      }
    }
    if (found && !e.is_null()) return e;
  }
  return std::nullopt;
}

bool line_sets(const Event& ev, std::string_view path) { return line_value(ev, path).has_value(); }

}  // namespace

void document_id(const kafka::RecordMetaView& meta, const kafka::InRecord& record, std::string& out) {
  IdPrefixCache none;
  document_id(meta, record, out, none);
}

void document_id(const kafka::RecordMetaView& meta, const kafka::InRecord& record, std::string& out,
                 IdPrefixCache& cache) {
  if (!meta.file_id.empty() && meta.offset >= 0) {
    if (cache.file_id.empty() || cache.host != meta.host || cache.file_id != meta.file_id) {
      const SourcePrefix prefix = source_prefix("f", meta.host, meta.file_id);
      encode_prefix(prefix, cache.head);
      cache.last = prefix.bytes[9];
      cache.host = meta.host;
      cache.file_id = meta.file_id;
    }
    encode_id(cache.head, cache.last, meta.offset, out);
  } else {
    char partition[16];
    const auto end = std::to_chars(partition, partition + sizeof partition, record.partition).ptr;
    source_id("k", record.topic, std::string_view(partition, static_cast<size_t>(end - partition)), record.offset, out);
  }
}

std::string document_id(const kafka::RecordMeta& meta, const kafka::InRecord& record) {
  kafka::RecordMetaView v;
  v.host = meta.host;
  v.file_id = meta.file_id;
  v.offset = meta.offset;
  std::string out;
  document_id(v, record, out);
  return out;
}

EventBuilder::EventBuilder(BuildOptions options) : options_(std::move(options)) {
  if (!options_.rules) options_.rules = TextRules::builtin();
  ev_.extras.reserve(kMaxExtraFields);
}

bool EventBuilder::parse_json(std::string_view line, simdjson::dom::parser& parser, int depth) {
  simdjson::dom::object object;
  if (parser.parse(line.data(), line.size()).get(object) != simdjson::SUCCESS) return false;
  std::string_view inner, time, stream;
  if (depth == 0 && docker_wrapper(object, inner, time, stream)) {
    wrapper_time_ = time;
    if (!inner.empty() && inner.front() == '{' && parse_json(inner, inner_parser_, depth + 1)) return true;
    if (!parse_text(inner)) ev_[Field::kMessage] = inner;
    return true;
  }
  map_json_object(object, ev_);
  return true;
}

bool EventBuilder::parse_cri(std::string_view line) {
  // 2016-10-06T00:17:09.669794202Z stdout F the line
  const size_t a = line.find(' ');
  const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
  if (b == std::string_view::npos || b + 2 > line.size() || (line[b + 1] != 'F' && line[b + 1] != 'P') ||
      (b + 2 < line.size() && line[b + 2] != ' '))
    return false;
  wrapper_time_ = line.substr(0, a);
  if (line[b + 1] == 'P') ev_.tag("_partial_line");
  const std::string_view inner = b + 3 <= line.size() ? line.substr(b + 3) : std::string_view();
  if (!inner.empty() && inner.front() == '{' && parse_json(inner, inner_parser_, 1)) return true;
  if (!parse_text(inner)) ev_[Field::kMessage] = inner;
  return true;
}

bool EventBuilder::parse_text(std::string_view text) {
  const size_t nl = text.find('\n');
  const std::string_view head = text.substr(0, nl);
  const std::string_view tail = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  const TextRule* rule = options_.rules->match(head, ev_, scratch_);
  if (!rule) {
    ev_[Field::kMessage] = text;
    if (!foreign_) ev_.tag("_no_rule_matched");
    return false;
  }
  if (!tail.empty()) {
    // A joined multi-line event: a stack trace becomes error.*, anything else stays in the message.
    ErrorInfo e = extract_error(text);
    if (e.found) {
      ev_.set(Field::kErrorType, e.type);
      ev_.set(Field::kErrorMessage, e.message);
      ev_.set(Field::kStackTrace, e.stack_trace.data() < tail.data() ? tail : e.stack_trace);
      fingerprint_ = e.fingerprint;
    } else {
      const std::string_view msg = ev_[Field::kMessage];
      const char* start = msg.empty() ? head.data() : msg.data();
      ev_[Field::kMessage] = std::string_view(start, static_cast<size_t>(text.data() + text.size() - start));
    }
  }
  return true;
}

void EventBuilder::extract_error_fields() {
  if (fingerprint_[0] != '\0') return;
  const std::string_view st = ev_[Field::kStackTrace];
  if (!st.empty()) {
    if (ev_[Field::kErrorType].empty()) {
      ErrorInfo e = extract_error(st);
      if (e.found) {
        ev_.set(Field::kErrorType, e.type);
        ev_.set(Field::kErrorMessage, e.message);
        fingerprint_ = e.fingerprint;
      }
      return;
    }
    if (!fingerprint_trace(ev_[Field::kErrorType], st, fingerprint_)) fingerprint_[0] = '\0';
    return;
  }
  const std::string_view msg = ev_[Field::kMessage];
  if (msg.find('\n') == std::string_view::npos) return;
  ErrorInfo e = extract_error(msg);
  if (!e.found) return;
  ev_.set(Field::kErrorType, e.type);
  ev_.set(Field::kErrorMessage, e.message);
  ev_.set(Field::kStackTrace, e.stack_trace);
  fingerprint_ = e.fingerprint;
}

// ,"structured_data": a member of log.syslog (written with fragments, see build()).
// log.syslog.structured_data: {"SD-ID": {"param": "value", "repeated": ["v1", "v2"]}, "SD-ID with no params": {}}.
// A repeated SD-ID (the RFC forbids it) is merged into the first; a repeated param becomes an array, in order.
// Text that does not follow the grammar is kept whole as {"_unparsed": text}, tagged.
void EventBuilder::write_structured_data(json::Writer& w) {
  const std::string_view text = ev_[Field::kSyslogStructuredData];
  if (text.empty()) return;
  if (!sd_.parse(text)) {
    ev_.tag("_syslog_sd_parsefailure");
    w.fragment_string(",\"structured_data\":{\"_unparsed\":\"", text).fragment("}");
    return;
  }
  if (sd_.truncated) ev_.tag("_syslog_sd_truncated");
  const auto& e = sd_.entries;
  auto seen_before = [&](size_t from, size_t k, bool by_name) {
    for (size_t j = from; j < k; ++j)
      if (e[j].id == e[k].id && (!by_name || e[j].name == e[k].name)) return true;
    return false;
  };
  w.fragment_key(",\"structured_data\":").begin_object();
  for (size_t i = 0; i < e.size(); ++i) {
    if (!e[i].name.empty() || seen_before(0, i, false)) continue;  // an element's opening entry, first time
    w.key(e[i].id).begin_object();
    for (size_t k = i + 1; k < e.size(); ++k) {
      if (e[k].id != e[i].id || e[k].name.empty() || seen_before(i + 1, k, true)) continue;
      size_t count = 0;
      for (size_t m = k; m < e.size(); ++m) count += e[m].id == e[k].id && e[m].name == e[k].name;
      if (count == 1) {
        w.kv(e[k].name, e[k].value);
        continue;
      }
      w.key(e[k].name).begin_array();
      for (size_t m = k; m < e.size(); ++m)
        if (e[m].id == e[k].id && e[m].name == e[k].name) w.string(e[m].value);
      w.end_array();
    }
    w.end_object();
  }
  w.end_object();
}

Document EventBuilder::build(const kafka::InRecord& record, int64_t ingested_micros) {
  Document d;
  build(record, ingested_micros, d);
  return d;
}

void EventBuilder::build(const kafka::InRecord& record, int64_t ingested_micros, Document& d) {
  ev_.reset();
  wrapper_time_ = {};
  fingerprint_[0] = '\0';
  kafka::RecordMetaView& meta = meta_;
  if (!kafka::decode_headers(record.headers, meta)) ev_.tag("_bad_record_headers");  // meta: the defaults
  if (meta.version == 0) ev_.tag("_no_logpipe_headers");
  // problems the shipper met (_truncated, _container_unparsed)
  kafka::for_each_tag(meta.tags, [this](std::string_view t) { ev_.tag(t); });
  // A container input the shipper unwrapped: the runtime's time is the fallback before the read time.
  if (!meta.runtime_time.empty()) wrapper_time_ = meta.runtime_time;
  foreign_ = meta.version == 0;  // its own tag says it all; no _no_rule_matched on top
  // A TCP sender may name its own host and service in the line (python-logstash, GELF, ECS layouts):
  // those, not the receiving shipper's host or the listener's service, are the event's.
  ev_.want_sender_identity = meta.source == "tcp";
  const std::string_view value = record.value;
  const int64_t reference = meta.read_micros > 0 ? meta.read_micros : record.timestamp_ms * 1000;

  bool structured = false;
  if (meta.format == "json" || meta.format == "docker") {
    structured = parse_json(value, parser_, 0);
    if (!structured) ev_.tag("_jsonparsefailure");
  } else if (meta.format == "cri") {
    structured = parse_cri(value);
    if (!structured) ev_.tag("_criparsefailure");
  } else {
    structured = parse_text(value);
  }
  if (ev_[Field::kMessage].empty()) ev_[Field::kMessage] = value;
  extract_error_fields();

  // @timestamp: the line's, else the wrapper's, else the shipper's read time (else Kafka's timestamp).
  std::optional<int64_t> ts;
  bool ts_failed = ev_.timestamp_number_bad;
  if (ev_.timestamp_number) {
    ts = ev_.timestamp_number;
  } else if (const std::string_view t = ev_[Field::kTimestamp]; !t.empty()) {
    ts = parse_timestamp(t, ev_.timestamp_format, reference);
    ts_failed = !ts;
  }
  if (ts_failed) {
    ev_.tag("_timestampparsefailure");
    // The sender's value is kept as written, under `fields`, next to the read time used instead.
    if (ev_.timestamp_value) keep_unmapped(ev_, ev_.timestamp_key, *ev_.timestamp_value);
  }
  if (!ts && !wrapper_time_.empty()) ts = parse_timestamp(wrapper_time_, TimestampFormat::kIso8601, reference);
  if (!ts && !ts_failed && structured) ev_.tag("_no_timestamp");
  const int64_t when = ts ? *ts : reference;

  // log.level: canonical name, else the written one lowercased.
  std::string_view level;
  if (const std::string_view written = ev_[Field::kLevel]; !written.empty()) {
    if (auto c = canonical_level(written)) {
      level = *c;
    } else {
      const size_t n = std::min(written.size(), level_lower_.size());
      for (size_t i = 0; i < n; ++i) {
        const char c2 = written[i];
        level_lower_[i] = c2 >= 'A' && c2 <= 'Z' ? static_cast<char>(c2 - 'A' + 'a') : c2;
      }
      level = std::string_view(level_lower_.data(), n);
    }
  } else if (ev_.level_number >= 0) {
    if (auto c = canonical_level(ev_.level_number)) level = *c;
  } else if (auto pri = to_int(ev_[Field::kSyslogPriority]); pri && *pri >= 0 && *pri < 192) {
    level = *canonical_level(*pri % 8);
  }

  document_id(meta, record, d.id, id_cache_);
  if (const int64_t day = epoch_day(when); day != index_day_) {
    char buf[kMaxFormattedTime];
    index_name_ = options_.index_prefix;
    index_name_.append(buf, format_day(when, '.', buf));
    index_day_ = day;
  }
  d.index = index_name_;
  if (ingested_micros != ingested_micros_) {
    ingested_text_ = format_rfc3339_micros(ingested_micros);
    ingested_micros_ = ingested_micros;
  }
  // Replaces d.source (a reused Document's bytes serve as room); complete after w.finish() below. Room for
  // the line and the metadata around it.
  auto w = json::Writer::replacing(d.source, record.value.size() + 512);
  // The document's shape is fixed here, so it is written with the writer's fused fragments: each member's
  // comma, key and colon are one constant; objects whose members are all optional use begin_members() /
  // end_members(), which place the '{' where the first member's comma went.
  {
    char buf[kMaxFormattedTime];
    w.fragment_plain("{\"@timestamp\":\"", std::string_view(buf, format_rfc3339_micros(when, buf)));
  }
  w.fragment_string(",\"message\":\"", ev_[Field::kMessage]);
  const std::string_view host = !ev_.sender_host.empty() ? ev_.sender_host : std::string_view(meta.host);
  if (!host.empty()) w.fragment_string(",\"host\":{\"name\":\"", host).fragment("}");
  const std::string_view service =
      !ev_.sender_service.empty() ? ev_.sender_service : std::string_view(meta.service);
  if (!service.empty()) w.fragment_string(",\"service\":{\"name\":\"", service).fragment("}");
  w.fragment(",\"log\":");
  const size_t log = w.begin_members();
  if (!level.empty()) w.fragment_string(",\"level\":\"", level);
  opt(w, ",\"logger\":\"", ev_[Field::kLogger]);
  if (!meta.path.empty()) w.fragment_string(",\"file\":{\"path\":\"", meta.path).fragment("}");
  if (meta.offset >= 0) w.fragment_number(",\"offset\":", meta.offset);
  if (any(ev_, {Field::kSyslogHostname, Field::kSyslogAppname, Field::kSyslogProcid, Field::kSyslogMsgid,
                Field::kSyslogPriority, Field::kSyslogStructuredData})) {
    w.fragment(",\"syslog\":");
    const size_t syslog = w.begin_members();
    opt(w, ",\"hostname\":\"", ev_[Field::kSyslogHostname]);
    opt(w, ",\"appname\":\"", ev_[Field::kSyslogAppname]);
    opt(w, ",\"procid\":\"", ev_[Field::kSyslogProcid]);
    opt(w, ",\"msgid\":\"", ev_[Field::kSyslogMsgid]);
    opt_long(w, ",\"priority\":", ev_[Field::kSyslogPriority]);
    write_structured_data(w);
    w.end_members(syslog);
  }
  w.end_members(log);
  if (any(ev_, {Field::kPid, Field::kProcessName, Field::kThread})) {
    w.fragment(",\"process\":");
    const size_t process = w.begin_members();
    opt_long(w, ",\"pid\":", ev_[Field::kPid]);
    opt(w, ",\"name\":\"", ev_[Field::kProcessName]);
    if (!ev_[Field::kThread].empty()) w.fragment_string(",\"thread\":{\"name\":\"", ev_[Field::kThread]).fragment("}");
    w.end_members(process);
  }
  if (any(ev_, {Field::kErrorType, Field::kErrorMessage, Field::kStackTrace})) {
    w.fragment(",\"error\":");
    const size_t error = w.begin_members();
    opt(w, ",\"type\":\"", ev_[Field::kErrorType]);
    opt(w, ",\"message\":\"", ev_[Field::kErrorMessage]);
    opt(w, ",\"stack_trace\":\"", ev_[Field::kStackTrace]);
    if (fingerprint_[0] != '\0') w.fragment_plain(",\"fingerprint\":\"", std::string_view(fingerprint_.data(), 16));
    w.end_members(error);
  }
  if (!ev_[Field::kTraceId].empty()) w.fragment_string(",\"trace\":{\"id\":\"", ev_[Field::kTraceId]).fragment("}");
  if (!ev_[Field::kSpanId].empty()) w.fragment_string(",\"span\":{\"id\":\"", ev_[Field::kSpanId]).fragment("}");
  if (!ev_[Field::kSourceAddress].empty())
    w.fragment_string(",\"source\":{\"address\":\"", ev_[Field::kSourceAddress]).fragment("}");
  if (!ev_[Field::kUserName].empty()) w.fragment_string(",\"user\":{\"name\":\"", ev_[Field::kUserName]).fragment("}");
  if (any(ev_, {Field::kHttpMethod, Field::kHttpVersion, Field::kHttpStatus, Field::kHttpBytes, Field::kReferrer})) {
    w.fragment(",\"http\":");
    const size_t http = w.begin_members();
    opt(w, ",\"version\":\"", ev_[Field::kHttpVersion]);
    if (any(ev_, {Field::kHttpMethod, Field::kReferrer})) {
      w.fragment(",\"request\":");
      const size_t request = w.begin_members();
      opt(w, ",\"method\":\"", ev_[Field::kHttpMethod]);
      opt(w, ",\"referrer\":\"", ev_[Field::kReferrer]);
      w.end_members(request);
    }
    const auto status = to_int(ev_[Field::kHttpStatus]);
    const auto bytes = to_int(ev_[Field::kHttpBytes]);
    if (status || bytes) {
      w.fragment(",\"response\":");
      const size_t response = w.begin_members();
      if (status) w.fragment_number(",\"status_code\":", *status);
      if (bytes) w.fragment_number(",\"body\":{\"bytes\":", *bytes).fragment("}");
      w.end_members(response);
    }
    w.end_members(http);
  }
  if (!ev_[Field::kUrl].empty()) w.fragment_string(",\"url\":{\"original\":\"", ev_[Field::kUrl]).fragment("}");
  if (!ev_[Field::kUserAgent].empty())
    w.fragment_string(",\"user_agent\":{\"original\":\"", ev_[Field::kUserAgent]).fragment("}");
  // The TCP input's view of the sender (point 12 of issue 4): ECS client.ip / client.port /
  // tls.client.subject, each only where the line did not set that field itself (the line's own value
  // stays where its layout put it).
  {
    const bool ip = !meta.peer_ip.empty() && !line_sets(ev_, "client.ip");
    const bool port = meta.peer_port >= 0 && !line_sets(ev_, "client.port");
    if (ip || port) {
      w.fragment(",\"client\":");
      const size_t client = w.begin_members();
      if (ip) w.fragment_string(",\"ip\":\"", meta.peer_ip);
      if (port) w.fragment_number(",\"port\":", meta.peer_port);
      w.end_members(client);
    }
    if (!meta.tls_subject.empty() && !line_sets(ev_, "tls.client.subject"))
      w.fragment_string(",\"tls\":{\"client\":{\"subject\":\"", meta.tls_subject).fragment("}}");
  }
  if (!meta.stream.empty()) w.fragment_string(",\"stream\":\"", meta.stream);  // stdout | stderr, as Filebeat names it
  if (!meta.labels.empty()) {
    w.fragment_key(",\"labels\":").begin_object();
    for (const auto& [k, v] : meta.labels) w.kv(k, v);
    w.end_object();
  }
  if (!ev_.extras.empty()) {
    w.fragment_key(",\"fields\":").begin_object();
    for (const auto& [k, v] : ev_.extras) {
      w.key(k);
      write_element(w, v);
    }
    w.end_object();
  }
  if (ev_.extras_truncated) ev_.tag("_fields_truncated");
  w.fragment_plain(",\"event\":{\"ingested\":\"", ingested_text_);
  w.fragment_string("},\"kafka\":{\"topic\":\"", record.topic);
  w.fragment_number(",\"partition\":", record.partition).fragment_number(",\"offset\":", record.offset).fragment("}");
  if (w.saw_invalid_utf8()) ev_.tag("_invalid_utf8");
  if (ev_.tag_count > 0) {
    w.fragment_key(",\"tags\":").begin_array();
    for (size_t i = 0; i < ev_.tag_count; ++i) w.string(ev_.tags[i]);
    w.end_array();
  }
  w.fragment("}");
  w.finish();
}

}  // namespace logpipe::indexer
