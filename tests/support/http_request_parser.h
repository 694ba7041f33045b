// http_request_parser.h — incremental HTTP/1.x request parser (RFC 9112 subset).
//
// Fed the bytes received on one connection, it reports "need more", "here is a complete
// request" or "this is not HTTP we accept" with the status to answer. It holds no socket and does
// no I/O, so it can be tested on strings and reused by any transport.
//
// Accepted: HTTP/1.0 and HTTP/1.1; origin-form, absolute-form and "*" targets; header lines
// ending in CRLF or bare LF; empty lines before the request line; bodies framed by
// Content-Length. Rejected with the status the server should send (and then close):
//   400 malformed request line, header line, obs-fold, bad or conflicting Content-Length;
//   411 any Transfer-Encoding (chunked bodies are not supported — see fake_provider_server.h);
//   413 Content-Length above the body limit;  431 head above the head limit;
//   505 an HTTP version other than 1.0/1.1.
#ifndef PRSM_TESTS_SUPPORT_HTTP_REQUEST_PARSER_H_
#define PRSM_TESTS_SUPPORT_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_message.h"

namespace prsm::testing::fake {

class HttpRequestParser {
 public:
  struct Limits {
    std::size_t max_head_bytes = std::size_t{64} << 10;
    std::uint64_t max_body_bytes = std::uint64_t{64} << 20;
  };
  enum class Status { kIncomplete, kComplete, kError };

  HttpRequestParser() = default;
  explicit HttpRequestParser(Limits limits) : limits_(limits) {}

  /// Parses the request at the start of `*buffer` (everything received and not yet consumed).
  /// kIncomplete: more bytes are needed; `*buffer` is untouched. kComplete: `*request` holds the
  /// request, its bytes were removed from the front of `*buffer` (pipelined bytes stay), and the
  /// parser is reset for the next request. kError: `error_status()`/`error_message()` say why;
  /// the connection must be closed after answering, as the framing is lost.
  Status Parse(std::string* buffer, HttpRequest* request);

  /// True once per request, when the head announced a body, asked `Expect: 100-continue`, and the
  /// body has not fully arrived: the caller should send "HTTP/1.1 100 Continue" now.
  bool TakeContinueRequest();

  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

  /// Forgets any partial request.
  void Reset();

 private:
  Status Fail(int status, std::string message);
  Status ParseHead(std::string_view head);
  Status ParseRequestLine(std::string_view line);
  Status ParseHeaderLine(std::string_view line);

  Limits limits_;
  std::size_t start_ = 0;     // Offset of the request line (after skipped empty lines).
  std::size_t scan_pos_ = 0;  // Start of the first line not yet examined for the end of head.
  bool head_parsed_ = false;
  std::size_t head_end_ = 0;  // Offset just past the empty line ending the head.
  std::uint64_t content_length_ = 0;
  bool seen_content_length_ = false;
  bool expects_continue_ = false;
  bool continue_sent_ = false;
  HttpRequest head_;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_HTTP_REQUEST_PARSER_H_
