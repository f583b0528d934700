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
#include <string>
#include <string_view>

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
// The record back, with the lp.offset header set to `seq`.
Result<kafka::OutRecord> decode_wal_event(std::string_view data, uint64_t seq);

}  // namespace logpipe::shipper::tcp
