// prsm CLI: SIGINT and SIGTERM as readable bytes on a pipe (the self-pipe trick), so the main
// thread waits for signals and for finished requests in the same poll(2).
//
// The handler does nothing but write the signal number to the pipe (write(2) is
// async-signal-safe; errno is preserved). Any thread may take the signal, the orchestrator's
// loop thread included: it only writes a byte.
//
// Thread safety: create, read and destroy on one thread. Lifetime: at most one at a time in a
// process (the handler reaches the pipe through a global); the destructor restores the previous
// handlers before closing the pipe. Errors: Install() returns nullptr and a message when the
// pipe or a handler cannot be set up.
#ifndef PRSM_CLI_SIGNAL_WATCH_H_
#define PRSM_CLI_SIGNAL_WATCH_H_

#include <signal.h>

#include <memory>
#include <string>

namespace prsm_cli {

class SignalWatch {
 public:
  static std::unique_ptr<SignalWatch> Install(std::string* error);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  /// Readable when a signal has arrived.
  int fd() const { return read_fd_; }
  /// Reads what has arrived; returns how many signals (0 when none).
  int Take();

 private:
  SignalWatch(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  int read_fd_;
  int write_fd_;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace prsm_cli

#endif  // PRSM_CLI_SIGNAL_WATCH_H_
