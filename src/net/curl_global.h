// Process-wide libcurl initialisation, reference-counted by libcurl itself.
//
// Each orchestrator holds one CurlGlobal for its whole life: curl_global_init() when created,
// one balanced curl_global_cleanup() when destroyed, so prsm coexists with a host that uses
// libcurl too. Both calls are thread-safe on builds with CURL_VERSION_THREADSAFE (Debian's has
// it); on older builds, create orchestrators before spawning threads.
#ifndef PRSM_NET_CURL_GLOBAL_H_
#define PRSM_NET_CURL_GLOBAL_H_

#include <memory>
#include <string>

#include "prsm/status.h"

namespace prsm::net {

class CurlGlobal {
 public:
  /// Initialises libcurl and checks the runtime library. Errors: kFailedPrecondition when the
  /// libcurl found at run time is older than 7.68 (curl_multi_poll/wakeup), kInternal when
  /// curl_global_init fails.
  static Result<std::unique_ptr<CurlGlobal>> Acquire();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;

  /// Whether the runtime libcurl can speak HTTP/2 (built with nghttp2).
  bool http2_available() const noexcept { return http2_available_; }
  /// e.g. "libcurl/7.88.1 OpenSSL/3.0.17 nghttp2/1.52.0".
  const std::string& version() const noexcept { return version_; }

 private:
  CurlGlobal() = default;
  bool http2_available_ = false;
  std::string version_;
};

}  // namespace prsm::net

#endif  // PRSM_NET_CURL_GLOBAL_H_
