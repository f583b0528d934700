#include "common/kafka/rdkafka_producer.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/log.h"

namespace logpipe::kafka {

struct RdKafkaProducer::Callbacks {
  static void delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<RdKafkaProducer*>(opaque);
    const auto token = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->connected_.store(true, std::memory_order_relaxed);
      if (self->any_failing_.load(std::memory_order_relaxed)) self->note_acked(rd_kafka_topic_name(m->rkt));
      self->handler_.on_delivery(token, Status::Ok());
      return;
    }
    // The broker's "message too large" covers the record's whole batch; librdkafka puts a record larger
    // than batch.size (1,000,000 by default, below the broker's default limit) in a batch of its own.
    const auto why = m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? DeliveryFailure::kTooLarge : DeliveryFailure::kRetry;
    // A record too large is the handler's to cut (it then passes); not a topic the broker refuses.
    if (why == DeliveryFailure::kRetry) self->note_failed(rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
    // Hand the record back as librdkafka still holds it, so the handler can produce it again.
    std::vector<HeaderView> headers;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
        headers.push_back({name, std::string_view(static_cast<const char*>(value), value ? size : 0)});
    }
    const RecordView record{rd_kafka_topic_name(m->rkt),
                            std::string_view(static_cast<const char*>(m->key), m->key ? m->key_len : 0),
                            std::string_view(static_cast<const char*>(m->payload), m->payload ? m->len : 0),
                            {},
                            headers};
    self->handler_.on_delivery_failed(token, Error(rd_kafka_err2str(m->err)), why, record);
  }

  static void error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<RdKafkaProducer*>(opaque);
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      if (self->connected_.exchange(false)) log::warn("kafka: all brokers down", {{"reason", std::string_view(reason)}});
    } else if (code == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(self->rk_, buf, sizeof buf);
      log::error("kafka: fatal producer error", {{"error", std::string_view(buf)}});
    } else {
      log::warn("kafka: producer error", {{"error", std::string_view(reason)}});
    }
  }

  // librdkafka's own log lines (any of its threads) become ours. Its debug lines (syslog level 7) exist
  // only when the `debug` property asks for them, so they are written at info level.
  static void log_line(const rd_kafka_t*, int level, const char* facility, const char* message) {
    const log::Level l = level <= 3 ? log::Level::kError : level <= 5 ? log::Level::kWarn : log::Level::kInfo;
    log::write(l, "kafka: librdkafka", {{"facility", std::string_view(facility)}, {"detail", std::string_view(message)}});
  }
};

std::map<std::string, std::string> RdKafkaProducer::default_properties() {
  return {
      {"bootstrap.servers", "127.0.0.1:9092"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.codec", "zstd"},
      // zstd's fastest level: compression runs on librdkafka's one broker thread and is most of the
      // shipper's CPU at level 3 (the records carry ~230 bytes of headers); level 1 costs ~30 % less
      // CPU and, on log lines, about the same bytes (300k bench lines: 16.4 MB at level 1, 16.6 MB at 3).
      {"compression.level", "1"},
      {"linger.ms", "20"},
      // Never give up on a record inside librdkafka; the shipper re-produces anything reported failed.
      {"message.timeout.ms", "300000"},
      // The shipper's own in-flight budget bounds what it hands over; this is only a backstop.
      {"queue.buffering.max.kbytes", "32768"},
  };
}

Result<std::unique_ptr<RdKafkaProducer>> RdKafkaProducer::create(const std::map<std::string, std::string>& properties,
                                                                 DeliveryHandler& handler) {
  std::unique_ptr<RdKafkaProducer> p(new RdKafkaProducer(handler));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto merged = default_properties();
  for (const auto& [k, v] : properties) merged[k] = v;
  for (const auto& [k, v] : merged) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Error("kafka property " + k + ": " + err);
    }
  }
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &Callbacks::delivery);
  rd_kafka_conf_set_error_cb(conf, &Callbacks::error);
  rd_kafka_conf_set_log_cb(conf, &Callbacks::log_line);
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);  // takes conf on success
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Error(std::string("kafka producer: ") + err);
  }
  if (::pipe2(p->wake_, O_NONBLOCK | O_CLOEXEC) == 0) {
    rd_kafka_queue_t* main_queue = rd_kafka_queue_get_main(p->rk_);
    static const char kByte = 1;
    rd_kafka_queue_io_event_enable(main_queue, p->wake_[1], &kByte, 1);
    rd_kafka_queue_destroy(main_queue);
  } else {
    p->wake_[0] = p->wake_[1] = -1;  // callers fall back to poll(timeout)
  }
  return p;
}

RdKafkaProducer::~RdKafkaProducer() {
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

rd_kafka_topic_t* RdKafkaProducer::topic(std::string_view name) {
  for (auto& [n, rkt] : topics_)
    if (n == name) return rkt;
  const std::string n(name);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, n.c_str(), nullptr);
  if (rkt != nullptr) topics_.emplace_back(n, rkt);
  return rkt;
}

Status RdKafkaProducer::produce(const OutRecord& r, uint64_t token) {
  std::vector<HeaderView> headers;
  return produce_view(view_of(r, headers), token);
}

Status RdKafkaProducer::produce_view(const RecordView& r, uint64_t token) {
  rd_kafka_topic_t* rkt = topic(r.topic);
  if (rkt == nullptr) return Error("kafka topic '" + std::string(r.topic) + "': " + rd_kafka_err2str(rd_kafka_last_error()));
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(r.shared.size() + r.own.size());
  for (const auto& h : r.shared)
    rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  for (const auto& h : r.own)
    rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  // librdkafka copies value and key (RD_KAFKA_MSG_F_COPY); its vu type is not const-correct.
  rd_kafka_vu_t vu[7];
  vu[0].vtype = RD_KAFKA_VTYPE_RKT;
  vu[0].u.rkt = rkt;
  vu[1].vtype = RD_KAFKA_VTYPE_PARTITION;
  vu[1].u.i32 = RD_KAFKA_PARTITION_UA;
  vu[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[2].u.i = RD_KAFKA_MSG_F_COPY;
  vu[3].vtype = RD_KAFKA_VTYPE_VALUE;
  vu[3].u.mem = {const_cast<char*>(r.value.data()), r.value.size()};
  vu[4].vtype = RD_KAFKA_VTYPE_KEY;
  vu[4].u.mem = {const_cast<char*>(r.key.data()), r.key.size()};
  vu[5].vtype = RD_KAFKA_VTYPE_HEADERS;
  vu[5].u.headers = hdrs;
  vu[6].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vu[6].u.ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(token));
  if (rd_kafka_error_t* error = rd_kafka_produceva(rk_, vu, 7)) {
    rd_kafka_headers_destroy(hdrs);  // ownership passes to librdkafka only on success
    const bool too_large = rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
    std::string message = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    if (too_large) {
      refused_.emplace_back(token, to_out_record(r));
      return Status::Ok();
    }
    return Error(std::move(message));
  }
  return Status::Ok();
}

void RdKafkaProducer::report_refused() {
  auto refused = std::move(refused_);
  refused_.clear();
  std::vector<HeaderView> headers;
  for (const auto& [token, r] : refused)
    handler_.on_delivery_failed(token, Error("Local: record larger than message.max.bytes"), DeliveryFailure::kTooLarge,
                                view_of(r, headers));
}

void RdKafkaProducer::note_failed(std::string_view topic, const char* error) {
  std::lock_guard lock(failing_mu_);
  auto it = std::find_if(failing_.begin(), failing_.end(), [&](const FailingTopic& f) { return f.topic == topic; });
  if (it == failing_.end()) {
    failing_.push_back({std::string(topic), std::chrono::steady_clock::now(), error});
    any_failing_.store(true, std::memory_order_relaxed);
  } else {
    it->error = error;
  }
}

void RdKafkaProducer::note_acked(std::string_view topic) {
  std::lock_guard lock(failing_mu_);
  std::erase_if(failing_, [&](const FailingTopic& f) { return f.topic == topic; });
  any_failing_.store(!failing_.empty(), std::memory_order_relaxed);
}

std::vector<Producer::FailingTopic> RdKafkaProducer::failing_topics() const {
  std::lock_guard lock(failing_mu_);
  return failing_;
}

void RdKafkaProducer::probe_if_idle_and_disconnected() {
  if (connected_.load(std::memory_order_relaxed) || rd_kafka_outq_len(rk_) > 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_probe_ < std::chrono::seconds(2)) return;
  last_probe_ = now;
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_, 0, nullptr, &md, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
    if (!connected_.exchange(true)) log::info("kafka: a broker answers again");
  }
}

void RdKafkaProducer::poll(std::chrono::milliseconds timeout) {
  probe_if_idle_and_disconnected();
  if (wake_[0] >= 0) {
    // Drain first: whatever is enqueued after this is either served below or wakes the caller again.
    char buf[256];
    while (::read(wake_[0], buf, sizeof buf) > 0) {
    }
  }
  if (!refused_.empty()) {
    report_refused();
    timeout = std::chrono::milliseconds(0);  // there was something to serve
  }
  rd_kafka_poll(rk_, static_cast<int>(timeout.count()));
}

Status RdKafkaProducer::flush(std::chrono::milliseconds timeout) {
  report_refused();
  const auto err = rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Error(rd_kafka_err2str(err));
  return Status::Ok();
}

int64_t RdKafkaProducer::in_flight() const { return rd_kafka_outq_len(rk_) + static_cast<int64_t>(refused_.size()); }

}  // namespace logpipe::kafka
