// One HTTP exchange on one libcurl easy handle: the options prsm sets on every attempt
// (cpp-anchors §4.3), the buffers libcurl writes into, and the noexcept C trampolines.
//
// A Transfer owns everything its easy handle points at (request body, header list, error
// buffer), so nothing the handle references can die before the handle is removed from the
// multi handle. Transfers are recycled by the executor; Reset() keeps the easy handle with its
// constant options, the last header list and the buffers' capacity.
//
// Thread safety: none; only the executor's loop thread touches a Transfer.
#ifndef PRSM_NET_TRANSFER_H_
#define PRSM_NET_TRANSFER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>

#include "net/curl_handles.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm::net {

using TransferId = std::uint64_t;

/// Settings shared by every transfer of one executor.
struct TransferSettings {
  bool http2 = true;
  std::string ca_bundle_path;  ///< Empty = the system's trust store.
  std::chrono::milliseconds connect_timeout{10000};
  /// "User-Agent: prsm/<version>", sent unless the request has its own.
  std::string user_agent_header;
};

/// Receives the body of a streaming transfer as it arrives (see TransferOptions::on_data).
using DataCallback = std::function<void(std::string_view bytes)>;

/// Limits of one transfer.
struct TransferOptions {
  std::chrono::milliseconds timeout{0};  ///< The whole exchange; 0 = no limit.
  /// Cap on the body: the whole of it, or everything streamed.
  std::size_t max_response_bytes = std::size_t{16} << 20;
  /// Set for a streaming transfer: the body of a 2xx response goes here, run by run, on the
  /// loop thread and outside any libcurl call (so it may cancel transfers), and the final
  /// TransferResult has an empty body. Other statuses are collected as usual (for the error).
  DataCallback on_data;
};

struct TransferTimings {
  std::chrono::microseconds total{0};       ///< Start to last byte.
  std::chrono::microseconds first_byte{0};  ///< Start to the first response byte.
};

/// A finished transfer: a response with any HTTP status, or a transport error already mapped
/// to its ErrorCode (net/error_map.h).
struct TransferResult {
  Result<HttpResponse> response;
  TransferTimings timings;
};

using TransferCallback = std::function<void(TransferResult)>;

class Transfer {
 public:
  explicit Transfer(EasyPtr easy);
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  /// Configures the easy handle for `request`. Errors: kInvalidArgument for a header that
  /// would inject another (CR or LF in it) or an empty URL; kInternal if libcurl refuses an
  /// option.
  Result<void> Prepare(TransferId id, HttpRequest request, const TransferOptions& options,
                       const TransferSettings& settings);
  void SetCallback(TransferCallback done) { done_ = std::move(done); }

  /// Collects the outcome after libcurl reported `code` for this handle.
  TransferResult Finish(CURLcode code);

  /// Streaming: where to record this transfer's id when unread body bytes arrive. The executor
  /// drains that list after each libcurl call with TakeStreamData().
  void set_data_ready_list(std::vector<TransferId>* list) noexcept { data_ready_ = list; }
  /// Streaming: moves the unread body bytes into `out` (cleared first).
  void TakeStreamData(std::string& out);
  /// Streaming: the sink; moved out while it runs, so that cancelling this very transfer from
  /// inside it cannot destroy the function being called.
  DataCallback TakeDataCallback() { return std::move(on_data_); }
  void RestoreDataCallback(DataCallback sink) { on_data_ = std::move(sink); }

  /// Forgets the last exchange so the handle can serve the next one.
  void Reset();

  CURL* easy() const noexcept { return easy_.get(); }
  TransferId id() const noexcept { return id_; }
  TransferCallback TakeCallback() { return std::move(done_); }

 private:
  static std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* self) noexcept;
  static std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* self) noexcept;
  std::size_t AppendBody(const char* data, std::size_t length);
  std::size_t AppendHeader(const char* data, std::size_t length);

  EasyPtr easy_;
  TransferId id_ = 0;
  // Request side: libcurl reads these until the handle leaves the multi handle.
  std::string request_body_;
  SlistPtr request_headers_;
  std::vector<HttpHeader> list_headers_;  // what request_headers_ was built from
  // Response side, filled by the trampolines.
  std::string response_body_;
  std::vector<HttpHeader> response_headers_;
  std::size_t max_response_bytes_ = 0;
  std::size_t streamed_bytes_ = 0;
  // Streaming: the sink, whether this response streams (decided at the first body byte, from
  // the status), unread bytes, and the executor's list of transfers with unread bytes.
  DataCallback on_data_;
  enum class StreamState : std::uint8_t {
    kUndecided,
    kStreaming,
    kCollecting
  } stream_state_ = StreamState::kUndecided;
  std::string stream_pending_;
  std::vector<TransferId>* data_ready_ = nullptr;
  bool over_limit_ = false;
  bool callback_failed_ = false;  // an allocation failed inside a trampoline
  bool configured_ = false;       // the handle's constant options are set
  char error_buffer_[CURL_ERROR_SIZE] = {};
  TransferCallback done_;
};

}  // namespace prsm::net

#endif  // PRSM_NET_TRANSFER_H_
