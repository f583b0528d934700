#include "shipper/tcp_input/wal_event.h"

#include "common/kafka/record_format.h"

namespace logpipe::shipper::tcp {
namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= d_.size()) return false;
      const auto b = static_cast<uint8_t>(d_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool bytes(std::string& out) {
    uint64_t n = 0;
    if (!varint(n) || n > d_.size() - pos_) return false;
    out.assign(d_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool view(std::string_view& out) {
    uint64_t n = 0;
    if (!varint(n) || n > d_.size() - pos_) return false;
    out = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == d_.size(); }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

}  // namespace

void encode_wal_event(const kafka::OutRecord& r, std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kWalEventVersion));
  put_bytes(out, r.topic);
  put_bytes(out, r.key);
  put_varint(out, r.headers.size());
  for (const auto& [k, v] : r.headers) {
    put_bytes(out, k);
    put_bytes(out, v);
  }
  put_bytes(out, r.value);
}

void encode_wal_event(const EventOrigin& origin, const kafka::Headers& extra, std::string_view value,
                      std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kWalEventVersion));
  put_bytes(out, origin.topic);
  put_bytes(out, origin.key);
  put_varint(out, origin.headers.size() + extra.size());
  for (const auto* headers : {&origin.headers, &extra}) {
    for (const auto& [k, v] : *headers) {
      put_bytes(out, k);
      put_bytes(out, v);
    }
  }
  put_bytes(out, value);
}

void append_wal_event(const EventOrigin& origin, std::span<const kafka::HeaderView> extra, std::string_view value,
                      std::string& out) {
  out.push_back(static_cast<char>(kWalEventVersion));
  put_bytes(out, origin.topic);
  put_bytes(out, origin.key);
  put_varint(out, origin.headers.size() + extra.size());
  for (const auto& [k, v] : origin.headers) {
    put_bytes(out, k);
    put_bytes(out, v);
  }
  for (const auto& h : extra) {
    put_bytes(out, h.name);
    put_bytes(out, h.value);
  }
  put_bytes(out, value);
}

bool decode_wal_event_view(std::string_view data, WalEventView& out) {
  if (data.empty() || static_cast<uint8_t>(data[0]) != kWalEventVersion) return false;
  Reader in(data.substr(1));
  uint64_t n = 0;
  if (!in.view(out.topic) || !in.view(out.key) || !in.varint(n) || n > data.size()) return false;
  out.headers.resize(n);
  for (auto& h : out.headers) {
    if (!in.view(h.name) || !in.view(h.value)) return false;
  }
  return in.view(out.value) && in.done();
}

Result<kafka::OutRecord> decode_wal_event(std::string_view data, uint64_t seq) {
  if (data.empty() || static_cast<uint8_t>(data[0]) != kWalEventVersion)
    return Error("WAL event " + std::to_string(seq) + ": unknown encoding version");
  Reader in(data.substr(1));
  kafka::OutRecord r;
  uint64_t n = 0;
  if (!in.bytes(r.topic) || !in.bytes(r.key) || !in.varint(n) || n > data.size())
    return Error("WAL event " + std::to_string(seq) + ": damaged");
  r.headers.resize(n);
  for (auto& [k, v] : r.headers) {
    if (!in.bytes(k) || !in.bytes(v)) return Error("WAL event " + std::to_string(seq) + ": damaged");
  }
  if (!in.bytes(r.value) || !in.done()) return Error("WAL event " + std::to_string(seq) + ": damaged");
  r.headers.emplace_back(kafka::header::kOffset, std::to_string(seq));
  return r;
}

}  // namespace logpipe::shipper::tcp
