/// \file
/// prsm/provider.h — how prsm talks to a model server.
///
/// A `Provider` is a codec, not a client: it turns a vendor-neutral `CompletionRequest` into an
/// `HttpRequest` and an `HttpResponse` back into a `Completion`. It does no I/O, owns no thread,
/// never blocks. The orchestrator's event loop does the transfer, the timeouts and the retries,
/// so every provider gets them alike. Built-in codecs come from factories such as
/// `MakeOpenAIProvider()` (prsm/providers/openai.h); hosts may write their own.
///
/// A model that is not behind HTTP (an in-process model, a replay of recorded answers) plugs in
/// as an `InProcessProvider`, which the orchestrator drives the same way.
///
/// Thread safety: the orchestrator calls a Provider's methods on its loop thread, possibly for
/// many requests in a row; implementations must be safe to call concurrently on a const object
/// (other orchestrators may share it). Lifetime: shared via std::shared_ptr; the orchestrator
/// keeps it until it is destroyed.
/// Errors: methods return `Result`; a method that throws is caught and turned into kInternal.
#ifndef PRSM_PROVIDER_H_
#define PRSM_PROVIDER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// One HTTP header. Names compare case-insensitively where prsm looks them up.
struct HttpHeader {
  std::string name;   ///< e.g. "Authorization"; sent as written.
  std::string value;  ///< Sent as written; may be a secret.

  /// Exact equality of name and value (for tests and comparisons, not lookups).
  friend bool operator==(const HttpHeader& a, const HttpHeader& b) {
    return a.name == b.name && a.value == b.value;
  }
  /// Negation of operator==.
  friend bool operator!=(const HttpHeader& a, const HttpHeader& b) { return !(a == b); }
};

/// What a provider asks the event loop to send. Header values may hold secrets (API keys);
/// prsm never copies them into errors, logs or metrics.
struct HttpRequest {
  std::string method = "POST";      ///< The HTTP method.
  std::string url;                  ///< Absolute http:// or https:// URL.
  std::vector<HttpHeader> headers;  ///< Sent in this order.
  std::string body;                 ///< Sent as is (usually JSON).
};

/// What came back. `body` is complete (size-capped by the orchestrator's options).
struct HttpResponse {
  int status = 0;                   ///< The HTTP status code.
  std::vector<HttpHeader> headers;  ///< As received, in order.
  std::string body;                 ///< The whole body (decompressed).

  /// The first header of that name (case-insensitive), or an empty view.
  PRSM_EXPORT std::string_view Header(std::string_view name) const noexcept;
};

/// Decodes one streaming response body. Created per attempt by Provider::NewStreamDecoder and
/// used by one thread at a time (the orchestrator's loop thread); it needs no locking.
class PRSM_EXPORT StreamDecoder {
 public:
  virtual ~StreamDecoder();

  /// Decodes the next bytes of a 2xx streaming body, which may be split anywhere (inside a
  /// line, a JSON value or a UTF-8 sequence). Appends every event completed by these bytes to
  /// `events`. Errors: kDataLoss for data that is not the vendor's stream format, or the
  /// vendor's own error when the stream carries one; after an error the decoder is done.
  virtual Result<void> Feed(std::string_view bytes, std::vector<StreamEvent>& events) = 0;

  /// The body has ended. Appends the events of anything the end completes (a last record that
  /// had no line terminator, say) to `events`, and returns the whole answer assembled from the
  /// stream (text, tool calls, finish reason, usage, model, id). Errors: kUnavailable when the
  /// stream stopped before the vendor's end marker (a truncated stream), kDataLoss when it ends
  /// inside an event.
  virtual Result<Completion> Finish(std::vector<StreamEvent>& events) = 0;
};

/// The HTTP codec interface. See the file comment for the threading contract.
class PRSM_EXPORT Provider {
 public:
  virtual ~Provider();

  /// A stable id ("openai", "local-vllm"); `ModelSpec::provider` refers to it.
  virtual std::string_view id() const noexcept = 0;

  /// Encodes `request` for the wire. Errors: kInvalidArgument for requests the vendor cannot
  /// express, kUnimplemented for features it lacks.
  virtual Result<HttpRequest> BuildRequest(const CompletionRequest& request) const = 0;

  /// Decodes a 2xx response. Errors: kDataLoss for a body that is not the expected JSON;
  /// the vendor's code for an error object inside a 2xx.
  virtual Result<Completion> ParseResponse(const HttpResponse& response) const = 0;

  /// Refines the error for a non-2xx response. `mapped` already carries the canonical code for
  /// the status (prsm's one mapping table), the status and Retry-After; the default returns it
  /// unchanged. Override to add the vendor's message from the body, or to correct the code
  /// where the vendor's body says more (e.g. a 429 that is an exhausted quota, not a rate limit).
  virtual Error ParseError(const HttpResponse& response, Error mapped) const;

  /// A decoder for the 2xx response to a request built with `CompletionRequest::stream` set.
  /// Default: nullptr, meaning this provider cannot stream (such attempts fail with
  /// kUnimplemented). Non-2xx responses to streaming requests still go to ParseError.
  virtual std::unique_ptr<StreamDecoder> NewStreamDecoder() const;
};

/// Receives the outcome of an `InProcessProvider` call. May be called from any thread, exactly
/// once per call.
using CompletionCallback = std::function<void(Result<Completion>)>;

/// A model that is not behind HTTP: an in-process model, a replay of recorded answers, a test
/// double. The orchestrator calls `Call()` on its loop thread and accounts for the result like
/// any other attempt (latency, tokens, cost at the model's prices).
class PRSM_EXPORT InProcessProvider {
 public:
  virtual ~InProcessProvider();

  /// A stable id; `ModelSpec::provider` refers to it. Shares the namespace of `Provider` ids.
  virtual std::string_view id() const noexcept = 0;

  /// Starts answering `request`. Must not block: do slow work elsewhere and call `done` later,
  /// from any thread, exactly once. Calling it before returning is allowed; the orchestrator
  /// defers its own work. If the attempt is cancelled meanwhile, the late result is ignored.
  virtual void Call(const CompletionRequest& request, CompletionCallback done) = 0;
};

}  // namespace prsm

#endif  // PRSM_PROVIDER_H_
