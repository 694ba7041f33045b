#include "net/transfer.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "net/error_map.h"

namespace prsm::net {
namespace {

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

std::string_view TrimLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ' ||
                           line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// The request's headers as a libcurl list, plus the lines prsm adds. Errors: kInvalidArgument
// for a header that would inject another (CR or LF in it); kInternal when out of memory.
Result<SlistPtr> BuildHeaderList(const std::vector<HttpHeader>& request_headers,
                                 const std::string& user_agent_header) {
  SlistPtr list;
  bool has_user_agent = false;
  std::string line;
  auto append = [&list](const char* text) {
    curl_slist* grown = curl_slist_append(list.get(), text);  // copies `text`
    if (grown == nullptr) return false;
    (void)list.release();
    list.reset(grown);
    return true;
  };
  for (const HttpHeader& header : request_headers) {
    has_user_agent = has_user_agent || EqualsIgnoreCase(header.name, "user-agent");
    // A CR or LF would let a value smuggle in another header or a second request.
    if (header.name.empty() || HasLineBreak(header.name) || HasLineBreak(header.value)) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("invalid HTTP header name '{}' or a line break in its value",
                      HasLineBreak(header.name) ? "(contains a line break)" : header.name));
    }
    line.assign(header.name).append(header.value.empty() ? ";" : ": ").append(header.value);
    if (!append(line.c_str())) {
      return Error(ErrorCode::kInternal, "out of memory building the header list");
    }
  }
  // libcurl 7.88 adds "Expect: 100-continue" to HTTP/1.1 bodies over 1 MiB, costing a round
  // trip on long prompts; no LLM API needs it. The User-Agent goes in as a plain line too:
  // CURLOPT_USERAGENT would be re-formatted through curl's printf on every request.
  if (!append("Expect:") || (!has_user_agent && !append(user_agent_header.c_str()))) {
    return Error(ErrorCode::kInternal, "out of memory building the header list");
  }
  return list;
}

}  // namespace

Transfer::Transfer(EasyPtr easy) : easy_(std::move(easy)) {}

Result<void> Transfer::Prepare(TransferId id, HttpRequest request, const TransferOptions& options,
                               const TransferSettings& settings) {
  if (request.url.empty()) return Error(ErrorCode::kInvalidArgument, "request has no URL");
  // A recycled handle usually serves the same provider again: keep its header list when the
  // headers are the same, instead of rebuilding it (two allocations per header).
  if (!request_headers_ || request.headers != list_headers_) {
    auto built = BuildHeaderList(request.headers, settings.user_agent_header);
    if (!built) return std::move(built).error();
    request_headers_ = std::move(*built);
    list_headers_ = std::move(request.headers);
  }

  id_ = id;
  request_body_ = std::move(request.body);
  max_response_bytes_ = options.max_response_bytes;
  on_data_ = options.on_data;
  stream_state_ = on_data_ ? StreamState::kUndecided : StreamState::kCollecting;

  CURL* e = easy_.get();
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode code) {
    if (rc == CURLE_OK) rc = code;
  };
  if (!configured_) {
    // Options that never change for this handle are set once: a recycled handle keeps them
    // (Reset() does not call curl_easy_reset, which costs as much as the rest of a set-up).
    set(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));  // signals and threads do not mix
    set(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnBody));
    set(curl_easy_setopt(e, CURLOPT_WRITEDATA, this));
    set(curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader));
    set(curl_easy_setopt(e, CURLOPT_HEADERDATA, this));
    set(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer_));
    set(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(settings.connect_timeout.count())));
    // h2 via ALPN on TLS connections; cleartext stays HTTP/1.1 (no blind h2c upgrade).
    set(curl_easy_setopt(
        e, CURLOPT_HTTP_VERSION,
        static_cast<long>(settings.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1)));
    set(curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""));  // whatever this libcurl decodes
    set(curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L));
    set(curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L));  // never replay credentials elsewhere
#if LIBCURL_VERSION_NUM >= 0x075500
    set(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
#else
    set(curl_easy_setopt(e, CURLOPT_PROTOCOLS,
                         static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
    // TLS peer and host verification stay at libcurl's default (on); a host may only choose
    // which CAs to trust.
    if (!settings.ca_bundle_path.empty()) {
      set(curl_easy_setopt(e, CURLOPT_CAINFO, settings.ca_bundle_path.c_str()));
    }
    configured_ = rc == CURLE_OK;
  }
  // The id, not a pointer: a message about a handle can never lead to a recycled Transfer.
  set(curl_easy_setopt(e, CURLOPT_PRIVATE,
                       reinterpret_cast<void*>(static_cast<std::uintptr_t>(id))));
  set(curl_easy_setopt(e, CURLOPT_URL, request.url.c_str()));
  // Every method option is set each time, since the handle may have served another method.
  if (request.method == "GET") {
    set(curl_easy_setopt(e, CURLOPT_HTTPGET, 1L));
    set(curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr));
  } else {
    set(curl_easy_setopt(e, CURLOPT_POST, 1L));
    set(curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
                         request.method == "POST" ? nullptr : request.method.c_str()));
    // Not copied by libcurl: request_body_ lives as long as the handle is in use.
    set(curl_easy_setopt(e, CURLOPT_POSTFIELDS, request_body_.data()));
    set(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request_body_.size())));
  }
  set(curl_easy_setopt(e, CURLOPT_HTTPHEADER, request_headers_.get()));
  set(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count())));
  set(curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                       static_cast<curl_off_t>(options.max_response_bytes)));
  // Wait for a pending connection to tell whether it multiplexes rather than open another.
  // Only over TLS, where ALPN answers during the handshake: on cleartext HTTP/1.1 libcurl
  // would hold every new transfer until the first response came back, serialising a fan-out
  // to a local server behind its slowest first answer.
  set(curl_easy_setopt(e, CURLOPT_PIPEWAIT,
                       settings.http2 && StartsWithIgnoreCase(request.url, "https://") ? 1L : 0L));
  if (rc != CURLE_OK) {
    return Error(ErrorCodeForCurl(rc) == ErrorCode::kInvalidArgument ? ErrorCode::kInvalidArgument
                                                                     : ErrorCode::kInternal,
                 fmt::format("could not configure the transfer: {}", curl_easy_strerror(rc)));
  }
  return {};
}

std::size_t Transfer::OnBody(char* data, std::size_t size, std::size_t count, void* self) noexcept {
  return static_cast<Transfer*>(self)->AppendBody(data, size * count);
}

std::size_t Transfer::OnHeader(char* data, std::size_t size, std::size_t count,
                               void* self) noexcept {
  return static_cast<Transfer*>(self)->AppendHeader(data, size * count);
}

std::size_t Transfer::AppendBody(const char* data, std::size_t length) {
  if (stream_state_ == StreamState::kUndecided) {
    // Only a successful response streams; an error body is collected whole for ParseError.
    long status = 0;
    curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
    stream_state_ =
        status >= 200 && status < 300 ? StreamState::kStreaming : StreamState::kCollecting;
  }
  if (response_body_.size() + streamed_bytes_ + length > max_response_bytes_) {
    over_limit_ = true;
    return 0;  // any count but `length` makes libcurl abort with CURLE_WRITE_ERROR
  }
  try {
    if (stream_state_ == StreamState::kStreaming) {
      // Handed over after this libcurl call returns: the sink may call back into libcurl.
      if (stream_pending_.empty() && data_ready_ != nullptr) data_ready_->push_back(id_);
      stream_pending_.append(data, length);
      streamed_bytes_ += length;
    } else {
      response_body_.append(data, length);
    }
  } catch (...) {  // no exception may unwind through libcurl
    callback_failed_ = true;
    return 0;
  }
  return length;
}

void Transfer::TakeStreamData(std::string& out) {
  out.clear();
  out.swap(stream_pending_);
}

std::size_t Transfer::AppendHeader(const char* data, std::size_t length) {
  try {
    std::string_view line = TrimLine(std::string_view(data, length));
    if (line.substr(0, 5) == "HTTP/") {
      // A new status line: interim (1xx) headers belong to another response. A typical API
      // response carries a dozen headers: one allocation instead of five growth steps.
      response_headers_.clear();
      response_headers_.reserve(16);
      return length;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return length;
    std::string_view name = TrimLine(line.substr(0, colon));
    std::string_view value = TrimLine(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      std::size_t announced = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), announced);
      if (ec == std::errc() && end == value.data() + value.size()) {
        response_body_.reserve(std::min(announced, max_response_bytes_));
      }
    }
    response_headers_.push_back({std::string(name), std::string(value)});
  } catch (...) {
    callback_failed_ = true;
    return 0;
  }
  return length;
}

TransferResult Transfer::Finish(CURLcode code) {
  TransferResult result{HttpResponse{}, {}};
  curl_off_t total = 0;
  curl_off_t first_byte = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_TOTAL_TIME_T, &total);
  curl_easy_getinfo(easy_.get(), CURLINFO_STARTTRANSFER_TIME_T, &first_byte);
  result.timings.total = std::chrono::microseconds(total);
  result.timings.first_byte = std::chrono::microseconds(first_byte);

  if (over_limit_ || code == CURLE_FILESIZE_EXCEEDED) {
    result.response =
        Error(ErrorCode::kDataLoss, fmt::format("response body exceeds the limit of {} bytes "
                                                "(OrchestratorOptions::max_response_bytes)",
                                                max_response_bytes_));
    return result;
  }
  if (callback_failed_) {
    result.response = Error(ErrorCode::kInternal, "out of memory receiving the response");
    return result;
  }
  if (code != CURLE_OK) {
    std::string message = curl_easy_strerror(code);
    if (error_buffer_[0] != '\0') message += fmt::format(": {}", error_buffer_);
    result.response = Error(ErrorCodeForCurl(code), std::move(message));
    return result;
  }
  long status = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
  HttpResponse& response = *result.response;
  response.status = static_cast<int>(status);
  response.headers = std::move(response_headers_);
  response.body = std::move(response_body_);
  return result;
}

void Transfer::Reset() {
  // The handle keeps its constant options (see Prepare); drop the pointers into buffers that
  // are about to be cleared. Connections, DNS and TLS sessions belong to the multi handle.
  // The header list stays for the next request (see Prepare).
  curl_easy_setopt(easy_.get(), CURLOPT_POSTFIELDS, nullptr);
  id_ = 0;
  request_body_.clear();
  on_data_ = nullptr;
  stream_state_ = StreamState::kCollecting;
  stream_pending_.clear();
  streamed_bytes_ = 0;
  response_body_.clear();
  response_headers_.clear();
  max_response_bytes_ = 0;
  over_limit_ = false;
  callback_failed_ = false;
  error_buffer_[0] = '\0';
  done_ = nullptr;
}

}  // namespace prsm::net
