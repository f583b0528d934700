#include "shipper/shipper_config.h"

#include <unistd.h>

#include <algorithm>

namespace logpipe::shipper {

void declare(config::Reader& r, ShipperConfig& c) {
  c.host = r.string("host", "", "host.name attached to every line; empty = the system host name");
  {
    auto k = r.section("kafka", "where lines go");
    c.kafka_brokers = k.string("brokers", "127.0.0.1:9092", "bootstrap servers, comma-separated");
    c.kafka_topic = k.string("topic", "logs",
                             "topic lines are produced to; may use {service}, {host}, {label.NAME}, e.g. logs-{service}; what it "
                             "names must be a valid Kafka topic name (checked at start)");
    c.kafka_properties = k.string_map(
        "properties", "any librdkafka producer property (SASL, TLS, batching); overrides the defaults");
    k.finish();
  }
  r.list("inputs", "files to tail (required unless there are `tcp` listeners)", false, [&](config::Reader& in) {
    InputConfig i;
    i.paths = in.required_string_list("paths", "files to tail: paths or globs (`*`, `?`, `[...]`, `**` for any depth)");
    i.exclude = in.string_list("exclude", "globs of files not to tail; without a `/` they match the file name (e.g. `*.gz`)");
    i.service = in.required_string("service", "service.name attached to every line of this input");
    i.format = in.choice("format", {"plain", "json", "docker", "cri"},
                         "plain or json lines; docker (json-file driver) or cri (Kubernetes) container logs, unwrapped and "
                         "partial lines joined by the shipper");
    i.content_format = in.choice("content_format", {"plain", "json"},
                                 "docker and cri: what the application inside writes");
    i.labels = in.string_map("labels", "extra fields attached to every line (labels.<name>)");
    {
      auto m = in.section("multiline", "join the lines of one event (stack traces) into one record");
      i.multiline.mode = m.choice("mode", {"none", "java", "python", "go", "custom"},
                                  "built-in continuation rules, or custom with start_pattern");
      i.multiline.start_pattern = m.string("start_pattern", "", "custom: re2 pattern a line matches when it starts a new event");
      i.multiline.timeout = m.duration("timeout", "1s", "an event is shipped when no line was added for this long");
      i.multiline.max_lines = m.integer("max_lines", 500, 1, 100000, "lines per event at most; more start a new event");
      i.multiline.max_bytes = m.bytes("max_bytes", "1MiB", 1024, 64 << 20, "bytes per event at most; more start a new event");
      if (i.multiline.mode != "none") {
        if (auto j = MultilineJoiner::create(i.multiline); !j) m.add_error(j.error().message());
      }
      m.finish();
    }
    c.inputs.push_back(std::move(i));
  });
  declare_tcp(r, c.tcp, c.wal);
  {
    auto s = r.section("state", "durable offsets");
    c.checkpoint_file = s.string("checkpoint_file", "logpipe-shipper.checkpoint.json",
                                 "where acknowledged offsets are stored (written atomically)");
    c.checkpoint_interval = s.duration("checkpoint_interval", "1s", "how often changed offsets are written");
    s.finish();
  }
  {
    auto t = r.section("tail", "reading files");
    c.poll_interval = t.duration("poll_interval", "100ms", "how long to wait for new data when idle");
    c.scan_interval = t.duration("scan_interval", "1s", "how often globs are expanded to find new and rotated files");
    c.idle_flush = t.duration("idle_flush", "5s",
                              "a last line without newline is shipped once the file has not grown for this long; 0 = never");
    c.deleted_file_grace = t.duration("deleted_file_grace", "5m",
                                      "a deleted file still being read is closed after this long; unread bytes are counted as dropped");
    c.max_line_bytes = t.bytes("max_line_bytes", "1MiB", 1024, 64 << 20,
                               "longer lines are truncated to this size and counted");
    c.inotify = t.boolean("inotify", true,
                          "notice new files and appends at once (inotify on the globs' directories); scan_interval "
                          "and poll_interval stay the safety net");
    t.finish();
  }
  c.status_listen = r.string("status_listen", "127.0.0.1:9600",
                             "host:port serving GET /metrics (Prometheus) and GET /health; empty = off");
  c.health_failing_after = r.duration(
      "health_failing_after", "60s",
      "GET /health answers 503 once every delivery to a topic has failed for this long (the broker refuses the topic: "
      "not authorized, unknown, too few in-sync replicas); the records are retried, never dropped");
  c.memory_budget = r.bytes("memory_budget", "10MiB", 256 << 10, int64_t{16} << 30,
                            "memory for lines read and not yet acknowledged by Kafka: librdkafka's queue (sized from "
                            "it), line and multiline/container buffers; reading pauses above it (the files are the buffer)");
  c.shutdown_timeout = r.duration("shutdown_timeout", "10s", "on SIGTERM, how long to wait for Kafka to acknowledge");
}

Result<std::string> topic_for(const std::string& topic_template, const InputConfig& input, const std::string& host) {
  std::string out;
  size_t pos = 0;
  while (pos < topic_template.size()) {
    const size_t open = topic_template.find('{', pos);
    if (open == std::string::npos) {
      out.append(topic_template, pos);
      break;
    }
    const size_t close = topic_template.find('}', open);
    if (close == std::string::npos) return Error("unclosed '{' in topic '" + topic_template + "'");
    out.append(topic_template, pos, open - pos);
    const std::string name = topic_template.substr(open + 1, close - open - 1);
    if (name == "service") {
      out += input.service;
    } else if (name == "host") {
      out += host;
    } else if (name.starts_with("label.") && input.labels.contains(name.substr(6))) {
      out += input.labels.at(name.substr(6));
    } else {
      return Error("unknown placeholder {" + name + "} in topic (use {service}, {host} or {label.NAME} of a label the input has)");
    }
    pos = close + 1;
  }
  // Kafka refuses other names only when the first record arrives, and the shipper would retry that
  // record forever, so check here: a config error instead of a stalled input.
  const bool legal = !out.empty() && out.size() <= 249 && out != "." && out != ".." &&
                     std::all_of(out.begin(), out.end(), [](char ch) {
                       return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                              ch == '.' || ch == '_' || ch == '-';
                     });
  if (!legal)
    return Error("'" + out + "' is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not '.' or '..')");
  return out;
}

InputConfig tcp_topic_input(const TcpListenerConfig& listener) {
  InputConfig in;
  in.service = listener.service;
  in.labels = listener.labels;
  return in;
}

Result<ShipperConfig> load_config(const std::string& file) {
  auto node = config::load_file(file);
  if (!node) return Error(node.error().message());
  config::Context ctx;
  ShipperConfig c;
  config::Reader r(*node, "", ctx);
  declare(r, c);
  r.finish();
  if (c.inputs.empty() && c.tcp.empty()) ctx.errors.push_back("inputs: required (a non-empty list) unless there are tcp listeners");
  if (auto s = config::collected_errors(ctx, file); !s) return Error(s.message());
  if (c.host.empty()) {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    c.host = buf;
  }
  // Host and service travel in the packed lp.v header, separated by a tab (schemas/kafka-record.md).
  const auto has_control = [](const std::string& v) {
    return std::any_of(v.begin(), v.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
  };
  if (has_control(c.host)) ctx.errors.push_back("host: must not contain control characters (tab, newline, ...)");
  for (size_t i = 0; i < c.inputs.size(); ++i)
    if (has_control(c.inputs[i].service))
      ctx.errors.push_back("inputs[" + std::to_string(i) + "].service: must not contain control characters (tab, newline, ...)");
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (auto t = topic_for(c.kafka_topic, c.inputs[i], c.host); !t)
      ctx.errors.push_back("kafka.topic (for inputs[" + std::to_string(i) + "]): " + t.error().message());
  }
  for (size_t i = 0; i < c.tcp.size(); ++i) {
    if (auto t = topic_for(c.kafka_topic, tcp_topic_input(c.tcp[i]), c.host); !t)
      ctx.errors.push_back("kafka.topic (for tcp[" + std::to_string(i) + "]): " + t.error().message());
  }
  if (auto s = config::collected_errors(ctx, file); !s) return Error(s.message());
  return c;
}

std::string config_reference() {
  return config::config_reference<ShipperConfig>("shipper", [](config::Reader& r, ShipperConfig& c) { declare(r, c); });
}

}  // namespace logpipe::shipper
