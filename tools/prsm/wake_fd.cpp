// eventfd wake-ups; see wake_fd.h.
#include "wake_fd.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace prsm_cli {

WakeFd::WakeFd() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) {
    std::perror("prsm: eventfd");
    std::abort();
  }
}

WakeFd::~WakeFd() { close(fd_); }

void WakeFd::Wake() {
  const std::uint64_t one = 1;
  // Fails only when the counter would overflow: it is readable then anyway.
  [[maybe_unused]] const ssize_t n = write(fd_, &one, sizeof one);
}

void WakeFd::Drain() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = read(fd_, &count, sizeof count);
}

bool WaitReadable(int fd_a, int fd_b, int timeout_ms) {
  pollfd fds[2] = {{fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
  return poll(fds, 2, timeout_ms) >= 0 || errno != EINTR;
}

}  // namespace prsm_cli
