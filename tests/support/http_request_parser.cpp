#include "http_request_parser.h"

#include <utility>

namespace prsm::testing::fake {
namespace {

// RFC 9110 §5.6.2 token characters (method and field names).
bool IsTokenChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// Field values may hold any visible byte, obs-text (>= 0x80), SP and HTAB; other controls are
// how request smuggling and header injection start, so they are refused.
bool IsValidFieldValue(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The path of a request target: query and fragment dropped; absolute-form
// ("http://host:port/p?q") reduced to its path.
std::string PathOf(std::string_view target) {
  if (target.front() != '/' && target != "*") {
    const std::size_t scheme_end = target.find("://");
    const std::size_t path_start =
        scheme_end == std::string_view::npos ? 0 : target.find('/', scheme_end + 3);
    target =
        path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
  }
  const std::size_t end = target.find_first_of("?#");
  return std::string(target.substr(0, end));
}

// Parses a Content-Length value: 1*DIGIT, no sign, no list, no overflow.
bool ParseContentLength(std::string_view s, std::uint64_t* value) {
  if (s.empty() || s.size() > 19) return false;  // 19 digits always fit in uint64_t.
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *value = v;
  return true;
}

}  // namespace

void HttpRequestParser::Reset() {
  start_ = 0;
  scan_pos_ = 0;
  head_parsed_ = false;
  head_end_ = 0;
  content_length_ = 0;
  seen_content_length_ = false;
  expects_continue_ = false;
  continue_sent_ = false;
  head_ = HttpRequest{};
  error_status_ = 0;
  error_message_.clear();
}

HttpRequestParser::Status HttpRequestParser::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return Status::kError;
}

bool HttpRequestParser::TakeContinueRequest() {
  if (!head_parsed_ || !expects_continue_ || continue_sent_) return false;
  continue_sent_ = true;
  return true;
}

HttpRequestParser::Status HttpRequestParser::Parse(std::string* buffer, HttpRequest* request) {
  if (error_status_ != 0) return Status::kError;
  const std::string& buf = *buffer;

  if (!head_parsed_) {
    // Skip empty lines before the request line (RFC 9112 §2.2): some clients send a stray CRLF
    // after a body. They count toward the head limit, so a flood of them is still bounded.
    while (scan_pos_ == start_) {
      if (start_ < buf.size() && buf[start_] == '\n') {
        scan_pos_ = ++start_;
      } else if (start_ + 1 < buf.size() && buf[start_] == '\r' && buf[start_ + 1] == '\n') {
        scan_pos_ = start_ += 2;
      } else {
        break;
      }
    }
    // Look for the empty line that ends the head, resuming where the last call stopped so a
    // head arriving byte by byte costs O(n), not O(n^2).
    for (;;) {
      const std::size_t newline = buf.find('\n', scan_pos_);
      if (newline == std::string::npos) {
        if (buf.size() > limits_.max_head_bytes) {
          return Fail(431,
                      "request head exceeds " + std::to_string(limits_.max_head_bytes) + " bytes");
        }
        return Status::kIncomplete;
      }
      const std::size_t line_length = newline - scan_pos_;
      const bool empty = line_length == 0 || (line_length == 1 && buf[scan_pos_] == '\r');
      scan_pos_ = newline + 1;
      if (scan_pos_ > limits_.max_head_bytes) {
        return Fail(431,
                    "request head exceeds " + std::to_string(limits_.max_head_bytes) + " bytes");
      }
      if (empty) break;
    }
    head_end_ = scan_pos_;
    const Status status = ParseHead(std::string_view(buf).substr(start_, head_end_ - start_));
    if (status == Status::kError) return status;
    head_parsed_ = true;
  }

  const std::uint64_t available = buf.size() - head_end_;
  if (available < content_length_) return Status::kIncomplete;

  *request = std::move(head_);
  const auto body_length = static_cast<std::size_t>(content_length_);
  if (buf.size() == head_end_ + body_length) {
    // The usual case, no pipelined bytes behind the body: hand the buffer over instead of
    // copying a possibly large body.
    buffer->erase(0, head_end_);
    request->body = std::move(*buffer);
    buffer->clear();
  } else {
    request->body.assign(buf, head_end_, body_length);
    buffer->erase(0, head_end_ + body_length);
  }
  Reset();
  return Status::kComplete;
}

HttpRequestParser::Status HttpRequestParser::ParseHead(std::string_view head) {
  bool first = true;
  while (!head.empty()) {
    const std::size_t newline = head.find('\n');  // Present: the head ends with an empty line.
    std::string_view line = head.substr(0, newline);
    head.remove_prefix(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // The terminating empty line.
    if (line.find('\r') != std::string_view::npos) return Fail(400, "bare CR in request head");
    const Status status = first ? ParseRequestLine(line) : ParseHeaderLine(line);
    if (status == Status::kError) return status;
    first = false;
  }
  // HTTP/1.1 persists by default, HTTP/1.0 only on request; "close" always wins.
  bool keep_alive = head_.version_minor >= 1;
  if (const std::string* connection = head_.FindHeader("connection")) {
    std::string_view list = *connection;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string_view option = TrimOws(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (EqualsIgnoreCase(option, "close")) {
        keep_alive = false;
        break;
      }
      if (EqualsIgnoreCase(option, "keep-alive")) keep_alive = true;
    }
  }
  head_.keep_alive = keep_alive;
  if (content_length_ > limits_.max_body_bytes) {
    return Fail(413, "request body of " + std::to_string(content_length_) +
                         " bytes exceeds the limit of " + std::to_string(limits_.max_body_bytes) +
                         " bytes");
  }
  return Status::kComplete;
}

HttpRequestParser::Status HttpRequestParser::ParseRequestLine(std::string_view line) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "malformed request line");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Fail(400, "malformed request method");
  if (target.empty() || !IsValidFieldValue(target) || target.find('\t') != std::string_view::npos) {
    return Fail(400, "malformed request target");
  }
  if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Fail(400, "malformed HTTP version");
  }
  if (version[5] != '1' || version[7] > '1') {
    return Fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  }
  if (target.front() != '/' && target != "*" && target.find("://") == std::string_view::npos) {
    return Fail(400, "malformed request target");
  }
  head_.method.assign(method);
  head_.target.assign(target);
  head_.path = PathOf(target);
  head_.version_minor = version[7] - '0';
  return Status::kComplete;
}

HttpRequestParser::Status HttpRequestParser::ParseHeaderLine(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    return Fail(400, "obsolete header line folding is not accepted");
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Fail(400, "header line without a colon");
  const std::string_view name = line.substr(0, colon);
  if (!IsToken(name)) return Fail(400, "malformed header name");
  const std::string_view value = TrimOws(line.substr(colon + 1));
  if (!IsValidFieldValue(value)) return Fail(400, "control character in header value");

  if (EqualsIgnoreCase(name, "content-length")) {
    std::uint64_t length = 0;
    if (!ParseContentLength(value, &length)) return Fail(400, "malformed Content-Length");
    if (seen_content_length_ && length != content_length_) {
      return Fail(400, "conflicting Content-Length headers");
    }
    seen_content_length_ = true;
    content_length_ = length;
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    return Fail(411, "Transfer-Encoding request bodies are not supported; send Content-Length");
  } else if (EqualsIgnoreCase(name, "expect")) {
    // Only HTTP/1.1 clients may wait for 100 Continue; the request line is parsed already.
    expects_continue_ = EqualsIgnoreCase(value, "100-continue") && head_.version_minor >= 1;
  }
  head_.headers.emplace_back(std::string(name), std::string(value));
  return Status::kComplete;
}

}  // namespace prsm::testing::fake
