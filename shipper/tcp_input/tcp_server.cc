#include "shipper/tcp_input/tcp_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <deque>
#include <future>
#include <set>
#include <thread>

#include "common/log.h"
#include "shipper/tcp_input/json_array.h"
#include "shipper/tcp_input/line_framer.h"

namespace logpipe::shipper::tcp {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kTick = std::chrono::milliseconds(5);
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
constexpr auto kMaxHandshakeTime = std::chrono::seconds(10);

std::string peer_ip(const tcp::endpoint& e) {
  auto a = e.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

std::string subject_of(SSL* ssl_handle) {
  X509* cert = SSL_get1_peer_certificate(ssl_handle);
  if (cert == nullptr) return {};
  std::string out;
  if (BIO* bio = BIO_new(BIO_s_mem()); bio != nullptr) {
    if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      const long n = BIO_get_mem_data(bio, &data);
      if (n > 0 && data != nullptr) out.assign(data, static_cast<size_t>(n));
    }
    BIO_free(bio);
  }
  X509_free(cert);
  return out;
}

}  // namespace

class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  virtual ~ConnectionBase() = default;
  virtual void start() = 0;
  // Hands kept events to the sink; true when none is left (the connection then reads again or closes).
  virtual bool drain() = 0;
  // Closes now; an unterminated line is handed over tagged _partial_line.
  virtual void close_now(const char* reason) = 0;
  virtual bool idle_too_long(std::chrono::steady_clock::time_point now) const = 0;
};

struct Listener {
  ListenerSetup setup;
  std::string name;
  tcp::acceptor acceptor;
  std::unique_ptr<ssl::context> tls;
  asio::steady_timer retry_timer;
  int64_t open = 0;
  uint16_t port = 0;

  metrics::Gauge& open_gauge;
  metrics::Counter& accepted;
  metrics::Counter& rejected_limit;
  metrics::Counter& rejected_tls;
  metrics::Counter& idle_closed;
  metrics::Counter& bytes;
  metrics::Counter& lines;
  metrics::Counter& blank_lines;
  metrics::Counter& truncated;
  metrics::Counter& arrays_split;
  metrics::Counter& array_elements;
  metrics::Counter& partial_lines;
  metrics::Counter& dropped_shutdown;

  Listener(ListenerSetup s, asio::io_context& io, metrics::Registry& m)
      : setup(std::move(s)),
        name(setup.config.listen),
        acceptor(io),
        retry_timer(io),
        open_gauge(m.gauge("logpipe_tcp_connections_open", "TCP connections open", {{"listener", name}})),
        accepted(m.counter("logpipe_tcp_connections_accepted_total", "TCP connections accepted", {{"listener", name}})),
        rejected_limit(m.counter("logpipe_tcp_connections_rejected_total", "TCP connections closed at once",
                                 {{"listener", name}, {"reason", "max_connections"}})),
        rejected_tls(m.counter("logpipe_tcp_connections_rejected_total", "TCP connections closed at once",
                               {{"listener", name}, {"reason", "tls_handshake"}})),
        idle_closed(m.counter("logpipe_tcp_connections_idle_closed_total", "TCP connections closed by idle_timeout",
                              {{"listener", name}})),
        bytes(m.counter("logpipe_tcp_bytes_total", "bytes read from TCP connections", {{"listener", name}})),
        lines(m.counter("logpipe_tcp_lines_total", "non-empty lines read from TCP connections", {{"listener", name}})),
        blank_lines(m.counter("logpipe_tcp_blank_lines_total", "empty lines skipped (keep-alives)", {{"listener", name}})),
        truncated(m.counter("logpipe_tcp_lines_truncated_total", "lines longer than max_line_bytes, cut and tagged _truncated",
                            {{"listener", name}})),
        arrays_split(m.counter("logpipe_tcp_json_arrays_split_total", "lines holding a JSON array, split into events",
                               {{"listener", name}})),
        array_elements(m.counter("logpipe_tcp_json_array_elements_total", "events from split JSON arrays",
                                 {{"listener", name}})),
        partial_lines(m.counter("logpipe_tcp_partial_lines_total",
                                "unterminated last lines of connections that did not end cleanly, tagged _partial_line",
                                {{"listener", name}})),
        dropped_shutdown(m.counter("logpipe_tcp_events_dropped_total", "events read but not accepted by the WAL",
                                   {{"listener", name}, {"reason", "shutdown_while_full"}})) {}
};

class TcpServer::Impl {
 public:
  Impl(std::vector<ListenerSetup> setups, EventSink& sink, Clock& clock, metrics::Registry& m)
      : sink_(sink),
        clock_(clock),
        tick_(io_),
        backpressure_(m.counter("logpipe_tcp_backpressure_total", "times the TCP input stopped reading (WAL full)")),
        backpressure_ms_(m.counter("logpipe_tcp_backpressure_milliseconds_total",
                                   "time the TCP input spent not reading because the WAL was full")),
        paused_gauge_(m.gauge("logpipe_tcp_connections_paused", "connections not read because the WAL is full")) {
    for (auto& s : setups) listeners_.push_back(std::make_unique<Listener>(std::move(s), io_, m));
  }

  Status start();
  void stop();
  std::vector<uint16_t> ports() const {
    std::vector<uint16_t> p;
    for (const auto& l : listeners_) p.push_back(l->port);
    return p;
  }

  // Used by connections (I/O thread).
  EventSink& sink() { return sink_; }
  Clock& clock() { return clock_; }
  JsonArraySplitter& splitter() { return splitter_; }
  // The batch a connection fills from one read; shared, since a read is framed and offered to the sink
  // in one go (a refused batch moves into its connection).
  EventBatch& batch() { return batch_; }
  void pause(const std::shared_ptr<ConnectionBase>& c) {
    if (paused_.empty()) {
      backpressure_.inc();
      paused_since_ = clock_.now();
    }
    paused_.push_back(c);
    paused_gauge_.set(static_cast<int64_t>(paused_.size()));
  }
  void forget(const std::shared_ptr<ConnectionBase>& c, Listener& l) {
    if (conns_.erase(c) > 0) {
      --l.open;
      l.open_gauge.set(l.open);
    }
  }
  bool stopping() const { return stopping_; }

 private:
  Status bind(Listener& l);
  void accept(Listener& l);
  void on_accepted(Listener& l, tcp::socket socket);
  void tick();
  void resume_paused();

  asio::io_context io_;
  EventSink& sink_;
  Clock& clock_;
  asio::steady_timer tick_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::set<std::shared_ptr<ConnectionBase>> conns_;
  std::deque<std::weak_ptr<ConnectionBase>> paused_;
  std::chrono::steady_clock::time_point paused_since_{};
  std::chrono::steady_clock::time_point last_sweep_{};
  JsonArraySplitter splitter_;
  EventBatch batch_;
  std::thread thread_;
  bool stopping_ = false;
  bool stopped_ = false;

  metrics::Counter& backpressure_;
  metrics::Counter& backpressure_ms_;
  metrics::Gauge& paused_gauge_;
};

namespace {

template <class Stream>
class Connection final : public ConnectionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  Connection(TcpServer::Impl& server, Listener& listener, Stream stream, std::string ip, int64_t port)
      : server_(server),
        listener_(listener),
        stream_(std::move(stream)),
        framer_(static_cast<size_t>(listener.setup.config.max_line_bytes)),
        ip_(std::move(ip)),
        port_(port),
        last_active_(server.clock().now()),
        started_(last_active_) {}

  void start() override {
    if constexpr (kTls) {
      handshaking_ = true;
      stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this(), this](const error_code& ec) {
        handshaking_ = false;
        if (closed_) return;
        if (ec) {
          listener_.rejected_tls.inc();
          log::warn("tcp: TLS handshake failed",
                    {{"listener", listener_.name}, {"client.ip", ip_}, {"error", ec.message()}});
          close_now("tls");
          return;
        }
        make_origin(subject_of(stream_.native_handle()));
        read();
      });
    } else {
      make_origin({});
      read();
    }
  }

  bool drain() override {
    if (closed_) return true;
    if (!submit_batch()) return false;
    last_active_ = server_.clock().now();
    if (eof_) {
      finish_close();
    } else {
      read();
    }
    return true;
  }

  void close_now(const char* reason) override {
    if (closed_) return;
    if (std::string_view(reason) == "idle_timeout") listener_.idle_closed.inc();
    if (kept_.empty()) server_.batch().clear();
    if (!handshaking_ && !eof_) {
      read_micros_ = server_.clock().wall_micros();
      end_stream(/*clean=*/false);
    }
    // Whatever the sink still refuses now is lost: count it (only possible at shutdown with a full WAL).
    if (!submit_batch()) listener_.dropped_shutdown.inc(kept_.size());
    kept_ = EventBatch();
    log::debug("tcp: connection closed", {{"listener", listener_.name}, {"client.ip", ip_}, {"reason", reason}});
    finish_close();
  }

  bool idle_too_long(std::chrono::steady_clock::time_point now) const override {
    if (closed_ || !kept_.empty()) return false;  // a paused connection waits for us, not the sender
    if (handshaking_) return now - started_ > std::min<std::chrono::steady_clock::duration>(
                                                  kMaxHandshakeTime, listener_.setup.config.idle_timeout);
    return now - last_active_ > listener_.setup.config.idle_timeout;
  }

 private:
  void make_origin(std::string subject) {
    kafka::RecordMeta meta = listener_.setup.meta;
    meta.peer_ip = ip_;
    meta.peer_port = port_;
    meta.tls_subject = std::move(subject);
    auto o = std::make_shared<EventOrigin>();
    o->topic = listener_.setup.topic;
    o->key = kafka::record_key(meta);
    // Packed layout: the connection's fields in one lp.v header; the per-event offset (WAL sequence) and
    // read time are added as lp.offset and lp.read_us at produce time, so the packed lp.line is dropped.
    o->headers = kafka::encode_headers(meta, kafka::HeaderLayout::kPacked);
    std::erase_if(o->headers, [](const auto& h) { return h.first == kafka::header::kLine; });
    origin_ = std::move(o);
  }

  void read() {
    stream_.async_read_some(asio::buffer(buf_), [self = shared_from_this(), this](const error_code& ec, size_t n) {
      on_read(ec, n);
    });
  }

  // Everything framed from one read (and, at the end of the stream, the unterminated tail) goes to the
  // sink as one batch: one WAL write. A refused batch is kept and this connection is not read until the
  // sink took it (drain()).
  void on_read(const error_code& ec, size_t n) {
    if (closed_) return;
    if (kept_.empty()) server_.batch().clear();
    last_active_ = server_.clock().now();
    read_micros_ = server_.clock().wall_micros();
    if (n > 0) feed(std::string_view(buf_.data(), n));
    if (ec) {
      if (ec == asio::error::operation_aborted) {
        submit_batch();  // if refused, close_now() counts it
        return;
      }
      bool clean = ec == asio::error::eof;
      if constexpr (kTls) clean = clean || ec == ssl::error::stream_truncated;
      end_stream(clean);
      eof_ = true;
    }
    if (!submit_batch()) {
      server_.pause(shared_from_this());
      return;
    }
    if (eof_) {
      finish_close();
    } else {
      read();
    }
  }

  void feed(std::string_view bytes) {
    const FramerStats before = framer_.stats();
    framer_.feed(bytes, [this](std::string_view line, bool truncated) { on_line(line, truncated, false); });
    count(before);
  }

  void end_stream(bool clean) {
    const FramerStats before = framer_.stats();
    const bool had_partial = framer_.finish([this, clean](std::string_view line, bool truncated) {
      on_line(line, truncated, !clean);
    });
    if (had_partial && !clean) listener_.partial_lines.inc();
    count(before);
  }

  void count(const FramerStats& before) {
    const FramerStats& now = framer_.stats();
    listener_.bytes.inc(now.bytes - before.bytes);
    listener_.lines.inc(now.lines - before.lines);
    listener_.blank_lines.inc(now.blank_lines - before.blank_lines);
    listener_.truncated.inc(now.truncated - before.truncated);
  }

  void on_line(std::string_view line, bool truncated, bool partial) {
    if (!truncated && looks_like_array(line)) {
      elements_.clear();
      if (server_.splitter().split(line, elements_)) {
        listener_.arrays_split.inc();
        listener_.array_elements.inc(elements_.size());
        for (std::string_view e : elements_) submit(e, false, partial);
        return;
      }
    }
    submit(line, truncated, partial);
  }

  // Events go to the server's shared batch, or behind a refused batch this connection keeps.
  EventBatch& filling() { return kept_.empty() ? server_.batch() : kept_; }
  void submit(std::string_view value, bool truncated, bool partial) { filling().add(value, read_micros_, truncated, partial); }

  // Offers the batch to the sink; true when it took it (or there was none). A refused one is kept here.
  bool submit_batch() {
    EventBatch& b = filling();
    if (b.empty()) return true;
    if (server_.sink().accept(origin_, b) != EventSink::Accept::kAccepted) {
      if (&b != &kept_) {
        kept_ = std::move(b);
        b.clear();
      }
      return false;
    }
    if (&b == &kept_) {
      kept_ = EventBatch();  // give its memory back: a paused connection is the rare case
    } else {
      b.clear();
    }
    return true;
  }

  void finish_close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    // close(), never shutdown(): no FIN-only half-close, no TLS close_notify write.
    stream_.lowest_layer().close(ignored);
    server_.forget(shared_from_this(), listener_);
  }

  TcpServer::Impl& server_;
  Listener& listener_;
  Stream stream_;
  LineFramer framer_;
  std::string ip_;
  int64_t port_;
  std::shared_ptr<const EventOrigin> origin_;
  std::array<char, kReadChunk> buf_{};
  EventBatch kept_;  // refused by the sink (WAL full): offered again by drain(); empty otherwise
  std::vector<std::string_view> elements_;
  int64_t read_micros_ = 0;
  std::chrono::steady_clock::time_point last_active_;
  std::chrono::steady_clock::time_point started_;
  bool handshaking_ = false;
  bool eof_ = false;
  bool closed_ = false;
};

Result<std::unique_ptr<ssl::context>> make_tls_context(const TcpTlsConfig& c) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // No session tickets: nothing is written to a client after the handshake, and we resume no sessions.
  SSL_CTX_set_num_tickets(native, 0);
  error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ctx->use_certificate_chain_file(c.cert_file, ec); ec)
    return Error("tls.cert_file " + c.cert_file + ": " + ec.message());
  if (ctx->use_private_key_file(c.key_file, ssl::context::pem, ec); ec)
    return Error("tls.key_file " + c.key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) return Error("tls.key_file does not match tls.cert_file");
  if (c.client_auth != "none") {
    if (ctx->load_verify_file(c.ca_file, ec); ec) return Error("tls.ca_file " + c.ca_file + ": " + ec.message());
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(c.ca_file.c_str()); names != nullptr)
      SSL_CTX_set_client_CA_list(native, names);
    auto mode = ssl::verify_peer;
    if (c.client_auth == "required") mode |= ssl::verify_fail_if_no_peer_cert;
    if (ctx->set_verify_mode(mode, ec); ec) return Error("tls.client_auth: " + ec.message());
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  return ctx;
}

}  // namespace

Status TcpServer::Impl::bind(Listener& l) {
  const auto& c = l.setup.config;
  if (c.tls.enabled) {
    auto ctx = make_tls_context(c.tls);
    if (!ctx) return Error("tcp listener " + l.name + ": " + ctx.error().message());
    l.tls = std::move(*ctx);
  }
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(c.listen, host, port)) return Error("tcp listener " + l.name + ": bad listen address");
  error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) return Error("tcp listener " + l.name + ": bad address '" + host + "': " + ec.message());
  const tcp::endpoint ep(addr, port);
  if (l.acceptor.open(ep.protocol(), ec); ec) return Error("tcp listener " + l.name + ": " + ec.message());
  if (l.acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return Error("tcp listener " + l.name + ": " + ec.message());
  if (l.acceptor.bind(ep, ec); ec) return Error("tcp listener " + l.name + ": bind: " + ec.message());
  if (l.acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return Error("tcp listener " + l.name + ": listen: " + ec.message());
  l.port = l.acceptor.local_endpoint(ec).port();
  return Status::Ok();
}

Status TcpServer::Impl::start() {
  for (auto& l : listeners_) {
    if (auto s = bind(*l); !s) return s;
  }
  for (auto& l : listeners_) {
    accept(*l);
    log::info("tcp: listening", {{"listener", l->name}, {"port", int64_t{l->port}}, {"tls", l->setup.config.tls.enabled}});
  }
  last_sweep_ = clock_.now();
  tick();
  thread_ = std::thread([this] { io_.run(); });
  return Status::Ok();
}

void TcpServer::Impl::accept(Listener& l) {
  l.acceptor.async_accept([this, &l](const error_code& ec, tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors and the like: wait a little instead of spinning.
      log::warn("tcp: accept failed", {{"listener", l.name}, {"error", ec.message()}});
      l.retry_timer.expires_after(std::chrono::milliseconds(100));
      l.retry_timer.async_wait([this, &l](const error_code& e) {
        if (!e && !stopping_) accept(l);
      });
      return;
    }
    on_accepted(l, std::move(socket));
    accept(l);
  });
}

void TcpServer::Impl::on_accepted(Listener& l, tcp::socket socket) {
  error_code ec;
  // A peer that reset before we accepted has no address any more; what it sent may still be readable.
  const auto peer = socket.remote_endpoint(ec);
  std::string ip = ec ? std::string() : peer_ip(peer);
  const int64_t port = ec ? -1 : int64_t{peer.port()};
  if (l.open >= l.setup.config.max_connections) {
    l.rejected_limit.inc();
    socket.close(ec);
    return;
  }
  l.accepted.inc();
  ++l.open;
  l.open_gauge.set(l.open);
  std::shared_ptr<ConnectionBase> c;
  if (l.tls) {
    c = std::make_shared<Connection<ssl::stream<tcp::socket>>>(*this, l, ssl::stream<tcp::socket>(std::move(socket), *l.tls),
                                                                std::move(ip), port);
  } else {
    c = std::make_shared<Connection<tcp::socket>>(*this, l, std::move(socket), std::move(ip), port);
  }
  conns_.insert(c);
  c->start();
}

void TcpServer::Impl::resume_paused() {
  while (!paused_.empty() && sink_.can_accept()) {
    auto c = paused_.front().lock();
    if (c && !c->drain()) break;  // the sink filled up again; this one stays first in line
    paused_.pop_front();
  }
  if (paused_.empty() && paused_since_ != std::chrono::steady_clock::time_point{}) {
    backpressure_ms_.inc(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - paused_since_).count()));
    paused_since_ = {};
  }
  paused_gauge_.set(static_cast<int64_t>(paused_.size()));
}

void TcpServer::Impl::tick() {
  if (stopping_) return;
  sink_.service();
  resume_paused();
  const auto now = clock_.now();
  if (now - last_sweep_ >= kSweepInterval) {
    last_sweep_ = now;
    std::vector<std::shared_ptr<ConnectionBase>> idle;
    for (const auto& c : conns_)
      if (c->idle_too_long(now)) idle.push_back(c);
    for (auto& c : idle) c->close_now("idle_timeout");
  }
  tick_.expires_after(kTick);
  tick_.async_wait([this](const error_code& ec) {
    if (!ec) tick();
  });
}

void TcpServer::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!thread_.joinable()) return;
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    stopping_ = true;
    error_code ec;
    for (auto& l : listeners_) {
      l->acceptor.close(ec);
      l->retry_timer.cancel();
    }
    tick_.cancel();
    auto all = std::vector<std::shared_ptr<ConnectionBase>>(conns_.begin(), conns_.end());
    for (auto& c : all) c->close_now("shutdown");
    sink_.service();
    done.set_value();
  });
  done.get_future().wait();
  io_.stop();
  thread_.join();
}

TcpServer::TcpServer(std::vector<ListenerSetup> listeners, EventSink& sink, Clock& clock, metrics::Registry& metrics)
    : impl_(std::make_unique<Impl>(std::move(listeners), sink, clock, metrics)) {}

TcpServer::~TcpServer() { stop(); }

Status TcpServer::start() { return impl_->start(); }
std::vector<uint16_t> TcpServer::ports() const { return impl_->ports(); }
void TcpServer::stop() { impl_->stop(); }

}  // namespace logpipe::shipper::tcp
