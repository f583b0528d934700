#include "common/kafka/record_format.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using logpipe::kafka::decode_headers;
using logpipe::kafka::encode_headers;
using logpipe::kafka::Headers;
using logpipe::kafka::kRecordVersion;
using logpipe::kafka::record_key;
using logpipe::kafka::RecordMeta;

namespace {

RecordMeta sample_meta() {
  RecordMeta m;
  m.host = "web-1";
  m.service = "checkout";
  m.source = "file";
  m.path = "/var/log/app/app.log";
  m.file_id = "2049:131074:9f86d081884c7d65";
  m.offset = 123456789012;
  m.read_micros = 1700000000123456;
  m.format = "json";
  m.labels = {{"env", "prod"}, {"team", "payments"}, {"with.dot", "a|b=c"}};
  return m;
}

// The value of header `name`, or "<absent>".
std::string header_value(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return "<absent>";
}

}  // namespace

TEST_CASE("record headers: encode writes every field as an lp.* header", "[common]") {
  const Headers h = encode_headers(sample_meta());
  CHECK(h == Headers{
                 {"lp.v", "2"},
                 {"lp.host", "web-1"},
                 {"lp.service", "checkout"},
                 {"lp.source", "file"},
                 {"lp.path", "/var/log/app/app.log"},
                 {"lp.file_id", "2049:131074:9f86d081884c7d65"},
                 {"lp.offset", "123456789012"},
                 {"lp.read_us", "1700000000123456"},
                 {"lp.format", "json"},
                 {"lp.label.env", "prod"},
                 {"lp.label.team", "payments"},
                 {"lp.label.with.dot", "a|b=c"},
             });
}

TEST_CASE("record headers: the packed layout puts the source fields in lp.v and offset, read time in lp.line", "[common]") {
  const Headers h = encode_headers(sample_meta(), logpipe::kafka::HeaderLayout::kPacked);
  CHECK(h == Headers{
                 {"lp.v", "2\tfile\tjson\tweb-1\tcheckout\t2049:131074:9f86d081884c7d65\t/var/log/app/app.log"},
                 {"lp.line", "123456789012\t1700000000123456"},
                 {"lp.label.env", "prod"},
                 {"lp.label.team", "payments"},
                 {"lp.label.with.dot", "a|b=c"},
             });
}

TEST_CASE("record headers: both layouts decode to the same fields; a path may contain the separator", "[common]") {
  RecordMeta in = sample_meta();
  in.path = GENERATE(as<std::string>{}, "/var/log/app/app.log", "/logs/odd\tname.log", "");
  in.stream = "stderr";
  in.tags = {"_truncated"};
  auto separate = decode_headers(encode_headers(in));
  auto packed = decode_headers(encode_headers(in, logpipe::kafka::HeaderLayout::kPacked));
  REQUIRE(separate.ok());
  REQUIRE(packed.ok());
  CHECK(packed->version == 2);
  CHECK(packed->path == in.path);
  CHECK(encode_headers(*packed) == encode_headers(in));
  CHECK(encode_headers(*separate) == encode_headers(in));
  CHECK(logpipe::kafka::read_micros_of(encode_headers(in, logpipe::kafka::HeaderLayout::kPacked)) == in.read_micros);
  CHECK(logpipe::kafka::read_micros_of(encode_headers(in)) == in.read_micros);
}

TEST_CASE("record headers: version 1 records (one header per field) still decode", "[common]") {
  const Headers v1{{"lp.v", "1"},         {"lp.host", "web-1"},          {"lp.service", "checkout"},
                   {"lp.source", "file"}, {"lp.path", "/var/log/a.log"}, {"lp.file_id", "1:2:ab"},
                   {"lp.offset", "42"},   {"lp.read_us", "1700000000"},  {"lp.format", "plain"}};
  auto m = decode_headers(v1);
  REQUIRE(m.ok());
  CHECK(m->version == 1);
  CHECK(m->host == "web-1");
  CHECK(m->path == "/var/log/a.log");
  CHECK(m->offset == 42);
  CHECK(m->read_micros == 1700000000);
  CHECK(logpipe::kafka::read_micros_of(v1) == 1700000000);
}

TEST_CASE("record headers: malformed packed headers are errors, not guesses", "[common]") {
  const Headers bad = GENERATE(Headers{{"lp.v", "1\tfile\tplain\th\ts\tid\t/p"}},  // version 1 never packs
                               Headers{{"lp.v", "2\tfile\tplain\th\ts"}},              // fields missing
                               Headers{{"lp.v", "3\tfile\tplain\th\ts\tid\t/p"}},    // newer than this build
                               Headers{{"lp.line", "12"}}, Headers{{"lp.line", "12\tx"}}, Headers{{"lp.line", "\t5"}});
  CHECK_FALSE(decode_headers(bad).ok());
  CHECK(logpipe::kafka::read_micros_of(Headers{{"lp.line", "12\tx"}}) == 0);
}

TEST_CASE("record headers: decode(encode(meta)) round-trips every field", "[common]") {
  const RecordMeta in = sample_meta();
  auto out = decode_headers(encode_headers(in));
  REQUIRE(out.ok());
  CHECK(out->version == kRecordVersion);
  CHECK(out->host == in.host);
  CHECK(out->service == in.service);
  CHECK(out->source == in.source);
  CHECK(out->path == in.path);
  CHECK(out->file_id == in.file_id);
  CHECK(out->offset == in.offset);
  CHECK(out->read_micros == in.read_micros);
  CHECK(out->format == in.format);
  CHECK(out->labels == in.labels);
}

TEST_CASE("record headers: a TCP record without path, file id or offset round-trips", "[common]") {
  RecordMeta in;
  in.host = "h";
  in.service = "s";
  in.source = "tcp";
  in.read_micros = 5;
  const Headers h = encode_headers(in);
  CHECK(header_value(h, "lp.path") == "<absent>");
  CHECK(header_value(h, "lp.file_id") == "<absent>");
  CHECK(header_value(h, "lp.offset") == "<absent>");
  auto out = decode_headers(h);
  REQUIRE(out.ok());
  CHECK(out->source == "tcp");
  CHECK(out->path.empty());
  CHECK(out->file_id.empty());
  CHECK(out->offset == -1);
  CHECK(out->format == "plain");
  CHECK(out->labels.empty());
  CHECK(out->read_micros == 5);
}

TEST_CASE("record headers: offset 0 is kept (only negative means no offset)", "[common]") {
  RecordMeta in = sample_meta();
  in.offset = 0;
  CHECK(header_value(encode_headers(in), "lp.offset") == "0");
  auto out = decode_headers(encode_headers(in));
  REQUIRE(out.ok());
  CHECK(out->offset == 0);
}

TEST_CASE("record headers: records without lp.v decode as version 0 with empty fields", "[common]") {
  SECTION("no headers at all") {
    auto out = decode_headers({});
    REQUIRE(out.ok());
    CHECK(out->version == 0);
    CHECK(out->host.empty());
    CHECK(out->service.empty());
    CHECK(out->source.empty());
    CHECK(out->path.empty());
    CHECK(out->file_id.empty());
    CHECK(out->offset == -1);
    CHECK(out->read_micros == 0);
    CHECK(out->labels.empty());
  }
  SECTION("other producers' headers") {
    auto out = decode_headers({{"traceparent", "00-abc-def-01"}, {"content-type", "text/plain"}});
    REQUIRE(out.ok());
    CHECK(out->version == 0);
    CHECK(out->host.empty());
  }
}

TEST_CASE("record headers: a version newer than this build is an error", "[common]") {
  Headers h = encode_headers(sample_meta());
  h[0].second = std::to_string(kRecordVersion + 1);
  auto out = decode_headers(h);
  REQUIRE_FALSE(out.ok());
  CHECK_THAT(out.error().message(), Catch::Contains("newer"));
}

TEST_CASE("record headers: malformed lp.v, lp.offset and lp.read_us are errors", "[common]") {
  const std::string header = GENERATE(as<std::string>{}, "lp.v", "lp.offset", "lp.read_us");
  const std::string value = GENERATE(as<std::string>{}, "", "abc", "12x", "1.5", " 1");
  Headers h = encode_headers(sample_meta());
  for (auto& [k, v] : h)
    if (k == header) v = value;
  INFO(header << "='" << value << "'");
  auto out = decode_headers(h);
  REQUIRE_FALSE(out.ok());
  CHECK_THAT(out.error().message(), Catch::Contains(header));
}

TEST_CASE("record headers: lp.v 0 or negative is an error", "[common]") {
  CHECK_FALSE(decode_headers({{"lp.v", "0"}}).ok());
  CHECK_FALSE(decode_headers({{"lp.v", "-1"}}).ok());
}

TEST_CASE("record headers: unknown headers are ignored", "[common]") {
  Headers h = encode_headers(sample_meta());
  h.emplace_back("lp.future_field", "x");
  h.emplace_back("traceparent", "00-abc");
  h.insert(h.begin(), {"x-other", "y"});
  auto out = decode_headers(h);
  REQUIRE(out.ok());
  CHECK(out->host == "web-1");
  CHECK(out->labels == sample_meta().labels);
}

TEST_CASE("record_key is host|file id, else host|path: one key per file", "[common]") {
  RecordMeta m = sample_meta();
  CHECK(record_key(m) == "web-1|2049:131074:9f86d081884c7d65");

  RecordMeta other_offset = m;
  other_offset.offset = 1;
  other_offset.read_micros = 2;
  CHECK(record_key(other_offset) == record_key(m));

  RecordMeta other_file = m;
  other_file.file_id = "2049:999:abc";
  CHECK(record_key(other_file) != record_key(m));

  RecordMeta other_host = m;
  other_host.host = "web-2";
  CHECK(record_key(other_host) != record_key(m));

  RecordMeta no_id = m;
  no_id.file_id.clear();
  CHECK(record_key(no_id) == "web-1|/var/log/app/app.log");
}

TEST_CASE("record format: container stream, runtime time and shipper tags round-trip", "[common]") {
  logpipe::kafka::RecordMeta m;
  m.host = "h";
  m.service = "s";
  m.stream = "stderr";
  m.runtime_time = "2024-05-14T09:15:03.000000001Z";
  m.tags = {"_truncated", "_container_unparsed"};
  auto back = logpipe::kafka::decode_headers(logpipe::kafka::encode_headers(m));
  REQUIRE(back.ok());
  CHECK(back->stream == "stderr");
  CHECK(back->runtime_time == "2024-05-14T09:15:03.000000001Z");
  CHECK(back->tags == std::vector<std::string>{"_truncated", "_container_unparsed"});
}

TEST_CASE("record headers: the view decoder gives the same fields as decode_headers", "[common]") {
  using logpipe::kafka::RecordMetaView;
  RecordMeta full = sample_meta();
  full.stream = "stdout";
  full.runtime_time = "2024-05-14T09:15:03Z";
  full.tags = {"_truncated", "_x"};
  full.peer_ip = "10.0.0.7";
  full.peer_port = 51234;
  full.tls_subject = "CN=app,O=shop";
  Headers dup = encode_headers(sample_meta());
  // The same label twice (the last wins, as in the map), and labels out of order.
  dup.emplace_back("lp.label.env", "staging");
  dup.emplace_back("lp.label.aaa", "first");
  const std::vector<Headers> inputs = {encode_headers(full), encode_headers(RecordMeta{}), dup, Headers{},
                                       Headers{{"traceparent", "x"}, {"lp", "short"}, {"lp.", "empty name"}},
                                       Headers{{"lp.tags", ",a,,b,"}, {"lp.v", "1"}}};
  RecordMetaView v;
  v.labels.reserve(8);
  for (const Headers& h : inputs) {
    auto m = decode_headers(h);
    REQUIRE(m.ok());
    REQUIRE(decode_headers(h, v).ok());
    CHECK(v.version == m->version);
    CHECK(v.host == m->host);
    CHECK(v.service == m->service);
    CHECK(v.source == m->source);
    CHECK(v.path == m->path);
    CHECK(v.file_id == m->file_id);
    CHECK(v.offset == m->offset);
    CHECK(v.read_micros == m->read_micros);
    CHECK(v.format == m->format);
    CHECK(v.stream == m->stream);
    CHECK(v.runtime_time == m->runtime_time);
    CHECK(v.peer_ip == m->peer_ip);
    CHECK(v.peer_port == m->peer_port);
    CHECK(v.tls_subject == m->tls_subject);
    std::vector<std::pair<std::string, std::string>> labels(v.labels.begin(), v.labels.end());
    CHECK(labels == std::vector<std::pair<std::string, std::string>>(m->labels.begin(), m->labels.end()));
    std::vector<std::string> tags;
    logpipe::kafka::for_each_tag(v.tags, [&](std::string_view t) { tags.emplace_back(t); });
    CHECK(tags == m->tags);
  }
  REQUIRE(decode_headers(dup, v).ok());
  REQUIRE(v.labels.size() == 4);
  CHECK(v.labels[0].first == "aaa");
  CHECK(v.labels[1] == std::pair<std::string_view, std::string_view>("env", "staging"));
  CHECK(v.labels.capacity() >= 8);  // reused, not reallocated
}

TEST_CASE("record headers: the view decoder reports errors in decode_headers' words and resets", "[common]") {
  using logpipe::kafka::RecordMetaView;
  for (const Headers& bad : {Headers{{"lp.v", "x"}}, Headers{{"lp.host", "h"}, {"lp.offset", "1x"}},
                             Headers{{"lp.peer.ip", "1.2.3.4"}, {"lp.peer.port", "x"}},
                             Headers{{"lp.read_us", ""}}, Headers{{"lp.v", std::to_string(kRecordVersion + 1)}}}) {
    RecordMetaView v;
    v.host = "stale";
    v.labels.emplace_back("stale", "x");
    const auto s = decode_headers(bad, v);
    const auto m = decode_headers(bad);
    REQUIRE_FALSE(s.ok());
    REQUIRE_FALSE(m.ok());
    CHECK(s.message() == m.error().message());
    CHECK(v.host.empty());
    CHECK(v.labels.empty());
    CHECK(v.version == kRecordVersion);
    CHECK(v.format == "plain");
    CHECK(v.offset == -1);
    CHECK(v.peer_port == -1);
  }
}

TEST_CASE("record headers: integer headers accept exactly what from_chars accepts for a whole int64", "[common]") {
  for (const std::string v : {"0", "-0", "7", "-7", "9223372036854775807", "-9223372036854775808", "0012"}) {
    auto m = decode_headers({{"lp.v", "1"}, {"lp.offset", v}});
    REQUIRE(m.ok());
    CHECK(m->offset == std::stoll(v));
  }
  for (const std::string v : {"-", "+1", "9223372036854775808", "-9223372036854775809", "99999999999999999999", "1 ",
                              "0x10", "--1"}) {
    INFO(v);
    CHECK_FALSE(decode_headers({{"lp.v", "1"}, {"lp.offset", v}}).ok());
  }
}

TEST_CASE("record headers: integers of every length, with a non-digit at every position, parse as from_chars does",
          "[common]") {
  // The parser reads eight digits at a time: each length from 1 to 20 digits, signed and not, and a byte next
  // to the digit range ('/', ':'), a letter, a high byte and a NUL in each position of each eight.
  const auto from_chars_value = [](const std::string& s) -> std::optional<int64_t> {
    int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  const std::string digits = "98765432109876543210";
  for (size_t n = 1; n <= digits.size(); ++n) {
    for (const std::string sign : {"", "-"}) {
      std::vector<std::string> inputs{sign + digits.substr(0, n), sign + digits.substr(digits.size() - n)};
      for (size_t at = 0; at < n; ++at)
        for (const char bad : {'/', ':', 'a', ' ', '\x80', '\0'})
          inputs.push_back(sign + digits.substr(0, at) + bad + digits.substr(at + 1, n - at - 1));
      for (const std::string& v : inputs) {
        INFO(v);
        const auto m = decode_headers({{"lp.v", "1"}, {"lp.offset", v}});
        const auto want = from_chars_value(v);
        REQUIRE(m.ok() == want.has_value());
        if (want) CHECK(m->offset == *want);
      }
    }
  }
}
