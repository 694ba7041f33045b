// The Linux backend (cpp-anchors §4.2): epoll tells which sockets are ready and only those are
// handed to curl_multi_socket_action, so an idle transfer costs nothing per wake-up. libcurl
// tells us which sockets to watch (socket callback) and when it next needs a timeout call
// (timer callback); an eventfd in the same epoll set wakes the loop for other threads.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include <curl/curl.h>
#include <fmt/format.h>

#include "net/loop_backend.h"
#include "net/timer_queue.h"

namespace prsm::net {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

Error SystemError(const char* what) {
  return Error(ErrorCode::kInternal, fmt::format("{} failed: {}", what, std::strerror(errno)));
}

class EpollBackend final : public LoopBackend {
 public:
  EpollBackend(CURLM* multi, int epoll_fd, int wake_fd)
      : multi_(multi), epoll_(epoll_fd), wake_(wake_fd) {
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &EpollBackend::OnSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &EpollBackend::OnTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  }

  // No detaching of the callbacks here: the Executor destroys the multi handle before this
  // backend (curl_multi_cleanup may still report sockets being removed, so the callbacks must
  // find us alive), and after the cleanup the handle is freed memory that must not be touched.
  ~EpollBackend() override = default;

  Result<void> WaitAndDrive(int timeout_ms) override {
    const int wait_ms = CombinedTimeout(timeout_ms);
    int ready = epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) return {};
      return SystemError("epoll_wait");
    }
    for (int i = 0; i < ready; ++i) {
      const epoll_event& event = events_[static_cast<std::size_t>(i)];
      if (event.data.fd == wake_.get()) {
        eventfd_t drained = 0;
        (void)eventfd_read(wake_.get(), &drained);
        continue;
      }
      int mask = 0;
      if ((event.events & EPOLLIN) != 0) mask |= CURL_CSELECT_IN;
      if ((event.events & EPOLLOUT) != 0) mask |= CURL_CSELECT_OUT;
      if ((event.events & (EPOLLERR | EPOLLHUP)) != 0) mask |= CURL_CSELECT_ERR;
      if (auto driven = Drive(event.data.fd, mask); !driven) return driven;
    }
    if (curl_deadline_ && Clock::now() >= *curl_deadline_) {
      curl_deadline_.reset();  // libcurl sets a new one from inside the call if it needs one
      if (auto driven = Drive(CURL_SOCKET_TIMEOUT, 0); !driven) return driven;
    }
    return {};
  }

  void Wake() noexcept override { (void)eventfd_write(wake_.get(), 1); }

 private:
  // The wait ends at whichever comes first: the executor's timers or libcurl's.
  int CombinedTimeout(int timeout_ms) const {
    if (!curl_deadline_) return timeout_ms;
    const auto left = *curl_deadline_ - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    // Round up: waking a little late is harmless, waking early spins.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    const int curl_ms = ms > 60'000 ? 60'000 : static_cast<int>(ms);
    return timeout_ms < 0 ? curl_ms : std::min(timeout_ms, curl_ms);
  }

  Result<void> Drive(curl_socket_t socket, int mask) {
    int running = 0;
    if (CURLMcode code = curl_multi_socket_action(multi_, socket, mask, &running);
        code != CURLM_OK) {
      return Error(ErrorCode::kInternal,
                   fmt::format("curl_multi_socket_action failed: {}", curl_multi_strerror(code)));
    }
    return {};
  }

  // libcurl: "watch this socket for these events" / "stop watching it". Must not call libcurl.
  static int OnSocket(CURL* /*easy*/, curl_socket_t socket, int what, void* self,
                      void* /*socket_data*/) noexcept {
    auto* backend = static_cast<EpollBackend*>(self);
    if (what == CURL_POLL_REMOVE) {
      // libcurl may already have closed the socket (ENOENT/EBADF): nothing left to undo.
      epoll_ctl(backend->epoll_.get(), EPOLL_CTL_DEL, socket, nullptr);
      return 0;
    }
    epoll_event event{};
    event.data.fd = socket;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) event.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) event.events |= EPOLLOUT;
    if (epoll_ctl(backend->epoll_.get(), EPOLL_CTL_MOD, socket, &event) != 0 && errno == ENOENT) {
      epoll_ctl(backend->epoll_.get(), EPOLL_CTL_ADD, socket, &event);
    }
    return 0;
  }

  // libcurl: "call me with CURL_SOCKET_TIMEOUT in timeout_ms" (-1: no timeout needed). Only
  // records the deadline; the loop makes the call once this callback has returned.
  static int OnTimer(CURLM* /*multi*/, long timeout_ms, void* self) noexcept {
    auto* backend = static_cast<EpollBackend*>(self);
    if (timeout_ms < 0) {
      backend->curl_deadline_.reset();
    } else {
      backend->curl_deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  CURLM* multi_;
  Fd epoll_;
  Fd wake_;
  std::optional<Clock::time_point> curl_deadline_;
  std::array<epoll_event, 256> events_{};
};

}  // namespace

Result<std::unique_ptr<LoopBackend>> MakeEpollBackend(CURLM* multi) {
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return SystemError("epoll_create1");
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    Error error = SystemError("eventfd");
    close(epoll_fd);
    return error;
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event) != 0) {
    Error error = SystemError("epoll_ctl");
    close(wake_fd);
    close(epoll_fd);
    return error;
  }
  return std::unique_ptr<LoopBackend>(std::make_unique<EpollBackend>(multi, epoll_fd, wake_fd));
}

}  // namespace prsm::net
