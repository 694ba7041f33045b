// unique_fd.h — RAII owner of a POSIX file descriptor.
//
// Every socket, epoll and eventfd of the fake provider lives in one of these, so no error path
// can leak a descriptor and "close every socket on Stop()" is just destruction.
#ifndef PRSM_TESTS_SUPPORT_UNIQUE_FD_H_
#define PRSM_TESTS_SUPPORT_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace prsm::testing::fake {

/// Owns one file descriptor (or none, -1) and closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing.
  int release() noexcept { return std::exchange(fd_, -1); }

  /// Closes the current descriptor (if any) and takes `fd`. close() is not retried on EINTR:
  /// on Linux the descriptor is released even then, and a retry could close a reused number.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_UNIQUE_FD_H_
