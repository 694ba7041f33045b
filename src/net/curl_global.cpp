#include "net/curl_global.h"

#include <string>

#include <curl/curl.h>
#include <fmt/format.h>

namespace prsm::net {

namespace {

// What the runtime libcurl is, read once per process: curl_version() and curl_version_info()
// write static buffers on every call, a data race when orchestrators are created on several
// threads at once (ThreadSanitizer, fault matrix). A function-local static is initialised once,
// thread-safely.
struct RuntimeCurl {
  unsigned version_num = 0;
  bool http2 = false;
  std::string number;   // "7.88.1"
  std::string version;  // "libcurl/7.88.1 OpenSSL/3.0.17 ..."
};

const RuntimeCurl& Runtime() {
  static const RuntimeCurl kRuntime = [] {
    RuntimeCurl found;
    if (const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW)) {
      found.version_num = info->version_num;
      found.http2 = (info->features & CURL_VERSION_HTTP2) != 0;
      found.number = info->version != nullptr ? info->version : "(unknown)";
    }
    found.version = curl_version();
    return found;
  }();
  return kRuntime;
}

}  // namespace

Result<std::unique_ptr<CurlGlobal>> CurlGlobal::Acquire() {
  const RuntimeCurl& runtime = Runtime();
  // curl_multi_wakeup (7.68) is the oldest function the executor needs.
  constexpr unsigned kMinimumVersion = 0x074400;
  if (runtime.version_num < kMinimumVersion) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("libcurl {} is too old; prsm needs 7.68 or newer",
                             runtime.number.empty() ? "(unknown)" : runtime.number));
  }
  if (CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    return Error(ErrorCode::kInternal,
                 fmt::format("curl_global_init failed: {}", curl_easy_strerror(code)));
  }
  std::unique_ptr<CurlGlobal> global(new CurlGlobal());
  global->http2_available_ = runtime.http2;
  global->version_ = runtime.version;
  return global;
}

CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

}  // namespace prsm::net
