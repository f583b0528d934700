#include "shipper/container/container_log.h"

#include <simdjson.h>

namespace logpipe::shipper {

void ContainerUnwrapper::append(TailedLine piece, bool complete, std::vector<TailedLine>& out) {
  if (partial_) {
    partial_->text += piece.text;
    partial_->end_offset = piece.end_offset;
    partial_->truncated = partial_->truncated || piece.truncated;
  } else {
    partial_ = std::move(piece);
  }
  if (complete) flush(out);
}

void ContainerUnwrapper::flush(std::vector<TailedLine>& out) {
  if (!partial_) return;
  out.push_back(std::move(*partial_));
  partial_.reset();
}

void ContainerUnwrapper::push(const LineView& raw, std::vector<TailedLine>& out) {
  TailedLine c;
  c.offset = raw.offset;
  c.end_offset = raw.end_offset;
  c.truncated = raw.truncated;
  if (kind_ == Kind::kDocker) {
    thread_local simdjson::dom::parser parser;
    thread_local std::string padded;  // the record being parsed, with room for simdjson's padding
    simdjson::dom::element doc;
    std::string_view log, stream, time;
    // simdjson reads a little past the end: parse from a copy with room for its padding.
    padded.assign(raw.text);
    padded.reserve(raw.text.size() + simdjson::SIMDJSON_PADDING);
    if (!raw.truncated && parser.parse(padded.data(), padded.size(), false).get(doc) == simdjson::SUCCESS &&
        doc["log"].get(log) == simdjson::SUCCESS) {
      if (doc["stream"].get(stream) != simdjson::SUCCESS) stream = {};
      if (doc["time"].get(time) != simdjson::SUCCESS) time = {};
      const bool complete = log.ends_with('\n');
      if (complete) log.remove_suffix(1);
      c.text.assign(log);
      c.stream.assign(stream);
      c.runtime_time.assign(time);
      append(std::move(c), complete, out);
      return;
    }
  } else {
    // <time> <stream> <P|F> <content>; content may be empty.
    const std::string_view t = raw.text;
    const size_t s1 = t.find(' ');
    const size_t s2 = s1 == std::string_view::npos ? s1 : t.find(' ', s1 + 1);
    if (s2 != std::string_view::npos && s2 + 2 <= t.size() && (t[s2 + 1] == 'P' || t[s2 + 1] == 'F') &&
        (s2 + 2 == t.size() || t[s2 + 2] == ' ')) {
      c.runtime_time.assign(t.substr(0, s1));
      c.stream.assign(t.substr(s1 + 1, s2 - s1 - 1));
      if (s2 + 3 <= t.size()) c.text.assign(t.substr(s2 + 3));
      append(std::move(c), t[s2 + 1] == 'F', out);
      return;
    }
  }
  // Not a record of this runtime: ship it as it is, tagged, after whatever partial came before it.
  flush(out);
  c.text.assign(raw.text);
  c.unparsed = true;
  out.push_back(std::move(c));
}

}  // namespace logpipe::shipper
