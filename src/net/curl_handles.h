// RAII owners for libcurl's C handles (style rule 6). Every CURL*, CURLM* and curl_slist* in
// prsm is held by one of these, so no path can leak or double-free one.
#ifndef PRSM_NET_CURL_HANDLES_H_
#define PRSM_NET_CURL_HANDLES_H_

#include <memory>

#include <curl/curl.h>

namespace prsm::net {

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

}  // namespace prsm::net

#endif  // PRSM_NET_CURL_HANDLES_H_
