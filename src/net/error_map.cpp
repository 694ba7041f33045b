#include "net/error_map.h"

namespace prsm::net {

ErrorCode ErrorCodeForCurl(CURLcode code) noexcept {
  switch (code) {
    case CURLE_OK:
      return ErrorCode::kOk;

    // The network or the server failed this time; another try may succeed.
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:  // garbage instead of HTTP: treated like a dropped connection
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
    case CURLE_PROXY:
      return ErrorCode::kUnavailable;

    case CURLE_OPERATION_TIMEDOUT:
      return ErrorCode::kDeadlineExceeded;

    // TLS trust problems are configuration, not luck: retrying cannot help.
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return ErrorCode::kFailedPrecondition;

    // Our write callback refuses a body over the size cap; libcurl refuses one whose
    // Content-Length already says so; a body that cannot be decoded is lost too.
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_BAD_CONTENT_ENCODING:
      return ErrorCode::kDataLoss;

    case CURLE_ABORTED_BY_CALLBACK:
      return ErrorCode::kCancelled;

    // The request itself cannot be sent as written.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return ErrorCode::kInvalidArgument;

    case CURLE_NOT_BUILT_IN:
      return ErrorCode::kUnimplemented;

    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    default:
      return ErrorCode::kInternal;
  }
}

ErrorCode ErrorCodeForHttpStatus(int status) noexcept {
  if (status >= 200 && status < 300) return ErrorCode::kOk;
  switch (status) {
    case 400:
    case 413:  // the prompt is too large for the endpoint
    case 422:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 408:
      return ErrorCode::kDeadlineExceeded;
    case 409:  // a conflicting concurrent operation on the vendor's side; retried like a 5xx
      return ErrorCode::kUnavailable;
    case 429:
      return ErrorCode::kResourceExhausted;
    case 499:
      return ErrorCode::kCancelled;
    case 501:
      return ErrorCode::kUnimplemented;
    default:
      break;
  }
  if (status >= 500 && status < 600) return ErrorCode::kUnavailable;  // incl. 529 "overloaded"
  if (status >= 400 && status < 500) return ErrorCode::kFailedPrecondition;
  if (status >= 300 && status < 400) return ErrorCode::kFailedPrecondition;
  return ErrorCode::kInternal;  // 1xx as a final status, or no status at all
}

}  // namespace prsm::net
