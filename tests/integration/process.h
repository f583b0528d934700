#pragma once
// Child processes for integration tests: the real binaries, started with posix_spawn, output to a log file,
// stopped with SIGTERM (or SIGKILL) and always reaped, so a failing test leaves no process behind.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace logpipe::testing {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_file) : log_file_(std::move(log_file)) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~ChildProcess() { stop(SIGKILL); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    return true;
  }
  // Sends `sig` and waits up to `timeout` (then SIGKILL). Returns the wait status.
  int stop(int sig = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &exit_status_, 0);
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return exit_status_;
  }
  std::string log() const {
    std::ifstream f(log_file_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
  std::string log_file_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command, capturing stdout.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Polls `ready` every 250 ms until it returns true or `timeout` passes.
inline bool wait_until(const std::function<bool()>& ready, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return ready();
}

// The "port" of the last log line of `log` whose message is `message` (our programs log the ports they
// bound, e.g. "serving /metrics and /health"); 0 until logged.
inline int logged_port(const std::string& log, const std::string& message) {
  const auto at = log.rfind("\"message\":\"" + message + "\"");
  if (at == std::string::npos) return 0;
  const auto p = log.find("\"port\":", at);
  return p == std::string::npos ? 0 : std::atoi(log.c_str() + p + 7);
}

// GET http://127.0.0.1:<port><path> with curl: the status code (0 when nothing answered) and the body.
struct HttpAnswer {
  int code = 0;
  std::string body;
};
inline HttpAnswer http_get(int port, const std::string& path) {
  auto r = run_command("curl -s --max-time 10 -w '\\n%{http_code}' http://127.0.0.1:" + std::to_string(port) + path +
                       " 2>/dev/null");
  const auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return {};
  return {std::atoi(r.out.c_str() + nl + 1), r.out.substr(0, nl)};
}

// The port a program serves /metrics and /health on; 0 until logged.
inline int status_port(const ChildProcess& p) { return logged_port(p.log(), "serving /metrics and /health"); }

}  // namespace logpipe::testing
