// How the executor waits for socket activity and lets libcurl make progress. Two
// implementations run the same loop (cpp-anchors §4.1):
// - epoll: curl_multi_socket_action + epoll + eventfd; cost per wake-up is O(ready sockets);
// - poll: curl_multi_poll + curl_multi_perform + curl_multi_wakeup; portable, O(transfers).
#ifndef PRSM_NET_LOOP_BACKEND_H_
#define PRSM_NET_LOOP_BACKEND_H_

#include <memory>

#include <curl/curl.h>

#include "prsm/status.h"

namespace prsm::net {

class LoopBackend {
 public:
  virtual ~LoopBackend() = default;

  /// Loop thread: waits up to `timeout_ms` (-1 = until something happens) for socket
  /// activity or a Wake(), then drives libcurl. Errors: kInternal when the multi handle fails,
  /// after which no transfer in it can continue.
  virtual Result<void> WaitAndDrive(int timeout_ms) = 0;

  /// Any thread: makes a current or the next WaitAndDrive() return promptly.
  virtual void Wake() noexcept = 0;
};

/// Installs the socket and timer callbacks on `multi`, which must outlive the backend's use
/// (the executor cleans the multi handle up before destroying the backend, because libcurl
/// may call the socket callback during cleanup). Errors: kInternal (epoll/eventfd failed).
Result<std::unique_ptr<LoopBackend>> MakeEpollBackend(CURLM* multi);
Result<std::unique_ptr<LoopBackend>> MakePollBackend(CURLM* multi);

}  // namespace prsm::net

#endif  // PRSM_NET_LOOP_BACKEND_H_
