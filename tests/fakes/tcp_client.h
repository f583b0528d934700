#pragma once
// Minimal blocking TCP clients for tests of the TCP input: plain (POSIX sockets) and TLS (OpenSSL
// through Boost.Asio), connecting to 127.0.0.1.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>

namespace logpipe::testing {

class PlainClient {
 public:
  explicit PlainClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~PlainClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  PlainClient(const PlainClient&) = delete;
  PlainClient& operator=(const PlainClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  uint16_t local_port() const {
    sockaddr_in a{};
    socklen_t n = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
    return ntohs(a.sin_port);
  }
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // FIN: "no more data from me" (the server reads to the end).
  void half_close() { ::shutdown(fd_, SHUT_WR); }
  // RST instead of FIN: SO_LINGER with a zero timeout, then close.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }
  // Wakes a thread blocked in send() (it then fails); for cleaning up after a failed check.
  void unblock() { ::shutdown(fd_, SHUT_RDWR); }
  // Waits up to `timeout` for the server to do something: returns bytes received (>0), 0 for EOF from the
  // server, -1 for a reset, -2 for nothing happened.
  int wait_server(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -2;
    char buf[256];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? -1 : static_cast<int>(n);
  }

 private:
  int fd_ = -1;
};

}  // namespace logpipe::testing
