// The portable backend: libcurl polls every transfer's socket itself. This is curl's
// multi-app.c loop plus curl_multi_wakeup for other threads.
#include <curl/curl.h>
#include <fmt/format.h>

#include "net/loop_backend.h"

namespace prsm::net {
namespace {

class PollBackend final : public LoopBackend {
 public:
  explicit PollBackend(CURLM* multi) : multi_(multi) {}

  Result<void> WaitAndDrive(int timeout_ms) override {
    // curl_multi_poll shortens the wait to libcurl's own next timeout by itself. An
    // unbounded wait is capped only to keep the call's int argument sane.
    const int wait_ms = timeout_ms < 0 ? 60'000 : timeout_ms;
    if (CURLMcode code = curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr); code != CURLM_OK) {
      return Error(ErrorCode::kInternal,
                   fmt::format("curl_multi_poll failed: {}", curl_multi_strerror(code)));
    }
    int running = 0;
    if (CURLMcode code = curl_multi_perform(multi_, &running); code != CURLM_OK) {
      return Error(ErrorCode::kInternal,
                   fmt::format("curl_multi_perform failed: {}", curl_multi_strerror(code)));
    }
    return {};
  }

  // The one libcurl call prsm makes off the loop thread: curl documents it as callable from
  // any thread. The executor stops calling it before the multi handle is cleaned up.
  void Wake() noexcept override { curl_multi_wakeup(multi_); }

 private:
  CURLM* multi_;
};

}  // namespace

Result<std::unique_ptr<LoopBackend>> MakePollBackend(CURLM* multi) {
  return std::unique_ptr<LoopBackend>(std::make_unique<PollBackend>(multi));
}

}  // namespace prsm::net
