// The self-pipe; see signal_watch.h.
#include "signal_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace prsm_cli {
namespace {

// Written by the main thread, read by the handler on whichever thread takes the signal (the
// orchestrator's threads exist by then): a lock-free atomic is both thread- and signal-safe.
std::atomic<int> g_signal_write_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free int");

extern "C" void OnStopSignal(int signal_number) {
  const int saved_errno = errno;
  const auto byte = static_cast<unsigned char>(signal_number);
  // A full pipe means signals are already waiting to be read: losing this byte loses nothing.
  [[maybe_unused]] const ssize_t written =
      write(g_signal_write_fd.load(std::memory_order_acquire), &byte, 1);
  errno = saved_errno;
}

}  // namespace

std::unique_ptr<SignalWatch> SignalWatch::Install(std::string* error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<SignalWatch> watch(new SignalWatch(fds[0], fds[1]));
  g_signal_write_fd.store(fds[1], std::memory_order_release);
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(SIGINT, &action, &watch->old_int_) != 0 ||
      sigaction(SIGTERM, &action, &watch->old_term_) != 0) {
    *error = std::string("sigaction: ") + std::strerror(errno);
    return nullptr;  // the destructor restores what was set
  }
  return watch;
}

SignalWatch::~SignalWatch() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  g_signal_write_fd.store(-1, std::memory_order_release);
  close(read_fd_);
  close(write_fd_);
}

int SignalWatch::Take() {
  int count = 0;
  unsigned char buffer[64];
  for (;;) {
    const ssize_t n = read(read_fd_, buffer, sizeof buffer);
    if (n > 0) {
      count += static_cast<int>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return count;
  }
}

}  // namespace prsm_cli
