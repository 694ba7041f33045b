// Every row of the transport error table (cpp-anchors §4.7), one assertion per row.
#include "net/error_map.h"

#include <catch2/catch.hpp>

using prsm::ErrorCode;
using prsm::net::ErrorCodeForCurl;
using prsm::net::ErrorCodeForHttpStatus;

TEST_CASE("curl results map to canonical codes", "[error_map]") {
  struct Row {
    CURLcode curl;
    ErrorCode expected;
  };
  const Row rows[] = {
      {CURLE_OK, ErrorCode::kOk},
      {CURLE_COULDNT_RESOLVE_HOST, ErrorCode::kUnavailable},
      {CURLE_COULDNT_RESOLVE_PROXY, ErrorCode::kUnavailable},
      {CURLE_COULDNT_CONNECT, ErrorCode::kUnavailable},
      {CURLE_SEND_ERROR, ErrorCode::kUnavailable},
      {CURLE_RECV_ERROR, ErrorCode::kUnavailable},
      {CURLE_GOT_NOTHING, ErrorCode::kUnavailable},
      {CURLE_PARTIAL_FILE, ErrorCode::kUnavailable},
      {CURLE_HTTP2, ErrorCode::kUnavailable},
      {CURLE_HTTP2_STREAM, ErrorCode::kUnavailable},
      {CURLE_SSL_CONNECT_ERROR, ErrorCode::kUnavailable},
      {CURLE_WEIRD_SERVER_REPLY, ErrorCode::kUnavailable},
      {CURLE_OPERATION_TIMEDOUT, ErrorCode::kDeadlineExceeded},
      {CURLE_PEER_FAILED_VERIFICATION, ErrorCode::kFailedPrecondition},
      {CURLE_SSL_CACERT_BADFILE, ErrorCode::kFailedPrecondition},
      {CURLE_SSL_CERTPROBLEM, ErrorCode::kFailedPrecondition},
      {CURLE_SSL_PINNEDPUBKEYNOTMATCH, ErrorCode::kFailedPrecondition},
      {CURLE_WRITE_ERROR, ErrorCode::kDataLoss},
      {CURLE_FILESIZE_EXCEEDED, ErrorCode::kDataLoss},
      {CURLE_BAD_CONTENT_ENCODING, ErrorCode::kDataLoss},
      {CURLE_ABORTED_BY_CALLBACK, ErrorCode::kCancelled},
      {CURLE_UNSUPPORTED_PROTOCOL, ErrorCode::kInvalidArgument},
      {CURLE_URL_MALFORMAT, ErrorCode::kInvalidArgument},
      {CURLE_NOT_BUILT_IN, ErrorCode::kUnimplemented},
      {CURLE_OUT_OF_MEMORY, ErrorCode::kInternal},
      {CURLE_BAD_FUNCTION_ARGUMENT, ErrorCode::kInternal},
      {CURLE_FTP_WEIRD_PASV_REPLY, ErrorCode::kInternal},  // anything unexpected
  };
  for (const Row& row : rows) {
    INFO("CURLcode " << static_cast<int>(row.curl) << " (" << curl_easy_strerror(row.curl) << ")");
    CHECK(ErrorCodeForCurl(row.curl) == row.expected);
  }
}

TEST_CASE("HTTP statuses map to canonical codes", "[error_map]") {
  struct Row {
    int status;
    ErrorCode expected;
  };
  const Row rows[] = {
      {200, ErrorCode::kOk},
      {201, ErrorCode::kOk},
      {299, ErrorCode::kOk},
      {400, ErrorCode::kInvalidArgument},
      {413, ErrorCode::kInvalidArgument},
      {422, ErrorCode::kInvalidArgument},
      {401, ErrorCode::kUnauthenticated},
      {403, ErrorCode::kPermissionDenied},
      {404, ErrorCode::kNotFound},
      {408, ErrorCode::kDeadlineExceeded},
      {409, ErrorCode::kUnavailable},
      {429, ErrorCode::kResourceExhausted},
      {499, ErrorCode::kCancelled},
      {500, ErrorCode::kUnavailable},
      {501, ErrorCode::kUnimplemented},
      {502, ErrorCode::kUnavailable},
      {503, ErrorCode::kUnavailable},
      {504, ErrorCode::kUnavailable},
      {529, ErrorCode::kUnavailable},  // Anthropic's "overloaded"
      {599, ErrorCode::kUnavailable},
      {405, ErrorCode::kFailedPrecondition},
      {418, ErrorCode::kFailedPrecondition},
      {301, ErrorCode::kFailedPrecondition},  // redirects are never followed
      {307, ErrorCode::kFailedPrecondition},
      {100, ErrorCode::kInternal},
      {0, ErrorCode::kInternal},
  };
  for (const Row& row : rows) {
    INFO("HTTP " << row.status);
    CHECK(ErrorCodeForHttpStatus(row.status) == row.expected);
  }
}

TEST_CASE("retryable codes are exactly the transient ones", "[error_map]") {
  CHECK(prsm::Error(ErrorCode::kUnavailable, "").retryable());
  CHECK(prsm::Error(ErrorCode::kResourceExhausted, "").retryable());
  CHECK(prsm::Error(ErrorCode::kDeadlineExceeded, "").retryable());
  CHECK_FALSE(prsm::Error(ErrorCode::kInvalidArgument, "").retryable());
  CHECK_FALSE(prsm::Error(ErrorCode::kDataLoss, "").retryable());
  CHECK_FALSE(prsm::Error(ErrorCode::kUnauthenticated, "").retryable());
  CHECK_FALSE(prsm::Error(ErrorCode::kFailedPrecondition, "").retryable());
  CHECK_FALSE(prsm::Error(ErrorCode::kCancelled, "").retryable());
}
