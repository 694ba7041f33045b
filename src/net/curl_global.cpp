#include "net/curl_global.h"

#include <curl/curl.h>
#include <fmt/format.h>

namespace prsm::net {

Result<std::unique_ptr<CurlGlobal>> CurlGlobal::Acquire() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  // curl_multi_wakeup (7.68) is the oldest function the executor needs.
  constexpr unsigned kMinimumVersion = 0x074400;
  if (info == nullptr || info->version_num < kMinimumVersion) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("libcurl {} is too old; prsm needs 7.68 or newer",
                             info != nullptr ? info->version : "(unknown)"));
  }
  if (CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    return Error(ErrorCode::kInternal,
                 fmt::format("curl_global_init failed: {}", curl_easy_strerror(code)));
  }
  std::unique_ptr<CurlGlobal> global(new CurlGlobal());
  global->http2_available_ = (info->features & CURL_VERSION_HTTP2) != 0;
  global->version_ = curl_version();
  return global;
}

CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

}  // namespace prsm::net
