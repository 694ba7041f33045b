// The one mapping from transport outcomes to prsm's ErrorCode (cpp-anchors §4.7).
//
// Every retry, fallback and breaker decision in prsm branches on ErrorCode, so this table is
// the single place where a libcurl result or an HTTP status gets its meaning. Providers may
// refine the message of an HTTP error (Provider::ParseError) but start from this code.
#ifndef PRSM_NET_ERROR_MAP_H_
#define PRSM_NET_ERROR_MAP_H_

#include <curl/curl.h>

#include "prsm/status.h"

namespace prsm::net {

/// The code for a libcurl transfer result. CURLE_OK maps to kOk.
ErrorCode ErrorCodeForCurl(CURLcode code) noexcept;

/// The code for an HTTP status: 2xx is kOk, everything else an error (prsm never follows
/// redirects, so 3xx is a misconfigured endpoint: kFailedPrecondition).
ErrorCode ErrorCodeForHttpStatus(int status) noexcept;

}  // namespace prsm::net

#endif  // PRSM_NET_ERROR_MAP_H_
