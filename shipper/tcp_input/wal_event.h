#pragma once
// How the TCP input stores an event in the WAL: the Kafka record it will produce, minus lp.offset (the
// WAL sequence number, known only once appended; added back by decode_wal_event()). Storing the whole
// record, not the listener it came from, means a replay after a restart produces exactly what the first
// attempt would have, even if the config changed in between (same topic, key and headers, so the same
// Elasticsearch _id).
//
//   u8 version (1) | varint len, topic | varint len, key | varint n | n x (varint len, name | varint len, value)
//   | varint len, value
//
// Decoding checks every length against the input; a damaged record is an error, never a crash.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/kafka/producer.h"
#include "common/result.h"
#include "shipper/tcp_input/event_sink.h"

namespace logpipe::shipper::tcp {

inline constexpr uint8_t kWalEventVersion = 1;

// Appends the encoding of `record` to `out` (which is cleared first).
void encode_wal_event(const kafka::OutRecord& record, std::string& out);
// The same bytes for the record `origin` + `extra` headers + `value`, without building it.
void encode_wal_event(const EventOrigin& origin, const kafka::Headers& extra, std::string_view value,
                      std::string& out);
// The same bytes appended to `out` (not cleared): the hot path encodes a whole batch into one buffer.
void append_wal_event(const EventOrigin& origin, std::span<const kafka::HeaderView> extra, std::string_view value,
                      std::string& out);
// The record back, with the lp.offset header set to `seq`.
Result<kafka::OutRecord> decode_wal_event(std::string_view data, uint64_t seq);

// The record as views into `data` (no copy, no lp.offset): what the delivery path produces from when it
// reads events back from the WAL. `headers` is reused. False if the bytes are damaged.
struct WalEventView {
  std::string_view topic;
  std::string_view key;
  std::string_view value;
  std::vector<kafka::HeaderView> headers;
};
bool decode_wal_event_view(std::string_view data, WalEventView& out);

}  // namespace logpipe::shipper::tcp
