// prsm CLI: hands finished requests from the orchestrator's loop thread to the main thread.
// The loop thread pushes (cheap, never blocks on I/O: a mutex and an eventfd write); the main
// thread polls fd() together with the signal pipe and takes everything at once.
//
// Thread safety: Push() from any thread; fd() and TakeAll() from the main thread. Lifetime:
// must outlive every callback that may push, i.e. the orchestrator (declare it first).
// Errors: an eventfd that cannot be created aborts the program (std::abort) — without it no
// command could wait, and it fails only when the process is out of descriptors.
#ifndef PRSM_CLI_WAKE_FD_H_
#define PRSM_CLI_WAKE_FD_H_

#include <mutex>
#include <utility>
#include <vector>

namespace prsm_cli {

/// An eventfd: Wake() makes fd() readable until Drain().
class WakeFd {
 public:
  WakeFd();
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;

  int fd() const { return fd_; }
  void Wake();
  void Drain();

 private:
  int fd_;
};

template <typename T>
class ResultQueue {
 public:
  void Push(T item) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items_.push_back(std::move(item));
    }
    wake_.Wake();
  }

  std::vector<T> TakeAll() {
    wake_.Drain();
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<T> taken;
    taken.swap(items_);
    return taken;
  }

  int fd() const { return wake_.fd(); }

 private:
  WakeFd wake_;
  std::mutex mutex_;
  std::vector<T> items_;
};

/// Waits until `fd_a` or `fd_b` (either may be -1) is readable, or `timeout_ms` passes
/// (-1: no limit). Returns false only when interrupted (EINTR), which callers treat as a
/// wake-up.
bool WaitReadable(int fd_a, int fd_b, int timeout_ms);

}  // namespace prsm_cli

#endif  // PRSM_CLI_WAKE_FD_H_
